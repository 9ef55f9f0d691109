/**
 * Reading a PutObject body: the SDK accepts strings, bytes, Blobs, web streams and Node streams
 * (any async iterable), and the local S3 keeps bytes.
 *
 * @module
 */
import { unsupportedBody } from "./messages.ts";

/**
 * Reads a PutObject body of any of the SDK's accepted types into bytes.
 *
 * @example Usage
 * ```ts
 * import { bodyBytes } from "./body.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(await bodyBytes("hi"), new TextEncoder().encode("hi"));
 * assert.equal((await bodyBytes(undefined)).length, 0);
 * ```
 */
export async function bodyBytes(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array();
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return new Uint8Array(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  if (body instanceof ReadableStream) return new Uint8Array(await new Response(body).arrayBuffer());
  if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function") {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      chunks.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
    }
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
  throw unsupportedBody(body);
}
