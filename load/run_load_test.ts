import assert from "node:assert/strict";
import { runLoadTest } from "./run_load.ts";
import { startStubServer } from "./testdata/stub_server.ts";
import type { TrafficPattern } from "./traffic_pattern.ts";

const longPhase = (users: number, spawnRate = 0): TrafficPattern => ({
  TrafficType: "PHASES",
  Phases: [{ InitialNumberOfUsers: users, SpawnRate: spawnRate, DurationInSeconds: 30 }],
});

async function withServer(
  handler: (req: Request) => Response | Promise<Response>,
  fn: (url: string) => Promise<void>,
) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/invocations`);
  } finally {
    await server.shutdown();
  }
}

async function withStub(
  options: { delayMs?: number; concurrency?: number },
  fn: (url: string) => Promise<void>,
) {
  const server = startStubServer(options);
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/`);
  } finally {
    await server.shutdown();
  }
}

for (const transport of ["epoll", "socket"] as const) {
  Deno.test(`${transport}: closed-loop users follow a STAIRS pattern and the run ends with it`, async () => {
    await withStub({ delayMs: 2 }, async (url) => {
      const s = await runLoadTest({
        transport,
        url,
        pattern: {
          TrafficType: "STAIRS",
          Stairs: { DurationInSeconds: 1.5, NumberOfSteps: 2, UsersPerStep: 2 },
        },
      });
      assert.equal(s.stopReason, "TrafficPatternCompleted");
      assert.equal(s.mode, "closed-loop");
      assert.equal(s.maxUsers, 4);
      // users at the end of seconds 1 and 2: 2 (first step), 4 (second step from 1.5 s)
      assert.deepEqual(s.intervals.slice(0, 2).map((i) => i.users), [2, 4]);
      assert.ok(s.durationSeconds >= 3 && s.durationSeconds < 5, `ran ${s.durationSeconds} s`);
      assert.ok(s.requests > 0 && s.errors === 0);
      assert.equal(s.requests, s.intervals.reduce((n, i) => n + i.requests, 0));
      assert.ok(s.p50Ms >= 2 && s.p95Ms >= s.p50Ms && s.p99Ms >= s.p95Ms);
    });
  });

  Deno.test(`${transport}: the duration condition ends a run before its pattern`, async () => {
    await withStub({}, async (url) => {
      const s = await runLoadTest({
        transport,
        url,
        pattern: longPhase(2),
        stop: { durationSeconds: 1.2 },
      });
      assert.equal(s.stopReason, "Duration");
      assert.ok(s.durationSeconds >= 1.2 && s.durationSeconds < 5, `ran ${s.durationSeconds} s`);
    });
  });

  Deno.test(`${transport}: the request-count condition sends exactly that many requests`, async () => {
    await withStub({}, async (url) => {
      const s = await runLoadTest({
        transport,
        url,
        pattern: longPhase(8),
        stop: { maxRequests: 1234 },
      });
      assert.equal(s.stopReason, "MaxRequests");
      assert.equal(s.requests, 1234);
      assert.equal(s.successes, 1234);
    });
  });

  Deno.test(`${transport}: MaxInvocations ends the run at the end of the period that reaches it`, async () => {
    await withStub({ delayMs: 1 }, async (url) => {
      // 2 users at >= ~100 req/s each is far above 600 per minute (10 per second).
      const s = await runLoadTest({
        transport,
        url,
        pattern: longPhase(2),
        stop: { maxInvocations: 600, periodSeconds: 1 },
      });
      assert.equal(s.stopReason, "MaxInvocations");
      assert.equal(s.periods.length, 1);
      assert.ok(s.periods[0].requests * 60 >= 600);
    });
  });

  Deno.test(`${transport}: a P95 latency threshold ends the run when a period passes it`, async () => {
    await withStub({ delayMs: 30 }, async (url) => {
      const s = await runLoadTest({
        transport,
        url,
        pattern: longPhase(2),
        stop: {
          modelLatencyThreshold: { Percentile: "P95", ValueInMilliseconds: 5 },
          periodSeconds: 1,
        },
      });
      assert.equal(s.stopReason, "ModelLatencyThreshold");
      assert.ok(s.periods[0].p95Ms > 5);
      assert.ok(s.durationSeconds < 5);
    });
  });

  Deno.test(`${transport}: the error-rate condition ends the run and errors are counted by HTTP status`, async () => {
    let n = 0;
    await withServer(
      () => (n++ % 2 === 0 ? new Response("ok") : new Response("busy", { status: 503 })),
      async (url) => {
        const s = await runLoadTest({
          transport,
          url,
          pattern: longPhase(2),
          stop: { maxErrorRate: 0.2, periodSeconds: 1 },
        });
        assert.equal(s.stopReason, "ErrorRate");
        assert.ok(s.errorsByKind["http-503"] > 0);
        assert.equal(s.errors, s.errorsByKind["http-503"]);
        assert.ok(Math.abs(s.errorRate - 0.5) < 0.05, `error rate ${s.errorRate}`);
      },
    );
  });

  Deno.test(`${transport}: FlatInvocations ends a ramp whose throughput no longer grows`, async () => {
    // One request at a time, 5 ms each: at most ~200 req/s whatever the users.
    await withStub({ delayMs: 5, concurrency: 1 }, async (url) => {
      const s = await runLoadTest({
        transport,
        url,
        pattern: longPhase(1, 120), // +2 users per second
        stop: { flatInvocations: "Stop", periodSeconds: 1, flatPeriods: 2, flatTolerance: 0.25 },
      });
      assert.equal(s.stopReason, "FlatInvocations");
      assert.ok(s.durationSeconds < 10, `ran ${s.durationSeconds} s`);
      assert.ok(s.periods.length >= 3);
      const users = s.periods.map((p) => p.users);
      assert.ok(users.at(-1)! > users[0], `users grew: ${users}`);
    });
  });

  Deno.test(`${transport}: a request that takes longer than the timeout fails as a timeout`, async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const c of listener) accepted.push(c); // accepts and never answers
    })();
    try {
      const s = await runLoadTest({
        transport,
        url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/`,
        pattern: longPhase(1),
        timeoutMs: 100,
        stop: { durationSeconds: 1 },
      });
      assert.ok(s.errorsByKind.timeout >= 3, JSON.stringify(s.errorsByKind));
      assert.equal(s.successes, 0);
    } finally {
      listener.close();
      for (const c of accepted) c.close();
      await accepting.catch(() => {});
    }
  });

  Deno.test(`${transport}: aborting the signal ends the run with the summary so far`, async () => {
    await withStub({ delayMs: 1 }, async (url) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 1300);
      const s = await runLoadTest({
        transport,
        url,
        pattern: longPhase(2),
        signal: controller.signal,
      });
      assert.equal(s.stopReason, "Interrupted");
      assert.ok(s.requests > 0);
      assert.ok(s.durationSeconds < 5);
      assert.ok(s.intervals.length >= 1);
    });
  });

  Deno.test(`${transport}: open loop keeps its rate and counts latency from the scheduled send time`, async () => {
    await withStub({ delayMs: 50 }, async (url) => {
      // 40 requests/s on one connection that can carry only ~20/s: requests wait for the
      // connection, and that wait is part of their latency (no coordinated omission).
      const s = await runLoadTest({
        transport,
        url,
        rate: 40,
        maxConnections: 1,
        stop: { durationSeconds: 2 },
      });
      assert.equal(s.mode, "open-loop");
      assert.equal(s.stopReason, "Duration");
      assert.ok(s.minMs >= 50);
      assert.ok(s.p95Ms > 400, `p95 ${s.p95Ms} ms should include the wait for the connection`);
      assert.ok(s.requests <= 45, `${s.requests} served`);
    });
    await withStub({}, async (url) => {
      const s = await runLoadTest({
        transport,
        url,
        rate: 300,
        stop: { durationSeconds: 2 },
      });
      assert.ok(Math.abs(s.requests - 600) <= 30, `${s.requests} requests at 300/s for 2 s`);
      assert.equal(s.errors, 0);
    });
  });

  Deno.test(`${transport}: payloads go round-robin with their content type`, async () => {
    const seen: string[] = [];
    await withServer(async (req) => {
      seen.push(`${req.headers.get("content-type")}:${await req.text()}`);
      return new Response("ok");
    }, async (url) => {
      const enc = new TextEncoder();
      const s = await runLoadTest({
        transport,
        url,
        payloads: ["a", "b", "c"].map((x) => enc.encode(x)),
        contentType: "text/csv",
        pattern: longPhase(1),
        stop: { maxRequests: 7 },
      });
      assert.equal(s.requests, 7);
    });
    assert.deepEqual(seen, ["a", "b", "c", "a", "b", "c", "a"].map((x) => `text/csv:${x}`));
  });

  Deno.test(`${transport}: target processes' CPU and memory are sampled each second`, async () => {
    await withStub({}, async (url) => {
      const s = await runLoadTest({
        transport,
        url,
        pattern: longPhase(2),
        pids: [Deno.pid],
        stop: { durationSeconds: 2 },
      });
      assert.ok(s.cpuPercent !== null && s.cpuPercent > 0, `cpu ${s.cpuPercent}`);
      assert.ok(s.rssBytes !== null && s.rssBytes > 1e6);
      assert.ok(s.intervals.every((i) => i.cpuPercent !== null && i.memoryPercent !== null));
    });
  });
}

Deno.test("bad options fail before any request", async () => {
  await assert.rejects(
    () => runLoadTest({ url: "http://10.1.2.3/", pattern: longPhase(1) }),
    /not a loopback address; pass --allow-remote/,
  );
  await assert.rejects(() => runLoadTest({ url: "http://127.0.0.1/" }), /either a traffic pattern/);
  await assert.rejects(() => runLoadTest({ url: "http://127.0.0.1/", rate: -1 }), /Invalid rate/);
  await assert.rejects(
    () => runLoadTest({ url: "http://127.0.0.1/", rate: 1, pids: [2 ** 30] }),
    /no such process/,
  );
});
