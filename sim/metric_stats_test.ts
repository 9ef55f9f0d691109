import assert from "node:assert/strict";
import { parseStatistic, statistic } from "./metric_stats.ts";
import type { MetricRow } from "./metric_row.ts";

function row(values: number[], counts?: number[]): MetricRow {
  const c = counts ?? values.map(() => 1);
  return {
    namespace: "App",
    metricName: "Latency",
    dimensions: [],
    timestamp: 0,
    unit: "Milliseconds",
    sampleCount: c.reduce((a, b) => a + b, 0),
    sum: values.reduce((a, v, i) => a + v * c[i], 0),
    min: Math.min(...values),
    max: Math.max(...values),
    values,
    counts: c,
  };
}

function statisticSet(n: number, sum: number, min: number, max: number): MetricRow {
  return { ...row([min]), values: undefined, counts: undefined, sampleCount: n, sum, min, max };
}

const ONE_TO_100 = Array.from({ length: 100 }, (_, i) => i + 1);

Deno.test("percentiles are nearest-rank over the exact distribution", () => {
  const rows = [row(ONE_TO_100)];
  assert.equal(statistic(rows, "p0"), 1);
  assert.equal(statistic(rows, "p50"), 50);
  assert.equal(statistic(rows, "p90"), 90);
  assert.equal(statistic(rows, "p99"), 99);
  assert.equal(statistic(rows, "p99.5"), 100);
  assert.equal(statistic(rows, "p100"), 100);
  assert.equal(statistic(rows, "p50.5"), 51);
});

Deno.test("percentiles merge the Values/Counts of every row of the period", () => {
  const rows = [row([10], [9]), row([1000], [1])];
  assert.equal(statistic(rows, "p90"), 10);
  assert.equal(statistic(rows, "p91"), 1000);
  assert.equal(statistic(rows, "Average"), 109);
  assert.equal(statistic(rows, "SampleCount"), 10);
  assert.equal(statistic(rows, "Sum"), 1090);
  assert.equal(statistic(rows, "Minimum"), 10);
  assert.equal(statistic(rows, "Maximum"), 1000);
  // Unordered values with counts.
  assert.equal(statistic([row([30, 10, 20], [1, 2, 1])], "p50"), 10);
  assert.equal(statistic([row([30, 10, 20], [1, 2, 1])], "p75"), 20);
});

Deno.test("statistic sets give percentiles only when all their samples are equal", () => {
  assert.equal(statistic([statisticSet(5, 25, 2, 8)], "p50"), undefined);
  assert.equal(statistic([statisticSet(5, 25, 2, 8)], "Average"), 5);
  assert.equal(statistic([statisticSet(3, 12, 4, 4)], "p50"), 4);
  assert.equal(statistic([statisticSet(1, 7, 7, 7), row([1, 2])], "p100"), 7);
});

Deno.test("percentiles are unavailable when a value is negative", () => {
  const rows = [row([-5, 3, 9])];
  assert.equal(statistic(rows, "p50"), undefined);
  assert.equal(statistic(rows, "Minimum"), -5);
});

Deno.test("trimmed statistics split counts exactly at the rank boundaries", () => {
  const rows = [row(Array.from({ length: 10 }, (_, i) => i + 1))];
  assert.equal(statistic(rows, "tm80"), 4.5); // mean of 1..8
  assert.equal(statistic(rows, "TM(10%:90%)"), 5.5); // mean of 2..9
  assert.equal(statistic(rows, "ts(10%:90%)"), 44);
  assert.equal(statistic(rows, "tc(10%:90%)"), 8);
  assert.equal(statistic(rows, "tm(:50%)"), 3);
  assert.equal(statistic(rows, "tm(50%:)"), 8);
  assert.equal(statistic([row([1, 2, 3, 4, 5, 6, 7, 8])], "IQM"), 4.5);
  // Half of the value 10 falls inside (0, 1.5].
  assert.ok(Math.abs(statistic([row([0, 10, 20])], "tm50")! - 5 / 1.5) < 1e-12);
});

Deno.test("no rows give no value; unknown statistics are errors", () => {
  assert.equal(statistic([], "Sum"), undefined);
  assert.equal(statistic([], "p99"), undefined);
  assert.throws(() => statistic([row([1])], "p101"), RangeError);
  assert.throws(() => statistic([row([1])], "Median"), RangeError);
  assert.throws(() => statistic([row([1])], "wm98"), /local backend/);
  assert.equal(parseStatistic("tm(90%:10%)"), undefined);
  assert.deepEqual(parseStatistic("Sum"), { kind: "basic", name: "Sum" });
});
