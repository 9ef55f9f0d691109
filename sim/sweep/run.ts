/**
 * The sweep's fast core: one candidate scaling configuration on one tabulated traffic pattern,
 * period by period on plain arrays — the alarms, the policies' decisions, cooldowns, scheduled
 * actions and provisioning delay — and the scores the sweep compares candidates on.
 *
 * It is the local backend's model run without a store: every rule goes through the functions
 * the local CloudWatch and Application Auto Scaling use (`tests/sweep_consistency_test.ts`
 * shows the per-minute capacity of both is the same for each kind of candidate):
 * - the alarms are built by `policy_alarms.ts` (target tracking's AlarmHigh/AlarmLow with the
 *   backend's shapes, the step policy's alarm as `scale` creates it), and evaluated by
 *   `evaluateAlarmSeries` over N + 2 periods of the series they read, 60-s alarms at each
 *   minute and 10-s ones every 10 s (the local alarm engine's schedule);
 * - an alarm in ALARM invokes its policy on the transition and every
 *   `alarmActionRepeatSeconds` after (`scalingActionDue`);
 * - the invocations of one instant are decided together by `scaling_decision.ts`
 *   (`decideTarget`: target tracking, step adjustments, the scale-in agreement, clamping,
 *   "not InService" while a change is under way) and leave cooldowns by
 *   `cooldownsAfterScaling`;
 * - every period is visible `metricDelaySeconds` after it closes (high resolution:
 *   `highResolutionDelaySeconds`); new instances take traffic `instanceStartSeconds` after the
 *   scale-out (rounded up to a period); removed ones drain `instanceDrainSeconds`, paid for;
 * - a scheduled action sets MinCapacity/MaxCapacity when it fires and moves the capacity into
 *   the new bounds at once (autoscaling.md §5), schedules read by `schedule.ts`.
 *
 * What the sweep leaves out is what a store is for: state reasons, alarm history, activities.
 *
 * @module
 */
import type { SweepCandidate } from "./candidate.ts";
import type { LoadTable } from "./load_table.ts";
import {
  type AlarmSeriesOptions,
  type AlarmState,
  evaluateAlarmSeries,
  scalingActionDue,
} from "../alarm_eval.ts";
import {
  type PolicyAlarm,
  stepScalingAlarm,
  TARGET_TRACKING_SHAPES,
  targetTrackingAlarms,
  type TargetTrackingShapes,
} from "../policy_alarms.ts";
import {
  cooldownsAfterScaling,
  decideTarget,
  type PolicyInvocation,
  type ScalingPolicyView,
} from "../scaling_decision.ts";
import { nextFireTime } from "../schedule.ts";
import { stepAdjustments } from "../step_scaling.ts";

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
   * The shapes and AlarmLow ratio of target tracking's alarms (the local backend's settings of
   * the same names).
   * @default {TARGET_TRACKING_SHAPES}
   */
  alarmShapes?: Readonly<TargetTrackingShapes>;
  /**
   * Periods an alarm evaluation fetches beyond its N (the local backend's
   * `alarmEvaluationRangeExtraPeriods`).
   * @default {2}
   */
  evaluationRangeExtraPeriods?: number;
  /**
   * Seconds between an alarm's re-invocations of its policy while it stays in ALARM (the local
   * backend's `alarmActionRepeatSeconds`).
   * @default {60}
   */
  alarmActionRepeatSeconds?: number;
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

/** One of a policy's alarms, on one of the run's series. */
interface SweepAlarm {
  /**
   * Its rule and evaluation range (N + the extra periods) as `evaluateAlarmSeries` takes them,
   * reused: only `end` and `currentState` change.
   */
  options: AlarmSeriesOptions & { range: number };
  state: AlarmState;
  /** When it last invoked its policy (undefined: not since its last transition). */
  lastActionAt?: number;
}

/** A candidate's policy: the shared decision's view of it and its alarms. */
interface SweepPolicy {
  view: ScalingPolicyView;
  /** Which series its alarms read. */
  series: "ipi" | "cpu" | "conc";
  high: SweepAlarm;
  low?: SweepAlarm;
  /** `high` and `low`, in that order. */
  alarms: SweepAlarm[];
}

/** The newest `n` real values of `series` up to `end` within `range` periods, oldest first. */
function evaluatedValues(series: ArrayLike<number>, at: { end: number; n: number; range: number }) {
  const values: number[] = [];
  for (let i = at.end - 1; i >= Math.max(0, at.end - at.range) && values.length < at.n; i--) {
    const v = series[i];
    if (v === v) values.push(v);
  }
  return values.reverse();
}

/** The newest real value of `series` before `end` within `range` periods. */
function newestValue(series: ArrayLike<number>, at: { end: number; range: number }) {
  for (let i = at.end - 1; i >= Math.max(0, at.end - at.range); i--) {
    const v = series[i];
    if (v === v) return v;
  }
  return undefined;
}

function compile(
  candidate: SweepCandidate,
  at: { vCpus: number; shapes: Readonly<TargetTrackingShapes>; extra: number },
): SweepPolicy[] {
  const alarm = (rule: PolicyAlarm, series: SweepPolicy["series"]): SweepAlarm => {
    const period = series === "conc" ? 10 : 60;
    if (rule.periodSeconds !== period) {
      throw new RangeError(
        `Cannot run candidate "${candidate.label}": its ${series} alarm has a ${rule.periodSeconds}-s period; the sweep evaluates ${period}-s periods on that metric`,
      );
    }
    const { periodSeconds: _, ...options } = rule;
    return {
      options: { ...options, range: rule.evaluationPeriods + at.extra, stateOnly: true },
      state: "INSUFFICIENT_DATA",
    };
  };
  const policies: SweepPolicy[] = [];
  for (const [i, tt] of (candidate.targetTracking ?? []).entries()) {
    // A CPU target is a percentage per vCPU; CPUUtilization is per instance (100 % per vCPU).
    const target = tt.metric === "cpu" ? tt.target * at.vCpus : tt.target;
    const highResolution = tt.metric === "concurrency";
    const rules = targetTrackingAlarms(target, {
      highResolution,
      disableScaleIn: tt.disableScaleIn ?? false,
      shapes: at.shapes,
    });
    const series = tt.metric === "invocations" ? "ipi" : tt.metric === "cpu" ? "cpu" : "conc";
    const high = alarm(rules.high, series);
    const low = rules.low === undefined ? undefined : alarm(rules.low, series);
    const policy: SweepPolicy = {
      view: {
        kind: "TargetTrackingScaling",
        name: `tt-${i}`,
        targetValue: target,
        disableScaleIn: tt.disableScaleIn ?? false,
        scaleOutCooldown: tt.scaleOutCooldown ?? 300,
        scaleInCooldown: tt.scaleInCooldown ?? 300,
        cooldown: {},
        // Set once the series exist (runCandidate).
        alarms: () => ({}),
      },
      series,
      high,
      ...(low === undefined ? {} : { low }),
      alarms: low === undefined ? [high] : [high, low],
    };
    policies.push(policy);
  }
  for (const [i, step] of (candidate.stepScaling ?? []).entries()) {
    const stepAlarm = alarm(stepScalingAlarm(step), "ipi");
    policies.push({
      view: {
        kind: "StepScaling",
        name: `step-${i}`,
        adjustmentType: "ChangeInCapacity",
        steps: stepAdjustments(step.steps),
        aggregation: "Average",
        cooldownSeconds: step.cooldown ?? 300,
        cooldown: {},
      },
      series: "ipi",
      high: stepAlarm,
      alarms: [stepAlarm],
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
  const policies = compile(candidate, {
    vCpus: options.vCpus,
    shapes: options.alarmShapes ?? TARGET_TRACKING_SHAPES,
    extra: options.evaluationRangeExtraPeriods ?? 2,
  });
  const repeatMs = (options.alarmActionRepeatSeconds ?? 60) * 1000;
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

  const seriesOf = (p: SweepPolicy) => p.series === "ipi" ? ipi : p.series === "cpu" ? cpu : conc!;
  const visibleEnd = (p: SweepPolicy) => (p.series === "conc" ? seenSlot : seenMinute) + 1;
  for (const p of policies) {
    if (p.view.kind !== "TargetTrackingScaling") continue;
    // What the target's scale-in agreement reads of this policy (scaling_decision.ts).
    p.view.alarms = () => ({
      high: p.high.state,
      low: p.low?.state,
      // The newest of the datapoints AlarmLow evaluates: its newest real one in the range.
      lowMetric: p.low === undefined ? undefined : newestValue(seriesOf(p), {
        end: visibleEnd(p),
        range: p.low.options.range,
      }),
    });
  }
  const views = policies.map((p) => p.view);
  const invocations: PolicyInvocation[] = [];
  /** Evaluates one alarm at `now`; the invocation it makes, if any (alarm_engine's rules). */
  const evaluate = (p: SweepPolicy, alarm: SweepAlarm, now: number) => {
    const series = seriesOf(p);
    const end = visibleEnd(p);
    const options = alarm.options;
    options.end = end;
    options.currentState = alarm.state;
    const result = evaluateAlarmSeries(series, options);
    const transitioned = result.state !== alarm.state;
    if (transitioned) {
      alarm.state = result.state;
      alarm.lastActionAt = undefined;
    }
    // Only ALARM has actions (the policy's); it invokes on the transition and then every repeat.
    if (alarm.state !== "ALARM") return undefined;
    if (!scalingActionDue(alarm.lastActionAt, { now, transitioned, repeatMs })) return undefined;
    alarm.lastActionAt = now;
    const invocation: PolicyInvocation = {
      policy: p.view,
      values: evaluatedValues(series, {
        end,
        n: options.evaluationPeriods,
        range: options.range,
      }),
      threshold: options.threshold,
      comparisonOperator: options.comparisonOperator,
    };
    return invocation;
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
    // The periods that became visible by `end`.
    let evaluateMinute = false;
    if (minuteEnds) {
      const visible = m - minuteDelay;
      if (visible > seenMinute) seenMinute = visible;
      evaluateMinute = seenMinute >= 0;
    }
    let evaluateSlot = false;
    if (conc !== undefined) {
      const visible = s - hrDelay;
      if (visible > seenSlot) seenSlot = visible;
      evaluateSlot = seenSlot >= 0;
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
    // Alarms due now (60-s ones at the minute, 10-s ones every 10 s) and their invocations.
    invocations.length = 0;
    for (const p of policies) {
      if (!(p.series === "conc" ? evaluateSlot : evaluateMinute)) continue;
      for (const alarm of p.alarms) {
        const invocation = evaluate(p, alarm, end);
        if (invocation !== undefined) invocations.push(invocation);
      }
    }
    if (invocations.length > 0) {
      const { outcome } = decideTarget({
        current: desired,
        min,
        max,
        // The variant takes no capacity change while an earlier one is still under way.
        inService: end >= busyUntil,
        policies: views,
        invocations,
        now: end,
      });
      if (outcome.kind === "scale") {
        const before = desired;
        scaleTo(outcome.capacity, end);
        const changed = cooldownsAfterScaling(views, {
          direction: outcome.direction,
          participants: outcome.participants,
          capacityBefore: before,
          now: end,
          completesAt: busyUntil,
        });
        for (const view of views) view.cooldown = changed.get(view.name) ?? view.cooldown;
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
