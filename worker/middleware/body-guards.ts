import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors";

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * 413 before the body is buffered: hono's bodyLimit trusts Content-Length when present and
 * otherwise counts the stream as it arrives, stopping at the limit.
 */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError("payload_too_large", `The request body exceeds ${MAX_BODY_BYTES} bytes`);
  },
});

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/** Writes must send JSON; a body of another type is 415, not a confusing 400. */
export const requireJsonBody = createMiddleware(async (c, next) => {
  const method = c.req.method;
  if (method === "POST" || method === "PUT" || method === "PATCH") {
    const type = c.req.header("content-type");
    const length = c.req.header("content-length");
    const hasBody = type !== undefined || (length !== undefined && length !== "0") || c.req.header("transfer-encoding") !== undefined;
    if (hasBody && !JSON_TYPE.test(type ?? "")) {
      throw new ApiError("unsupported_media_type", `Send the body as application/json (got ${type ? JSON.stringify(type) : "no content type"})`);
    }
  }
  await next();
});
