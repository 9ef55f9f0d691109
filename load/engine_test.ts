import assert from "node:assert/strict";
import type { Transport } from "./engine.ts";
import { chooseTransport } from "./select_engine.ts";
import { runLoadTest } from "./run_load.ts";
import { parseTarget } from "./target.ts";
import { rawServer } from "./testdata/raw_server.ts";
import type { TrafficPattern } from "./traffic_pattern.ts";

// Both transports must speak HTTP the same way; each case runs on each of them.
const TRANSPORTS: Transport[] = ["epoll", "socket"];
const oneUser: TrafficPattern = {
  TrafficType: "PHASES",
  Phases: [{ InitialNumberOfUsers: 1, DurationInSeconds: 20 }],
};

function ipv6Available(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test("chooseTransport picks epoll for http: to an IP address, socket otherwise", () => {
  assert.equal(chooseTransport(parseTarget("http://127.0.0.1:8080/"), "auto"), "epoll");
  assert.equal(chooseTransport(parseTarget("http://[::1]:8080/"), "auto"), "epoll");
  assert.equal(chooseTransport(parseTarget("http://localhost:8080/"), "auto"), "socket");
  assert.equal(chooseTransport(parseTarget("https://127.0.0.1/"), "auto"), "socket");
  assert.equal(chooseTransport(parseTarget("http://127.0.0.1/"), "socket"), "socket");
  assert.throws(
    () => chooseTransport(parseTarget("https://127.0.0.1/"), "epoll"),
    /Cannot use the epoll transport: it speaks plain http: only/,
  );
  assert.throws(
    () => chooseTransport(parseTarget("http://127.0.0.1/"), "fast" as Transport),
    /Unknown transport "fast"/,
  );
});

for (const transport of TRANSPORTS) {
  Deno.test(`${transport}: split, chunked, interim and length-less responses are all read`, async () => {
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
    try {
      const s = await runLoadTest({
        url: server.url,
        transport,
        pattern: oneUser,
        stop: { maxRequests: 4 },
      });
      assert.equal(s.transport, transport);
      assert.equal(s.stopReason, "MaxRequests");
      assert.equal(s.successes, 3);
      assert.deepEqual(s.errorsByKind, { "http-503": 1 });
      const lengths = [
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
        "HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbusy\r\n0\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
      ].map((r) => r.length);
      assert.equal(s.bytesReceived, lengths.reduce((a, b) => a + b));
    } finally {
      await server.close();
    }
  });

  Deno.test(`${transport}: a keep-alive connection the server closed is retried once`, async () => {
    // The server closes the connection when request 1 arrives: that request is sent again.
    const server = rawServer((n) =>
      n === 1 ? "close" : ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]
    );
    try {
      const s = await runLoadTest({
        url: server.url,
        transport,
        pattern: oneUser,
        stop: { maxRequests: 3 },
      });
      assert.equal(s.successes, 3);
      assert.equal(s.errors, 0);
      assert.equal(server.bodies.length, 4);
    } finally {
      await server.close();
    }
  });

  Deno.test(`${transport}: refused, dropped and garbled answers fail as connection errors`, async () => {
    const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (free.addr as Deno.NetAddr).port;
    free.close();
    const refused = await runLoadTest({
      url: `http://127.0.0.1:${port}/`,
      transport,
      pattern: oneUser,
      stop: { maxRequests: 3 },
    });
    assert.deepEqual(refused.errorsByKind, { connection: 3 });
    assert.match(refused.lastError!, /Connection refused/);

    const server = rawServer((n) =>
      n === 0
        ? { chunks: ["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"], thenClose: true }
        : ["not http at all\r\n\r\n"]
    );
    try {
      const s = await runLoadTest({
        url: server.url,
        transport,
        pattern: oneUser,
        stop: { maxRequests: 2 },
      });
      assert.deepEqual(s.errorsByKind, { connection: 2 });
      assert.match(s.lastError!, /HTTP\/1\.x/);
    } finally {
      await server.close();
    }
  });

  Deno.test(`${transport}: a request with no answer fails as a timeout`, async () => {
    const server = rawServer(() => "hang");
    try {
      const s = await runLoadTest({
        url: server.url,
        transport,
        pattern: oneUser,
        timeoutMs: 150,
        stop: { durationSeconds: 1 },
      });
      assert.ok(s.errorsByKind.timeout >= 3, JSON.stringify(s.errorsByKind));
      assert.equal(s.successes, 0);
    } finally {
      await server.close();
    }
  });

  Deno.test(`${transport}: a 4 MB request (sent in parts) and a 2 MB response go through whole`, async () => {
    const big = 2_000_000;
    const server = rawServer(
      () => [`HTTP/1.1 200 OK\r\nContent-Length: ${big}\r\n\r\n${"x".repeat(big)}`],
    );
    try {
      const s = await runLoadTest({
        url: server.url,
        transport,
        payloads: [new Uint8Array(4_000_000).fill(65)],
        pattern: oneUser,
        stop: { maxRequests: 3 },
      });
      assert.equal(s.successes, 3);
      assert.deepEqual(server.bodies, [4_000_000, 4_000_000, 4_000_000]);
      assert.ok(s.bytesReceived > 3 * big);
      assert.ok(s.bytesSent > 12_000_000);
    } finally {
      await server.close();
    }
  });

  Deno.test({
    name: `${transport}: IPv6 loopback`,
    ignore: !ipv6Available(),
    async fn() {
      const server = rawServer(() => ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"], "::1");
      try {
        const s = await runLoadTest({
          url: server.url,
          transport,
          pattern: oneUser,
          stop: { maxRequests: 5 },
        });
        assert.equal(s.successes, 5);
      } finally {
        await server.close();
      }
    },
  });
}
