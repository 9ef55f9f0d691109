/**
 * One minute of a local Advanced job: the users and profile curves the fleet model is given,
 * the minute's combined metrics, the stopping conditions (simulation-model.md §7) and the job's
 * results when it ends.
 *
 * @module
 */
import type { TrafficPattern } from "../../../load/traffic_pattern.ts";
import {
  distributionPercentile,
  type FleetPeriod,
  type LoadTimeline,
  type ProfileCurve,
  profileCurve,
  truncateLoad,
  usersTimeline,
} from "../../../sim/fleet/mod.ts";
import { instanceTypeInfo } from "../../instance_types.ts";
import type { LocalContext } from "../kernel/context.ts";
import { compact, type EndpointRecord, KIND } from "../sagemaker/mod.ts";
import { variantScalableTarget } from "../autoscaling/mod.ts";
import {
  type AdvancedJobState,
  type AdvancedMinute,
  type AdvancedTestState,
  type AdvancedVariantState,
  cancelJobEvents,
  putJob,
  type RecommendationJobRecord,
  type StopReasonCode,
  type StoredJobStep,
  type StoredRecommendation,
} from "./job.ts";
import type { EndpointOutputConfiguration } from "@aws-sdk/client-sagemaker";

export const MINUTE = 60_000;
export const TICK = 10_000;

export function ceilTo(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}

function iso(t: number): string {
  return new Date(t).toISOString().replace(".000Z", "Z");
}

// Users timelines and profile curves, cached in the runtime: deterministic from the job's
// pattern, its load start and the profiles it snapshotted at its start.
function cached<T>(ctx: LocalContext, key: string, make: () => T): T {
  const cache = ctx.runtime.memo("recommender-advanced-cache", () => new Map<string, unknown>());
  let value = cache.get(key) as T | undefined;
  if (value === undefined) {
    if (cache.size > 1024) cache.clear();
    value = make();
    cache.set(key, value);
  }
  return value;
}

export function usersFor(
  ctx: LocalContext,
  load: {
    jobName: string;
    state: AdvancedJobState;
    pattern: TrafficPattern;
    share: number;
    end: number;
  },
): LoadTimeline {
  const { jobName, state, pattern, share, end } = load;
  const base = `${ctx.store.dir}|${jobName}|${state.loadStart}`;
  const timeline = cached(ctx, `${base}|users`, () => usersTimeline(pattern, state.loadStart));
  return cached(ctx, `${base}|users|${share}|${end}`, () => {
    const cut = truncateLoad(timeline, end);
    if (share === 1) return cut;
    return { kind: cut.kind, steps: cut.steps.map((s) => ({ at: s.at, value: s.value * share })) };
  });
}

export function curveFor(
  ctx: LocalContext,
  of: { jobName: string; state: AdvancedJobState; test: number; variant: AdvancedVariantState },
): ProfileCurve {
  const { jobName, state, test, variant } = of;
  return cached(
    ctx,
    `${ctx.store.dir}|${jobName}|${state.loadStart}|curve|${test}|${variant.variantName}`,
    () => profileCurve(variant.profile),
  );
}

/** When a test's load ends: the pattern's end, the deadline, or a stop request. */
export function loadEndOf(state: AdvancedJobState): number {
  return Math.min(
    state.patternEnd,
    state.deadline ?? Infinity,
    state.stopRequestedAt ?? Infinity,
  );
}

/**
 * Whether the latest minutes are flat in the sense of `FlatInvocations`: over the last `window`
 * minutes, no minute's Invocations grew by more than `tolerance` over the minute before, while
 * users at the end of the window are more than at its start. The window is
 * `settings.flatInvocationsMinutes` (3 by default, see settings.ts). A flat window ends a test
 * only on an endpoint that cannot add instances any more ({@linkcode stopCondition} says why).
 *
 * @example Usage
 * ```ts
 * import { isFlat } from "./advanced_minute.ts";
 * import assert from "node:assert/strict";
 * const minute = (invocations: number, usersAtEnd: number) => ({ start: 0, invocations, usersAtEnd,
 *   modelErrors: 0, maxInstances: 1 });
 * const minutes = [minute(2000, 2), minute(3000, 3), minute(3000, 4), minute(3010, 5), minute(3000, 6)];
 * assert.equal(isFlat(minutes, { window: 3, tolerance: 0.01 }), true);
 * assert.equal(isFlat(minutes.slice(0, 4), { window: 3, tolerance: 0.01 }), false);
 * ```
 */
export function isFlat(
  minutes: readonly AdvancedMinute[],
  rule: { window: number; tolerance: number },
): boolean {
  const { window, tolerance } = rule;
  const m = minutes.length - 1;
  if (window < 1 || m < window) return false;
  for (let k = m - window + 1; k <= m; k++) {
    if (minutes[k].invocations > minutes[k - 1].invocations * (1 + tolerance)) return false;
  }
  return minutes[m].usersAtEnd > minutes[m - window].usersAtEnd;
}

export function combineMinute(start: number, periods: readonly FleetPeriod[]): AdvancedMinute {
  let invocations = 0;
  let modelErrors = 0;
  let usersAtEnd = 0;
  let maxInstances = 0;
  let latencyCount = 0;
  let latencySum = 0;
  const values: number[] = [];
  const counts: number[] = [];
  let cpuSum = 0;
  let memSum = 0;
  let utilCount = 0;
  for (const p of periods) {
    invocations += p.invocations;
    modelErrors += p.modelErrors;
    usersAtEnd += p.usersAtEnd;
    maxInstances += p.maxInstances;
    if (p.modelLatencyUs !== undefined) {
      latencyCount += p.modelLatencyUs.sampleCount;
      latencySum += p.modelLatencyUs.sum;
      values.push(...p.modelLatencyUs.values);
      counts.push(...p.modelLatencyUs.counts);
    }
    if (p.cpuUtilization !== undefined && p.memoryUtilization !== undefined) {
      cpuSum += p.cpuUtilization.sum;
      memSum += p.memoryUtilization.sum;
      utilCount += p.cpuUtilization.sampleCount;
    }
  }
  const minute: AdvancedMinute = { start, invocations, modelErrors, usersAtEnd, maxInstances };
  if (latencyCount > 0) {
    const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
    const v = order.map((i) => values[i]);
    const c = order.map((i) => counts[i]);
    minute.latencyMs = {
      mean: latencySum / latencyCount / 1000,
      p50: distributionPercentile({ values: v, counts: c }, 50) / 1000,
      p95: distributionPercentile({ values: v, counts: c }, 95) / 1000,
      p99: distributionPercentile({ values: v, counts: c }, 99) / 1000,
    };
  }
  if (utilCount > 0) {
    minute.cpuPercent = cpuSum / utilCount;
    minute.memoryPercent = memSum / utilCount;
  }
  return minute;
}

/**
 * Whether a tested endpoint can still add capacity at `t`: one of its variants has a registered
 * scalable target whose dynamic scale-out is not suspended and whose instances (in service or
 * on their way) are fewer than its MaxCapacity. Benchmark endpoints cannot scale.
 */
export function canStillScale(
  ctx: LocalContext,
  at: { test: AdvancedTestState; t: number },
): boolean {
  const { test, t } = at;
  if (test.kind !== "endpoint") return false;
  const endpoint = ctx.store.peekDoc<EndpointRecord>(KIND.endpoint, test.endpointId ?? "");
  if (endpoint === undefined) return false;
  return test.variants.some((v) => {
    const target = variantScalableTarget(ctx, {
      endpointName: test.endpointName,
      variantName: v.variantName,
    });
    if (target === undefined || target.SuspendedState.DynamicScalingOutSuspended) return false;
    const variant = endpoint.ProductionVariants.find((p) => p.VariantName === v.variantName);
    const live = (variant?.instances ?? []).filter((i) =>
      i.launchedAt <= t && (i.terminatedAt === undefined || i.terminatedAt > t)
    ).length;
    return live < target.MaxCapacity;
  });
}

/**
 * The stopping condition met by the latest minute, if any (checked in this order).
 *
 * How the stopping conditions end a test on an endpoint that is still scaling — AWS documents
 * the conditions, not this case, so it is decided from the API reference and the published run
 * of the original (`trigger_inference_recommender_evaluation_job`, FlatInvocations unset, on an
 * endpoint with min 1 / max 8 and two target-tracking policies):
 *
 * - `MaxInvocations` is "the maximum number of requests per minute expected for the endpoint"
 *   [API-SC], and "when a job reaches a stopping condition limit, SageMaker ends the job"
 *   [API-SC]: the test ends at the end of the first minute whose Invocations reach it, scaling or
 *   not. The published run's peak (39,783 a minute, above its MaxInvocations of 30,000) is that
 *   last minute: a closed-loop load jumps when a scale-out lands, so the minute that crosses the
 *   goal can overshoot it by a fleet step.
 * - `FlatInvocations: Stop` "stops a load test when the number of invocations (TPS) peaks and
 *   flattens, which means that the instance has reached capacity" [API-SC]. An endpoint that can
 *   still add instances has not reached its capacity: the published run kept `Stop` (the
 *   default) yet ran 20–25 minutes through several scale-outs, although one ml.c5.large is flat
 *   at 9,068 a minute for minutes before the first scale-out lands. So a flat window ends the
 *   test only when the endpoint cannot scale any more ({@linkcode canStillScale}: no scalable
 *   target, scale-out suspended, or MaxCapacity instances already launched); a benchmark
 *   endpoint (one instance, no policy) is the documented case and stops as before [INF].
 * - `ModelLatencyThresholds`, the traffic pattern's end and `JobDurationInSeconds` end the test
 *   whether or not the endpoint is scaling.
 */
export function stopCondition(
  ctx: LocalContext,
  at: { job: RecommendationJobRecord; state: AdvancedJobState; test: AdvancedTestState; t: number },
): { code: StopReasonCode; message: string } | undefined {
  const { job, state, test, t } = at;
  const minute = test.recent.at(-1);
  if (minute === undefined) return undefined;
  const conditions = job.StoppingConditions ?? {};
  const max = conditions.MaxInvocations;
  if (max !== undefined && minute.invocations >= max) {
    return {
      code: "MaxInvocations",
      message: `Invocations reached MaxInvocations (${max}) in the minute starting ${
        iso(minute.start)
      }: ${minute.invocations}`,
    };
  }
  const threshold = conditions.ModelLatencyThresholds?.[0];
  if (threshold !== undefined && minute.latencyMs !== undefined) {
    const percentile = threshold.Percentile === "P99" ? "P99" : "P95";
    const value = percentile === "P99" ? minute.latencyMs.p99 : minute.latencyMs.p95;
    const limit = threshold.ValueInMilliseconds ?? Infinity;
    if (value > limit) {
      return {
        code: "ModelLatencyThreshold",
        message: `${percentile} ModelLatency (${
          round2(value)
        } ms) passed the threshold (${limit} ms) in the minute starting ${iso(minute.start)}`,
      };
    }
  }
  const window = ctx.settings.flatInvocationsMinutes;
  if (
    (conditions.FlatInvocations ?? "Stop") === "Stop" &&
    isFlat(test.recent, { window, tolerance: ctx.settings.flatInvocationsTolerance }) &&
    !canStillScale(ctx, { test, t })
  ) {
    const from = test.recent[test.recent.length - 1 - window].usersAtEnd;
    return {
      code: "FlatInvocations",
      message: `Invocations stopped growing (within ${
        round2(ctx.settings.flatInvocationsTolerance * 100)
      } % a minute) for ${window} minutes while users grew from ${round2(from)} to ${
        round2(minute.usersAtEnd)
      } (FlatInvocations: Stop), and the endpoint cannot add instances`,
    };
  }
  if (t >= loadEndOf(state)) {
    if (state.deadline !== undefined && state.deadline < state.patternEnd) {
      return {
        code: "JobDuration",
        message:
          `JobDurationInSeconds (${job.InputConfig.JobDurationInSeconds}) ran out before the traffic pattern ended`,
      };
    }
    return { code: "TrafficPatternEnd", message: "The traffic pattern ran to its end" };
  }
  return undefined;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Records a closed minute: the count, the peak, and the recent window the stop checks need. */
export function addMinute(
  ctx: LocalContext,
  entry: { test: AdvancedTestState; minute: AdvancedMinute },
): void {
  const { test, minute } = entry;
  test.minuteCount++;
  if (test.peak === undefined || minute.invocations > test.peak.invocations) test.peak = minute;
  test.recent.push(minute);
  const keep = Math.max(2, ctx.settings.flatInvocationsMinutes + 1);
  if (test.recent.length > keep) test.recent.splice(0, test.recent.length - keep);
}

/** Fills a finished test's step and the job's results. */
export function recordResults(job: RecommendationJobRecord, state: AdvancedJobState): void {
  const performances: NonNullable<RecommendationJobRecord["EndpointPerformances"]> = [];
  const recommendations: StoredRecommendation[] = [];
  job.steps = state.tests.map((test, i): StoredJobStep => {
    const peak = test.peak;
    const maxInvocations = Math.round(peak?.invocations ?? 0);
    const latency = Math.round(peak?.latencyMs?.mean ?? 0);
    const window = {
      InvocationStartTime: state.loadStart,
      InvocationEndTime: test.loadEndedAt,
    };
    const step: StoredJobStep = {
      StepType: "BENCHMARK",
      Status: test.status,
      InferenceBenchmark: { ModelConfiguration: {}, ...window },
    };
    if (test.failureReason !== undefined) {
      step.InferenceBenchmark.FailureReason = test.failureReason;
    }
    if (test.kind === "endpoint") {
      const metrics = { MaxInvocations: maxInvocations, ModelLatency: latency };
      step.InferenceBenchmark.EndpointMetrics = metrics;
      if (test.status === "COMPLETED" || test.status === "STOPPED") {
        performances.push({ EndpointInfo: { EndpointName: test.endpointName }, Metrics: metrics });
      }
    } else {
      const target = job.StoppingConditions?.MaxInvocations;
      const perInstance = peak !== undefined && peak.maxInstances > 0
        ? peak.invocations / peak.maxInstances
        : 0;
      const configuration: EndpointOutputConfiguration = {
        EndpointName: test.endpointName,
        VariantName: test.variants[0].variantName,
        InstanceType: test.instanceType as EndpointOutputConfiguration["InstanceType"],
        InitialInstanceCount: target !== undefined && perInstance > 0
          ? Math.max(1, Math.ceil(target / perInstance))
          : 1,
      };
      // Costs as inference-recommender.md §2 derives them: list price x InitialInstanceCount,
      // and CostPerHour / (MaxInvocations x 60); omitted for a type without a known price.
      const price = instanceTypeInfo(test.instanceType ?? "")?.pricePerHour;
      const costPerHour = price === undefined
        ? undefined
        : price * configuration.InitialInstanceCount!;
      const metrics = compact({
        CostPerHour: costPerHour,
        CostPerInference: costPerHour !== undefined && maxInvocations > 0
          ? costPerHour / (maxInvocations * 60)
          : undefined,
        MaxInvocations: maxInvocations,
        ModelLatency: latency,
        CpuUtilization: peak?.cpuPercent ?? NaN,
        MemoryUtilization: peak?.memoryPercent ?? NaN,
      });
      step.InferenceBenchmark.Metrics = metrics;
      step.InferenceBenchmark.EndpointConfiguration = configuration;
      if (test.status === "COMPLETED" || test.status === "STOPPED") {
        recommendations.push({
          RecommendationId: `${job.JobName}/${i + 1}`,
          Metrics: metrics,
          EndpointConfiguration: configuration,
          ModelConfiguration: {},
          ...window,
        });
      }
    }
    return step;
  });
  if (performances.length > 0) job.EndpointPerformances = performances;
  if (recommendations.length > 0) job.InferenceRecommendations = recommendations;
}

export function finishJob(
  ctx: LocalContext,
  end: { job: RecommendationJobRecord; state: AdvancedJobState; t: number },
) {
  const { job, state, t } = end;
  recordResults(job, state);
  cancelJobEvents(ctx, job.JobName);
  const failed = state.tests.filter((x) => x.status === "FAILED");
  job.LastModifiedTime = t;
  job.CompletionTime = t;
  if (job.Status === "STOPPING") {
    job.Status = "STOPPED";
    job.stopReason = {
      code: "StoppedByUser",
      message: "StopInferenceRecommendationsJob stopped the load test",
      time: state.stopRequestedAt ?? t,
    };
  } else if (failed.length === state.tests.length) {
    job.Status = "FAILED";
    job.FailureReason = failed.map((x) => x.failureReason).join("; ");
    job.stopReason = { code: "Failed", message: job.FailureReason, time: t };
  } else {
    job.Status = "COMPLETED";
    const reasons = state.tests.flatMap((x) => x.stopReason ? [x.stopReason] : []);
    job.stopReason = reasons.length === 1 ? reasons[0] : {
      code: reasons[0]?.code ?? "TrafficPatternEnd",
      message: state.tests.map((x) =>
        `${x.endpointName}: ${x.stopReason?.message ?? x.failureReason ?? x.status}`
      ).join("; "),
      time: t,
    };
  }
  putJob(ctx, job);
}

/**
 * One tick of an Advanced job at the simulated now (a multiple of 10 s after the load's start):
 * writes the last 10 s of ConcurrentRequestsPerModel, and at a whole minute the minute's
 * metrics, checks the stopping conditions, and ends the job when every test has ended.
 */
