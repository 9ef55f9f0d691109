// Proves that one server connection reads request heads and bodies as they are framed
// (content-length, chunked with trailers, keep-alive heads back to back), refuses what breaks
// the limits with the right status (431, 413, 400 for a cut-off body), and reads null at a clean
// end between requests.
import assert from "node:assert/strict";
import { BodyBuffer } from "./body_buffer.ts";
import { parseRequestHead, ProtocolError } from "./http1.ts";
import { type ConnectionLimits, ServerConnection } from "./server_connection.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A server connection and the client socket at its other end. */
async function pair(limits: ConnectionLimits = {}) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = new ServerConnection(await listener.accept(), limits);
  listener.close();
  return {
    server,
    client,
    send: (text: string) => client.write(encoder.encode(text)),
    [Symbol.dispose]() {
      server.close();
      try {
        client.close();
      } catch { /* closed */ }
    },
  };
}

const budget = () => ({ bufferedBytes: 0 });

async function rejects(promise: Promise<unknown>, status: number, message: RegExp) {
  await assert.rejects(
    promise,
    (e: unknown) => e instanceof ProtocolError && e.status === status && message.test(e.message),
  );
}

Deno.test("two keep-alive requests back to back, with a content-length and a chunked body", async () => {
  using p = await pair();
  await p.send(
    "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc" +
      "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "2\r\nde\r\n1;ext=1\r\nf\r\n0\r\nTrailer: x\r\n\r\n",
  );
  const a = parseRequestHead((await p.server.readHead(true))!);
  assert.equal(a.path, "/a");
  assert.equal(decoder.decode(await p.server.readBody(a, new BodyBuffer(budget()))), "abc");
  const b = parseRequestHead((await p.server.readHead(false))!);
  assert.equal(b.path, "/b");
  assert.equal(decoder.decode(await p.server.readBody(b, new BodyBuffer(budget()))), "def");
  p.client.close();
  assert.equal(await p.server.readHead(false), null, "a clean end between requests");
});

Deno.test("more than maxHeaderBytes without the end of the head is a 431", async () => {
  using p = await pair({ maxHeaderBytes: 64 });
  await p.send(`GET / HTTP/1.1\r\nHost: h\r\nX-Long: ${"x".repeat(100)}`);
  await rejects(p.server.readHead(true), 431, /larger than 64 bytes/);
});

Deno.test("a chunked body past maxBodyBytes is a 413", async () => {
  using p = await pair({ maxBodyBytes: 4 });
  await p.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
  const head = parseRequestHead((await p.server.readHead(true))!);
  await rejects(p.server.readBody(head, new BodyBuffer(budget())), 413, /limit of 4 bytes/);
});

Deno.test("a body cut off by the client is a 400 that says how much arrived", async () => {
  using p = await pair();
  await p.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabcd");
  await p.client.closeWrite();
  const head = parseRequestHead((await p.server.readHead(true))!);
  await rejects(
    p.server.readBody(head, new BodyBuffer(budget())),
    400,
    /^Request body was cut off after 4 of 10 bytes/,
  );
});

Deno.test("expire says what to answer in each phase", async () => {
  using p = await pair({ headerTimeoutMs: 5, bodyTimeoutMs: 7 });
  const reading = p.server.readHead(true);
  assert.equal(p.server.expire(), "Request header not received within 5 ms");
  assert.ok(p.server.timedOut && p.server.deadline === Infinity);
  p.server.close();
  await assert.rejects(reading, (e: unknown) => (e as Error).name === "ConnectionGone");
  p.server.phase(1000, null);
  assert.equal(p.server.expire(), null, "an idle keep-alive connection closes silently");
});
