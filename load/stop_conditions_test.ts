import assert from "node:assert/strict";
import {
  evaluatePeriod,
  flatPeriodStreak,
  type PeriodStats,
  validateStopConditions,
} from "./stop_conditions.ts";

function period(index: number, over: Partial<PeriodStats> = {}): PeriodStats {
  return {
    index,
    startSeconds: index * 60,
    seconds: 60,
    users: index + 1,
    requests: 1000,
    errors: 0,
    p95Ms: 10,
    p99Ms: 20,
    ...over,
  };
}

Deno.test("MaxInvocations stops at the first period whose per-minute invocations reach it", () => {
  const c = validateStopConditions({ maxInvocations: 3000 });
  assert.equal(evaluatePeriod([period(0, { requests: 2999 })], c), null);
  assert.equal(evaluatePeriod([period(0, { requests: 3000 })], c)?.reason, "MaxInvocations");
  // A 10 s period is scaled to a minute: 500 in 10 s = 3000 per minute.
  const short = validateStopConditions({ maxInvocations: 3000, periodSeconds: 10 });
  const d = evaluatePeriod([period(0, { seconds: 10, requests: 500 })], short);
  assert.equal(d?.reason, "MaxInvocations");
  assert.match(d!.detail, /3000 invocations per minute/);
});

Deno.test("a P95 or P99 threshold stops when the period's percentile passes it", () => {
  const p95 = validateStopConditions({
    modelLatencyThreshold: { Percentile: "P95", ValueInMilliseconds: 100 },
  });
  assert.equal(evaluatePeriod([period(0, { p95Ms: 100, p99Ms: 900 })], p95), null);
  const d = evaluatePeriod([period(0, { p95Ms: 100.5 })], p95);
  assert.equal(d?.reason, "ModelLatencyThreshold");
  assert.match(d!.detail, /P95 latency 100\.5 ms passed the 100 ms threshold/);
  const p99 = validateStopConditions({
    modelLatencyThreshold: { Percentile: "P99", ValueInMilliseconds: 100 },
  });
  assert.equal(evaluatePeriod([period(0, { p95Ms: 500, p99Ms: 99 })], p99), null);
  assert.equal(evaluatePeriod([period(0, { p99Ms: 101 })], p99)?.reason, "ModelLatencyThreshold");
  // No successful request at all: no latency to judge (the error rate judges that period).
  assert.equal(evaluatePeriod([period(0, { p95Ms: NaN, p99Ms: NaN })], p99), null);
});

Deno.test("the error-rate condition stops when errors pass the fraction", () => {
  const c = validateStopConditions({ maxErrorRate: 0.01 });
  assert.equal(evaluatePeriod([period(0, { requests: 1000, errors: 10 })], c), null);
  const d = evaluatePeriod([period(0, { requests: 1000, errors: 11 })], c);
  assert.equal(d?.reason, "ErrorRate");
  assert.match(d!.detail, /1\.1 % \(11 of 1000\) passed 1 %/);
  assert.equal(evaluatePeriod([period(0, { requests: 0, errors: 0 })], c), null);
});

Deno.test("FlatInvocations stops after N flat periods while users grow, and only when asked", () => {
  const series = [
    period(0, { users: 1, requests: 1000 }),
    period(1, { users: 2, requests: 2000 }),
    period(2, { users: 3, requests: 2050 }), // flat (< 5 % above 2000)
    period(3, { users: 3, requests: 1990 }), // users did not grow: skipped
    period(4, { users: 4, requests: 2080 }), // flat
    period(5, { users: 5, requests: 2000 }), // flat: the third
  ];
  const stop = validateStopConditions({ flatInvocations: "Stop" });
  for (let n = 1; n <= 5; n++) {
    assert.equal(evaluatePeriod(series.slice(0, n), stop), null, `after ${n}`);
  }
  const d = evaluatePeriod(series, stop);
  assert.equal(d?.reason, "FlatInvocations");
  assert.match(d!.detail, /over 3 periods: 2,050, 2,080 and 2,000 invocations \(up to 5 users\)/);
  assert.equal(evaluatePeriod(series, validateStopConditions({})), null, "Continue is the default");
  assert.equal(
    evaluatePeriod(
      series.slice(0, 3),
      validateStopConditions({ flatInvocations: "Stop", flatPeriods: 1 }),
    )
      ?.reason,
    "FlatInvocations",
  );
});

Deno.test("flatPeriodStreak resets when throughput grows again", () => {
  const p = (users: number, requests: number) => ({ users, requests });
  assert.equal(flatPeriodStreak([p(1, 100), p(2, 101), p(3, 102), p(4, 200)], 0.05), 0);
  assert.equal(flatPeriodStreak([p(1, 100), p(2, 101), p(3, 102), p(4, 200), p(5, 205)], 0.05), 1);
  assert.equal(flatPeriodStreak([p(1, 100), p(2, 104)], 0), 0);
  assert.equal(flatPeriodStreak([], 0.05), 0);
});

Deno.test("conditions are judged in order: errors, latency, invocations, flattening", () => {
  const c = validateStopConditions({
    maxErrorRate: 0.01,
    modelLatencyThreshold: { Percentile: "P95", ValueInMilliseconds: 5 },
    maxInvocations: 10,
  });
  const bad = period(0, { requests: 1000, errors: 500, p95Ms: 50 });
  assert.equal(evaluatePeriod([bad], c)?.reason, "ErrorRate");
  assert.equal(evaluatePeriod([{ ...bad, errors: 0 }], c)?.reason, "ModelLatencyThreshold");
  assert.equal(evaluatePeriod([{ ...bad, errors: 0, p95Ms: 1 }], c)?.reason, "MaxInvocations");
  assert.equal(evaluatePeriod([], c), null);
});

Deno.test("validateStopConditions fills defaults and names the bad field", () => {
  const c = validateStopConditions({});
  assert.equal(c.periodSeconds, 60);
  assert.equal(c.flatPeriods, 3);
  assert.equal(c.flatTolerance, 0.05);
  assert.equal(c.flatInvocations, "Continue");
  assert.throws(
    () => validateStopConditions({ maxRequests: 1.5 }),
    /maxRequests must be a positive whole number/,
  );
  assert.throws(() => validateStopConditions({ durationSeconds: 0 }), /durationSeconds/);
  assert.throws(() => validateStopConditions({ periodSeconds: -1 }), /periodSeconds/);
  assert.throws(
    () =>
      validateStopConditions({
        modelLatencyThreshold: { Percentile: "P90" as "P95", ValueInMilliseconds: 1 },
      }),
    /"P95" or "P99"/,
  );
  assert.throws(
    () => validateStopConditions({ flatInvocations: "stop" as "Stop" }),
    /"Continue" or "Stop"/,
  );
});
