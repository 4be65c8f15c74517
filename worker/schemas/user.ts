import { z } from "@hono/zod-openapi";

export const UserSchema = z
  .object({ id: z.string(), email: z.string(), name: z.string(), createdAt: z.string(), updatedAt: z.string() })
  .openapi("User");

const email = z.email().max(254).transform((e) => e.toLowerCase());
const name = z.string().trim().min(1).max(200);

export const UserCreateSchema = z.strictObject({ email, name }).openapi("UserCreate");
export const UserUpdateSchema = z
  .strictObject({ email: email.optional(), name: name.optional() })
  .refine((patch) => Object.keys(patch).length > 0, "At least one field must be given")
  .openapi("UserUpdate");

export const UserListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});

export const UserListSchema = z.object({ data: z.array(UserSchema), nextCursor: z.string().nullable() }).openapi("UserList");

export type User = z.infer<typeof UserSchema>;
export type UserCreate = z.infer<typeof UserCreateSchema>;
export type UserUpdate = z.infer<typeof UserUpdateSchema>;
