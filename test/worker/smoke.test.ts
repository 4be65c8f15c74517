import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";
it("serves healthz and has tables", async () => {
  const res = await exports.default.fetch("http://x/healthz");
  expect(res.status).toBe(200);
  const r = await env.DB.prepare("select count(*) as n from sqlite_master where name='tasks_fts'").first<{n:number}>();
  expect(r?.n).toBe(1);
  const fk = await env.DB.prepare("pragma foreign_keys").first();
  console.log(fk);
});
