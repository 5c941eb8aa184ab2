/**
 * Reading a request body with a size limit: a declared Content-Length over the limit is refused
 * before any byte is read, and a body that grows past it while streaming stops being buffered at
 * once, so no client can make the server hold more than `limit` bytes per request.
 */
import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.js";

/** Thrown by {@link readBody} when the client goes away before the body ends. */
export class ClientGoneError extends Error {
  constructor() {
    super("the client closed the connection before the request body ended");
    this.name = "ClientGoneError";
  }
}

/**
 * Reads the whole body of `req`, at most `limit` bytes. Rejects with an E_BODY_TOO_LARGE HttpError
 * (413) past the limit and with a {@link ClientGoneError} when the client disconnects first.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = (n: string) =>
    new HttpError("E_BODY_TOO_LARGE", `the request body is ${n} bytes, more than this server's limit of ${limit} bytes (--max-body-bytes); send fewer or shorter texts per request`, {
      field: "body",
    });
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(String(declared)));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (e: unknown, value?: Buffer) => {
      if (done) return;
      done = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      req.off("error", onClose);
      if (e) reject(e);
      else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        finish(tooLarge(`over ${limit}`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    const onClose = () => finish(new ClientGoneError());
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
    req.on("error", onClose);
  });
}
