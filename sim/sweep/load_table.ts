/**
 * A traffic pattern's load, tabulated per fleet size: for each number of instances in service,
 * what the fleet does in each period (requests finished, requests served within the latency SLO,
 * p99 latency, CPU and concurrency per instance). The policy sweep runs hundreds of candidates on
 * the same pattern and the fleet only ever has a few sizes, so each (size, period) is worked out
 * once, with the fleet model's own operating point ({@linkcode instanceAt}), and every candidate
 * afterwards only reads plain arrays.
 *
 * Closed-loop users (an Inference Recommender ramp) go through the profile exactly as
 * `integrateFleet` does: between two user changes the fleet holds `U` users on `N` instances, each
 * at concurrency `U / N` (simulation-model.md §3, §4). Open-loop arrivals (a replayed trace, a
 * step, a spike, a diurnal day) are spread evenly over the instances; what exceeds the fleet's
 * saturated throughput is rejected in that period (counted as not served) [INF: the model keeps no
 * queue across periods for arrivals].
 *
 * @module
 */
import {
  concurrencyForThroughput,
  instanceAt,
  type LoadTimeline,
  type ProfileCurve,
} from "../fleet/mod.ts";

/** The load of a pattern on a regular grid of periods. */
export interface PeriodLoad {
  /** `users`: closed-loop users; `arrivals`: requests per second. */
  kind: "users" | "arrivals";
  /** Start of the first period, epoch ms. */
  start: number;
  /** Seconds of each period (60 for standard metrics, 10 for high resolution). */
  periodSeconds: number;
  /** Number of periods. */
  periods: number;
  /** Period `p`'s pieces are `offsets[p]` to `offsets[p + 1]` (exclusive). */
  offsets: Int32Array;
  /** Users (or arrivals per second) of each piece. */
  values: Float64Array;
  /** Seconds of each piece. */
  seconds: Float64Array;
}

/** What the fleet does in each period at one fleet size. */
export interface SizeTable {
  /** Requests finished (successes and errors) per period. */
  invocations: Float64Array;
  /** Requests offered per period (finished plus rejected). */
  demand: Float64Array;
  /** Requests served without error and within the latency SLO, per period. */
  good: Float64Array;
  /** Time-weighted p99 latency of the period, ms (0 when nothing finished). */
  p99Ms: Float64Array;
  /** Time-average CPU of one instance, % summed over vCPUs. */
  cpu: Float64Array;
  /** Time-average requests in flight per instance (ConcurrentRequestsPerModel). */
  concurrency: Float64Array;
}

/**
 * Cuts a load timeline (a step function) into pieces per period over `[start, start + periods x
 * periodSeconds)`.
 *
 * @example Usage
 * ```ts
 * import { periodLoad } from "./load_table.ts";
 * import assert from "node:assert/strict";
 * const load = periodLoad({ kind: "users", steps: [{ at: 0, value: 1 }, { at: 30_000, value: 3 }] },
 *   { start: 0, periodSeconds: 60, periods: 2 });
 * assert.deepEqual([...load.values], [1, 3, 3]);
 * assert.deepEqual([...load.seconds], [30, 30, 60]);
 * ```
 */
export function periodLoad(
  timeline: LoadTimeline,
  grid: { start: number; periodSeconds: number; periods: number },
): PeriodLoad {
  const { start, periodSeconds, periods } = grid;
  const steps = timeline.steps;
  const offsets = new Int32Array(periods + 1);
  const values: number[] = [];
  const seconds: number[] = [];
  let i = 0;
  let current = 0;
  while (i < steps.length && steps[i].at <= start) current = steps[i++].value;
  for (let p = 0; p < periods; p++) {
    offsets[p] = values.length;
    const end = start + (p + 1) * periodSeconds * 1000;
    let t = start + p * periodSeconds * 1000;
    while (i < steps.length && steps[i].at < end) {
      if (steps[i].at > t) {
        values.push(current);
        seconds.push((steps[i].at - t) / 1000);
        t = steps[i].at;
      }
      current = steps[i++].value;
    }
    values.push(current);
    seconds.push((end - t) / 1000);
  }
  offsets[periods] = values.length;
  return {
    kind: timeline.kind,
    start,
    periodSeconds,
    periods,
    offsets,
    values: Float64Array.from(values),
    seconds: Float64Array.from(seconds),
  };
}

/**
 * Share of requests with a latency at most `sloMs`, from the period's percentiles: piecewise
 * linear through (0 ms, 0), (p50, 0.5), (p95, 0.95), (p99, 0.99) and (2 x p99, 1) [INF: the
 * profile gives only these percentiles].
 *
 * @example Usage
 * ```ts
 * import { shareWithin } from "./load_table.ts";
 * import assert from "node:assert/strict";
 * assert.equal(shareWithin({ p50: 10, p95: 20, p99: 40 }, 100), 1);
 * assert.equal(shareWithin({ p50: 10, p95: 20, p99: 40 }, 10), 0.5);
 * assert.equal(shareWithin({ p50: 10, p95: 20, p99: 40 }, 5), 0.25);
 * ```
 */
export function shareWithin(
  latency: { p50: number; p95: number; p99: number },
  sloMs: number,
): number {
  const xs = [0, latency.p50, latency.p95, latency.p99, 2 * latency.p99];
  const ys = [0, 0.5, 0.95, 0.99, 1];
  if (sloMs >= xs[4]) return 1;
  for (let k = 0; k < 4; k++) {
    if (sloMs < xs[k + 1]) {
      const w = xs[k + 1] > xs[k] ? (sloMs - xs[k]) / (xs[k + 1] - xs[k]) : 1;
      return ys[k] + (ys[k + 1] - ys[k]) * w;
    }
  }
  return 1;
}

/** A pattern's load tabulated lazily per fleet size. */
export interface LoadTable {
  /** The load. */
  readonly load: PeriodLoad;
  /** The table at `instances` in service (computed on first use, then kept). */
  at(instances: number): SizeTable;
}

/**
 * Tabulates a load for a profile and a latency SLO.
 *
 * @example Usage
 * ```ts
 * import { loadTable, periodLoad } from "./load_table.ts";
 * import { profileCurve } from "../fleet/mod.ts";
 * import assert from "node:assert/strict";
 * const level = (concurrency: number, throughput: number) => ({ concurrency, throughput,
 *   latencyMs: { p50: 40, p95: 40, p99: 40, mean: 40 }, cpuPercent: 50, memoryPercent: 10, errorRate: 0 });
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "example",
 *   levels: [level(1, 25), level(2, 50)] });
 * const load = periodLoad({ kind: "arrivals", steps: [{ at: 0, value: 75 }] },
 *   { start: 0, periodSeconds: 60, periods: 1 });
 * const table = loadTable(load, { curve, sloMs: 1000 });
 * assert.equal(table.at(1).invocations[0], 50 * 60); // one instance saturates at 50/s
 * assert.equal(table.at(2).invocations[0], 75 * 60);
 * ```
 */
export function loadTable(
  load: PeriodLoad,
  options: { curve: ProfileCurve; sloMs: number; timeoutSeconds?: number },
): LoadTable {
  const { curve, sloMs } = options;
  const fleet = { timeoutSeconds: options.timeoutSeconds ?? 60 };
  const tables: SizeTable[] = [];
  const build = (n: number): SizeTable => {
    const P = load.periods;
    const t: SizeTable = {
      invocations: new Float64Array(P),
      demand: new Float64Array(P),
      good: new Float64Array(P),
      p99Ms: new Float64Array(P),
      cpu: new Float64Array(P),
      concurrency: new Float64Array(P),
    };
    for (let p = 0; p < P; p++) {
      let inv = 0;
      let demand = 0;
      let good = 0;
      let p99 = 0;
      let cpu = 0;
      let conc = 0;
      let busy = 0;
      for (let k = load.offsets[p]; k < load.offsets[p + 1]; k++) {
        const v = load.values[k];
        const s = load.seconds[k];
        if (n <= 0) {
          // Nothing in service: arrivals are rejected; closed-loop users wait (no requests).
          if (load.kind === "arrivals") demand += v * s;
          continue;
        }
        let c: number;
        let offered = 0;
        if (load.kind === "users") c = v / n;
        else {
          const x = v / n;
          c = x >= curve.maxThroughput
            ? curve.concurrency[curve.concurrency.length - 1]
            : concurrencyForThroughput(curve, x);
          offered = v * s;
        }
        const op = instanceAt(curve, c, fleet);
        const done = op.invocationsPerSecond * n * s;
        inv += done;
        demand += load.kind === "users" ? done : Math.max(offered, done);
        good += op.successesPerSecond * n * s * shareWithin(op.latencyMs, sloMs);
        if (c > 0) {
          p99 += op.latencyMs.p99 * s;
          busy += s;
        }
        cpu += op.cpuPercent * s;
        conc += c * s;
      }
      t.invocations[p] = inv;
      t.demand[p] = demand;
      t.good[p] = Math.min(good, demand);
      t.p99Ms[p] = busy > 0 ? p99 / busy : 0;
      t.cpu[p] = cpu / load.periodSeconds;
      t.concurrency[p] = conc / load.periodSeconds;
    }
    return t;
  };
  return {
    load,
    at(instances: number): SizeTable {
      return tables[instances] ??= build(instances);
    },
  };
}
