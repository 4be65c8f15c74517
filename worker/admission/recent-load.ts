import type { LoadLevel } from "../../durable-objects/admission/contract";

/**
 * What this isolate last heard from each tenant's controller about its load level, for a
 * short while. It lets a handler degrade *before* asking the controller: a stats snapshot
 * already in memory needs no D1 and no slot, and a search the controller would make the
 * handler refuse need not cost a round trip first. Older news counts as "normal", so a
 * quiet tenant is never degraded on stale information. Pure: the clock is an argument.
 */
export class RecentLoad {
  private readonly levels = new Map<string, { level: LoadLevel; at: number }>();

  constructor(
    private readonly freshForMs = 2000,
    private readonly maxTenants = 10_000,
  ) {}

  note(tenantId: string, level: LoadLevel, now: number): void {
    if (level === "normal") {
      this.levels.delete(tenantId);
      return;
    }
    this.levels.delete(tenantId);
    this.levels.set(tenantId, { level, at: now });
    if (this.levels.size > this.maxTenants) this.levels.delete(this.levels.keys().next().value ?? tenantId);
  }

  level(tenantId: string, now: number): LoadLevel {
    const seen = this.levels.get(tenantId);
    return seen && now - seen.at < this.freshForMs ? seen.level : "normal";
  }
}
