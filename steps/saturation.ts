/**
 * The analysis of a saturation curve (section 6b of the original, done deterministically): the
 * maximum invocations per minute among minutes that are not failing, limits at two percentages
 * (whole invocations: the upper one rounded down, the lower one up, as the original does), and where the rising curve crosses each limit.
 *
 * @module
 */
import { InputError } from "./errors.ts";
import type { AnalysisCrossing } from "../charts/analysis.ts";
import type { AnalysisPoint } from "./types.ts";

/** Options of {@linkcode analyzeSaturation}. */
export interface AnalyzeSaturationOptions {
  /**
   * Upper limit as a percentage of the maximum (the original: 55).
   * @default {55}
   */
  upperPercent?: number;
  /**
   * Lower limit as a percentage of the maximum (the original: 45).
   * @default {45}
   */
  lowerPercent?: number;
  /**
   * Minutes whose errors exceed this fraction of their invocations are ignored for the maximum
   * (Inference Recommender stops a Default job past 1 % errors).
   * @default {0.01}
   */
  maxErrorRate?: number;
}

/** What {@linkcode analyzeSaturation} finds. */
export interface Saturation {
  maxValue: number;
  /** Time of the minute holding the maximum. */
  maxTime: string;
  upperLimit: number;
  lowerLimit: number;
  upperPercent: number;
  lowerPercent: number;
  crossings: AnalysisCrossing[];
}

/**
 * Finds the maximum and the limits of a per-minute series (sorted by time).
 *
 * The crossing of a limit L is where the curve, on its way up to the maximum, first reaches L:
 * the first minute i with invocations >= L, interpolated linearly from minute i-1 (or minute i's
 * own time when it is the first). Unlike the original's search loop, it does not stop at the first
 * point that is not closer, so it does not depend on noise or order.
 *
 * @throws {InputError} for percentages that are not 0 < lower < upper <= 100.
 *
 * @example Usage
 * ```ts
 * import { analyzeSaturation } from "./saturation.ts";
 * import assert from "node:assert/strict";
 * const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
 * const series = [100, 200, 300, 400, 400].map((invocations, m) => ({ time: t(m), invocations }));
 * const s = analyzeSaturation(series, { upperPercent: 50, lowerPercent: 25 });
 * assert.equal(s.maxValue, 400);
 * assert.equal(s.upperLimit, 200);
 * assert.deepEqual(s.crossings, [{ limit: "upper", time: t(1) }, { limit: "lower", time: t(0) }]);
 * ```
 */
export function analyzeSaturation(
  series: readonly AnalysisPoint[],
  options: AnalyzeSaturationOptions = {},
): Saturation {
  const upperPercent = options.upperPercent ?? 55;
  const lowerPercent = options.lowerPercent ?? 45;
  const maxErrorRate = options.maxErrorRate ?? 0.01;
  if (
    !(Number.isFinite(upperPercent) && Number.isFinite(lowerPercent)) ||
    !(lowerPercent > 0 && lowerPercent < upperPercent && upperPercent <= 100)
  ) {
    throw new InputError(
      `Cannot analyze with limits at ${lowerPercent} % and ${upperPercent} %: give 0 < lower < upper <= 100`,
    );
  }
  let maxIndex = -1;
  series.forEach((p, i) => {
    const errorRate = p.invocations > 0 ? (p.errors ?? 0) / p.invocations : 0;
    if (errorRate > maxErrorRate) return;
    if (maxIndex < 0 || p.invocations > series[maxIndex].invocations) maxIndex = i;
  });
  if (maxIndex < 0 || series[maxIndex].invocations <= 0) {
    throw new InputError(
      "Cannot analyze the benchmark: no minute has invocations with errors under " +
        `${maxErrorRate * 100} %; check the job's metrics and its FailureReason`,
    );
  }
  const maxValue = series[maxIndex].invocations;
  // The original rounds its limits to whole invocations, inward: upper = floor(max x 0.55),
  // lower = ceil(max x 0.45) (9,068 -> 4,987 / 4,081), so the derived target is an integer too.
  const upperLimit = Math.floor(maxValue * upperPercent / 100);
  const lowerLimit = Math.ceil(maxValue * lowerPercent / 100);
  const crossings: AnalysisCrossing[] = [];
  for (const [limit, value] of [["upper", upperLimit], ["lower", lowerLimit]] as const) {
    const time = crossingTime(series.slice(0, maxIndex + 1), value);
    if (time !== undefined) crossings.push({ limit, time });
  }
  return {
    maxValue,
    maxTime: series[maxIndex].time,
    upperLimit,
    lowerLimit,
    upperPercent,
    lowerPercent,
    crossings,
  };
}

function crossingTime(series: readonly AnalysisPoint[], limit: number): string | undefined {
  const i = series.findIndex((p) => p.invocations >= limit);
  if (i < 0) return undefined;
  if (i === 0) return series[0].time;
  const a = series[i - 1];
  const b = series[i];
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  const fraction = (limit - a.invocations) / (b.invocations - a.invocations);
  return new Date(Math.round(ta + fraction * (tb - ta))).toISOString();
}
