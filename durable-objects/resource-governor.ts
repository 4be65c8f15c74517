import { DurableObject } from "cloudflare:workers";
import { configOf } from "../worker/config";
import type { DemandReport, GovernorReply, GovernorView } from "./contracts/governor";
import { GovernorCore, resumable, type GovernorSnapshot } from "./governor/governor-core";

const SNAPSHOT_KEY = "governor";
/** Hot-path writes: no reply waits for them. */
const UNCONFIRMED = { allowUnconfirmed: true } as const;

/**
 * The one ResourceGovernor (DESIGN.md section 8), addressed by idFromName(GOVERNOR_NAME). The
 * decisions live in GovernorCore (pure); this class wires them to the runtime:
 *
 * - report(): each controller's demand, about once a second, answered at once with its cap.
 * - alarm(): the once-a-second tick (contention, budget, forgetting silent tenants), armed
 *   by a report while none is pending and re-armed only while tenants are known, so an idle
 *   fleet costs nothing.
 * - Storage: the budget and the no-load baseline, written (unconfirmed) when a tick changes
 *   them, so a governor restarted within 2.5 s of a change resumes its budget instead of
 *   starting at DB_MAX_CONNECTIONS (older, only the baseline: `resumable`); tenants' demands
 *   are not stored, they come back with the next reports.
 * - DB_MAX_CONNECTIONS (parsed in worker/config.ts) is the budget's ceiling; a stored budget
 *   above a lowered ceiling is clamped to it.
 */
export class ResourceGovernor extends DurableObject<Env> {
  private core: GovernorCore;
  private readonly intervalMs: number;
  private alarmAt: number | null = null;
  private stored = "";

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // An invalid var throws here, naming it.
    const maxBudget = configOf(env).resources.dbMaxConnections;
    this.core = new GovernorCore({ maxBudget });
    this.intervalMs = 1000;
    void ctx.blockConcurrencyWhile(async () => {
      const [snapshot, alarmAt] = await Promise.all([ctx.storage.get<GovernorSnapshot>(SNAPSHOT_KEY), ctx.storage.getAlarm()]);
      this.alarmAt = alarmAt;
      if (snapshot) {
        this.core = new GovernorCore({ maxBudget }, resumable(snapshot, Date.now()));
        this.stored = JSON.stringify(this.core.snapshot());
      }
    });
  }

  /** A controller's demand; the answer is its cap. */
  async report(report: DemandReport): Promise<GovernorReply> {
    const reply = this.core.report(report, Date.now());
    if (this.alarmAt === null) this.setAlarm(Date.now() + this.intervalMs);
    return reply;
  }

  /** GET /admin/governor, and the governor's metrics. */
  async view(): Promise<GovernorView> {
    return this.core.view(Date.now());
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    this.core.tick(now);
    const snapshot = JSON.stringify(this.core.snapshot());
    if (snapshot !== this.stored) {
      this.stored = snapshot;
      void this.ctx.storage.put(SNAPSHOT_KEY, this.core.snapshot(now), UNCONFIRMED);
    }
    if (this.core.tenantCount > 0) this.setAlarm(now + this.intervalMs);
  }

  private setAlarm(at: number): void {
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at, UNCONFIRMED);
  }
}
