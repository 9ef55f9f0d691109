/**
 * The sweep's fast core: one candidate scaling configuration on one tabulated traffic pattern,
 * period by period on plain arrays — the alarms, the policies' decisions, cooldowns, scheduled
 * actions and provisioning delay — and the scores the sweep compares candidates on.
 *
 * The rules are `simulate.ts`'s and the local backend's (`../shared/spec/autoscaling.md`; the
 * delays default to the backend's calibrated settings), and the decisions go through the same
 * functions (`scaling_math.ts`):
 * - target tracking on a one-minute metric (InvocationsPerInstance Sum, CPUUtilization Average):
 *   AlarmHigh 3 of 3 periods above the target, AlarmLow 15 of 15 below 0.9 × target (§1.1);
 * - target tracking on the high-resolution `ConcurrentRequestsPerModel` (10 s periods):
 *   AlarmHigh 3 of 3 above the target, AlarmLow 90 of 90 below 0.9 × target (§1.1, high
 *   resolution), evaluated every 10 s;
 * - step scaling: its alarm is M of M one-minute InvocationsPerInstance periods at or above the
 *   threshold (`putStepScaling`'s alarm); the step is chosen on the mean of those M periods minus
 *   the threshold (MetricAggregationType Average, §3);
 * - every alarm sees a period `metricDelaySeconds` after it closes (high resolution:
 *   `highResolutionDelaySeconds`), and an alarm that stays in ALARM invokes its policy again at
 *   each evaluation; simultaneous proposals combine as AAS does (the largest scale-out wins,
 *   `combineProposals`);
 * - new instances take traffic `instanceStartSeconds` after the scale-out (rounded up to a
 *   period) and the variant takes no other policy change until then; removal is immediate;
 * - a scheduled action sets MinCapacity/MaxCapacity when it fires and moves the capacity into the
 *   new bounds at once (§5).
 *
 * Alarm states are kept as counts of consecutive breaching periods: with every period present
 * (the fleet never has zero instances in service while MinCapacity ≥ 1) "N of N" is in ALARM
 * exactly when the last N visible periods breach, which is what `evaluateAlarm` decides.
 *
 * @module
 */
import type { SweepCandidate } from "./candidate.ts";
import type { LoadTable } from "./load_table.ts";
import {
  clampCapacity,
  combineProposals,
  cooldownAfter,
  type PolicyCooldown,
  type PolicyDecision,
  type Proposal,
  stepScalingDecision,
  targetTrackingDecision,
} from "../scaling_math.ts";
import { nextFireTime } from "../schedule.ts";

/** Options of {@linkcode runCandidate}: the rules that are settings on the local backend. */
export interface RunOptions {
  /** vCPUs of the instance type (a CPU target is a percentage per vCPU). */
  vCpus: number;
  /** USD per instance-hour. */
  pricePerHour: number;
  /**
   * Seconds from a scale-out until its instances take traffic.
   * @default {240}
   */
  instanceStartSeconds?: number;
  /**
   * Seconds a removed instance drains: it takes no traffic from the scale-in on, is still paid
   * for, and the variant (and the scale-in cooldown) waits for the drain to end (autoscaling.md
   * §6, §9.5; the local backend's `instanceDrainSeconds`).
   * @default {120}
   */
  instanceDrainSeconds?: number;
  /**
   * Seconds after a one-minute period closes until the alarms see it (autoscaling.md §5: the
   * observed 2–3 min lag; the local backend's `metricDelaySeconds`).
   * @default {120}
   */
  metricDelaySeconds?: number;
  /**
   * Seconds after a 10-s period closes until the alarms see it [INF].
   * @default {10}
   */
  highResolutionDelaySeconds?: number;
  /**
   * AlarmLow's threshold as a fraction of the target.
   * @default {0.9}
   */
  scaleInRatio?: number;
  /**
   * Minutes simulated after the pattern ends with no load, so the cost counts the scale-in tail
   * (the run stops earlier once the capacity is back at its minimum).
   * @default {60}
   */
  tailMinutes?: number;
  /**
   * A period serves "enough" when at least this share of its requests is served within the SLO;
   * the time to capacity is the longest run of periods below it.
   * @default {0.99}
   */
  overloadShare?: number;
  /**
   * Keep the per-minute timeline (for charts and the consistency test).
   * @default {false}
   */
  timeline?: boolean;
}

/** One minute of a candidate's run. */
export interface RunMinute {
  /** Start of the minute, epoch ms. */
  start: number;
  /** Desired capacity at the end of the minute (instances launched and not removed). */
  capacity: number;
  /** Instances in service at the end of the minute. */
  inService: number;
  /** MinCapacity and MaxCapacity at the end of the minute. */
  min: number;
  max: number;
  /** Requests finished in the minute. */
  invocations: number;
  /** Requests offered. */
  demand: number;
  /** Requests served within the SLO. */
  good: number;
  /** Time-weighted p99 latency, ms. */
  p99Ms: number;
}

/** The scores of one candidate on one pattern. */
export interface RunScores {
  /** Dollars: instance-minutes (launch to removal) × price, the scale-in tail included. */
  cost: number;
  /** Instance-minutes billed. */
  instanceMinutes: number;
  /** Share of offered requests served without error and within the SLO, 0 to 1. */
  availability: number;
  /** 99th percentile latency over the pattern's requests, ms (from the periods' p99). */
  p99Ms: number;
  /** Longest run of overloaded time until capacity was enough again, seconds (0: never). */
  timeToCapacitySeconds: number;
  /** Overloaded seconds in all. */
  overloadedSeconds: number;
  /** Most instances at once (desired capacity) during the pattern. */
  peakInstances: number;
  /** Mean desired capacity during the pattern. */
  meanInstances: number;
  /** Scaling activities (scale-outs and scale-ins, scheduled ones included). */
  activities: number;
  /** Minutes simulated after the pattern until the capacity was back at its minimum. */
  tailMinutes: number;
}

/** What {@linkcode runCandidate} returns. */
export interface CandidateRun {
  scores: RunScores;
  /** Per minute, when `timeline` was asked for (the scale-in tail included). */
  minutes?: RunMinute[];
}

/** The tables of one pattern: one-minute periods, and 10-s periods for high resolution. */
export interface PatternTables {
  minute: LoadTable;
  /** Needed only by candidates with a high-resolution policy. */
  tenSeconds?: LoadTable;
}

const HIGH_PERIODS = 3;
const LOW_PERIODS = 15;
const HIGH_RES_LOW_PERIODS = 90;

interface Alarm {
  /** Consecutive breaching visible periods. */
  run: number;
  /** Periods it needs. */
  need: number;
}

interface Policy {
  name: string;
  kind: "tt" | "step";
  /** Which series its alarms read. */
  series: "ipi" | "cpu" | "conc";
  high: Alarm;
  low?: Alarm;
  highThreshold: number;
  lowThreshold: number;
  target: number;
  disableScaleIn: boolean;
  scaleOutCooldown: number;
  scaleInCooldown: number;
  steps?: {
    MetricIntervalLowerBound?: number;
    MetricIntervalUpperBound?: number;
    ScalingAdjustment: number;
  }[];
  cooldown: PolicyCooldown;
}

function compile(candidate: SweepCandidate, vCpus: number, scaleInRatio: number): Policy[] {
  const policies: Policy[] = [];
  for (const [i, tt] of (candidate.targetTracking ?? []).entries()) {
    const target = tt.metric === "cpu" ? tt.target * vCpus : tt.target;
    const hr = tt.metric === "concurrency";
    policies.push({
      name: `tt-${i}`,
      kind: "tt",
      series: tt.metric === "invocations" ? "ipi" : tt.metric === "cpu" ? "cpu" : "conc",
      high: { run: 0, need: HIGH_PERIODS },
      low: { run: 0, need: hr ? HIGH_RES_LOW_PERIODS : LOW_PERIODS },
      highThreshold: target,
      lowThreshold: target * scaleInRatio,
      target,
      disableScaleIn: tt.disableScaleIn ?? false,
      scaleOutCooldown: tt.scaleOutCooldown ?? 300,
      scaleInCooldown: tt.scaleInCooldown ?? 300,
      cooldown: {},
    });
  }
  for (const [i, step] of (candidate.stepScaling ?? []).entries()) {
    policies.push({
      name: `step-${i}`,
      kind: "step",
      series: "ipi",
      high: { run: 0, need: Math.max(1, step.evaluationPeriods ?? 1) },
      highThreshold: step.threshold,
      lowThreshold: -Infinity,
      target: step.threshold,
      disableScaleIn: true,
      scaleOutCooldown: step.cooldown ?? 300,
      scaleInCooldown: step.cooldown ?? 300,
      steps: step.steps.map((s) => ({
        MetricIntervalLowerBound: s.lower,
        MetricIntervalUpperBound: s.upper,
        ScalingAdjustment: s.adjustment,
      })),
      cooldown: {},
    });
  }
  return policies;
}

/** Fire times of the scheduled actions in `[start, end)`, in order. */
function scheduledFires(
  candidate: SweepCandidate,
  range: { start: number; end: number },
): { at: number; min?: number; max?: number }[] {
  const fires: { at: number; min?: number; max?: number }[] = [];
  for (const action of candidate.scheduledActions ?? []) {
    let after = range.start - 1;
    for (let k = 0; k < 10_000; k++) {
      const at = nextFireTime(action.schedule, after, action.timezone ?? "UTC");
      if (at === undefined || at >= range.end) break;
      fires.push({ at, min: action.minCapacity, max: action.maxCapacity });
      after = at;
    }
  }
  return fires.sort((a, b) => a.at - b.at);
}

/**
 * Runs one candidate on one pattern and scores it.
 *
 * @example Usage
 * ```ts
 * import { runCandidate } from "./run.ts";
 * import { loadTable, periodLoad } from "./load_table.ts";
 * import { profileCurve } from "../fleet/mod.ts";
 * import assert from "node:assert/strict";
 * const level = (concurrency: number, throughput: number) => ({ concurrency, throughput,
 *   latencyMs: { p50: 20, p95: 30, p99: 40, mean: 22 }, cpuPercent: 50 * concurrency,
 *   memoryPercent: 10, errorRate: 0 });
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "example",
 *   levels: [level(1, 25), level(2, 50), level(4, 50)] });
 * const load = periodLoad({ kind: "arrivals", steps: [{ at: 0, value: 120 }] },
 *   { start: 0, periodSeconds: 60, periods: 60 });
 * const run = runCandidate({ minute: loadTable(load, { curve, sloMs: 1000 }) }, {
 *   label: "tt", instanceType: "ml.c5.large", minCapacity: 1, maxCapacity: 6,
 *   targetTracking: [{ metric: "invocations", target: 1500 }],
 * }, { vCpus: 2, pricePerHour: 0.1 });
 * assert.equal(run.scores.peakInstances, 5); // ceil(120 x 60 / 1500)
 * assert.ok(run.scores.availability < 1 && run.scores.timeToCapacitySeconds > 0);
 * ```
 */
export function runCandidate(
  tables: PatternTables,
  candidate: SweepCandidate,
  options: RunOptions,
): CandidateRun {
  const scaleInRatio = options.scaleInRatio ?? 0.9;
  const policies = compile(candidate, options.vCpus, scaleInRatio);
  const highRes = policies.some((p) => p.series === "conc");
  const table = highRes ? tables.tenSeconds : tables.minute;
  if (table === undefined) {
    throw new RangeError(
      `Cannot run candidate "${candidate.label}": it has a high-resolution policy and the pattern has no 10-s table`,
    );
  }
  const load = table.load;
  const slot = load.periodSeconds;
  const slotMs = slot * 1000;
  const perMinute = 60 / slot;
  const P = load.periods;
  const tailSlots = Math.round((options.tailMinutes ?? 60) * perMinute);
  const startMs = (options.instanceStartSeconds ?? 240) * 1000;
  const drainMs = (options.instanceDrainSeconds ?? 120) * 1000;
  const drainingUntil: number[] = [];
  const drainingCount: number[] = [];
  let draining = 0;
  const minuteDelay = Math.round((options.metricDelaySeconds ?? 120) / 60);
  const hrDelay = Math.round((options.highResolutionDelaySeconds ?? 10) / slot);
  const overloadShare = options.overloadShare ?? 0.99;
  const fires = scheduledFires(candidate, {
    start: load.start,
    end: load.start + (P + tailSlots) * slotMs,
  });
  let fireIndex = 0;

  let min = candidate.minCapacity;
  let max = candidate.maxCapacity;
  let desired = min;
  let inService = min;
  const pendingAt: number[] = [];
  const pendingCount: number[] = [];
  let busyUntil = -Infinity;
  // Minute series (visible with a delay) and the 10-s concurrency series.
  const totalMinutes = Math.ceil((P + tailSlots) / perMinute);
  const ipi = new Float64Array(totalMinutes);
  const cpu = new Float64Array(totalMinutes);
  const conc = highRes ? new Float64Array(P + tailSlots) : undefined;
  let seenMinute = -1; // last minute index whose datapoint the alarms have taken in
  let seenSlot = -1;

  // Scores.
  let instanceSlots = 0;
  let patternInstanceSlots = 0;
  let peak = 0;
  let good = 0;
  let demand = 0;
  let activities = 0;
  let overloadRun = 0;
  let longestOverload = 0;
  let overloaded = 0;
  const p99s: number[] = [];
  const weights: number[] = [];
  const minutes: RunMinute[] | undefined = options.timeline ? [] : undefined;
  let minuteAcc = { invocations: 0, demand: 0, good: 0, p99: 0, busy: 0, ipi: 0, cpu: 0 };

  const scaleTo = (to: number, now: number) => {
    if (to > desired) {
      pendingAt.push(now + startMs);
      pendingCount.push(to - desired);
      busyUntil = now + startMs;
    } else {
      let remove = desired - to;
      while (remove > 0 && pendingCount.length > 0) {
        const k = pendingCount.length - 1;
        const take = Math.min(remove, pendingCount[k]);
        pendingCount[k] -= take;
        remove -= take;
        if (pendingCount[k] === 0) {
          pendingCount.pop();
          pendingAt.pop();
        }
      }
      inService -= remove;
      busyUntil = now + drainMs;
      if (drainMs > 0) {
        drainingUntil.push(now + drainMs);
        drainingCount.push(desired - to);
        draining += desired - to;
      }
    }
    desired = to;
    activities++;
  };

  const feed = (alarm: Alarm, breach: boolean) => {
    alarm.run = breach ? alarm.run + 1 : 0;
  };

  let s = 0;
  for (; s < P + tailSlots; s++) {
    const t = load.start + s * slotMs;
    const inPattern = s < P;
    if (!inPattern && desired === min && pendingCount.length === 0 && draining === 0) break;
    while (drainingUntil.length > 0 && drainingUntil[0] <= t) {
      draining -= drainingCount[0];
      drainingUntil.shift();
      drainingCount.shift();
    }
    while (pendingAt.length > 0 && pendingAt[0] <= t) {
      inService += pendingCount[0];
      pendingAt.shift();
      pendingCount.shift();
    }
    // The period's fleet.
    let inv = 0;
    let dem = 0;
    let ok = 0;
    let p99 = 0;
    let cpuNow = 0;
    let concNow = 0;
    if (inPattern) {
      const row = table.at(inService);
      inv = row.invocations[s];
      dem = row.demand[s];
      ok = row.good[s];
      p99 = row.p99Ms[s];
      cpuNow = row.cpu[s];
      concNow = row.concurrency[s];
    }
    if (conc !== undefined) conc[s] = concNow;
    const m = Math.floor(s / perMinute);
    if (inService > 0) minuteAcc.ipi += inv / inService;
    minuteAcc.cpu += cpuNow / perMinute;
    minuteAcc.invocations += inv;
    minuteAcc.demand += dem;
    minuteAcc.good += ok;
    if (inv > 0) {
      minuteAcc.p99 += p99 * inv;
      minuteAcc.busy += inv;
    }
    instanceSlots += desired + draining;
    if (inPattern) {
      patternInstanceSlots += desired;
      if (desired > peak) peak = desired;
      good += ok;
      demand += dem;
      if (inv > 0) {
        p99s.push(p99);
        weights.push(inv);
      }
      if (dem > 0 && ok < overloadShare * dem) {
        overloadRun++;
        overloaded++;
        if (overloadRun > longestOverload) longestOverload = overloadRun;
      } else overloadRun = 0;
    }
    const end = t + slotMs;
    const minuteEnds = (s + 1) % perMinute === 0;
    if (minuteEnds) {
      ipi[m] = minuteAcc.ipi;
      cpu[m] = minuteAcc.cpu;
    }
    // Alarms take in the periods that became visible by `end`.
    let evaluate = false;
    if (minuteEnds) {
      const visible = m - minuteDelay;
      for (let k = seenMinute + 1; k <= visible; k++) {
        for (const p of policies) {
          if (p.series === "conc") continue;
          const v = p.series === "ipi" ? ipi[k] : cpu[k];
          if (p.kind === "step") feed(p.high, v >= p.highThreshold);
          else {
            feed(p.high, v > p.highThreshold);
            feed(p.low!, v < p.lowThreshold);
          }
        }
      }
      if (visible > seenMinute) seenMinute = visible;
      evaluate = true;
    }
    if (conc !== undefined) {
      const visible = s - hrDelay;
      for (let k = seenSlot + 1; k <= visible; k++) {
        for (const p of policies) {
          if (p.series !== "conc") continue;
          const v = conc[k];
          feed(p.high, v > p.highThreshold);
          feed(p.low!, v < p.lowThreshold);
        }
      }
      if (visible > seenSlot) seenSlot = visible;
      evaluate = true;
    }
    // Scheduled actions that fired by `end`.
    while (fireIndex < fires.length && fires[fireIndex].at <= end) {
      const f = fires[fireIndex++];
      if (f.min !== undefined) min = f.min;
      if (f.max !== undefined) max = f.max;
      if (min > max) max = min;
      if (desired < min) scaleTo(min, end);
      else if (desired > max) scaleTo(max, end);
    }
    if (evaluate && end >= busyUntil) {
      const proposals: Proposal[] = [];
      for (const p of policies) {
        const minutePolicy = p.series !== "conc";
        if (minutePolicy && !minuteEnds) continue;
        const last = minutePolicy ? seenMinute : seenSlot;
        if (last < 0) continue;
        const series = p.series === "ipi" ? ipi : p.series === "cpu" ? cpu : conc!;
        let decision: PolicyDecision | undefined;
        if (p.kind === "tt") {
          const alarm = p.high.run >= p.high.need
            ? "high"
            : p.low!.run >= p.low!.need
            ? "low"
            : undefined;
          if (alarm === undefined) continue;
          decision = targetTrackingDecision({
            alarm,
            current: desired,
            metric: series[last],
            target: p.target,
            disableScaleIn: p.disableScaleIn,
            cooldown: p.cooldown,
            now: end,
          });
        } else {
          if (p.high.run < p.high.need) continue;
          let sum = 0;
          for (let k = last - p.high.need + 1; k <= last; k++) sum += series[k];
          decision = stepScalingDecision({
            current: desired,
            breach: sum / p.high.need - p.highThreshold,
            side: "above",
            adjustmentType: "ChangeInCapacity",
            steps: p.steps!,
            cooldown: p.cooldown,
            now: end,
          });
        }
        if (decision.kind === "scale") {
          proposals.push({
            policyName: p.name,
            direction: decision.direction,
            desired: decision.desired,
          });
        }
      }
      const chosen = combineProposals(proposals);
      if (chosen !== undefined) {
        const clamped = clampCapacity(desired, { desired: chosen.desired, bounds: { min, max } });
        if (clamped.scaled) {
          const before = desired;
          scaleTo(clamped.capacity, end);
          const p = policies.find((q) => q.name === chosen.policyName)!;
          p.cooldown = cooldownAfter(p.cooldown, {
            direction: chosen.direction,
            capacityBefore: before,
            now: end,
            completesAt: busyUntil,
            seconds: chosen.direction === "out" ? p.scaleOutCooldown : p.scaleInCooldown,
          });
        }
      }
    }
    if (minuteEnds) {
      minutes?.push({
        start: load.start + m * 60_000,
        capacity: desired,
        inService,
        min,
        max,
        invocations: minuteAcc.invocations,
        demand: minuteAcc.demand,
        good: minuteAcc.good,
        p99Ms: minuteAcc.busy > 0 ? minuteAcc.p99 / minuteAcc.busy : 0,
      });
      minuteAcc = { invocations: 0, demand: 0, good: 0, p99: 0, busy: 0, ipi: 0, cpu: 0 };
    }
  }
  const instanceMinutes = instanceSlots / perMinute;
  return {
    scores: {
      cost: instanceMinutes / 60 * options.pricePerHour,
      instanceMinutes,
      availability: demand > 0 ? good / demand : 1,
      p99Ms: weightedPercentile({ values: p99s, weights }, 0.99),
      timeToCapacitySeconds: longestOverload * slot,
      overloadedSeconds: overloaded * slot,
      peakInstances: peak,
      meanInstances: P > 0 ? patternInstanceSlots / P : 0,
      activities,
      tailMinutes: Math.max(0, s - P) / perMinute,
    },
    ...(minutes === undefined ? {} : { minutes }),
  };
}

/**
 * The smallest value whose cumulative weight reaches `q` of the total (0 when there is none).
 *
 * @example Usage
 * ```ts
 * import { weightedPercentile } from "./run.ts";
 * import assert from "node:assert/strict";
 * assert.equal(weightedPercentile({ values: [10, 50, 20], weights: [98, 1, 1] }, 0.99), 20);
 * assert.equal(weightedPercentile({ values: [10, 50, 20], weights: [98, 1, 1] }, 0.995), 50);
 * ```
 */
export function weightedPercentile(
  sample: { values: readonly number[]; weights: readonly number[] },
  q: number,
): number {
  const { values, weights } = sample;
  if (values.length === 0) return 0;
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  let total = 0;
  for (const w of weights) total += w;
  let acc = 0;
  for (const i of order) {
    acc += weights[i];
    if (acc >= q * total - 1e-9 * total) return values[i];
  }
  return values[order[order.length - 1]];
}
