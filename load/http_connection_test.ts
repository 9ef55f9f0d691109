import assert from "node:assert/strict";
import {
  buildRequest,
  ChunkedBodyEnd,
  findHeadEnd,
  HttpConnection,
  parseResponseHead,
  RequestFailure,
} from "./http_connection.ts";
import { parseTarget } from "./target.ts";
import { rawServer } from "./testdata/raw_server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("buildRequest writes a POST with body, content type and extra headers", () => {
  const target = parseTarget("http://localhost:9000/invocations?x=1");
  const bytes = buildRequest(target, {
    body: enc.encode("1,2,3"),
    contentType: "text/csv",
    headers: { "X-Amzn-SageMaker-Custom-Attributes": "a=b" },
  });
  assert.equal(
    dec.decode(bytes),
    "POST /invocations?x=1 HTTP/1.1\r\nHost: localhost:9000\r\nContent-Type: text/csv\r\n" +
      "Content-Length: 5\r\nX-Amzn-SageMaker-Custom-Attributes: a=b\r\n\r\n1,2,3",
  );
  assert.equal(
    dec.decode(buildRequest(target)),
    "GET /invocations?x=1 HTTP/1.1\r\nHost: localhost:9000\r\n\r\n",
  );
  assert.throws(() => buildRequest(target, { headers: { "X-A": "b\r\nEvil: 1" } }), /line breaks/);
});

Deno.test("findHeadEnd finds the blank line also when it straddles reads", () => {
  const b = enc.encode("HTTP/1.1 200 OK\r\nA: b\r\n\r\nxyz");
  assert.equal(findHeadEnd(b, 10, 0), -1);
  assert.equal(findHeadEnd(b, 23, 10), -1);
  assert.equal(findHeadEnd(b, 25, 23), 25); // only the last \n is new
  assert.equal(findHeadEnd(b, b.length, 0), 25);
});

Deno.test("parseResponseHead reads status, length, chunked and connection", () => {
  const parse = (s: string) => parseResponseHead(enc.encode(s), s.length);
  assert.deepEqual(parse("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"), {
    status: 200,
    contentLength: 42,
    chunked: false,
    close: false,
  });
  assert.deepEqual(
    parse("HTTP/1.1 500 Oops\r\ntransfer-encoding: gzip, chunked\r\nconnection: Close\r\n\r\n"),
    {
      status: 500,
      contentLength: -1,
      chunked: true,
      close: true,
    },
  );
  assert.equal(parse("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n").close, true);
  assert.equal(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n").close, false);
  assert.equal(parse("HTTP/1.1 204 No Content\r\nContent-Length:0\r\n\r\n").contentLength, 0);
  assert.throws(() => parse("SSH-2.0-OpenSSH\r\n\r\n"), RequestFailure);
  assert.throws(() => parse("HTTP/1.1 2x0 OK\r\n\r\n"), /status line/);
  assert.throws(() => parse("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n"), /Content-Length/);
});

Deno.test("ChunkedBodyEnd finds the end of a chunked body fed byte by byte", () => {
  const body = enc.encode("5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n");
  const d = new ChunkedBodyEnd();
  for (let i = 0; i < body.length; i++) {
    const done = d.feed(body, i, i + 1);
    assert.equal(done, i === body.length - 1, `byte ${i}`);
  }
  d.reset();
  assert.equal(d.feed(enc.encode("0\r\n\r\n"), 0, 5), true);
  d.reset();
  assert.throws(() => d.feed(enc.encode("zz\r\n"), 0, 4), /chunk size/);
});

Deno.test("HttpConnection reads split, chunked, empty and length-less responses on one connection", async () => {
  const server = rawServer((n) => {
    switch (n) {
      case 0: // head and body split across writes
        return ["HTTP/1.1 200 OK\r\nContent-Le", "ngth: 10\r\n\r\n01234", "56789"];
      case 1:
        return [
          "HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbu",
          "sy\r\n0\r\n",
          "\r\n",
        ];
      case 2: // an interim 100 Continue first
        return ["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"];
      default: // no length: the body ends with the connection
        return {
          chunks: ["HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"],
          thenClose: true,
        };
    }
  });
  const c = new HttpConnection(server.target);
  const req = buildRequest(server.target, { body: enc.encode("x") });
  try {
    assert.equal(await c.send(req), 200);
    assert.equal(c.bytesReceived, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789".length);
    assert.equal(await c.send(req), 503);
    assert.equal(await c.send(req), 204);
    assert.equal(c.connectionsOpened, 1);
    assert.equal(await c.send(req), 200);
    assert.equal(c.isOpen, false);
  } finally {
    c.close();
    await server.close();
  }
});

Deno.test("HttpConnection resends once when the server closed an idle keep-alive connection", async () => {
  // Request 1 gets an answer; the server then closes that connection when request 2 arrives;
  // request 2 is sent again on a new connection and answered.
  const server = rawServer((n) =>
    n === 1 ? "close" : ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]
  );
  const c = new HttpConnection(server.target);
  const req = buildRequest(server.target);
  try {
    assert.equal(await c.send(req), 200);
    assert.equal(await c.send(req), 200);
    assert.equal(c.connectionsOpened, 2);
  } finally {
    c.close();
    await server.close();
  }
});

Deno.test("HttpConnection reports refused, dropped, garbled and timed-out requests by kind", async () => {
  // Refused: a port nobody listens on.
  const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const freePort = (free.addr as Deno.NetAddr).port;
  free.close();
  const refused = new HttpConnection(parseTarget(`http://127.0.0.1:${freePort}/`));
  await assert.rejects(() => refused.send(enc.encode("GET / HTTP/1.1\r\n\r\n")), (e: unknown) => {
    return e instanceof RequestFailure && e.kind === "connection";
  });

  const server = rawServer((n) => {
    if (n === 0) {
      return { chunks: ["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"], thenClose: true };
    }
    if (n === 1) return ["not http at all\r\n\r\n"];
    return "hang";
  });
  const c = new HttpConnection(server.target);
  const req = buildRequest(server.target);
  try {
    await assert.rejects(() => c.send(req), /mid-response/);
    await assert.rejects(() => c.send(req), /HTTP\/1\.x/);
    const pending = c.send(req);
    setTimeout(() => c.abort(), 20);
    await assert.rejects(
      () => pending,
      (e: unknown) => e instanceof RequestFailure && e.kind === "timeout",
    );
    assert.equal(c.isOpen, false);
  } finally {
    c.close();
    await server.close();
  }
});
