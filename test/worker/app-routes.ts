import { createApp } from "../../worker/app";

export interface AppRoute {
  method: string;
  /** Hono's form: `/v1/tasks/:id`. */
  path: string;
}

/** Every route the app answers (method and path once each; middleware left out). */
export function appRoutes(): AppRoute[] {
  const seen = new Map<string, AppRoute>();
  for (const { method, path } of createApp().routes) {
    if (method !== "ALL") seen.set(`${method} ${path}`, { method, path });
  }
  return [...seen.values()];
}

/** `/admin/tenants/:id/keys/:keyId` with the given values in place of its parameters. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_, name: string) => values[name] ?? crypto.randomUUID());
}
