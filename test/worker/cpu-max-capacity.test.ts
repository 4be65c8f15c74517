import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AdmissionController } from "../../durable-objects/admission-controller";
import { testQuota } from "../unit/admission/support";

/** The controller takes its saturation shedder's lag target from CPU_MAX_CAPACITY. */
describe("CPU_MAX_CAPACITY in the AdmissionController", () => {
  it("at the shipped 100 % the target is the calibrated 15 ms; a controller built with 40 % sheds above 6 ms", async () => {
    const stub = env.ADMISSION.get(env.ADMISSION.idFromName(`cpu-capacity-${crypto.randomUUID()}`));
    await stub.configure(testQuota());
    expect((await stub.state()).saturation?.targetMs).toBe(15);

    const targetMs = await runInDurableObject(stub, async (_instance: AdmissionController, state) => {
      const lower = new AdmissionController(state, { ...env, CPU_MAX_CAPACITY: "40" });
      await lower.configure(testQuota());
      return (await lower.state()).saturation?.targetMs;
    });
    expect(targetMs).toBe(6);
  });

  it("an invalid CPU_MAX_CAPACITY or PERFORMANCE_MONITORING_INTERVAL stops the controller with an error naming it", async () => {
    const stub = env.ADMISSION.get(env.ADMISSION.idFromName(`cpu-capacity-${crypto.randomUUID()}`));
    const errors = await runInDurableObject(stub, (_instance: AdmissionController, state) =>
      [{ CPU_MAX_CAPACITY: "0" }, { CPU_MAX_CAPACITY: "150" }, { PERFORMANCE_MONITORING_INTERVAL: "often" }].map((vars) => {
        try {
          new AdmissionController(state, { ...env, ...vars });
          return "constructed";
        } catch (error) {
          return String(error);
        }
      }),
    );
    expect(errors[0]).toMatch(/CPU_MAX_CAPACITY/);
    expect(errors[1]).toMatch(/CPU_MAX_CAPACITY/);
    expect(errors[2]).toMatch(/PERFORMANCE_MONITORING_INTERVAL/);
  });
});
