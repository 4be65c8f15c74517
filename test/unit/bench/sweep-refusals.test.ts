import { describe, expect, it } from "vitest";
import { QuotaOverridesSchema } from "../../../worker/schemas/quota";
import { refusalWarning, SWEEP_QUOTA, tallyRefusals } from "../../../bench/lib/sweep-refusals";

const ORIGIN = "http://127.0.0.1:8787";

describe("loadtest refusal warning", () => {
  it("counts 429s and 503s over every step of the sweep", () => {
    const tally = tallyRefusals([{ statusCounts: { "200": 5, "429": 90 } }, { statusCounts: { "429": 100, "503": 4, "0": 1 } }]);
    expect(tally).toEqual({ answers: 200, rateLimited: 190, overloaded: 4 });
  });

  it("says a sweep of mostly 429s measured the tenant's budget, and how to raise it", () => {
    const warning = refusalWarning({ answers: 1000, rateLimited: 995, overloaded: 0 }, ORIGIN);
    expect(warning).toContain("99.5 %");
    expect(warning).toContain("rate-limit budget (429)");
    expect(warning).toContain(`curl -s -X PUT ${ORIGIN}/admin/tenants/$TENANT/quota`);
  });

  it("names overload when 503s are most of the refusals", () => {
    const warning = refusalWarning({ answers: 100, rateLimited: 10, overloaded: 60 }, ORIGIN);
    expect(warning).toContain("overload shedding (503");
    expect(warning).not.toContain("rate-limit budget (429)");
  });

  it("stays quiet while at most half the answers are refusals", () => {
    expect(refusalWarning({ answers: 100, rateLimited: 30, overloaded: 20 }, ORIGIN)).toBeUndefined();
    expect(refusalWarning({ answers: 0, rateLimited: 0, overloaded: 0 }, ORIGIN)).toBeUndefined();
    expect(refusalWarning({ answers: 100, rateLimited: 30, overloaded: 21 }, ORIGIN)).toBeDefined();
  });

  it("suggests a quota the admin API accepts", () => {
    expect(QuotaOverridesSchema.safeParse(SWEEP_QUOTA).success).toBe(true);
    const warning = refusalWarning({ answers: 10, rateLimited: 10, overloaded: 0 }, ORIGIN) ?? "";
    const body = /-d '(\{.*\})'/.exec(warning)?.[1] ?? "";
    expect(QuotaOverridesSchema.safeParse(JSON.parse(body)).success).toBe(true);
  });
});
