import { DurableObject } from "cloudflare:workers";

/** Placeholder until the monitoring issue lands: the binding exists so the layout is stable. */
export class Monitor extends DurableObject<Env> {}
