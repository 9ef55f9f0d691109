/**
 * One entry point to the pure model: a capacity profile, a target-tracking scaling policy, a
 * traffic pattern and a clock range in, the minute-by-minute timeline of the endpoint out —
 * what the policy sweep runs many times. Built only from the pure pieces the local backend uses
 * too: the fleet model (`fleet/`), alarm evaluation (`alarm_eval.ts`) and Application Auto
 * Scaling's target-tracking arithmetic (`scaling_math.ts`); no clock, no store, no I/O.
 *
 * The rules are the local backend's defaults (`cloud/local/kernel/settings.ts`,
 * `../shared/spec/autoscaling.md`): one-minute periods of InvocationsPerInstance, visible to the
 * alarms `metricDelaySeconds` after they close; AlarmHigh 3 of 3 periods above the target,
 * AlarmLow 15 of 15 below `scaleInRatio` × target, each evaluated over N + 2 periods; new
 * instances take traffic `instanceStartSeconds` after the scale-out, and the variant takes no
 * other change until then; cooldowns as in `cooldownAfter`. Unlike the local backend, the
 * alarms are evaluated once a minute, at the end of each period, and an alarm that stays in
 * ALARM invokes the policy again every minute.
 *
 * @module
 */
import { type AlarmDatapoint, type AlarmState, evaluateAlarm } from "./alarm_eval.ts";
import {
  type FleetPeriod,
  integrateFleet,
  NO_CARRY,
  profileCurve,
  usersTimeline,
} from "./fleet/mod.ts";
import type { InstanceRecord } from "./fleet/instance.ts";
import { type PolicyAlarm, TARGET_TRACKING_SHAPES, targetTrackingAlarms } from "./policy_alarms.ts";
import type { CapacityProfile } from "./profile.ts";
import {
  clampCapacity,
  cooldownAfter,
  type PolicyCooldown,
  targetTrackingDecision,
} from "./scaling_math.ts";
import type { TrafficPattern } from "../load/traffic_pattern.ts";

/** A target-tracking policy on `SageMakerVariantInvocationsPerInstance` and its target's bounds. */
export interface TargetTrackingScaling {
  /** TargetValue: invocations per instance per minute. */
  target: number;
  /** MinCapacity of the scalable target. */
  min: number;
  /** MaxCapacity of the scalable target. */
  max: number;
  /**
   * ScaleOutCooldown and ScaleInCooldown, seconds.
   * @default {300}
   */
  cooldownSeconds?: number;
  /**
   * DisableScaleIn.
   * @default {false}
   */
  disableScaleIn?: boolean;
}

/** What {@linkcode simulate} runs. */
export interface SimulationInput {
  /** The measured capacity profile of one instance. */
  profile: CapacityProfile;
  /** The scaling policy. */
  scaling: TargetTrackingScaling;
  /** The load, as an Inference Recommender traffic pattern starting at `start`. */
  traffic: TrafficPattern;
  /** Start of the clock range, epoch ms (rounded down to the minute). */
  start: number;
  /** End of the clock range, epoch ms (exclusive; whole minutes from `start`). */
  end: number;
}

/** Options of {@linkcode simulate}: the rules that are settings on the local backend. */
export interface SimulateOptions {
  /**
   * Instances in service at `start`.
   * @default {scaling.min}
   */
  initialInstances?: number;
  /**
   * Seconds from a scale-out until its instances take traffic.
   * @default {240}
   */
  instanceStartSeconds?: number;
  /**
   * Seconds after a period closes until the alarms see it.
   * @default {60}
   */
  metricDelaySeconds?: number;
  /**
   * AlarmLow's threshold as a fraction of the target.
   * @default {0.9}
   */
  scaleInRatio?: number;
}

/** One scaling activity of the timeline. */
export interface SimulatedActivity {
  /** When the policy scaled, epoch ms. */
  at: number;
  /** Capacity before. */
  from: number;
  /** Capacity asked for (after MinCapacity/MaxCapacity). */
  to: number;
  /** Which alarm invoked the policy. */
  alarm: "high" | "low";
}

/** One minute of the timeline. */
export interface SimulatedMinute {
  /** Start of the minute, epoch ms. */
  start: number;
  /** The fleet model's period for the minute (invocations, latency, utilization...). */
  period: FleetPeriod;
  /** The variant's desired capacity at the end of the minute. */
  capacity: number;
  /** AlarmHigh's state after its evaluation at the end of the minute. */
  alarmHigh: AlarmState;
  /** AlarmLow's state after its evaluation at the end of the minute. */
  alarmLow: AlarmState;
}

/** What {@linkcode simulate} returns. */
export interface SimulationTimeline {
  /** Minute by minute, in order. */
  minutes: SimulatedMinute[];
  /** The scaling activities, in order. */
  activities: SimulatedActivity[];
  /** Every instance the variant had (launch, in service, terminated). */
  instances: InstanceRecord[];
}

const MINUTE = 60_000;
const EXTRA_PERIODS = 2;

/**
 * Simulates an endpoint variant under a traffic pattern with a target-tracking policy.
 *
 * @example Usage
 * ```ts
 * import { simulate } from "./simulate.ts";
 * import assert from "node:assert/strict";
 * const level = (concurrency: number, throughput: number) => ({
 *   concurrency, throughput, latencyMs: { p50: 20, p95: 30, p99: 40, mean: 22 },
 *   cpuPercent: 50 * concurrency, memoryPercent: 10, errorRate: 0,
 * });
 * const profile = { instanceType: "ml.c5.large", vCpus: 2, measuredOn: "example",
 *   levels: [level(1, 25), level(2, 50), level(4, 50)] };
 * const timeline = simulate({
 *   profile,
 *   scaling: { target: 1500, min: 1, max: 4 },
 *   traffic: { TrafficType: "PHASES", Phases: [{ InitialNumberOfUsers: 6, SpawnRate: 0, DurationInSeconds: 1800 }] },
 *   start: 0,
 *   end: 30 * 60_000,
 * });
 * assert.equal(timeline.minutes.length, 30);
 * assert.ok(timeline.activities.length > 0 && timeline.activities[0].to > 1);
 * ```
 */
export function simulate(
  input: SimulationInput,
  options: SimulateOptions = {},
): SimulationTimeline {
  const { profile, scaling, traffic } = input;
  const start = Math.floor(input.start / MINUTE) * MINUTE;
  const startMs = (options.instanceStartSeconds ?? 240) * 1000;
  const delayMs = (options.metricDelaySeconds ?? 60) * 1000;
  // AWS's alarms of target tracking (policy_alarms.ts); AlarmLow kept with DisableScaleIn, whose
  // decision then refuses the scale-in.
  const alarms = targetTrackingAlarms(scaling.target, {
    shapes: { ...TARGET_TRACKING_SHAPES, scaleInThresholdRatio: options.scaleInRatio ?? 0.9 },
  });
  const cooldownSeconds = scaling.cooldownSeconds ?? 300;
  const curve = profileCurve(profile);
  const load = usersTimeline(traffic, start);
  const instances: InstanceRecord[] = [];
  const launch = (at: number, inServiceAt: number) =>
    instances.push({
      id: `i-${String(instances.length + 1).padStart(4, "0")}`,
      launchedAt: at,
      inServiceAt,
    });
  for (let i = 0; i < (options.initialInstances ?? scaling.min); i++) launch(start, start);

  const datapoints: AlarmDatapoint[] = [];
  const minutes: SimulatedMinute[] = [];
  const activities: SimulatedActivity[] = [];
  let high: AlarmState = "INSUFFICIENT_DATA";
  let low: AlarmState = "INSUFFICIENT_DATA";
  let cooldown: PolicyCooldown = {};
  let busyUntil = 0; // the variant is Updating until then
  let carry = NO_CARRY;
  for (let t = start; t + MINUTE <= input.end; t += MINUTE) {
    const end = t + MINUTE;
    const window = integrateFleet({ curve, load, instances, start: t, end, carry });
    carry = window.carry;
    const period = window.periods[0];
    datapoints.push({ timestamp: t, value: period.invocationsPerInstance });
    // The evaluation at `end` sees the periods that closed at least the delay ago.
    const visible = datapoints.filter((d) => d.timestamp + MINUTE + delayMs <= end);
    const evaluate = (rule: PolicyAlarm, currentState: AlarmState) =>
      evaluateAlarm({
        ...rule,
        datapoints: visible.slice(-(rule.evaluationPeriods + EXTRA_PERIODS)),
        currentState,
      }).state;
    high = evaluate(alarms.high, high);
    low = evaluate(alarms.low!, low);
    const live = instances.filter((i) => i.terminatedAt === undefined);
    const alarm = high === "ALARM" ? "high" : low === "ALARM" ? "low" : undefined;
    if (end >= busyUntil && alarm !== undefined) {
      const decision = targetTrackingDecision({
        alarm,
        current: live.length,
        metric: visible.at(-1)!.value!,
        target: scaling.target,
        disableScaleIn: scaling.disableScaleIn ?? false,
        cooldown,
        now: end,
      });
      const clamped = decision.kind === "scale"
        ? clampCapacity(live.length, {
          desired: decision.desired,
          bounds: { min: scaling.min, max: scaling.max },
        })
        : undefined;
      if (decision.kind === "scale" && clamped?.scaled) {
        activities.push({ at: end, from: live.length, to: clamped.capacity, alarm });
        if (clamped.capacity > live.length) {
          for (let k = live.length; k < clamped.capacity; k++) launch(end, end + startMs);
          busyUntil = end + startMs;
        } else {
          for (const i of live.slice(clamped.capacity)) i.terminatedAt = end;
          busyUntil = end;
        }
        cooldown = cooldownAfter(cooldown, {
          direction: decision.direction,
          capacityBefore: live.length,
          now: end,
          completesAt: busyUntil,
          seconds: cooldownSeconds,
        });
      }
    }
    const capacity = instances.filter((i) => i.terminatedAt === undefined).length;
    minutes.push({ start: t, period, capacity, alarmHigh: high, alarmLow: low });
  }
  return { minutes, activities, instances };
}
