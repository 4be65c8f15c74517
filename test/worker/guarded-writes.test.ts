import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb, type Db } from "../../worker/db/client";
import { deleteTask, findTask, updateTask } from "../../worker/db/tasks-repo";
import { findUser, updateUser } from "../../worker/db/users-repo";
import { ApiError } from "../../worker/errors";
import { createTask, createTenant, createUser, generousQuota } from "./helpers";

/**
 * Writes compute their answer from a row read before the batch and re-check that row in SQL.
 * Here a concurrent writer changes the row right before each of the first `times` batches.
 */
function raceBatches(db: Db, times: number, concurrentWrite: () => Promise<unknown>): Db {
  const realBatch = db.batch.bind(db);
  let raced = 0;
  db.batch = (async (statements: Parameters<typeof realBatch>[0]) => {
    if (raced++ < times) await concurrentWrite();
    return realBatch(statements);
  }) as unknown as typeof db.batch;
  return db;
}

const bumpTask = (id: string) => () => env.DB.prepare("UPDATE tasks SET description = 'concurrent', version = version + 1 WHERE id = ?").bind(id).run();

describe("read-then-guarded writes", () => {
  it("an update without If-Match that loses a race reads again and applies on top of the other write", async () => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant, { title: "t" });
    const db = raceBatches(createDb(env.DB), 1, bumpTask(task.id));
    const row = await updateTask(db, tenant.id, task.id, { title: "mine" }, undefined, Date.now());
    expect(row).toMatchObject({ title: "mine", description: "concurrent", version: 3 });
    expect(await findTask(createDb(env.DB), tenant.id, task.id)).toMatchObject({ title: "mine", description: "concurrent", version: 3 });
  });

  it("with If-Match the lost race is a stale precondition; after three lost races a 409, nothing written", async () => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant, { title: "t" });
    const stale = await updateTask(raceBatches(createDb(env.DB), 1, bumpTask(task.id)), tenant.id, task.id, { title: "mine" }, 1, Date.now());
    expect(stale).toBe("stale");

    const losing = updateTask(raceBatches(createDb(env.DB), 3, bumpTask(task.id)), tenant.id, task.id, { title: "never" }, undefined, Date.now());
    await expect(losing).rejects.toSatisfy((err) => err instanceof ApiError && err.status === 409);
    expect(await findTask(createDb(env.DB), tenant.id, task.id)).toMatchObject({ title: "t", version: 5 });
  });

  it("a delete whose If-Match went stale in between deletes nothing", async () => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant);
    const result = await deleteTask(raceBatches(createDb(env.DB), 1, bumpTask(task.id)), tenant.id, task.id, 1);
    expect(result).toBe("stale");
    expect(await findTask(createDb(env.DB), tenant.id, task.id)).toBeDefined();
  });

  it("a user update that loses a race to another update keeps the other update's field", async () => {
    const tenant = await createTenant(generousQuota);
    const user = await createUser(tenant);
    const rename = () => env.DB.prepare("UPDATE users SET name = 'Concurrent', updated_at = updated_at + 1 WHERE id = ?").bind(user.id).run();
    const row = await updateUser(raceBatches(createDb(env.DB), 1, rename), tenant.id, user.id, { email: "new@example.com" }, Date.now());
    expect(row).toMatchObject({ email: "new@example.com", name: "Concurrent" });
    expect(await findUser(createDb(env.DB), tenant.id, user.id)).toMatchObject({ email: "new@example.com", name: "Concurrent" });
  });
});
