import assert from "node:assert/strict";
import { LatencyHistogram } from "./histogram.ts";

/** Records n samples of a distribution by its quantile function at (i + 0.5) / n. */
function fill(quantile: (u: number) => number, n: number): LatencyHistogram {
  const h = new LatencyHistogram();
  for (let i = 0; i < n; i++) h.recordMs(quantile((i + 0.5) / n));
  return h;
}

function assertClose(actual: number, expected: number, relative: number, label: string) {
  assert.ok(
    Math.abs(actual - expected) <= relative * expected,
    `${label}: ${actual} is not within ${relative * 100} % of ${expected}`,
  );
}

Deno.test("percentiles of a uniform distribution match its quantiles", () => {
  // Uniform on [10, 110) ms: the p-th percentile is 10 + p.
  const h = fill((u) => 10 + 100 * u, 100_000);
  for (const p of [50, 90, 95, 99]) assertClose(h.percentileMs(p), 10 + p, 0.002, `p${p}`);
  const s = h.summary();
  assertClose(s.meanMs, 60, 0.001, "mean");
  assertClose(s.minMs, 10, 0.001, "min");
  assertClose(s.maxMs, 110, 0.001, "max");
  assert.equal(s.count, 100_000);
});

Deno.test("percentiles of an exponential distribution match its quantiles", () => {
  // Exponential with mean 20 ms: quantile(p) = -20 ln(1 - p).
  const mean = 20;
  const h = fill((u) => -mean * Math.log(1 - u), 200_000);
  for (const p of [50, 95, 99]) {
    assertClose(h.percentileMs(p), -mean * Math.log(1 - p / 100), 0.003, `p${p}`);
  }
  assertClose(h.summary().meanMs, mean, 0.01, "mean");
});

Deno.test("a bimodal distribution puts the tail percentiles in the slow mode", () => {
  // 90 % at 2 ms, 10 % at 500 ms: the median is 2 ms, p95 and p99 are 500 ms.
  const h = new LatencyHistogram();
  for (let i = 0; i < 900; i++) h.recordMs(2);
  for (let i = 0; i < 100; i++) h.recordMs(500);
  assertClose(h.percentileMs(50), 2, 0.001, "p50");
  assertClose(h.percentileMs(95), 500, 0.001, "p95");
  assertClose(h.percentileMs(99), 500, 0.001, "p99");
  assertClose(h.summary().meanMs, 51.8, 1e-9, "mean");
});

Deno.test("adding histograms equals recording into one", () => {
  const a = fill((u) => 1 + 9 * u, 1000);
  const b = fill((u) => 100 + 100 * u, 1000);
  const both = new LatencyHistogram();
  both.add(a);
  both.add(b);
  assert.equal(both.count, 2000);
  assertClose(both.percentileMs(25), 5.5, 0.01, "p25 from a");
  assertClose(both.percentileMs(75), 150, 0.01, "p75 from b");
  assert.equal(both.summary().minMs, a.summary().minMs);
  assert.equal(both.summary().maxMs, b.summary().maxMs);
  both.reset();
  assert.equal(both.count, 0);
  assert.ok(Number.isNaN(both.summary().p95Ms));
});

Deno.test("sub-microsecond, negative and huge latencies are clamped, not lost", () => {
  const h = new LatencyHistogram();
  h.recordMs(-3);
  h.recordMs(0.0001);
  h.recordMs(10 * 3_600_000); // ten hours
  assert.equal(h.count, 3);
  assert.equal(h.summary().minMs, 0);
  assert.equal(h.summary().maxMs, 3_600_000);
});
