/**
 * The local Advanced Inference Recommender job: a load test of an existing endpoint (with
 * whatever scaling policies it has) or of benchmark endpoints made from `EndpointConfigurations`,
 * run by the fleet model (`sim/fleet/`) on the simulated clock.
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
 * What one tick integrates and records (the minute, the stopping conditions, the results) is in
 * `advanced_minute.ts`.
 *
 * @module
 */
import type { TrafficPattern } from "../../../load/traffic_pattern.ts";
import {
  fleetMetricRows,
  type FleetPeriod,
  integrateFleet,
  type LoadTimeline,
  NO_CARRY,
  profileCurve,
  usersTimeline,
} from "../../../sim/fleet/mod.ts";
import { type CapacityProfile, profileKey } from "../../../sim/profile.ts";
import { profileForKey } from "../kernel/profiles.ts";
import { ALARM_KIND, type AlarmRecord } from "../cloudwatch/mod.ts";
import type { LocalContext } from "../kernel/context.ts";
import {
  type EndpointRecord,
  findByName,
  findModel,
  findModelPackage,
  KIND,
  modelPrimaryContainer,
  simulateEndpoint,
  type TrafficSource,
} from "../sagemaker/mod.ts";
import {
  addMinute,
  ceilTo,
  combineMinute,
  curveFor,
  finishJob,
  loadEndOf,
  MINUTE,
  recordResults,
  stopCondition,
  TICK,
  usersFor,
} from "./advanced_minute.ts";
import {
  ADVANCED_TICK_EVENT,
  type AdvancedJobState,
  type AdvancedTestState,
  putJob,
  type RecommendationJobRecord,
  TERMINAL_STATUSES,
} from "./job.ts";

/** A job failure the user caused (e.g. no capacity profile): the job goes FAILED with this message. */
export class AdvancedJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AdvancedJobError";
  }
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
  const profile = profileForKey(ctx, key); // a profile given for the type wins
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
      const found = findByName<EndpointRecord>(ctx.store, { kind: KIND.endpoint, name });
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
      const key = profileKey({
        modelDataUrl: container.modelDataUrl,
        image: container.image,
        instanceType,
      });
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
    if (test.kind === "endpoint") {
      const endpoint = ctx.store.peekDoc<EndpointRecord>(KIND.endpoint, test.endpointId ?? "");
      if (endpoint === undefined) {
        changed = true;
        test.status = "FAILED";
        test.failureReason =
          `Endpoint "${test.endpointName}" was deleted while the job was load-testing it`;
        test.loadEndedAt = t;
        return;
      }
    }
    const periods: FleetPeriod[] = [];
    if (test.kind === "endpoint") {
      // The endpoint is the unit on the clock; this job is one of its traffic sources
      // (advancedJobTraffic). Simulating it here makes sure the minute exists when the job
      // reads it, whichever of the two events runs first.
      const sim = simulateEndpoint(ctx, { endpointName: test.endpointName, t });
      if (!isMinute) return;
      for (const v of test.variants) {
        if (sim?.lastMinute?.end === t) {
          periods.push(...(sim.lastMinute.periods[v.variantName] ?? []));
        }
      }
    } else {
      const rows = [];
      for (const v of test.variants) {
        const instances = v.instances ?? [];
        const curve = curveFor(ctx, { jobName, state, test: testIndex, variant: v });
        const load = usersFor(ctx, { jobName, state, pattern, share: v.share, end });
        const variant = { endpointName: test.endpointName, variantName: v.variantName };
        if (!isMinute) {
          // 10 s cadence: the period that just closed.
          const hi = integrateFleet({ curve, load, instances, start: t - TICK, end: t, options });
          rows.push(...fleetMetricRows(hi, variant, { standard: false }));
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
        rows.push(...fleetMetricRows(minute, variant));
      }
      ctx.store.putMetrics(rows);
    }
    if (!isMinute) return;
    addMinute(ctx, { test, minute: combineMinute(t - MINUTE, periods) });
    if (job.Status === "STOPPING") {
      if (t >= end) {
        test.status = "STOPPED";
        test.loadEndedAt = end;
      }
      return;
    }
    const stop = stopCondition(ctx, { job, state, test, t });
    if (stop !== undefined) {
      test.status = "COMPLETED";
      test.stopReason = { ...stop, time: t };
      test.loadEndedAt = Math.min(t, end);
    }
  });
  if (state.tests.every((x) => TERMINAL_STATUSES.has(x.status))) {
    finishJob(ctx, { job, state, t });
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
    finishJob(ctx, { job, state, t: now });
    return;
  }
  putJob(ctx, job);
}

/**
 * The load that running Advanced jobs send to an endpoint variant over `[from, to)`: each load
 * test of that endpoint contributes its users times the variant's share, cut at the end of its
 * load. Registered as a traffic source of the endpoint simulation (`sagemaker/endpoint_clock.ts`).
 *
 * @example Usage
 * ```ts ignore
 * registerTrafficSource(runtime, advancedJobTraffic);
 * ```
 */
export const advancedJobTraffic: TrafficSource = (ctx, window): LoadTimeline[] => {
  const out: LoadTimeline[] = [];
  for (const { doc: job } of ctx.store.peekDocs<RecommendationJobRecord>(KIND.recommendationJob)) {
    const state = job.advanced;
    if (state === undefined || state.loadStart >= window.to) continue;
    if (job.CompletionTime !== undefined && job.CompletionTime <= window.from) continue;
    const pattern = job.InputConfig.TrafficPattern as TrafficPattern;
    for (const test of state.tests) {
      if (test.kind !== "endpoint" || test.endpointName !== window.endpointName) continue;
      if (test.loadEndedAt !== undefined && test.loadEndedAt <= window.from) continue;
      const variant = test.variants.find((v) => v.variantName === window.variantName);
      if (variant === undefined) continue;
      const end = Math.min(loadEndOf(state), test.loadEndedAt ?? Infinity);
      out.push(
        usersFor(ctx, {
          jobName: job.JobName,
          state: state as AdvancedJobState,
          pattern,
          share: variant.share,
          end,
        }),
      );
    }
  }
  return out;
};
