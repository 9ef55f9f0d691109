// Proves the model server stays healthy under slow and greedy clients: 128 slow senders do not
// keep a fresh request from its 200, a header sent one byte every 2 s is cut off by the header
// timeout, an idle keep-alive connection is closed by the idle timeout, connections past the
// bound are refused with 503, CPU overload is shed with 503 + Retry-After while the successes'
// median stays under a second and the server's memory stays bounded, and protocol errors get a
// 4xx/5xx with a one-line reason. Every server is a separate process on 127.0.0.1, stopped at the
// end; the load is bounded in clients and seconds.
import assert from "node:assert/strict";
import { randomDataset, trainTestSplit } from "../model/dataset.ts";
import { samplePayloadCsv } from "../model/payload.ts";
import {
  type ModelServerHandle,
  startModelServer,
  type StartModelServerOptions,
} from "../model/spawn_server.ts";

const MODEL = new URL("./fixtures/xgboost/binary_depth6_like_original.model.json", import.meta.url)
  .pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const { test } = trainTestSplit(randomDataset({ samples: 2000, features: 50, seed: 7 }));
const PAYLOAD = samplePayloadCsv(test);
const INVOCATION = encoder.encode(
  `POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: ${
    encoder.encode(PAYLOAD).length
  }\r\n\r\n${PAYLOAD}`,
);

interface Answer {
  status: number;
  head: string;
  body: string;
}

/** A keep-alive client connection that reads one response at a time. */
class Client {
  #pending = new Uint8Array(0);
  readonly #buf = new Uint8Array(65536);
  private constructor(readonly conn: Deno.Conn) {}

  static async open(port: number): Promise<Client> {
    return new Client(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async write(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) written += await this.conn.write(bytes.subarray(written));
  }

  /** The next response, or null when the server closed the connection first. */
  async read(): Promise<Answer | null> {
    while (true) {
      const text = decoder.decode(this.#pending);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        const head = text.slice(0, end);
        const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? "0");
        if (this.#pending.length >= end + 4 + length) {
          const body = decoder.decode(this.#pending.subarray(end + 4, end + 4 + length));
          this.#pending = this.#pending.slice(end + 4 + length);
          return { status: Number(head.split(" ")[1]), head, body };
        }
      }
      let n: number | null;
      try {
        n = await this.conn.read(this.#buf);
      } catch {
        n = null;
      }
      if (n === null) return null;
      const next = new Uint8Array(this.#pending.length + n);
      next.set(this.#pending);
      next.set(this.#buf.subarray(0, n), this.#pending.length);
      this.#pending = next;
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}

async function withServer(
  options: Omit<StartModelServerOptions, "modelDir">,
  body: (server: ModelServerHandle) => Promise<void>,
): Promise<void> {
  const server = await startModelServer({ modelDir: MODEL, stderr: "null", ...options });
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

async function invoke(port: number): Promise<{ answer: Answer | null; ms: number }> {
  const client = await Client.open(port);
  try {
    const started = performance.now();
    await client.write(INVOCATION);
    const answer = await client.read();
    return { answer, ms: performance.now() - started };
  } finally {
    client.close();
  }
}

function rssBytes(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? "0") * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("128 slow senders hold connections while fresh requests get 200 within 1 s", async () => {
  await withServer({}, async (server) => {
    // Each slow sender sends its head and a partial body, then one byte every 2 s.
    const slow = await Promise.all(Array.from({ length: 128 }, () => Client.open(server.port)));
    let dripping = true;
    const drip = (async () => {
      for (const client of slow) {
        await client.write(encoder.encode(
          "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\n0.5,",
        ));
      }
      while (dripping) {
        await sleep(2000);
        for (const client of slow) await client.write(encoder.encode("5")).catch(() => {});
      }
    })();
    try {
      await sleep(500); // every slow sender is attached
      for (let i = 0; i < 10; i++) {
        const { answer, ms } = await invoke(server.port);
        assert.equal(answer?.status, 200, `fresh request ${i}: ${answer?.head} ${answer?.body}`);
        assert.equal(answer.body.split(",").length, 100);
        // A generous upper bound on one request's latency, not a performance figure.
        assert.ok(ms < 1000, `fresh request ${i} took ${ms.toFixed(0)} ms`);
      }
    } finally {
      dripping = false;
      for (const client of slow) client.close();
      await drip;
    }
  });
});

Deno.test("a header sent one byte every 2 s is answered 408 and closed after the header timeout", async () => {
  await withServer({ headerTimeoutMs: 1000 }, async (server) => {
    const client = await Client.open(server.port);
    const head = "POST /invocations HTTP/1.1\r\nHost: x\r\n";
    let sent = 0;
    let closed = false;
    const drip = (async () => {
      for (; sent < head.length && !closed; sent++) {
        try {
          await client.write(encoder.encode(head[sent]));
        } catch {
          return;
        }
        await sleep(2000);
      }
    })();
    try {
      const answer = await client.read();
      closed = true;
      assert.equal(answer?.status, 408);
      assert.match(answer.body, /^Request header not received within 1000 ms\n$/);
      assert.match(answer.head, /connection: close/i);
      assert.equal(await client.read(), null, "the connection is closed after the 408");
      assert.ok(sent < head.length, `the whole header went out (${sent} bytes)`);
    } finally {
      client.close();
      await drip;
    }
  });
});

Deno.test("an idle keep-alive connection is closed after the idle timeout", async () => {
  await withServer({ idleTimeoutMs: 300 }, async (server) => {
    const client = await Client.open(server.port);
    try {
      await client.write(encoder.encode("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
      assert.equal((await client.read())?.status, 200);
      await client.write(encoder.encode("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
      assert.equal((await client.read())?.status, 200, "the connection is kept alive");
      // Then nothing more: the server closes it (read returns end-of-stream, not a timeout).
      const timer = setTimeout(() => client.close(), 10_000);
      const next = await client.read();
      clearTimeout(timer);
      assert.equal(next, null);
      assert.equal(await fetchStatus(`${server.url}/ping`), 200);
    } finally {
      client.close();
    }
  });
});

async function fetchStatus(url: string): Promise<number> {
  const response = await fetch(url);
  await response.body?.cancel();
  return response.status;
}

Deno.test("connections past the bound get 503 and are closed; the server serves again once they go", async () => {
  await withServer({ maxConnections: 16 }, async (server) => {
    // Open connections one by one (a request on each proves it was accepted) until one is
    // refused; startModelServer's own /ping may still hold one of the 16.
    const held: Client[] = [];
    let refused: Answer | null = null;
    try {
      while (held.length < 20) {
        const client = await Client.open(server.port);
        await client.write(encoder.encode("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")).catch(() => {});
        const answer = await client.read();
        if (answer?.status !== 200) {
          refused = answer;
          assert.equal(await client.read(), null, "the refused connection is closed");
          client.close();
          break;
        }
        held.push(client);
      }
      assert.ok(held.length >= 15 && held.length <= 16, `${held.length} connections accepted`);
      assert.equal(refused?.status, 503);
      assert.equal(refused.head.match(/retry-after: (\d+)/i)?.[1], "1");
      assert.match(
        refused.body,
        /^Server is busy: 16 connections open \(limit 16\); retry later\n$/,
      );
    } finally {
      for (const client of held) client.close();
    }
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await invoke(server.port)).answer?.status ?? 0;
      if (status !== 200) await sleep(50);
    }
    assert.equal(status, 200);
  });
});

Deno.test("CPU overload: 256 clients over a queue of 16 get 503 + Retry-After, median under 1 s, memory bounded", async () => {
  await withServer({ maxInFlight: 16 }, async (server) => {
    const pid = server.pids[0];
    const rssBefore = rssBytes(pid);
    let peakRss = rssBefore;
    const statuses = new Map<number, number>();
    const latencies: number[] = [];
    let retryAfter: string | undefined;
    let firstBusyAfterMs: number | undefined;
    const started = performance.now();
    const until = started + 3000;
    const sampler = setInterval(() => peakRss = Math.max(peakRss, rssBytes(pid)), 100);
    try {
      await Promise.all(Array.from({ length: 256 }, async () => {
        let client = await Client.open(server.port);
        try {
          while (performance.now() < until) {
            const sent = performance.now();
            await client.write(INVOCATION);
            const answer = await client.read();
            if (answer === null) {
              client.close();
              client = await Client.open(server.port);
              continue;
            }
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status === 200) {
              latencies.push(performance.now() - sent);
              assert.equal(answer.body.split(",").length, 100);
            } else {
              assert.equal(answer.status, 503, `${answer.head}\n${answer.body}`);
              assert.match(answer.body, /^Server is busy: /);
              retryAfter ??= /retry-after: (\d+)/i.exec(answer.head)?.[1];
              firstBusyAfterMs ??= performance.now() - started;
            }
          }
        } finally {
          client.close();
        }
      }));
    } finally {
      clearInterval(sampler);
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[Math.floor(latencies.length / 2)];
    const summary = `statuses ${JSON.stringify([...statuses])}, p50 ${p50?.toFixed(0)} ms, ` +
      `first 503 after ${firstBusyAfterMs?.toFixed(0)} ms, RSS ${
        (rssBefore / 2 ** 20).toFixed(0)
      } -> ${(peakRss / 2 ** 20).toFixed(0)} MiB`;
    console.log(summary);
    assert.ok((statuses.get(503) ?? 0) > 0, `no 503 under overload: ${summary}`);
    assert.ok((statuses.get(200) ?? 0) > 0, `no success under overload: ${summary}`);
    assert.equal(retryAfter, "1");
    // The queue bound keeps the successes' median well under a second (a bound, not a figure).
    assert.ok(p50 < 1000, summary);
    // Bounded: a warmed-up server under one client reaches ~100 MiB; before the queue bound,
    // 1,024 clients took it past 700 MiB.
    assert.ok(peakRss < 320 * 2 ** 20, summary);
    assert.equal(await fetchStatus(`${server.url}/ping`), 200);
  });
});

Deno.test("protocol errors get their status and a one-line reason", async () => {
  await withServer({}, async (server) => {
    const cases: [string, number, RegExp][] = [
      [
        "GARBAGE\r\n\r\n",
        400,
        /^Malformed request line 'GARBAGE': expected 'METHOD \/path HTTP\/1.1'$/,
      ],
      ["GET /ping HTTP/1.1\r\n\r\n", 400, /^The Host header is missing/],
      ["GET /ping HTTP/2.0\r\nHost: x\r\n\r\n", 505, /^HTTP version 'HTTP\/2.0' is not supported/],
      [
        "GET /ping HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
        400,
        /^Malformed header line 'Bad Header: 1'/,
      ],
      [
        "GET /ping HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        400,
        /^Folded header lines are not allowed/,
      ],
      [
        "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        400,
        /^Content-Length 'abc' is not a byte count$/,
      ],
      [
        "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        400,
        /^Content-Length '5, 6' is not a byte count$/,
      ],
      [
        "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        400,
        /^Both Content-Length and Transfer-Encoding were sent/,
      ],
      [
        "POST /invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        501,
        /^Transfer-Encoding 'gzip' is not supported/,
      ],
      [
        "POST /invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        400,
        /^Malformed chunk size 'zz'/,
      ],
      [
        "GET /ping HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n",
        417,
        /^Expect 'magic' is not supported/,
      ],
      [
        `GET /ping HTTP/1.1\r\nHost: x\r\nX: ${"a".repeat(20_000)}\r\n\r\n`,
        431,
        /^Request header is larger than 16384 bytes$/,
      ],
    ];
    for (const [request, status, reason] of cases) {
      const client = await Client.open(server.port);
      try {
        await client.write(encoder.encode(request));
        const answer = await client.read();
        assert.ok(answer, `no answer to ${JSON.stringify(request.slice(0, 60))}`);
        assert.equal(
          answer.status,
          status,
          `${JSON.stringify(request.slice(0, 60))}: ${answer.body}`,
        );
        assert.match(answer.head, /content-type: text\/plain/i);
        assert.equal(answer.body.trimEnd().split("\n").length, 1);
        assert.match(answer.body.trimEnd(), reason);
      } finally {
        client.close();
      }
    }
    // A chunked upload with Expect: 100-continue is scored; the server still answers after all.
    const client = await Client.open(server.port);
    try {
      const body = encoder.encode(PAYLOAD);
      await client.write(encoder.encode(
        "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
      ));
      const cont = await client.read();
      assert.equal(cont?.status, 100);
      const half = Math.floor(body.length / 2);
      for (const part of [body.subarray(0, half), body.subarray(half)]) {
        await client.write(encoder.encode(`${part.length.toString(16)}\r\n`));
        await client.write(part);
        await client.write(encoder.encode("\r\n"));
      }
      await client.write(encoder.encode("0\r\n\r\n"));
      const answer = await client.read();
      assert.equal(answer?.status, 200, answer?.body);
      assert.equal(answer.body.split(",").length, 100);
    } finally {
      client.close();
    }
  });
});
