import assert from "node:assert/strict";
import { type ClosedInterval, IntervalRecorder } from "./interval_recorder.ts";

Deno.test("completions land in the 1 s interval in which they complete", () => {
  const closed: ClosedInterval[] = [];
  let users = 1;
  const r = new IntervalRecorder({
    startMs: 1000,
    onInterval: (i) => closed.push(i),
    users: () => users,
  });
  r.success(10, 50, 200, 1000); // t = 0
  r.success(30, 50, 200, 1999.9); // still interval 0
  r.failure("timeout", 50, 0, 2000); // t = 1 s: interval 1
  users = 3;
  r.success(20, 50, 200, 4500); // interval 3; intervals 1 and 2 close on the way
  r.finish(4750);
  assert.deepEqual(closed.map((c) => c.stats.index), [0, 1, 2, 3]);
  assert.deepEqual(closed.map((c) => c.stats.requests), [2, 1, 0, 1]);
  // users are read when an interval closes: 1 and 2 close only at t = 3.5 s
  assert.deepEqual(closed.map((c) => c.stats.users), [1, 3, 3, 3]);
  const [first, second, empty, last] = closed.map((c) => c.stats);
  assert.equal(first.successes, 2);
  assert.equal(first.bytesSent, 100);
  assert.equal(first.bytesReceived, 400);
  assert.equal(first.meanMs, 20);
  assert.ok(Math.abs(first.p95Ms - 30) < 0.05);
  assert.deepEqual(second.errorsByKind, { timeout: 1 });
  assert.equal(second.errors, 1);
  assert.ok(Number.isNaN(second.p50Ms), "no successes, no latency");
  assert.equal(empty.requestsPerSecond, 0);
  assert.equal(last.durationSeconds, 0.75);
  assert.equal(last.requestsPerSecond, 1 / 0.75);
  const totals = r.totals();
  assert.equal(totals.requests, 4);
  assert.equal(totals.successes, 3);
  assert.deepEqual(totals.errorsByKind, { timeout: 1 });
  assert.equal(totals.count, 3);
  assert.equal(totals.maxMs, 30);
});

Deno.test("the last, partial interval is closed by finish and later completions do not count", () => {
  const closed: ClosedInterval[] = [];
  const r = new IntervalRecorder({ startMs: 0, onInterval: (i) => closed.push(i) });
  r.success(5, 1, 1, 500);
  r.success(7, 1, 1, 1010);
  r.finish(1250);
  r.success(9, 1, 1, 1300); // after the end
  assert.deepEqual(closed.map((c) => [c.stats.requests, c.stats.durationSeconds]), [[1, 1], [
    1,
    0.25,
  ]]);
  assert.equal(closed[1].stats.requestsPerSecond, 4);
  assert.equal(r.totals().requests, 2);
  assert.equal(r.totals().maxMs, 7);
  assert.ok(r.finished);
  // Ending exactly on a boundary leaves no empty partial interval; completions after it are dropped.
  const exact: ClosedInterval[] = [];
  const e = new IntervalRecorder({ startMs: 0, onInterval: (i) => exact.push(i) });
  e.success(5, 1, 1, 999);
  e.success(5, 1, 1, 1000.5); // just after the boundary: rolls interval 0, lands in interval 1
  e.finish(1000);
  assert.deepEqual(exact.map((c) => c.stats.requests), [1]);
});

Deno.test("process samples are attached to each interval", () => {
  const closed: ClosedInterval[] = [];
  const r = new IntervalRecorder({
    startMs: 0,
    onInterval: (i) => closed.push(i),
    sample: () => ({ cpuPercent: 150, rssBytes: 1000, memoryPercent: 0.5, processes: 2 }),
  });
  r.roll(2000);
  assert.deepEqual(
    closed.map((c) => [c.stats.cpuPercent, c.stats.rssBytes, c.stats.memoryPercent]),
    [
      [150, 1000, 0.5],
      [150, 1000, 0.5],
    ],
  );
  const none = new IntervalRecorder({ startMs: 0, onInterval: (i) => closed.push(i) });
  none.roll(1000);
  assert.equal(closed.at(-1)!.stats.cpuPercent, null);
});
