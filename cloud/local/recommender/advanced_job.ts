/**
 * The local Advanced Inference Recommender job: a load test of an existing endpoint (with
 * whatever scaling policies it has) or of benchmark endpoints made from `EndpointConfigurations`,
 * run by the fleet model (`fleet.ts`) on the simulated clock.
 *
 * Timeline (every time is simulated):
 * - the job is created PENDING; at its start event it becomes IN_PROGRESS, or FAILED when an
 *   endpoint has no stored capacity profile ("run the Default job first");
 * - the load starts at the first whole minute once the endpoints can take traffic (a benchmark
 *   endpoint needs `settings.endpointCreateSeconds`), so every metric period is a whole minute [INF];
 * - at the end of every minute a tick integrates the minute and writes its metrics
 *   (local-backend.md's names, units and dimensions: the 60 s ones and the six 10 s
 *   ConcurrentRequestsPerModel datapoints), then checks the stopping conditions; while a
 *   high-resolution alarm watches the endpoint, a tick also runs every 10 s and writes each 10 s
 *   datapoint as its period closes (see {@linkcode tickSecondsFor}). The tick reads each variant's
 *   instance timeline from the endpoint record every time, so scale-outs and scale-ins made by
 *   Application Auto Scaling in between (via `setVariantDesiredCount`) count from their own
 *   instants. Metrics of a period are written when it closes; alarms see them after the
 *   publication delay.
 * - stopping conditions, at the end of each minute (simulation-model.md §7):
 *   `MaxInvocations` (the minute's Invocations reach it: success), `ModelLatencyThresholds` (the
 *   minute's P95/P99 passes it), `FlatInvocations: Stop` (AWS's default; see
 *   {@linkcode isFlat}), the traffic pattern's end, and `JobDurationInSeconds` (counted from the
 *   start of the load, so a benchmark endpoint's set-up does not eat the test [INF]).
 *   StopInferenceRecommendationsJob makes the job STOPPING and stops the load at once; the job is
 *   STOPPED at the end of that minute, once its last metrics are written.
 * - results: `EndpointPerformances` for an existing endpoint, `InferenceRecommendations` for
 *   benchmark endpoints, one BENCHMARK step per load test, and the stop reason.
 *
 * When `Endpoints` is given, the job tests that endpoint only and `EndpointConfigurations` are
 * validated but not benchmarked (AWS does not document what it does with both; the walkthrough
 * passes both, inference-recommender.md D15) [INF].
 *
 * @module
 */
import type {
  EndpointOutputConfiguration,
  RecommendationJobStatus,
} from "@aws-sdk/client-sagemaker";
import type { LocalContext } from "../kernel/context.ts";
import {
  distributionPercentile,
  type FleetCarry,
  fleetMetricRows,
  type FleetPeriod,
  integrateFleet,
  type LatencyPoint,
  type LoadTimeline,
  NO_CARRY,
  type ProfileCurve,
  profileCurve,
  truncateLoad,
  usersTimeline,
} from "../../../sim/fleet/mod.ts";
import { type CapacityProfile, PROFILE_KIND, profileKey } from "../../../sim/profile.ts";
import type { InstanceRecord } from "../../../sim/fleet/mod.ts";
import { type EndpointRecord, KIND } from "../sagemaker/records.ts";
import { ALARM_KIND, type AlarmRecord } from "../cloudwatch/mod.ts";
import {
  ADVANCED_TICK_EVENT,
  cancelJobEvents,
  type JobStopReason,
  putJob,
  type RecommendationJobRecord,
  type StopReasonCode,
  type StoredJobStep,
  type StoredRecommendation,
  TERMINAL_STATUSES,
} from "./job.ts";
import type { TrafficPattern } from "../../../load/traffic_pattern.ts";
import { compact, findByName } from "../sagemaker/validation.ts";
import { instanceTypeInfo } from "../../instance_types.ts";
import { findModel, findModelPackage, modelPrimaryContainer } from "../sagemaker/mod.ts";

const MINUTE = 60_000;
const TICK = 10_000;

/** One variant under load in an Advanced job. */
export interface AdvancedVariantState {
  /** The variant's name. */
  variantName: string;
  /** Fraction of the users this variant gets (its weight over the endpoint's total weight). */
  share: number;
  /** The capacity profile used, as it was when the job started. */
  profile: CapacityProfile;
  /** Benchmark endpoints only: their instance timeline (they are not SageMaker store endpoints). */
  instances?: InstanceRecord[];
  /** Fractional counts carried from minute to minute. */
  carry: FleetCarry;
}

/** One closed minute of a load test (all its variants together). */
export interface AdvancedMinute {
  /** Minute start, epoch ms. */
  start: number;
  /** Invocations in the minute. */
  invocations: number;
  /** InvocationModelErrors in the minute. */
  modelErrors: number;
  /** Users at the end of the minute. */
  usersAtEnd: number;
  /** Most instances InService at once. */
  maxInstances: number;
  /** Request-weighted ModelLatency (mean, p50, p95, p99), ms; absent without requests. */
  latencyMs?: LatencyPoint;
  /** Average CPUUtilization over the instances, % summed over vCPUs. */
  cpuPercent?: number;
  /** Average MemoryUtilization over the instances, %. */
  memoryPercent?: number;
}

/** One load test of an Advanced job: an existing endpoint, or one benchmark endpoint. */
export interface AdvancedTestState {
  /** `endpoint`: an existing endpoint (`InputConfig.Endpoints`); `benchmark`: one from `EndpointConfigurations`. */
  kind: "endpoint" | "benchmark";
  /** The endpoint's name (metrics dimension). */
  endpointName: string;
  /** Existing endpoints: the store id of the endpoint record. */
  endpointId?: string;
  /** Benchmark endpoints: the instance type. */
  instanceType?: string;
  /** The variants under load. */
  variants: AdvancedVariantState[];
  /** How many minutes have closed. */
  minuteCount: number;
  /** The latest closed minutes (as many as the FlatInvocations window needs), oldest first. */
  recent: AdvancedMinute[];
  /** The closed minute with the most invocations so far (the first of equals). */
  peak?: AdvancedMinute;
  /** IN_PROGRESS until the test stops. */
  status: RecommendationJobStatus;
  /** Why the test stopped. */
  stopReason?: JobStopReason;
  /** When its load ended, epoch ms. */
  loadEndedAt?: number;
  /** Why the test failed. */
  failureReason?: string;
}

/** The simulation state of an Advanced job, stored in its record. */
export interface AdvancedJobState {
  /** When the load starts, epoch ms (a whole minute). */
  loadStart: number;
  /** When the traffic pattern ends, epoch ms. */
  patternEnd: number;
  /** When `JobDurationInSeconds` runs out (counted from the load's start), epoch ms. */
  deadline?: number;
  /** When StopInferenceRecommendationsJob asked to stop, epoch ms. */
  stopRequestedAt?: number;
  /**
   * Seconds between ticks in the current minute: 10 while a high-resolution alarm watches a
   * tested endpoint (its 10 s datapoints must appear as each period closes), else 60.
   */
  tickSeconds: 10 | 60;
  /** The load tests. */
  tests: AdvancedTestState[];
}

/** A job failure the user caused (e.g. no capacity profile): the job goes FAILED with this message. */
export class AdvancedJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AdvancedJobError";
  }
}

function ceilTo(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}

function iso(t: number): string {
  return new Date(t).toISOString().replace(".000Z", "Z");
}

function describeProfileKey(key: string): string {
  const [modelDataUrl, image, instanceType] = key.split("|");
  return `model data "${modelDataUrl}", image "${image}", instance type "${instanceType}"`;
}

function loadProfile(
  ctx: LocalContext,
  key: string,
  what: string,
): CapacityProfile {
  const profile = ctx.store.getDoc<CapacityProfile>(PROFILE_KIND, key);
  if (profile === undefined) {
    throw new AdvancedJobError(
      `No capacity profile is stored for ${what} (${
        describeProfileKey(key)
      }): run a Default Inference Recommender job for this model and instance type first, then create this job again`,
    );
  }
  profileCurve(profile); // a profile the fleet model cannot use fails the job now, not mid-run
  return profile;
}

/** The model's image and model data URL, from the job's model package or model. */
function jobContainer(
  ctx: LocalContext,
  job: RecommendationJobRecord,
): { image: string; modelDataUrl: string } {
  const input = job.InputConfig;
  if (input.ModelPackageVersionArn !== undefined) {
    const c = findModelPackage(ctx, input.ModelPackageVersionArn).InferenceSpecification
      ?.Containers?.[0];
    return { image: c?.Image ?? "", modelDataUrl: c?.ModelDataUrl ?? "" };
  }
  return modelPrimaryContainer(ctx, findModel(ctx, input.ModelName ?? ""));
}

function benchmarkEndpointName(jobName: string, index: number): string {
  // AWS truncates job-name prefixes of the resources it makes at 40 characters (API reference).
  return `${jobName.slice(0, 40)}-ir-${index + 1}`.replace(/-+$/, "");
}

/**
 * Plans an Advanced job at its start (store transaction of the start event): resolves the load
 * tests and their capacity profiles, sets IN_PROGRESS and schedules the first tick. Throws
 * {@linkcode AdvancedJobError} (the caller fails the job with its message) when an endpoint is
 * missing, not InService, or has no capacity profile.
 */
export function startAdvancedJob(ctx: LocalContext, job: RecommendationJobRecord): void {
  const now = ctx.store.now();
  const input = job.InputConfig;
  const tests: AdvancedTestState[] = [];
  let ready = now;
  if (input.Endpoints !== undefined && input.Endpoints.length > 0) {
    for (const ref of input.Endpoints) {
      const name = ref.EndpointName ?? "";
      const found = findByName<EndpointRecord>(ctx.store, KIND.endpoint, name);
      if (found === undefined) {
        throw new AdvancedJobError(
          `Endpoint "${name}" does not exist any more: create it, then create this job again`,
        );
      }
      const endpoint = found.doc;
      if (endpoint.EndpointStatus !== "InService" && endpoint.EndpointStatus !== "Updating") {
        throw new AdvancedJobError(
          `Endpoint "${name}" is ${endpoint.EndpointStatus}: wait until it is InService, then create this job again`,
        );
      }
      const totalWeight = endpoint.ProductionVariants.reduce(
        (sum, v) => sum + Math.max(v.CurrentWeight, 0),
        0,
      );
      const variants = endpoint.ProductionVariants.map((v) => ({
        variantName: v.VariantName,
        share: totalWeight > 0
          ? Math.max(v.CurrentWeight, 0) / totalWeight
          : 1 / endpoint.ProductionVariants.length,
        profile: loadProfile(
          ctx,
          v.profileKey,
          `endpoint "${endpoint.EndpointName}" variant "${v.VariantName}"`,
        ),
        carry: { ...NO_CARRY },
      })).filter((v) => v.share > 0);
      tests.push({
        kind: "endpoint",
        endpointName: endpoint.EndpointName,
        endpointId: found.id,
        variants,
        minuteCount: 0,
        recent: [],
        status: "IN_PROGRESS",
      });
    }
  } else {
    const container = jobContainer(ctx, job);
    const configs = input.EndpointConfigurations ?? [];
    ready = now + ctx.settings.endpointCreateSeconds * 1000;
    configs.forEach((config, i) => {
      const instanceType = config.InstanceType;
      if (instanceType === undefined) {
        throw new AdvancedJobError(
          `EndpointConfigurations[${i}] has no InstanceType: the local backend benchmarks instance types only (serverless is not simulated)`,
        );
      }
      const key = profileKey(container.modelDataUrl, container.image, instanceType);
      const endpointName = benchmarkEndpointName(job.JobName, i);
      tests.push({
        kind: "benchmark",
        endpointName,
        instanceType,
        variants: [{
          variantName: "AllTraffic",
          share: 1,
          profile: loadProfile(ctx, key, `instance type "${instanceType}"`),
          instances: [{ id: "i-0001", launchedAt: now, inServiceAt: ready }],
          carry: { ...NO_CARRY },
        }],
        minuteCount: 0,
        recent: [],
        status: "IN_PROGRESS",
      });
    });
  }
  if (tests.length === 0) {
    throw new AdvancedJobError(
      "The job has nothing to load-test: give InputConfig.Endpoints or InputConfig.EndpointConfigurations",
    );
  }
  const pattern = input.TrafficPattern as TrafficPattern;
  const loadStart = ceilTo(ready, MINUTE);
  const patternEnd = usersTimeline(pattern, loadStart).steps.at(-1)?.at ?? loadStart;
  const deadline = input.JobDurationInSeconds === undefined
    ? undefined
    : loadStart + input.JobDurationInSeconds * 1000;
  const tickSeconds = tickSecondsFor(ctx, tests);
  job.advanced = { loadStart, patternEnd, deadline, tickSeconds, tests };
  job.Status = "IN_PROGRESS";
  job.LastModifiedTime = now;
  job.steps = tests.map(() => ({
    StepType: "BENCHMARK",
    Status: "IN_PROGRESS",
    InferenceBenchmark: { ModelConfiguration: {}, InvocationStartTime: loadStart },
  }));
  putJob(ctx, job);
  ctx.store.schedule(loadStart + tickSeconds * 1000, ADVANCED_TICK_EVENT, job.JobName);
}

/**
 * 10 when a high-resolution (10 s or 30 s period) alarm watches one of the tested endpoints,
 * else 60. Metrics of a period are written when it closes, and the fleet is integrated over the
 * instance timeline as it then stands, so ticking once a minute gives the same datapoints as
 * ticking every 10 s; only their publication differs, which matters to an alarm that evaluates
 * 10 s periods every 10 s [INF]. (An alarm created in the middle of a minute sees that minute's
 * 10 s datapoints from the minute's end.)
 */
function tickSecondsFor(ctx: LocalContext, tests: readonly AdvancedTestState[]): 10 | 60 {
  const names = new Set(tests.map((x) => x.endpointName));
  for (const { doc } of ctx.store.peekDocs<AlarmRecord>(ALARM_KIND)) {
    if (doc.Period >= 60) continue;
    if (doc.Dimensions.some((d) => d.Name === "EndpointName" && names.has(d.Value))) return 10;
  }
  return 60;
}

// Users timelines and profile curves, cached per process: deterministic from the job's pattern,
// its load start and the profiles it snapshotted at its start.
const cache = new Map<string, unknown>();

function cached<T>(key: string, make: () => T): T {
  let value = cache.get(key) as T | undefined;
  if (value === undefined) {
    if (cache.size > 1024) cache.clear();
    value = make();
    cache.set(key, value);
  }
  return value;
}

function usersFor(
  ctx: LocalContext,
  jobName: string,
  state: AdvancedJobState,
  pattern: TrafficPattern,
  share: number,
  end: number,
): LoadTimeline {
  const base = `${ctx.store.dir}|${jobName}|${state.loadStart}`;
  const timeline = cached(`${base}|users`, () => usersTimeline(pattern, state.loadStart));
  return cached(`${base}|users|${share}|${end}`, () => {
    const cut = truncateLoad(timeline, end);
    if (share === 1) return cut;
    return { kind: cut.kind, steps: cut.steps.map((s) => ({ at: s.at, value: s.value * share })) };
  });
}

function curveFor(
  ctx: LocalContext,
  jobName: string,
  state: AdvancedJobState,
  test: number,
  variant: AdvancedVariantState,
): ProfileCurve {
  return cached(
    `${ctx.store.dir}|${jobName}|${state.loadStart}|curve|${test}|${variant.variantName}`,
    () => profileCurve(variant.profile),
  );
}

/** When a test's load ends: the pattern's end, the deadline, or a stop request. */
function loadEndOf(state: AdvancedJobState): number {
  return Math.min(
    state.patternEnd,
    state.deadline ?? Infinity,
    state.stopRequestedAt ?? Infinity,
  );
}

/**
 * Whether `FlatInvocations: Stop` ends the test after the latest minute: over the last `window`
 * minutes, no minute's Invocations grew by more than `tolerance` over the minute before, while
 * users at the end of the window are more than at its start. The window is
 * `settings.flatInvocationsMinutes` (3 by default: as long as a target-tracking AlarmHigh needs
 * to see a plateau, see settings.ts); note that while new instances provision the invocations
 * can be flat too, so an evaluation that means to see scaling through sets
 * `FlatInvocations: Continue` (simulation-model.md §7).
 *
 * @example Usage
 * ```ts
 * import { isFlat } from "./advanced_job.ts";
 * import assert from "node:assert/strict";
 * const minute = (invocations: number, usersAtEnd: number) => ({ start: 0, invocations, usersAtEnd,
 *   modelErrors: 0, maxInstances: 1 });
 * const minutes = [minute(2000, 2), minute(3000, 3), minute(3000, 4), minute(3010, 5), minute(3000, 6)];
 * assert.equal(isFlat(minutes, 3, 0.01), true);
 * assert.equal(isFlat(minutes.slice(0, 4), 3, 0.01), false);
 * ```
 */
export function isFlat(
  minutes: readonly AdvancedMinute[],
  window: number,
  tolerance: number,
): boolean {
  const m = minutes.length - 1;
  if (window < 1 || m < window) return false;
  for (let k = m - window + 1; k <= m; k++) {
    if (minutes[k].invocations > minutes[k - 1].invocations * (1 + tolerance)) return false;
  }
  return minutes[m].usersAtEnd > minutes[m - window].usersAtEnd;
}

function combineMinute(start: number, periods: readonly FleetPeriod[]): AdvancedMinute {
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
      p50: distributionPercentile(v, c, 50) / 1000,
      p95: distributionPercentile(v, c, 95) / 1000,
      p99: distributionPercentile(v, c, 99) / 1000,
    };
  }
  if (utilCount > 0) {
    minute.cpuPercent = cpuSum / utilCount;
    minute.memoryPercent = memSum / utilCount;
  }
  return minute;
}

/** The stopping condition met by the latest minute, if any (checked in this order). */
function stopCondition(
  ctx: LocalContext,
  job: RecommendationJobRecord,
  state: AdvancedJobState,
  test: AdvancedTestState,
  t: number,
): { code: StopReasonCode; message: string } | undefined {
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
    isFlat(test.recent, window, ctx.settings.flatInvocationsTolerance)
  ) {
    const from = test.recent[test.recent.length - 1 - window].usersAtEnd;
    return {
      code: "FlatInvocations",
      message: `Invocations stopped growing (within ${
        round2(ctx.settings.flatInvocationsTolerance * 100)
      } % a minute) for ${window} minutes while users grew from ${round2(from)} to ${
        round2(minute.usersAtEnd)
      } (FlatInvocations: Stop)`,
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
function addMinute(ctx: LocalContext, test: AdvancedTestState, minute: AdvancedMinute): void {
  test.minuteCount++;
  if (test.peak === undefined || minute.invocations > test.peak.invocations) test.peak = minute;
  test.recent.push(minute);
  const keep = Math.max(2, ctx.settings.flatInvocationsMinutes + 1);
  if (test.recent.length > keep) test.recent.splice(0, test.recent.length - keep);
}

/** Fills a finished test's step and the job's results. */
function recordResults(job: RecommendationJobRecord, state: AdvancedJobState): void {
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

function finishJob(
  ctx: LocalContext,
  job: RecommendationJobRecord,
  state: AdvancedJobState,
  t: number,
) {
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
export function advancedTick(ctx: LocalContext, jobName: string): void {
  const t = ctx.store.now();
  const job = ctx.store.getDoc<RecommendationJobRecord>(KIND.recommendationJob, jobName);
  const state = job?.advanced;
  if (job === undefined || state === undefined) return;
  if (job.Status !== "IN_PROGRESS" && job.Status !== "STOPPING") return;
  const pattern = job.InputConfig.TrafficPattern as TrafficPattern;
  const isMinute = t % MINUTE === 0 && t > state.loadStart;
  const fine = state.tickSeconds === 10;
  let changed = isMinute;
  const options = {
    timeoutSeconds: ctx.settings.invocationTimeoutSeconds,
    noiseSeed: ctx.settings.noiseSeed,
  };
  const end = loadEndOf(state);
  state.tests.forEach((test, testIndex) => {
    if (test.status !== "IN_PROGRESS") return;
    let endpoint: Readonly<EndpointRecord> | undefined;
    if (test.kind === "endpoint") {
      // Read only (the instance timeline): the same frozen record until it changes.
      endpoint = ctx.store.peekDoc<EndpointRecord>(KIND.endpoint, test.endpointId ?? "");
      if (endpoint === undefined) {
        changed = true;
        test.status = "FAILED";
        test.failureReason =
          `Endpoint "${test.endpointName}" was deleted while the job was load-testing it`;
        test.loadEndedAt = t;
        return;
      }
    }
    const rows = [];
    const periods: FleetPeriod[] = [];
    for (const v of test.variants) {
      const instances = v.instances ??
        endpoint?.ProductionVariants.find((p) => p.VariantName === v.variantName)?.instances ?? [];
      const curve = curveFor(ctx, jobName, state, testIndex, v);
      const load = usersFor(ctx, jobName, state, pattern, v.share, end);
      if (!isMinute) {
        // 10 s cadence: the period that just closed.
        const hi = integrateFleet({ curve, load, instances, start: t - TICK, end: t, options });
        rows.push(...fleetMetricRows(hi, test.endpointName, v.variantName, { standard: false }));
        continue;
      }
      const minute = integrateFleet({
        curve,
        load,
        instances,
        start: t - MINUTE,
        end: t,
        options,
        carry: v.carry,
      });
      v.carry = minute.carry;
      periods.push(...minute.periods);
      // At a 10 s cadence the minute's earlier 10 s periods are already written.
      if (fine) minute.highResolution = minute.highResolution.filter((h) => h.start >= t - TICK);
      rows.push(...fleetMetricRows(minute, test.endpointName, v.variantName));
    }
    ctx.store.putMetrics(rows);
    if (!isMinute) return;
    addMinute(ctx, test, combineMinute(t - MINUTE, periods));
    if (job.Status === "STOPPING") {
      if (t >= end) {
        test.status = "STOPPED";
        test.loadEndedAt = end;
      }
      return;
    }
    const stop = stopCondition(ctx, job, state, test, t);
    if (stop !== undefined) {
      test.status = "COMPLETED";
      test.stopReason = { ...stop, time: t };
      test.loadEndedAt = Math.min(t, end);
    }
  });
  if (state.tests.every((x) => TERMINAL_STATUSES.has(x.status))) {
    finishJob(ctx, job, state, t);
    return;
  }
  if (isMinute) state.tickSeconds = tickSecondsFor(ctx, state.tests);
  if (changed) {
    recordResults(job, state); // steps and results so far are visible while the job runs
    putJob(ctx, job);
  }
  ctx.store.schedule(t + state.tickSeconds * 1000, ADVANCED_TICK_EVENT, jobName);
}

/**
 * StopInferenceRecommendationsJob on a running Advanced job: the load stops now and the job is
 * STOPPING; it becomes STOPPED at the end of the current minute, once that minute's metrics are
 * written (at once when the load has not started yet or a minute has just closed).
 */
export function requestAdvancedStop(
  ctx: LocalContext,
  job: RecommendationJobRecord & { advanced: AdvancedJobState },
): void {
  const now = ctx.store.now();
  const state = job.advanced;
  job.Status = "STOPPING";
  job.LastModifiedTime = now;
  state.stopRequestedAt = now;
  if (now <= state.loadStart || now % MINUTE === 0) {
    for (const test of state.tests) {
      if (!TERMINAL_STATUSES.has(test.status)) {
        test.status = "STOPPED";
        test.loadEndedAt = Math.max(now, state.loadStart);
      }
    }
    finishJob(ctx, job, state, now);
    return;
  }
  putJob(ctx, job);
}
