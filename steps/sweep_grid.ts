/**
 * The sweep's default candidates: target tracking on InvocationsPerInstance, on CPU and on
 * high-resolution concurrency at 30–90 % of the measured peak, the original's step policy alone
 * and beside target tracking, min/max capacity around the plan, two scale-out cooldowns, and
 * scheduled actions for a diurnal pattern. Every candidate is a {@linkcode ScalingConfig}, the shape
 * `scale` applies and `export` writes. The original's rule of thumb (target about 40 % of the
 * measured peak for availability, 50 % balanced, 70 % for cost) is three of them, marked.
 *
 * @module
 */
import { concurrencyForThroughput, type ProfileCurve, utilizationAt } from "../sim/fleet/mod.ts";
import { originalStepScaling, type TargetTrackingSpec } from "./policies.ts";
import type { ScalingConfig } from "./scaling_requests.ts";

/** A candidate of the sweep. */
export interface GridCandidate {
  config: ScalingConfig;
  /** Set on the original's 40/50/70 % rule candidates: the percentage of the measured peak. */
  rule?: 40 | 50 | 70;
}

/** Options of {@linkcode defaultCandidates}. */
export interface GridOptions {
  /** MinCapacity and MaxCapacity of the plan. */
  plan: { minCapacity: number; maxCapacity: number };
  /** The variant's instance type. */
  instanceType: string;
  /**
   * Targets as fractions of the measured peak.
   * @default {[0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]}
   */
  fractions?: number[];
  /**
   * Scale-out cooldowns, seconds (the scale-in cooldown stays AAS's 300).
   * @default {[300, 60]}
   */
  scaleOutCooldowns?: number[];
  /**
   * Add scheduled actions (a diurnal pattern is swept).
   * @default {false}
   */
  diurnal?: boolean;
}

const pctLabel = (f: number) => `${Math.round(f * 100)}%`;

/**
 * The default grid for a profile curve and a plan.
 *
 * @example Usage
 * ```ts
 * import { defaultCandidates } from "./sweep_grid.ts";
 * import { profileCurve } from "../sim/fleet/mod.ts";
 * import assert from "node:assert/strict";
 * const level = (concurrency: number, throughput: number) => ({ concurrency, throughput,
 *   latencyMs: { p50: 20, p95: 30, p99: 40, mean: 22 }, cpuPercent: 50 * concurrency,
 *   memoryPercent: 10, errorRate: 0 });
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "example",
 *   levels: [level(1, 25), level(2, 50)] });
 * const grid = defaultCandidates(curve, { plan: { minCapacity: 1, maxCapacity: 4 }, instanceType: "ml.c5.large" });
 * const rule50 = grid.find((c) => c.rule === 50)!;
 * assert.equal(rule50.config.targetTracking?.[0].target, 1500); // 50 % of 50/s x 60
 * assert.ok(grid.length > 100);
 * ```
 */
export function defaultCandidates(curve: ProfileCurve, options: GridOptions): GridCandidate[] {
  const { plan, instanceType } = options;
  const fractions = options.fractions ?? [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const cooldowns = options.scaleOutCooldowns ?? [300, 60];
  const peakPerMinute = curve.maxThroughput * 60;
  const bounds: [number, number][] = [
    [plan.minCapacity, plan.maxCapacity],
    [plan.minCapacity + 1, plan.maxCapacity],
    [plan.minCapacity, Math.ceil(plan.maxCapacity * 1.5)],
  ];
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const targetOf = (metric: TargetTrackingSpec["metric"], f: number): number => {
    const x = f * curve.maxThroughput;
    if (metric === "invocations") return Math.round(f * peakPerMinute);
    if (metric === "concurrency") return round2(Math.max(concurrencyForThroughput(curve, x), 0.01));
    return Math.min(100, Math.max(1, round2(utilizationAt(curve, x).cpu / curve.vCpus)));
  };
  const out: GridCandidate[] = [];
  const boundsLabel = (min: number, max: number) => `min ${min} max ${max}`;
  for (const metric of ["invocations", "cpu", "concurrency"] as const) {
    for (const f of fractions) {
      for (const cooldown of cooldowns) {
        for (const [min, max] of bounds) {
          const spec: TargetTrackingSpec = {
            metric,
            target: targetOf(metric, f),
            scaleOutCooldown: cooldown,
            scaleInCooldown: 300,
          };
          const rule = metric === "invocations" && cooldown === 300 &&
              min === plan.minCapacity && max === plan.maxCapacity &&
              [40, 50, 70].includes(Math.round(f * 100))
            ? Math.round(f * 100) as 40 | 50 | 70
            : undefined;
          out.push({
            config: {
              instanceType,
              minCapacity: min,
              maxCapacity: max,
              label: `tt ${metric} ${pctLabel(f)} out-cooldown ${cooldown}s ${
                boundsLabel(min, max)
              }`,
              targetTracking: [spec],
            },
            ...(rule === undefined ? {} : { rule }),
          });
        }
      }
    }
  }
  for (const f of [0.5, 0.7]) {
    for (const [min, max] of bounds) {
      const step = originalStepScaling(Math.round(f * peakPerMinute));
      out.push({
        config: {
          instanceType,
          minCapacity: min,
          maxCapacity: max,
          label: `step ${pctLabel(f)} ${boundsLabel(min, max)}`,
          stepScaling: [step],
        },
      });
      out.push({
        config: {
          instanceType,
          minCapacity: min,
          maxCapacity: max,
          label: `step ${pctLabel(f)} + tt invocations 70% ${boundsLabel(min, max)}`,
          stepScaling: [step],
          targetTracking: [{ metric: "invocations", target: targetOf("invocations", 0.7) }],
        },
      });
    }
  }
  if (options.diurnal) {
    const dayMin = Math.max(plan.minCapacity, Math.ceil(plan.maxCapacity / 2));
    for (const f of [0.5, 0.7]) {
      out.push({
        config: {
          instanceType,
          minCapacity: plan.minCapacity,
          maxCapacity: plan.maxCapacity,
          label: `tt invocations ${pctLabel(f)} + schedule min ${dayMin} 09:00-22:00 UTC`,
          targetTracking: [{ metric: "invocations", target: targetOf("invocations", f) }],
          scheduledActions: [
            { name: "day", schedule: "cron(0 9 * * ? *)", minCapacity: dayMin },
            { name: "night", schedule: "cron(0 22 * * ? *)", minCapacity: plan.minCapacity },
          ],
        },
      });
    }
  }
  return out;
}
