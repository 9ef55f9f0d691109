/**
 * The stored Inference Recommender job of the local backend and its status transitions
 * (PENDING → IN_PROGRESS → COMPLETED | FAILED, STOPPING → STOPPED;
 * `../shared/spec/inference-recommender.md` §2.1, §8). Shared by the job API (`mod.ts`),
 * the local Advanced job (`advanced_job.ts`, whose state types are here so that neither file
 * imports the other) and the Default job's runner (`default_job/runner.ts`).
 *
 * @module
 */
import type {
  EndpointOutputConfiguration,
  InferenceMetrics,
  ModelConfiguration,
  RecommendationJobInputConfig,
  RecommendationJobOutputConfig,
  RecommendationJobStatus,
  RecommendationJobStoppingConditions,
  RecommendationMetrics,
  Tag,
} from "@aws-sdk/client-sagemaker";
import type { LocalContext } from "../kernel/context.ts";
import { KIND } from "../sagemaker/mod.ts";
import type { FleetCarry, InstanceRecord, LatencyPoint } from "../../../sim/fleet/mod.ts";
import type { CapacityProfile } from "../../../sim/profile.ts";

/** Simulation event: a job leaves PENDING (ref: job name). */
export const JOB_START_EVENT = "recommender-job-start";
/** Simulation event: a Default job's result, laid onto the clock, takes effect (ref: job name). */
export const JOB_FINISH_EVENT = "recommender-job-finish";
/** Simulation event: a STOPPING job becomes STOPPED (ref: job name). */
export const JOB_STOPPED_EVENT = "recommender-job-stopped";
/** Simulation event: one 10 s step of a local Advanced job (ref: job name). */
export const ADVANCED_TICK_EVENT = "recommender-advanced-tick";

/**
 * Why a job ended. AWS reports no such field; the local backend records it on every job and
 * adds it to DescribeInferenceRecommendationsJob's output as `StopReason` (see
 * {@linkcode JobStopReason}).
 *
 * - `MaxInvocations`: a minute's Invocations reached `StoppingConditions.MaxInvocations` (success).
 * - `ModelLatencyThreshold`: a minute's P95/P99 ModelLatency passed the threshold.
 * - `FlatInvocations`: Invocations stopped growing while users kept growing (`FlatInvocations: Stop`).
 * - `JobDuration`: `InputConfig.JobDurationInSeconds` ran out before the traffic pattern did.
 * - `TrafficPatternEnd`: the traffic pattern ran to its end.
 * - `StoppedByUser`: StopInferenceRecommendationsJob.
 * - `Saturation`, `ErrorRate`, `MaxLevels`: a Default job's benchmark stopped because throughput
 *   flattened, errors passed 1 %, or it measured its last ramp level; `BenchmarkEnd` when its
 *   runner gave no reason.
 * - `Failed`: the job failed (`FailureReason` says why).
 */
export type StopReasonCode =
  | "MaxInvocations"
  | "ModelLatencyThreshold"
  | "FlatInvocations"
  | "JobDuration"
  | "TrafficPatternEnd"
  | "StoppedByUser"
  | "Saturation"
  | "ErrorRate"
  | "MaxLevels"
  | "BenchmarkEnd"
  | "Failed";

/** Why and when a job (or one of its load tests) stopped. */
export interface JobStopReason {
  /** Machine-readable reason. */
  code: StopReasonCode;
  /** One sentence for people, e.g. `Invocations reached MaxInvocations (30000) in the minute starting 12:07`. */
  message: string;
  /** When it stopped, epoch ms of the simulated clock. */
  time: number;
}

/** A recommendation as stored (times as epoch ms). */
export interface StoredRecommendation {
  RecommendationId?: string;
  Metrics?: RecommendationMetrics;
  EndpointConfiguration: EndpointOutputConfiguration;
  ModelConfiguration: ModelConfiguration;
  /** Epoch ms. */
  InvocationStartTime?: number;
  /** Epoch ms. */
  InvocationEndTime?: number;
}

/** One benchmark step as stored (ListInferenceRecommendationsJobSteps; times as epoch ms). */
export interface StoredJobStep {
  StepType: "BENCHMARK";
  Status: RecommendationJobStatus;
  InferenceBenchmark: {
    Metrics?: RecommendationMetrics;
    EndpointMetrics?: InferenceMetrics;
    EndpointConfiguration?: EndpointOutputConfiguration;
    ModelConfiguration: ModelConfiguration;
    FailureReason?: string;
    /** Epoch ms. */
    InvocationStartTime?: number;
    /** Epoch ms. */
    InvocationEndTime?: number;
  };
}

/** The process that runs a Default job's real benchmark (to notice when it has gone away). */
export interface JobOwner {
  /** Process id. */
  pid: number;
  /** Host name ("" when unknown). */
  hostname: string;
  /** The process's start time as `/proc/<pid>/stat` reports it ("" when unknown): guards against pid reuse. */
  processStart: string;
  /** Identifies the local backend instance (runtime) in that process that runs the job. */
  token: string;
  /** Last sign of life, epoch ms of the **wall** clock. */
  heartbeatAt: number;
}

/** A stored Inference Recommender job (store kind `KIND.recommendationJob`, id = JobName). */
export interface RecommendationJobRecord {
  JobName: string;
  JobArn: string;
  JobType: "Default" | "Advanced";
  JobDescription?: string;
  RoleArn: string;
  Status: RecommendationJobStatus;
  /** Epoch ms. */
  CreationTime: number;
  /** Epoch ms. */
  LastModifiedTime: number;
  /** Epoch ms; set when the job reaches COMPLETED, FAILED or STOPPED. */
  CompletionTime?: number;
  FailureReason?: string;
  /** The request's InputConfig, as given. */
  InputConfig: RecommendationJobInputConfig;
  StoppingConditions?: RecommendationJobStoppingConditions;
  OutputConfig?: RecommendationJobOutputConfig;
  Tags?: Tag[];
  /** ListInferenceRecommendationsJobs fields. */
  ModelName?: string;
  ModelPackageVersionArn?: string;
  SamplePayloadUrl?: string;
  InferenceRecommendations?: StoredRecommendation[];
  EndpointPerformances?: { EndpointInfo: { EndpointName: string }; Metrics: InferenceMetrics }[];
  /** One benchmark step per load test. */
  steps: StoredJobStep[];
  /** Why the job stopped (local only; surfaced as `StopReason` by Describe). */
  stopReason?: JobStopReason;
  /** Default job: the process running its benchmark. */
  owner?: JobOwner;
  /** Default job: a result laid onto the clock that takes effect at its completion time. */
  pendingResult?: DefaultJobResult;
  /** Advanced job: the simulation's state. */
  advanced?: AdvancedJobState;
}

/** One recommendation of a Default job's result. */
export interface DefaultJobRecommendation {
  /** Defaults to `<JobName>/<n>`. */
  RecommendationId?: string;
  /** MaxInvocations (per minute), ModelLatency (ms), CpuUtilization, MemoryUtilization, costs. */
  Metrics: RecommendationMetrics;
  /** The benchmark endpoint and variant (EndpointName, VariantName, InstanceType, InitialInstanceCount). */
  EndpointConfiguration: EndpointOutputConfiguration;
  /** Environment parameters, if any were tuned. */
  ModelConfiguration?: ModelConfiguration;
  /** This benchmark's invocation window, epoch ms; defaults to the result's window. */
  InvocationStartTime?: number;
  /** Epoch ms. */
  InvocationEndTime?: number;
}

/** What a Default job's runner reports when its benchmark is done. */
export interface DefaultJobResult {
  /** The recommendations (one per benchmarked instance type). */
  recommendations: DefaultJobRecommendation[];
  /** Start of the invocation window on the simulated clock, epoch ms. */
  invocationStartTime: number;
  /** End of the invocation window on the simulated clock, epoch ms. */
  invocationEndTime: number;
  /**
   * When the job completes on the simulated clock, epoch ms; later than now keeps the job
   * IN_PROGRESS until the clock gets there (the benchmark's timeline laid onto the clock).
   * @default {store.now()}
   */
  completionTime?: number;
  /** Why the benchmark stopped. */
  stopReason?: { code: StopReasonCode; message: string };
}

/** Statuses after which nothing changes. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  "COMPLETED",
  "FAILED",
  "STOPPED",
  "DELETED",
]);

/** Thrown when a job the caller names does not exist (a programming error, not an AWS error). */
export class UnknownJobError extends Error {
  /** The job name. */
  readonly jobName: string;
  constructor(jobName: string) {
    super(`Cannot find Inference Recommender job "${jobName}" in the local store: create it first`);
    this.name = "UnknownJobError";
    this.jobName = jobName;
  }
}

/** Reads a stored job, or undefined. */
export function getJob(ctx: LocalContext, jobName: string): RecommendationJobRecord | undefined {
  return ctx.store.getDoc<RecommendationJobRecord>(KIND.recommendationJob, jobName);
}

/** Writes a stored job. */
export function putJob(ctx: LocalContext, job: RecommendationJobRecord): void {
  ctx.store.putDoc(KIND.recommendationJob, job.JobName, job);
}

function requireJob(ctx: LocalContext, jobName: string): RecommendationJobRecord {
  const job = getJob(ctx, jobName);
  if (job === undefined) throw new UnknownJobError(jobName);
  return job;
}

/** Cancels every queued simulation event of a job. */
export function cancelJobEvents(ctx: LocalContext, jobName: string): void {
  for (const kind of [JOB_START_EVENT, JOB_FINISH_EVENT, JOB_STOPPED_EVENT, ADVANCED_TICK_EVENT]) {
    ctx.store.cancelEvents(kind, jobName);
  }
}

/**
 * Marks a job FAILED now with `reason` as its `FailureReason` (its open steps fail too) and
 * cancels its simulation events. A job already COMPLETED, FAILED or STOPPED is left as it is;
 * a STOPPING job becomes STOPPED. Returns the job's status afterwards.
 *
 * @example Usage
 * ```ts
 * import { failJob, getJob, putJob } from "./job.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000",
 *   runtime: new LocalRuntime() };
 * putJob(ctx, { JobName: "j", JobArn: "arn", JobType: "Default", RoleArn: "r", Status: "IN_PROGRESS",
 *   CreationTime: 0, LastModifiedTime: 0, InputConfig: {}, steps: [] });
 * assert.equal(failJob(ctx, { jobName: "j", reason: "The model server exited with code 1" }), "FAILED");
 * assert.equal(getJob(ctx, "j")?.FailureReason, "The model server exited with code 1");
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function failJob(
  ctx: LocalContext,
  failure: { jobName: string; reason: string },
): RecommendationJobStatus {
  const { jobName, reason } = failure;
  return ctx.store.tx(() => {
    const job = requireJob(ctx, jobName);
    if (TERMINAL_STATUSES.has(job.Status)) return job.Status;
    if (job.Status === "STOPPING") return stopNow(ctx, job);
    const now = ctx.store.now();
    cancelJobEvents(ctx, jobName);
    job.Status = "FAILED";
    job.FailureReason = reason;
    job.LastModifiedTime = now;
    job.CompletionTime = now;
    job.stopReason = { code: "Failed", message: reason, time: now };
    delete job.pendingResult;
    for (const step of job.steps) {
      if (!TERMINAL_STATUSES.has(step.Status)) {
        step.Status = "FAILED";
        step.InferenceBenchmark.FailureReason = reason;
      }
    }
    putJob(ctx, job);
    return job.Status;
  });
}

/** STOPPING → STOPPED now (open steps stop too). */
export function stopNow(ctx: LocalContext, job: RecommendationJobRecord): RecommendationJobStatus {
  const now = ctx.store.now();
  cancelJobEvents(ctx, job.JobName);
  job.Status = "STOPPED";
  job.LastModifiedTime = now;
  job.CompletionTime = now;
  job.stopReason ??= {
    code: "StoppedByUser",
    message: "StopInferenceRecommendationsJob stopped the job",
    time: now,
  };
  delete job.pendingResult;
  for (const step of job.steps) {
    if (!TERMINAL_STATUSES.has(step.Status)) step.Status = "STOPPED";
  }
  putJob(ctx, job);
  return job.Status;
}

/**
 * Records a Default job's result: recommendations, their invocation window, steps, stop reason.
 * When `result.completionTime` is later than the simulated now, the job stays IN_PROGRESS and
 * completes when the clock gets there. A job the user stopped meanwhile becomes STOPPED (the
 * result is dropped); a job already ended is left as it is. Returns the status afterwards.
 *
 * @example Usage
 * ```ts
 * import { completeDefaultJob, getJob, putJob } from "./job.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000",
 *   runtime: new LocalRuntime() };
 * const now = store.now();
 * putJob(ctx, { JobName: "j", JobArn: "arn", JobType: "Default", RoleArn: "r", Status: "IN_PROGRESS",
 *   CreationTime: now, LastModifiedTime: now, InputConfig: {}, steps: [] });
 * const status = completeDefaultJob(ctx, { jobName: "j", result: {
 *   invocationStartTime: now - 600_000, invocationEndTime: now - 60_000,
 *   recommendations: [{ Metrics: { MaxInvocations: 3000, ModelLatency: 12 },
 *     EndpointConfiguration: { EndpointName: "ir-j", VariantName: "AllTraffic",
 *       InstanceType: "ml.c5.large", InitialInstanceCount: 1 } }],
 *   stopReason: { code: "Saturation", message: "Throughput flattened at 8 users" },
 * } });
 * assert.equal(status, "COMPLETED");
 * assert.equal(getJob(ctx, "j")?.InferenceRecommendations?.[0].Metrics?.MaxInvocations, 3000);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function completeDefaultJob(
  ctx: LocalContext,
  completion: { jobName: string; result: DefaultJobResult },
): RecommendationJobStatus {
  const { jobName, result } = completion;
  checkResult(jobName, result);
  return ctx.store.tx(() => {
    const job = requireJob(ctx, jobName);
    if (TERMINAL_STATUSES.has(job.Status)) return job.Status;
    if (job.Status === "STOPPING") return stopNow(ctx, job);
    const now = ctx.store.now();
    const at = result.completionTime ?? now;
    if (at > now) {
      job.Status = "IN_PROGRESS";
      job.LastModifiedTime = now;
      job.pendingResult = structuredClone(result);
      ctx.store.cancelEvents(JOB_FINISH_EVENT, jobName);
      ctx.store.schedule(at, JOB_FINISH_EVENT, jobName);
      putJob(ctx, job);
      return job.Status;
    }
    applyDefaultResult(ctx, { job, result, at: now });
    return job.Status;
  });
}

function checkResult(jobName: string, result: DefaultJobResult): void {
  if (!Array.isArray(result.recommendations) || result.recommendations.length === 0) {
    throw new RangeError(
      `Cannot complete job "${jobName}" without recommendations: call failJob with the reason instead`,
    );
  }
  if (!(result.invocationEndTime >= result.invocationStartTime)) {
    throw new RangeError(
      `Cannot complete job "${jobName}": the invocation window ends (${result.invocationEndTime}) before it starts (${result.invocationStartTime})`,
    );
  }
}

/** Applies a Default job result now: COMPLETED with recommendations and steps. */
export function applyDefaultResult(
  ctx: LocalContext,
  completion: { job: RecommendationJobRecord; result: DefaultJobResult; at: number },
): void {
  const { job, result, at } = completion;
  cancelJobEvents(ctx, job.JobName);
  const recommendations: StoredRecommendation[] = result.recommendations.map((r, i) => ({
    RecommendationId: r.RecommendationId ?? `${job.JobName}/${i + 1}`,
    Metrics: r.Metrics,
    EndpointConfiguration: r.EndpointConfiguration,
    ModelConfiguration: r.ModelConfiguration ?? {},
    InvocationStartTime: r.InvocationStartTime ?? result.invocationStartTime,
    InvocationEndTime: r.InvocationEndTime ?? result.invocationEndTime,
  }));
  job.InferenceRecommendations = recommendations;
  job.steps = recommendations.map((r) => ({
    StepType: "BENCHMARK",
    Status: "COMPLETED",
    InferenceBenchmark: {
      Metrics: r.Metrics,
      EndpointConfiguration: r.EndpointConfiguration,
      ModelConfiguration: r.ModelConfiguration,
      InvocationStartTime: r.InvocationStartTime,
      InvocationEndTime: r.InvocationEndTime,
    },
  }));
  job.Status = "COMPLETED";
  job.LastModifiedTime = at;
  job.CompletionTime = at;
  job.stopReason = result.stopReason === undefined
    ? { code: "BenchmarkEnd", message: "The benchmark finished", time: at }
    : { ...result.stopReason, time: at };
  delete job.pendingResult;
  putJob(ctx, job);
}

// ---------------------------------------------------------------------------------------------
// The state of a local Advanced job (kept on the job record)

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
