/**
 * The policy sweep, pure: every candidate on every pattern through the fast core, scored, with
 * the Pareto front of cost against availability per pattern.
 *
 * @module
 */
import { profileCurve } from "../fleet/mod.ts";
import { paretoFront } from "../pareto.ts";
import type { CapacityProfile } from "../profile.ts";
import type { SweepCandidate } from "./candidate.ts";
import { loadTable, periodLoad } from "./load_table.ts";
import type { SweepPattern } from "./patterns.ts";
import { type PatternTables, runCandidate, type RunOptions, type RunScores } from "./run.ts";

/** The scores of one candidate on one pattern. */
export interface SweepResult extends RunScores {
  /** Index into the candidates. */
  candidate: number;
  /** Index into the patterns. */
  pattern: number;
}

/** What {@linkcode sweepPolicies} returns. */
export interface SweepOutcome {
  /** Candidate-major: `results[c * patterns + p]`. */
  results: SweepResult[];
  /** Per pattern, the candidates on the front of cost vs availability (by increasing cost). */
  pareto: { pattern: number; front: number[] }[];
}

/** Options of {@linkcode sweepPolicies}. */
export interface SweepOptions extends Omit<RunOptions, "timeline" | "vCpus"> {
  /** Latency SLO, ms: a request slower than this is not served. */
  sloMs: number;
}

/**
 * The tables of each pattern for a profile: one-minute periods always, 10-s periods when asked.
 *
 * @example Usage
 * ```ts
 * import { patternTables } from "./sweep.ts";
 * import { stepPattern } from "./patterns.ts";
 * import assert from "node:assert/strict";
 * const level = (concurrency: number, throughput: number) => ({ concurrency, throughput,
 *   latencyMs: { p50: 20, p95: 30, p99: 40, mean: 22 }, cpuPercent: 50, memoryPercent: 10, errorRate: 0 });
 * const profile = { instanceType: "ml.c5.large", vCpus: 2, measuredOn: "example",
 *   levels: [level(1, 25), level(2, 50)] };
 * const tables = patternTables(profile, { pattern: stepPattern({ baseTps: 10, minutes: 4 }), sloMs: 500, highResolution: true });
 * assert.equal(tables.minute.load.periods, 4);
 * assert.equal(tables.tenSeconds?.load.periods, 24);
 * ```
 */
export function patternTables(
  profile: CapacityProfile,
  options: { pattern: SweepPattern; sloMs: number; highResolution?: boolean },
): PatternTables {
  const { pattern, sloMs } = options;
  const curve = profileCurve(profile);
  const grid = (periodSeconds: number) =>
    loadTable(
      periodLoad(pattern.load, {
        start: pattern.start,
        periodSeconds,
        periods: pattern.minutes * 60 / periodSeconds,
      }),
      { curve, sloMs },
    );
  return {
    minute: grid(60),
    ...(options.highResolution ? { tenSeconds: grid(10) } : {}),
  };
}

/**
 * Runs every candidate on every pattern and finds the Pareto front per pattern.
 *
 * @example Usage
 * ```ts
 * import { sweepPolicies } from "./sweep.ts";
 * import { spikePattern } from "./patterns.ts";
 * import assert from "node:assert/strict";
 * const level = (concurrency: number, throughput: number) => ({ concurrency, throughput,
 *   latencyMs: { p50: 20, p95: 30, p99: 40, mean: 22 }, cpuPercent: 50, memoryPercent: 10, errorRate: 0 });
 * const profile = { instanceType: "ml.c5.large", vCpus: 2, measuredOn: "example",
 *   levels: [level(1, 25), level(2, 50)] };
 * const candidate = (min: number) => ({ label: `min ${min}`, instanceType: "ml.c5.large",
 *   minCapacity: min, maxCapacity: 10, targetTracking: [{ metric: "invocations" as const, target: 1500 }] });
 * const out = sweepPolicies(
 *   { profile, patterns: [spikePattern({ baseTps: 50 })], candidates: [candidate(1), candidate(6)] },
 *   { sloMs: 500, pricePerHour: 0.1 });
 * assert.equal(out.results.length, 2);
 * assert.ok(out.results[1].availability > out.results[0].availability);
 * assert.deepEqual(out.pareto[0].front, [0, 1]);
 * ```
 */
export function sweepPolicies(
  input: { profile: CapacityProfile; patterns: SweepPattern[]; candidates: SweepCandidate[] },
  options: SweepOptions,
): SweepOutcome {
  const { profile, patterns, candidates } = input;
  const highResolution = candidates.some((c) =>
    (c.targetTracking ?? []).some((t) => t.metric === "concurrency")
  );
  const tables = patterns.map((pattern) =>
    patternTables(profile, { pattern, sloMs: options.sloMs, highResolution })
  );
  const results: SweepResult[] = [];
  for (let c = 0; c < candidates.length; c++) {
    for (let p = 0; p < patterns.length; p++) {
      const run = runCandidate(tables[p], candidates[c], { ...options, vCpus: profile.vCpus });
      results.push({ candidate: c, pattern: p, ...run.scores });
    }
  }
  const pareto = patterns.map((_, p) => {
    const rows = results.filter((r) => r.pattern === p);
    const front = paretoFront(rows).map((i) => rows[i].candidate);
    front.sort((a, b) =>
      results[a * patterns.length + p].cost - results[b * patterns.length + p].cost
    );
    return { pattern: p, front };
  });
  return { results, pareto };
}
