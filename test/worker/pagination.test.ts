import { describe, expect, it } from "vitest";
import { call, createTask, createTenant, generousQuota, json } from "./helpers";

interface Page {
  data: { id: string; title: string }[];
  nextCursor: string | null;
}

describe("cursor pagination", () => {
  for (const sort of ["-createdAt", "createdAt", "dueDate", "-dueDate", "updatedAt", "-updatedAt"]) {
    it(`visits every row exactly once while rows are inserted between pages (sort=${sort})`, async () => {
      const tenant = await createTenant(generousQuota);
      const original = new Set<string>();
      for (let i = 0; i < 12; i++) {
        // Some share a due date, some have none: ties and NULLs are the hard cases.
        const dueDate = i % 3 === 0 ? null : `2030-01-0${(i % 2) + 1}T00:00:00Z`;
        original.add((await createTask(tenant, { title: `t${i}`, dueDate })).id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `sort=${sort}&limit=5${cursor ? `&cursor=${cursor}` : ""}`;
        const res = await call("GET", `/v1/tasks?${query}`, { token: tenant.apiKey });
        expect(res.status).toBe(200);
        const page: Page = await json<Page>(res);
        seen.push(...page.data.map((t) => t.id));
        cursor = page.nextCursor;
        // Writers keep going between pages.
        await createTask(tenant, { title: `inserted-${pages}`, dueDate: pages % 2 ? null : "2030-01-01T00:00:00Z" });
        pages++;
      } while (cursor && pages < 50);

      expect(new Set(seen).size).toBe(seen.length);
      for (const id of original) expect(seen).toContain(id);
    });
  }

  it("the last page has no cursor and a page never exceeds the limit", async () => {
    const tenant = await createTenant(generousQuota);
    for (let i = 0; i < 3; i++) await createTask(tenant);
    const first = await json<Page>(await call("GET", "/v1/tasks?limit=2", { token: tenant.apiKey }));
    expect(first.data).toHaveLength(2);
    const second = await json<Page>(await call("GET", `/v1/tasks?limit=2&cursor=${first.nextCursor}`, { token: tenant.apiKey }));
    expect(second.data).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
  });
});
