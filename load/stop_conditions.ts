/**
 * When a load test ends: Inference Recommender's stopping conditions
 * (`../shared/spec/inference-recommender.md` §1.4, `../shared/spec/simulation-model.md` §7) plus
 * the bounds a local run needs.
 *
 * Conditions on rates, latency and errors are judged per *evaluation period* (a CloudWatch
 * minute by default, `periodSeconds`), as IR judges them per minute: at the end of each full
 * period, in this order — error rate, latency threshold, `MaxInvocations`, `FlatInvocations`.
 * Duration, request count, the traffic pattern's end and an interrupt end the run at once.
 *
 * `FlatInvocations` (the docs name no window or tolerance; this toolkit's rule): a period is
 * *flat* when the users grew during it and its invocations are below
 * `(1 + flatTolerance) × ` the best of the earlier periods. Periods in which the users did not
 * grow are skipped (they neither count nor break a streak). The run stops after `flatPeriods`
 * consecutive flat periods. Default: 3 periods within 5 %.
 *
 * @module
 */

/** Why a run ended. */
export type StopReason =
  | "TrafficPatternCompleted"
  | "Duration"
  | "MaxRequests"
  | "MaxInvocations"
  | "ModelLatencyThreshold"
  | "ErrorRate"
  | "FlatInvocations"
  | "MaxLevels"
  | "Interrupted";

/** The reason a run ended and a sentence saying what was seen. */
export interface StopDecision {
  /** Machine-readable reason. */
  reason: StopReason;
  /** What was seen, e.g. `P95 latency 812 ms passed the 500 ms threshold`. */
  detail: string;
}

/** IR's `ModelLatencyThreshold` shape: a percentile and a limit in milliseconds. */
export interface LatencyThreshold {
  /** `P95` or `P99`. */
  Percentile: "P95" | "P99";
  /** Limit, ms. */
  ValueInMilliseconds: number;
}

/** When to stop a load test. Every field is optional; a run is always bounded in time. */
export interface StopConditions {
  /** End after this many seconds. @default the traffic pattern's length, or 60 s for open loop */
  durationSeconds?: number;
  /** End once this many requests have completed (no more are sent). @default no limit */
  maxRequests?: number;
  /** End at the end of a period whose invocations, per minute, reach this. @default no limit */
  maxInvocations?: number;
  /** End at the end of a period whose latency percentile passes the threshold. @default none */
  modelLatencyThreshold?: LatencyThreshold;
  /** End at the end of a period whose error rate (0–1) is above this. @default none */
  maxErrorRate?: number;
  /** `Stop` ends the run when throughput flattens (see the module doc). @default "Continue" */
  flatInvocations?: "Continue" | "Stop";
  /** Length of an evaluation period, s. @default 60 */
  periodSeconds?: number;
  /** Consecutive flat periods that end the run. @default 3 */
  flatPeriods?: number;
  /** Growth below this fraction of the best earlier period counts as flat. @default 0.05 */
  flatTolerance?: number;
}

/** What one evaluation period measured. */
export interface PeriodStats {
  /** 0-based index of the period. */
  index: number;
  /** Seconds from the start of the run to the start of the period. */
  startSeconds: number;
  /** Length of the period, s. */
  seconds: number;
  /** Users at the end of the period. */
  users: number;
  /** Requests completed (IR's Invocations: successes and errors). */
  requests: number;
  /** Failed requests. */
  errors: number;
  /** 95th percentile latency of successes, ms (`NaN` if none). */
  p95Ms: number;
  /** 99th percentile latency of successes, ms (`NaN` if none). */
  p99Ms: number;
}

/** Default evaluation period, s (one CloudWatch minute). */
export const DEFAULT_PERIOD_SECONDS = 60;
/** Default consecutive flat periods that end a run. */
export const DEFAULT_FLAT_PERIODS = 3;
/** Default growth tolerance of the flattening rule. */
export const DEFAULT_FLAT_TOLERANCE = 0.05;

/**
 * Checks stop conditions for consistency and fills the period defaults; throws a RangeError
 * naming the bad field.
 *
 * @example Usage
 * ```ts
 * import { validateStopConditions } from "./stop_conditions.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validateStopConditions({}).periodSeconds, 60);
 * assert.throws(() => validateStopConditions({ maxErrorRate: 2 }), /maxErrorRate/);
 * ```
 */
export function validateStopConditions(conditions: StopConditions): StopConditions {
  const c = { ...conditions };
  const positive = (name: keyof StopConditions, integer = false) => {
    const v = c[name];
    if (v === undefined) return;
    if (
      typeof v !== "number" || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))
    ) {
      throw new RangeError(
        `Invalid stopping condition: ${name} must be a positive${
          integer ? " whole" : ""
        } number, got ${JSON.stringify(v)}`,
      );
    }
  };
  positive("durationSeconds");
  positive("maxRequests", true);
  positive("maxInvocations");
  positive("periodSeconds", true);
  positive("flatPeriods", true);
  if (c.maxErrorRate !== undefined && !(c.maxErrorRate >= 0 && c.maxErrorRate <= 1)) {
    throw new RangeError(
      `Invalid stopping condition: maxErrorRate must be a fraction from 0 to 1, got ${c.maxErrorRate}`,
    );
  }
  if (c.flatTolerance !== undefined && !(c.flatTolerance >= 0)) {
    throw new RangeError(
      `Invalid stopping condition: flatTolerance must be 0 or more, got ${c.flatTolerance}`,
    );
  }
  if (
    c.flatInvocations !== undefined && c.flatInvocations !== "Continue" &&
    c.flatInvocations !== "Stop"
  ) {
    throw new RangeError(
      `Invalid stopping condition: flatInvocations must be "Continue" or "Stop", got ${
        JSON.stringify(c.flatInvocations)
      }`,
    );
  }
  const t = c.modelLatencyThreshold;
  if (t !== undefined) {
    if (t.Percentile !== "P95" && t.Percentile !== "P99") {
      throw new RangeError(
        `Invalid stopping condition: the latency percentile must be "P95" or "P99", got ${
          JSON.stringify(t.Percentile)
        }`,
      );
    }
    if (!(t.ValueInMilliseconds > 0)) {
      throw new RangeError(
        `Invalid stopping condition: the latency threshold must be a positive number of ms, got ${t.ValueInMilliseconds}`,
      );
    }
  }
  c.periodSeconds ??= DEFAULT_PERIOD_SECONDS;
  c.flatPeriods ??= DEFAULT_FLAT_PERIODS;
  c.flatTolerance ??= DEFAULT_FLAT_TOLERANCE;
  c.flatInvocations ??= "Continue";
  return c;
}

function round(x: number, digits = 1): string {
  return Number.isFinite(x) ? String(Number(x.toFixed(digits))) : String(x);
}

/**
 * Consecutive flat periods at the end of `periods` under the flattening rule (see the module
 * doc).
 *
 * @example Usage
 * ```ts
 * import { flatPeriodStreak } from "./stop_conditions.ts";
 * import assert from "node:assert/strict";
 * const p = (users: number, requests: number) => ({ users, requests });
 * assert.equal(flatPeriodStreak([p(1, 100), p(2, 200), p(3, 205), p(4, 199)], 0.05), 2);
 * assert.equal(flatPeriodStreak([p(1, 100), p(2, 200), p(3, 300)], 0.05), 0);
 * ```
 */
export function flatPeriodStreak(
  periods: ReadonlyArray<Pick<PeriodStats, "users" | "requests">>,
  tolerance: number,
): number {
  let streak = 0;
  let best = -Infinity;
  for (let i = 0; i < periods.length; i++) {
    const p = periods[i];
    if (i > 0 && p.users > periods[i - 1].users) {
      if (p.requests < (1 + tolerance) * best) streak++;
      else streak = 0;
    }
    if (p.requests > best) best = p.requests;
  }
  return streak;
}

/**
 * The truthful reason for a flat-throughput stop: none of the last `count` levels rose more than
 * `tolerance` above the best so far — which says nothing about how far below it they fell, so
 * their values are listed ("938, 487 and 553 req/s", not "stayed within 5 % of 1,149.5").
 *
 * @example Usage
 * ```ts
 * import { flatStopDetail } from "./stop_conditions.ts";
 * import assert from "node:assert/strict";
 * const p = (users: number, requests: number) => ({ users, requests });
 * assert.equal(
 *   flatStopDetail([p(8, 1149.5), p(16, 938), p(24, 487), p(32, 553)], { tolerance: 0.05, count: 3, unit: "req/s" }),
 *   "Throughput did not grow by more than 5 % over 3 levels: 938, 487 and 553 req/s (up to 32 users) against a best of 1,149.5 req/s at 8 users before them",
 * );
 * ```
 */
export function flatStopDetail(
  periods: ReadonlyArray<Pick<PeriodStats, "users" | "requests">>,
  options: { tolerance: number; count: number; unit: string; what?: string; levels?: string },
): string {
  // The flat levels are the last `count` at which users grew (as flatPeriodStreak counts them).
  const flat: number[] = [];
  for (let i = periods.length - 1; i > 0 && flat.length < options.count; i--) {
    if (periods[i].users > periods[i - 1].users) flat.unshift(i);
  }
  const last = flat.map((i) => periods[i]);
  const before = periods.slice(0, flat[0] ?? periods.length);
  const best = (before.length ? before : periods).reduce((
    a,
    b,
  ) => (b.requests > a.requests ? b : a));
  const values = last.map((x) => x.requests.toLocaleString("en-US", { maximumFractionDigits: 1 }));
  const list = values.length > 1
    ? `${values.slice(0, -1).join(", ")} and ${values.at(-1)}`
    : values.join("");
  const num = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 1 });
  return `${options.what ?? "Throughput"} did not grow by more than ${
    round(options.tolerance * 100)
  } % over ${options.count} ${options.levels ?? "levels"}: ${list} ${options.unit} (up to ${
    periods.at(-1)?.users
  } users) against a best of ${
    num(best.requests)
  } ${options.unit} at ${best.users} users before them`;
}

/**
 * Judges the last of `periods` (all periods so far, in order) against the conditions; returns
 * the decision to stop or `null` to go on.
 *
 * @example Usage
 * ```ts
 * import { evaluatePeriod, validateStopConditions } from "./stop_conditions.ts";
 * import assert from "node:assert/strict";
 * const conditions = validateStopConditions({ maxInvocations: 6000 });
 * const period = { index: 0, startSeconds: 0, seconds: 60, users: 4, requests: 6100, errors: 0, p95Ms: 20, p99Ms: 30 };
 * assert.equal(evaluatePeriod([period], conditions)?.reason, "MaxInvocations");
 * ```
 */
export function evaluatePeriod(
  periods: readonly PeriodStats[],
  conditions: StopConditions,
): StopDecision | null {
  const p = periods[periods.length - 1];
  if (!p) return null;
  const c = conditions;
  if (c.maxErrorRate !== undefined && p.requests > 0) {
    const rate = p.errors / p.requests;
    if (rate > c.maxErrorRate) {
      return {
        reason: "ErrorRate",
        detail: `Error rate ${round(rate * 100, 2)} % (${p.errors} of ${p.requests}) passed ${
          round(c.maxErrorRate * 100, 2)
        } % in period ${p.index + 1}`,
      };
    }
  }
  const t = c.modelLatencyThreshold;
  if (t) {
    const value = t.Percentile === "P99" ? p.p99Ms : p.p95Ms;
    if (value > t.ValueInMilliseconds) {
      return {
        reason: "ModelLatencyThreshold",
        detail: `${t.Percentile} latency ${
          round(value)
        } ms passed the ${t.ValueInMilliseconds} ms threshold in period ${p.index + 1}`,
      };
    }
  }
  if (c.maxInvocations !== undefined) {
    const perMinute = (p.requests * 60) / p.seconds;
    if (perMinute >= c.maxInvocations) {
      return {
        reason: "MaxInvocations",
        detail: `${
          round(perMinute, 0)
        } invocations per minute reached MaxInvocations ${c.maxInvocations} in period ${
          p.index + 1
        }`,
      };
    }
  }
  if (c.flatInvocations === "Stop") {
    const need = c.flatPeriods ?? DEFAULT_FLAT_PERIODS;
    const tolerance = c.flatTolerance ?? DEFAULT_FLAT_TOLERANCE;
    if (flatPeriodStreak(periods, tolerance) >= need) {
      return {
        reason: "FlatInvocations",
        detail: flatStopDetail(periods, {
          tolerance,
          count: need,
          unit: "invocations",
          what: "Invocations per period",
          levels: "periods",
        }),
      };
    }
  }
  return null;
}
