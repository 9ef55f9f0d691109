/**
 * The local Inference Recommender job API: CreateInferenceRecommendationsJob,
 * DescribeInferenceRecommendationsJob, ListInferenceRecommendationsJobs,
 * ListInferenceRecommendationsJobSteps and StopInferenceRecommendationsJob, taking the real SDK
 * v3 commands (merged into the SageMaker sender by the assembly).
 *
 * Validation follows `../shared/spec/inference-recommender.md` §1 and §8; the response shapes
 * §2.1–2.2; status moves PENDING → IN_PROGRESS → COMPLETED | FAILED (STOPPING → STOPPED) on the
 * simulated clock. Default jobs are run by `ctx.runtime.defaultJobRunner` (the real benchmark,
 * `default_job.ts`), which reports back through {@linkcode completeDefaultJob} /
 * {@linkcode failJob}; Advanced jobs run on the fleet model (`advanced_job.ts`).
 *
 * Local addition to DescribeInferenceRecommendationsJob's output: `StopReason`
 * (`{ Code, Message, Time }`, see {@linkcode LocalStopReason}) says why the job ended — AWS has no
 * such field; on AWS a step infers it from the metrics.
 *
 * @module
 */
import {
  type CreateInferenceRecommendationsJobRequest,
  type DescribeInferenceRecommendationsJobResponse,
  type InferenceRecommendation,
  type InferenceRecommendationsJob,
  type InferenceRecommendationsJobStep,
  type ListInferenceRecommendationsJobsRequest,
  type ListInferenceRecommendationsJobStepsRequest,
  ProductionVariantInstanceType,
  RecommendationJobStatus,
  type TrafficPattern as SdkTrafficPattern,
} from "@aws-sdk/client-sagemaker";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { LocalContext, LocalRuntime } from "./context.ts";
import { KIND } from "./records.ts";
import {
  ADVANCED_TICK_EVENT,
  applyDefaultResult,
  failJob,
  getJob,
  JOB_FINISH_EVENT,
  JOB_START_EVENT,
  JOB_STOPPED_EVENT,
  type JobOwner,
  type JobStopReason,
  putJob,
  type RecommendationJobRecord,
  stopNow,
  type StoredRecommendation,
  TERMINAL_STATUSES,
} from "./recommendation_job.ts";
import { advancedTick, requestAdvancedStop, startAdvancedJob } from "./advanced_job.ts";
import { listPage } from "./sagemaker_list.ts";
import {
  checkString,
  compact,
  findByName,
  InputChecks,
  NAME,
  REQUIRED_NAME,
  ROLE_ARN_PATTERN,
  sageMakerArn,
  sageMakerError,
  type StringCheckOptions,
  validationError,
} from "./sagemaker_validation.ts";
import { describeEndpointRecord, findModel, findModelPackage } from "./sagemaker.ts";
import { refuseEndpointsInUse } from "./endpoint_in_use.ts";
import type { OperationHandler } from "./service.ts";

export {
  completeDefaultJob,
  type DefaultJobRecommendation,
  type DefaultJobResult,
  failJob,
  type JobOwner,
  type JobStopReason,
  type RecommendationJobRecord,
  type StopReasonCode,
  type StoredJobStep,
  type StoredRecommendation,
} from "./recommendation_job.ts";
export type { AdvancedJobState } from "./advanced_job.ts";

/** `JobName` pattern (API reference, CreateInferenceRecommendationsJob). */
export const JOB_NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}";
/** `ModelPackageVersionArn` pattern (API reference, RecommendationJobInputConfig). */
export const MODEL_PACKAGE_VERSION_ARN_PATTERN =
  "^arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]{9,16}:[0-9]{12}:model-package/[\\S]{1,2048}$";
/** Longest `JobDurationInSeconds` (5 h, inference-recommender.md §1.2). */
export const MAX_JOB_DURATION_SECONDS = 18_000;
/** After this long without a heartbeat, a Default job whose owner cannot be checked otherwise counts as gone. */
export const RUNNER_HEARTBEAT_TIMEOUT_MS = 120_000;

/** The local-only `StopReason` member of DescribeInferenceRecommendationsJob's output. */
export interface LocalStopReason {
  /** Machine-readable reason ({@linkcode StopReasonCode}). */
  Code: string;
  /** One sentence for people. */
  Message: string;
  /** When the job (or its load) stopped, on the simulated clock. */
  Time: Date;
}

/** DescribeInferenceRecommendationsJob's output as the local backend gives it. */
export type LocalDescribeJobOutput = DescribeInferenceRecommendationsJobResponse & {
  StopReason?: LocalStopReason;
};

/**
 * The local stop reason in a DescribeInferenceRecommendationsJob output (undefined on AWS, which
 * has no such field).
 *
 * @example Usage
 * ```ts
 * import { stopReasonOf } from "./recommender.ts";
 * import assert from "node:assert/strict";
 * const output = { StopReason: { Code: "MaxInvocations", Message: "reached", Time: new Date(0) } };
 * assert.equal(stopReasonOf(output)?.Code, "MaxInvocations");
 * assert.equal(stopReasonOf({}), undefined);
 * ```
 */
export function stopReasonOf(output: object): LocalStopReason | undefined {
  const reason = (output as { StopReason?: LocalStopReason }).StopReason;
  return reason !== undefined && typeof reason.Code === "string" ? reason : undefined;
}

/** `JobName` of every job operation. */
const JOB_NAME: StringCheckOptions = {
  required: true,
  min: 1,
  max: 64,
  pattern: JOB_NAME_PATTERN,
};
const STATUSES = Object.values(RecommendationJobStatus);
const INSTANCE_TYPES = Object.values(ProductionVariantInstanceType);

function jobArn(ctx: LocalContext, name: string): string {
  return sageMakerArn(ctx, "inference-recommendations-job", name);
}

function notFound(ctx: LocalContext, name: string): Error {
  return sageMakerError(
    "ResourceNotFound",
    `Inference recommendations job "${jobArn(ctx, name)}" does not exist`,
    400,
  );
}

// ---------------------------------------------------------------------------------------------
// The process that runs a Default job (DESIGN.md, "Time on the local backend": a job whose
// process has gone away is reported FAILED with that reason the next time anyone looks).

const liveTokens = new Set<string>();
const runtimeTokens = new WeakMap<LocalRuntime, string>();

function runtimeToken(runtime: LocalRuntime): string {
  let token = runtimeTokens.get(runtime);
  if (token === undefined) {
    const created = crypto.randomUUID();
    token = created;
    runtimeTokens.set(runtime, created);
    liveTokens.add(created);
    runtime.closers.push(() => {
      liveTokens.delete(created);
    });
  }
  return token;
}

function thisHost(): string {
  try {
    return hostname();
  } catch {
    return "";
  }
}

/** Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot); undefined if unreadable. */
function processStartOf(pid: number | "self"): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19]; // fields 3.. → index 0 is field 3, so field 22 is index 19
  } catch (error) {
    if (error instanceof Error && (error as { code?: string }).code === "ENOENT") return "";
    return undefined;
  }
}

/** Whether `/proc` tells us anything (Linux, with read permission). */
function procReadable(): boolean {
  return (processStartOf("self") ?? "") !== "";
}

function ownerOf(ctx: LocalContext): JobOwner {
  return {
    pid: Deno.pid,
    hostname: thisHost(),
    processStart: processStartOf("self") ?? "",
    token: runtimeToken(ctx.runtime),
    heartbeatAt: Date.now(),
  };
}

/**
 * Why a Default job's runner is known to be gone, or undefined while it may be alive: in this
 * process, when the local backend that started it was closed; on this host, when `/proc` has no
 * such process or a different one under that pid; elsewhere (or without `/proc`), when its
 * heartbeat is older than {@linkcode RUNNER_HEARTBEAT_TIMEOUT_MS}.
 */
export function runnerGone(owner: JobOwner): string | undefined {
  const where = `process ${owner.pid}${owner.hostname ? ` on ${owner.hostname}` : ""}`;
  const sameHost = owner.hostname === thisHost();
  if (sameHost && owner.pid === Deno.pid && owner.processStart === (processStartOf("self") ?? "")) {
    return liveTokens.has(owner.token)
      ? undefined
      : `The local backend in ${where} that ran this job's benchmark was closed before the job finished: create the job again`;
  }
  if (sameHost && procReadable()) {
    const start = processStartOf(owner.pid);
    if (
      start === "" ||
      (start !== undefined && owner.processStart !== "" && start !== owner.processStart)
    ) {
      return `The ${where} that ran this job's benchmark has gone away before the job finished: create the job again`;
    }
    if (start !== undefined) return undefined;
  }
  if (Date.now() - owner.heartbeatAt > RUNNER_HEARTBEAT_TIMEOUT_MS) {
    return `The ${where} that ran this job's benchmark has given no sign of life for ${
      Math.round((Date.now() - owner.heartbeatAt) / 1000)
    } s: create the job again`;
  }
  return undefined;
}

/**
 * The Default job's runner reports progress: the job becomes IN_PROGRESS (if it was PENDING)
 * and its heartbeat is refreshed. Returns false when the job is no longer running (the user
 * stopped it, or it ended), so the runner can stop its benchmark.
 *
 * @example Usage
 * ```ts ignore
 * if (!heartbeatJob(ctx, jobName)) abortBenchmark();
 * ```
 */
export function heartbeatJob(ctx: LocalContext, jobName: string): boolean {
  return ctx.store.tx(() => {
    const job = getJob(ctx, jobName);
    if (job === undefined || TERMINAL_STATUSES.has(job.Status) || job.Status === "STOPPING") {
      return false;
    }
    if (job.Status === "PENDING") {
      job.Status = "IN_PROGRESS";
      job.LastModifiedTime = ctx.store.now();
    }
    if (job.owner !== undefined) job.owner.heartbeatAt = Date.now();
    putJob(ctx, job);
    return true;
  });
}

/** Fails a running Default job whose runner has gone away; returns the job as it now is. */
function checked(ctx: LocalContext, job: RecommendationJobRecord): RecommendationJobRecord {
  if (job.JobType !== "Default" || job.owner === undefined) return job;
  if (TERMINAL_STATUSES.has(job.Status) || job.pendingResult !== undefined) return job;
  const reason = runnerGone(job.owner);
  if (reason === undefined) return job;
  failJob(ctx, job.JobName, reason);
  return getJob(ctx, job.JobName) ?? job;
}

function findJob(ctx: LocalContext, name: unknown): RecommendationJobRecord {
  checkString(name, "jobName", JOB_NAME);
  const found = findByName<RecommendationJobRecord>(
    ctx.store,
    KIND.recommendationJob,
    name as string,
  );
  if (found === undefined) throw notFound(ctx, name as string);
  return ctx.store.tx(() => checked(ctx, found.doc));
}

// ---------------------------------------------------------------------------------------------
// Validation (inference-recommender.md §1, §8)

function checkTrafficPattern(
  checks: InputChecks,
  pattern: SdkTrafficPattern | undefined,
  advanced: boolean,
  jobDuration: number | undefined,
): void {
  const path = "inputConfig.trafficPattern";
  if (!checks.present(pattern, path, false) || pattern === undefined) return;
  const type = pattern.TrafficType ?? "PHASES";
  checks.enumValue(pattern.TrafficType, `${path}.trafficType`, ["PHASES", "STAIRS"]);
  // Custom load tests (Advanced jobs): phases of 120–3600 s, 1–3 users (API reference, Phase
  // and Stairs); the general limits otherwise.
  if (type === "PHASES") {
    if (!checks.list(pattern.Phases, `${path}.phases`, { required: true, min: 1 })) return;
    pattern.Phases.forEach((phase, i) => {
      const p = `${path}.phases.${i + 1}.member`;
      const ph = phase ?? {};
      checks.number(ph.InitialNumberOfUsers, `${p}.initialNumberOfUsers`, {
        required: true,
        integer: true,
        min: 1,
        max: advanced ? 3 : undefined,
      });
      checks.number(ph.SpawnRate, `${p}.spawnRate`, { integer: true, min: 0 });
      const durationOk = checks.number(ph.DurationInSeconds, `${p}.durationInSeconds`, {
        required: true,
        integer: true,
        min: advanced ? 120 : 1,
        max: advanced ? 3600 : undefined,
      });
      if (durationOk && jobDuration !== undefined && ph.DurationInSeconds! > jobDuration) {
        checks.add(
          ph.DurationInSeconds,
          `${p}.durationInSeconds`,
          `Member must not exceed JobDurationInSeconds (${jobDuration})`,
        );
      }
    });
  } else {
    const s = pattern.Stairs;
    if (!checks.present(s, `${path}.stairs`, true) || s === undefined) return;
    checks.number(s.DurationInSeconds, `${path}.stairs.durationInSeconds`, {
      required: true,
      integer: true,
      min: 1,
    });
    checks.number(s.NumberOfSteps, `${path}.stairs.numberOfSteps`, {
      required: true,
      integer: true,
      min: 1,
    });
    checks.number(s.UsersPerStep, `${path}.stairs.usersPerStep`, {
      required: true,
      integer: true,
      min: 1,
      max: 3,
    });
  }
}

function validateCreate(input: CreateInferenceRecommendationsJobRequest): void {
  const checks = new InputChecks();
  checks.string(input.JobName, "jobName", JOB_NAME);
  checks.enumValue(input.JobType, "jobType", ["Default", "Advanced"], true);
  checks.string(input.RoleArn, "roleArn", {
    required: true,
    min: 20,
    max: 2048,
    pattern: ROLE_ARN_PATTERN,
  });
  checks.string(input.JobDescription, "jobDescription", { max: 128 });
  checks.tags(input.Tags);
  const advanced = input.JobType === "Advanced";
  const config = input.InputConfig;
  if (checks.present(config, "inputConfig", true) && config !== undefined) {
    checks.string(config.ModelPackageVersionArn, "inputConfig.modelPackageVersionArn", {
      min: 1,
      max: 2048,
      pattern: MODEL_PACKAGE_VERSION_ARN_PATTERN,
    });
    checks.string(config.ModelName, "inputConfig.modelName", NAME);
    const durationOk = checks.number(
      config.JobDurationInSeconds,
      "inputConfig.jobDurationInSeconds",
      {
        integer: true,
        min: 1,
        max: MAX_JOB_DURATION_SECONDS,
      },
    );
    checkTrafficPattern(
      checks,
      config.TrafficPattern,
      advanced,
      durationOk ? config.JobDurationInSeconds : undefined,
    );
    const limit = config.ResourceLimit;
    if (limit !== undefined) {
      checks.number(limit.MaxNumberOfTests, "inputConfig.resourceLimit.maxNumberOfTests", {
        integer: true,
        min: 1,
      });
      checks.number(limit.MaxParallelOfTests, "inputConfig.resourceLimit.maxParallelOfTests", {
        integer: true,
        min: 1,
      });
    }
    if (
      checks.list(config.EndpointConfigurations, "inputConfig.endpointConfigurations", {
        min: 1,
        max: 10,
      })
    ) {
      config.EndpointConfigurations.forEach((c, i) => {
        const p = `inputConfig.endpointConfigurations.${i + 1}.member`;
        checks.enumValue(c?.InstanceType, `${p}.instanceType`, INSTANCE_TYPES);
        if (c?.InstanceType === undefined && c?.ServerlessConfig === undefined) {
          checks.add(undefined, `${p}.instanceType`, "Member must not be null");
        }
      });
    }
    if (checks.list(config.Endpoints, "inputConfig.endpoints", { max: 1 })) {
      config.Endpoints.forEach((e, i) => {
        checks.string(
          e?.EndpointName,
          `inputConfig.endpoints.${i + 1}.member.endpointName`,
          REQUIRED_NAME,
        );
      });
    }
  }
  const stopping = input.StoppingConditions;
  if (stopping !== undefined) {
    checks.number(stopping.MaxInvocations, "stoppingConditions.maxInvocations", {
      integer: true,
      min: 1,
    });
    if (
      checks.list(stopping.ModelLatencyThresholds, "stoppingConditions.modelLatencyThresholds", {
        min: 1,
        max: 1,
      })
    ) {
      stopping.ModelLatencyThresholds.forEach((t, i) => {
        const p = `stoppingConditions.modelLatencyThresholds.${i + 1}.member`;
        checks.string(t?.Percentile, `${p}.percentile`, {
          required: true,
          max: 64,
          pattern: "^P95|P99$",
        });
        checks.number(t?.ValueInMilliseconds, `${p}.valueInMilliseconds`, {
          required: true,
          integer: true,
          min: 1,
        });
      });
    }
    checks.enumValue(stopping.FlatInvocations, "stoppingConditions.flatInvocations", [
      "Continue",
      "Stop",
    ]);
  }
  checks.done();

  // Rules between members (free-text ValidationException, after the field constraints).
  const c = input.InputConfig!;
  if ((c.ModelPackageVersionArn === undefined) === (c.ModelName === undefined)) {
    throw validationError(
      "Please provide exactly one of ModelPackageVersionArn or ModelName in InputConfig",
    );
  }
  if (advanced) {
    if (c.TrafficPattern === undefined) {
      throw validationError(
        "TrafficPattern in InputConfig is required for an Advanced job: give Phases or Stairs",
      );
    }
    if ((c.Endpoints?.length ?? 0) === 0 && (c.EndpointConfigurations?.length ?? 0) === 0) {
      throw validationError(
        "An Advanced job needs Endpoints or EndpointConfigurations in InputConfig: name the endpoint or the instance types to load-test",
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Output shapes

function date(ms: number | undefined): Date | undefined {
  return ms === undefined ? undefined : new Date(ms);
}

function recommendationOut(r: StoredRecommendation): InferenceRecommendation {
  return compact({
    RecommendationId: r.RecommendationId,
    Metrics: r.Metrics,
    EndpointConfiguration: r.EndpointConfiguration,
    ModelConfiguration: r.ModelConfiguration,
    InvocationStartTime: date(r.InvocationStartTime),
    InvocationEndTime: date(r.InvocationEndTime),
  });
}

function stopReasonOut(reason: JobStopReason | undefined): LocalStopReason | undefined {
  return reason === undefined
    ? undefined
    : { Code: reason.code, Message: reason.message, Time: new Date(reason.time) };
}

function describeOut(job: RecommendationJobRecord): LocalDescribeJobOutput {
  return compact({
    JobName: job.JobName,
    JobDescription: job.JobDescription,
    JobType: job.JobType,
    JobArn: job.JobArn,
    RoleArn: job.RoleArn,
    Status: job.Status,
    CreationTime: new Date(job.CreationTime),
    CompletionTime: date(job.CompletionTime),
    LastModifiedTime: new Date(job.LastModifiedTime),
    FailureReason: job.FailureReason,
    InputConfig: structuredClone(job.InputConfig),
    StoppingConditions: job.StoppingConditions === undefined
      ? undefined
      : structuredClone(job.StoppingConditions),
    InferenceRecommendations: job.InferenceRecommendations?.map(recommendationOut),
    EndpointPerformances: job.EndpointPerformances === undefined
      ? undefined
      : structuredClone(job.EndpointPerformances),
    StopReason: stopReasonOut(job.stopReason),
  });
}

function summaryOut(job: RecommendationJobRecord): InferenceRecommendationsJob {
  return compact({
    JobName: job.JobName,
    JobDescription: job.JobDescription,
    JobType: job.JobType,
    JobArn: job.JobArn,
    Status: job.Status,
    CreationTime: new Date(job.CreationTime),
    CompletionTime: date(job.CompletionTime),
    RoleArn: job.RoleArn,
    LastModifiedTime: new Date(job.LastModifiedTime),
    FailureReason: job.FailureReason,
    ModelName: job.ModelName,
    SamplePayloadUrl: job.SamplePayloadUrl,
    ModelPackageVersionArn: job.ModelPackageVersionArn,
  });
}

// ---------------------------------------------------------------------------------------------
// Handlers

/** The Inference Recommender operations of the local backend, by operation name. */
export const recommenderHandlers: Record<string, OperationHandler> = {
  CreateInferenceRecommendationsJob(
    input: CreateInferenceRecommendationsJobRequest,
    ctx: LocalContext,
  ) {
    validateCreate(input);
    const name = input.JobName!;
    const config = input.InputConfig!;
    const job = ctx.store.tx(() => {
      const existing = findByName<RecommendationJobRecord>(ctx.store, KIND.recommendationJob, name);
      if (existing !== undefined) {
        throw sageMakerError(
          "ResourceInUse",
          `Job name must be unique within an AWS account and region, and a job with this name already exists (${existing.doc.JobArn})`,
          400,
        );
      }
      // References must exist (ValidationException, as the SageMaker helpers throw them).
      let samplePayloadUrl: string | undefined;
      if (config.ModelPackageVersionArn !== undefined) {
        const pkg = findModelPackage(ctx, config.ModelPackageVersionArn);
        if (pkg.ModelPackageVersion === undefined) {
          throw validationError(
            `ModelPackageVersionArn "${config.ModelPackageVersionArn}" names an unversioned model package: give a versioned package ARN (…/<group>/<version>)`,
          );
        }
        samplePayloadUrl = pkg.SamplePayloadUrl;
      } else {
        findModel(ctx, config.ModelName!);
      }
      samplePayloadUrl = config.ContainerConfig?.PayloadConfig?.SamplePayloadUrl ??
        samplePayloadUrl;
      for (const e of config.Endpoints ?? []) describeEndpointRecord(ctx, e.EndpointName!);
      refuseEndpointsInUse(ctx, (config.Endpoints ?? []).map((e) => e.EndpointName!));
      const now = ctx.store.now();
      const record: RecommendationJobRecord = compact({
        JobName: name,
        JobArn: jobArn(ctx, name),
        JobType: input.JobType as "Default" | "Advanced",
        JobDescription: input.JobDescription,
        RoleArn: input.RoleArn!,
        Status: "PENDING" as const,
        CreationTime: now,
        LastModifiedTime: now,
        InputConfig: structuredClone(config),
        StoppingConditions: input.StoppingConditions === undefined
          ? undefined
          : structuredClone(input.StoppingConditions),
        OutputConfig: input.OutputConfig === undefined
          ? undefined
          : structuredClone(input.OutputConfig),
        Tags: input.Tags,
        ModelName: config.ModelName,
        ModelPackageVersionArn: config.ModelPackageVersionArn,
        SamplePayloadUrl: samplePayloadUrl,
        steps: [],
      });
      if (record.JobType === "Default" && ctx.runtime.defaultJobRunner !== undefined) {
        record.owner = ownerOf(ctx);
      }
      putJob(ctx, record);
      // PENDING until the clock next moves (Advanced: the job plans its load tests then).
      ctx.store.schedule(now, JOB_START_EVENT, name);
      return record;
    });
    if (job.JobType === "Default") {
      const runner = ctx.runtime.defaultJobRunner;
      if (runner === undefined) {
        failJob(
          ctx,
          name,
          "The local backend has no Default job runner in this process: open the backend with openCloud (which installs it) to run Default jobs",
        );
      } else {
        try {
          runner(ctx, name);
        } catch (error) {
          failJob(ctx, name, `The local Default job could not start: ${(error as Error).message}`);
        }
      }
    }
    return { JobArn: job.JobArn };
  },

  DescribeInferenceRecommendationsJob(input: { JobName?: string }, ctx: LocalContext) {
    return describeOut(findJob(ctx, input.JobName));
  },

  ListInferenceRecommendationsJobs(
    input: ListInferenceRecommendationsJobsRequest,
    ctx: LocalContext,
  ) {
    const checks = new InputChecks();
    checks.string(input.ModelNameEquals, "modelNameEquals", NAME);
    checks.string(input.ModelPackageVersionArnEquals, "modelPackageVersionArnEquals", {
      max: 2048,
      pattern: MODEL_PACKAGE_VERSION_ARN_PATTERN,
    });
    checks.done();
    const jobs = ctx.store.tx(() =>
      ctx.store.listDocs<RecommendationJobRecord>(KIND.recommendationJob).map((d) =>
        checked(ctx, d.doc)
      )
    ).filter((job) =>
      (input.ModelNameEquals === undefined || job.ModelName === input.ModelNameEquals) &&
      (input.ModelPackageVersionArnEquals === undefined ||
        job.ModelPackageVersionArn === input.ModelPackageVersionArnEquals)
    );
    const page = listPage(
      jobs.map((job) => ({
        name: job.JobName,
        creationTime: job.CreationTime,
        lastModifiedTime: job.LastModifiedTime,
        status: job.Status,
        job,
      })),
      input,
      {
        operation: "ListInferenceRecommendationsJobs",
        sortKeys: ["CreationTime", "Name", "Status"],
        statuses: STATUSES,
      },
    );
    return compact({
      InferenceRecommendationsJobs: page.items.map((item) => summaryOut(item.job)),
      NextToken: page.nextToken,
    });
  },

  ListInferenceRecommendationsJobSteps(
    input: ListInferenceRecommendationsJobStepsRequest,
    ctx: LocalContext,
  ) {
    const checks = new InputChecks();
    checks.enumValue(input.Status, "status", STATUSES);
    checks.enumValue(input.StepType, "stepType", ["BENCHMARK"]);
    checks.done();
    const job = findJob(ctx, input.JobName);
    const steps: InferenceRecommendationsJobStep[] = job.steps
      .filter((s) => input.Status === undefined || s.Status === input.Status)
      .map((s) => ({
        StepType: s.StepType,
        JobName: job.JobName,
        Status: s.Status,
        InferenceBenchmark: compact({
          ...structuredClone(s.InferenceBenchmark),
          InvocationStartTime: date(s.InferenceBenchmark.InvocationStartTime),
          InvocationEndTime: date(s.InferenceBenchmark.InvocationEndTime),
        }),
      }));
    // Steps keep their order; page through them like every SageMaker list.
    const page = listPage(
      steps.map((step, i) => ({ name: String(i).padStart(6, "0"), creationTime: i, step })),
      { MaxResults: input.MaxResults, NextToken: input.NextToken, SortOrder: "Ascending" },
      { operation: "ListInferenceRecommendationsJobSteps", sortKeys: ["CreationTime"] },
    );
    return compact({ Steps: page.items.map((item) => item.step), NextToken: page.nextToken });
  },

  StopInferenceRecommendationsJob(input: { JobName?: string }, ctx: LocalContext) {
    const job = findJob(ctx, input.JobName);
    ctx.store.tx(() => {
      const current = getJob(ctx, job.JobName)!;
      if (current.Status !== "PENDING" && current.Status !== "IN_PROGRESS") {
        throw validationError(
          `Cannot stop job "${current.JobName}": it is ${current.Status}; only PENDING or IN_PROGRESS jobs can be stopped`,
        );
      }
      if (current.JobType === "Advanced" && current.advanced !== undefined) {
        requestAdvancedStop(
          ctx,
          current as RecommendationJobRecord & {
            advanced: NonNullable<RecommendationJobRecord["advanced"]>;
          },
        );
        return;
      }
      // Not started yet, or a Default job: STOPPED when the clock next moves (its runner sees
      // STOPPING through heartbeatJob and ends its benchmark).
      current.Status = "STOPPING";
      current.LastModifiedTime = ctx.store.now();
      putJob(ctx, current);
      ctx.store.schedule(ctx.store.now(), JOB_STOPPED_EVENT, current.JobName);
    });
    return {};
  },
};

/**
 * Registers the recommender's simulation events: jobs leaving PENDING, Default results laid
 * onto the clock, STOPPING → STOPPED, and the Advanced job's 10 s ticks.
 *
 * @example Usage
 * ```ts
 * import { registerRecommenderEvents } from "./recommender.ts";
 * import { LocalRuntime } from "./context.ts";
 * import assert from "node:assert/strict";
 * const runtime = new LocalRuntime();
 * registerRecommenderEvents(runtime);
 * assert.ok(runtime.handlers.has("recommender-advanced-tick"));
 * ```
 */
export function registerRecommenderEvents(runtime: LocalRuntime): void {
  runtimeToken(runtime);
  runtime.on(JOB_START_EVENT, (ctx, event) => {
    const job = getJob(ctx, event.ref);
    if (job === undefined || job.Status !== "PENDING") return;
    if (job.JobType === "Default") {
      job.Status = "IN_PROGRESS";
      job.LastModifiedTime = ctx.store.now();
      putJob(ctx, job);
      return;
    }
    try {
      ctx.store.tx(() => startAdvancedJob(ctx, job));
    } catch (error) {
      // AdvancedJobError (no profile, endpoint not InService), a profile the model rejects
      // (RangeError) or a reference gone since Create: the job fails with that message.
      const message = error instanceof Error ? error.message : String(error);
      failJob(ctx, job.JobName, message);
    }
  });
  runtime.on(JOB_FINISH_EVENT, (ctx, event) => {
    const job = getJob(ctx, event.ref);
    if (job === undefined || job.pendingResult === undefined) return;
    if (TERMINAL_STATUSES.has(job.Status)) return;
    if (job.Status === "STOPPING") {
      stopNow(ctx, job);
      return;
    }
    applyDefaultResult(ctx, job, job.pendingResult, ctx.store.now());
  });
  runtime.on(JOB_STOPPED_EVENT, (ctx, event) => {
    const job = getJob(ctx, event.ref);
    if (job === undefined || job.Status !== "STOPPING") return;
    stopNow(ctx, job);
  });
  runtime.on(ADVANCED_TICK_EVENT, (ctx, event) => advancedTick(ctx, event.ref));
}
