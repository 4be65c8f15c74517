import type { CallOptions } from "./helpers";

type Send = (method: string, path: string, options?: CallOptions) => Promise<Response>;

/** One read every 1000 / `perSec` ms for `ms`: a steady rate, whatever the machine's speed. */
export async function pacedLoad(send: Send, apiKey: string, perSec: number, ms: number): Promise<Response[]> {
  const started = Date.now();
  const answers: Promise<Response>[] = [];
  for (let i = 0; Date.now() - started < ms; i++) {
    answers.push(send("GET", "/v1/tasks?limit=1", { token: apiKey }));
    const nextAt = started + ((i + 1) * 1000) / perSec;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextAt - Date.now())));
  }
  return Promise.all(answers);
}
