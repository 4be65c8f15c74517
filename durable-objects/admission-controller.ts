import { DurableObject } from "cloudflare:workers";

/** Placeholder until the admission issue lands: the binding exists so the layout is stable. */
export class AdmissionController extends DurableObject<Env> {}
