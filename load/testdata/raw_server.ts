/**
 * A raw TCP server for tests of the HTTP clients: for each complete request it receives (head
 * and `Content-Length` body, on any connection), it calls `answer` with the request number and
 * writes back the chunks it returns, each in its own write with a short pause so that a
 * response arrives in several reads. `"close"` closes the connection instead of answering,
 * `"hang"` never answers, `{ chunks, thenClose: true }` answers and then closes.
 *
 * @module
 */

import { parseTarget, type Target } from "../target.ts";

/** What to do with request number `n`. */
export type RawAnswer = string[] | "close" | "hang" | { chunks: string[]; thenClose: true };

/** A running raw server. */
export interface RawServer {
  /** `http://127.0.0.1:<port>/invocations` as a target. */
  target: Target;
  /** Its URL. */
  url: string;
  /** Body sizes of the requests received, in order. */
  bodies: number[];
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * Starts a raw server on 127.0.0.1 (or `hostname`) at a free port.
 *
 * @example Usage
 * ```ts
 * import { rawServer } from "./raw_server.ts";
 * import assert from "node:assert/strict";
 * const server = rawServer(() => ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]);
 * try {
 *   const res = await fetch(server.url, { method: "POST", body: "x" });
 *   assert.equal(await res.text(), "ok");
 *   assert.deepEqual(server.bodies, [1]);
 * } finally {
 *   await server.close();
 * }
 * ```
 */
export function rawServer(answer: (n: number) => RawAnswer, hostname = "127.0.0.1"): RawServer {
  const listener = Deno.listen({ hostname, port: 0 });
  const conns = new Set<Deno.Conn>();
  const bodies: number[] = [];
  let n = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      (async () => {
        const buf = new Uint8Array(65536);
        let pending = new Uint8Array(0);
        try {
          for (;;) {
            const r = await conn.read(buf);
            if (r === null) break;
            const joined = new Uint8Array(pending.length + r);
            joined.set(pending);
            joined.set(buf.subarray(0, r), pending.length);
            pending = joined;
            for (;;) {
              const text = dec.decode(pending.subarray(0, Math.min(pending.length, 8192)));
              const end = text.indexOf("\r\n\r\n");
              if (end < 0) break;
              const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
              if (pending.length < end + 4 + length) break;
              pending = pending.slice(end + 4 + length);
              bodies.push(length);
              const reply = answer(n++);
              if (reply === "close") return;
              if (reply === "hang") continue;
              for (const chunk of Array.isArray(reply) ? reply : reply.chunks) {
                await conn.write(enc.encode(chunk));
                await new Promise((resolve) => setTimeout(resolve, 2));
              }
              if (!Array.isArray(reply)) return;
            }
          }
        } catch {
          // the client went away
        } finally {
          conns.delete(conn);
          try {
            conn.close();
          } catch {
            // closed already
          }
        }
      })();
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const url = `http://${host}:${port}/invocations`;
  return {
    target: parseTarget(url),
    url,
    bodies,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // closed already
        }
      }
      await serving.catch(() => {});
    },
  };
}
