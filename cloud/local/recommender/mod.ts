/**
 * The local Inference Recommender job API: CreateInferenceRecommendationsJob,
 * DescribeInferenceRecommendationsJob, ListInferenceRecommendationsJobs,
 * ListInferenceRecommendationsJobSteps, StopInferenceRecommendationsJob and
 * GetScalingConfigurationRecommendation (`scaling_recommendation.ts`), taking the real SDK
 * v3 commands (merged into the SageMaker sender by the assembly).
 *
 * Validation follows `../shared/spec/inference-recommender.md` §1 and §8; the response shapes
 * §2.1–2.2; status moves PENDING → IN_PROGRESS → COMPLETED | FAILED (STOPPING → STOPPED) on the
 * simulated clock. Default jobs are run by `ctx.runtime.defaultJobRunner` (the real benchmark,
 * `default_job/runner.ts`), which reports back through {@linkcode completeDefaultJob} /
 * {@linkcode failJob}; Advanced jobs run on the fleet model (`advanced_job.ts`).
 *
 * Local addition to DescribeInferenceRecommendationsJob's output: `StopReason`
 * (`{ Code, Message, Time }`, see {@linkcode LocalStopReason}) says why the job ended — AWS has no
 * such field; on AWS a step infers it from the metrics.
 *
 * The parts: request checks (`validate.ts`), output shapes (`output.ts`), the process that runs
 * a Default job and its heartbeat (`lease.ts`), the stored job (`job.ts`), the Advanced job
 * (`advanced_job.ts`). This file is the handler table.
 *
 * @module
 */
import type { LocalContext, LocalRuntime } from "../kernel/context.ts";
import type { HandlerMap } from "../kernel/dispatch.ts";
import {
  compact,
  describeEndpointRecord,
  findByName,
  findModel,
  findModelPackage,
  InputChecks,
  KIND,
  listPage,
  NAME,
  registerTrafficSource,
  sageMakerError,
  validationError,
} from "../sagemaker/mod.ts";
import {
  advancedJobTraffic,
  advancedTick,
  requestAdvancedStop,
  startAdvancedJob,
} from "./advanced_job.ts";
import {
  ADVANCED_TICK_EVENT,
  applyDefaultResult,
  failJob,
  getJob,
  JOB_FINISH_EVENT,
  JOB_START_EVENT,
  JOB_STOPPED_EVENT,
  putJob,
  type RecommendationJobRecord,
  stopNow,
  TERMINAL_STATUSES,
} from "./job.ts";
import { refuseEndpointsInUse } from "./endpoint_in_use.ts";
import { checked, findJob, jobArn, ownerOf } from "./lease.ts";
import { date, describeOut, summaryOut } from "./output.ts";
import { getScalingConfigurationRecommendation } from "./scaling_recommendation.ts";
import { MODEL_PACKAGE_VERSION_ARN_PATTERN, STATUSES, validateCreate } from "./validate.ts";
import type {
  CreateInferenceRecommendationsJobRequest,
  InferenceRecommendationsJobStep,
  ListInferenceRecommendationsJobsRequest,
  ListInferenceRecommendationsJobStepsRequest,
} from "@aws-sdk/client-sagemaker";

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
} from "./job.ts";
export type { AdvancedJobState } from "./job.ts";
export { heartbeatJob, RUNNER_HEARTBEAT_TIMEOUT_MS, runnerGone } from "./lease.ts";
export { type LocalDescribeJobOutput, type LocalStopReason, stopReasonOf } from "./output.ts";
export {
  JOB_NAME_PATTERN,
  MAX_JOB_DURATION_SECONDS,
  MODEL_PACKAGE_VERSION_ARN_PATTERN,
} from "./validate.ts";

/** The Inference Recommender operations of the local backend, by operation name. */
export const recommenderHandlers: HandlerMap = {
  GetScalingConfigurationRecommendation: getScalingConfigurationRecommendation,

  CreateInferenceRecommendationsJob(
    input: CreateInferenceRecommendationsJobRequest,
    ctx: LocalContext,
  ) {
    validateCreate(input);
    const name = input.JobName!;
    const config = input.InputConfig!;
    const job = ctx.store.tx(() => {
      const existing = findByName<RecommendationJobRecord>(ctx.store, {
        kind: KIND.recommendationJob,
        name,
      });
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
        StoppingConditions: structuredClone(input.StoppingConditions),
        OutputConfig: structuredClone(input.OutputConfig),
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
        failJob(ctx, {
          jobName: name,
          reason:
            "The local backend has no Default job runner in this process: open the backend with openCloud (which installs it) to run Default jobs",
        });
      } else {
        try {
          runner(ctx, name);
        } catch (error) {
          failJob(ctx, {
            jobName: name,
            reason: `The local Default job could not start: ${(error as Error).message}`,
          });
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
 * import { registerRecommenderEvents } from "./mod.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import assert from "node:assert/strict";
 * const runtime = new LocalRuntime();
 * registerRecommenderEvents(runtime);
 * assert.ok(runtime.handlers.has("recommender-advanced-tick"));
 * ```
 */
export function registerRecommenderEvents(runtime: LocalRuntime): void {
  // Name the runtime now: a Default job created later records it as the job's owner.
  void runtime.token;
  // Advanced jobs load-test endpoints: they are traffic sources of the endpoint simulation.
  registerTrafficSource(runtime, advancedJobTraffic);
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
      failJob(ctx, { jobName: job.JobName, reason: message });
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
    applyDefaultResult(ctx, { job, result: job.pendingResult, at: ctx.store.now() });
  });
  runtime.on(JOB_STOPPED_EVENT, (ctx, event) => {
    const job = getJob(ctx, event.ref);
    if (job === undefined || job.Status !== "STOPPING") return;
    stopNow(ctx, job);
  });
  runtime.on(ADVANCED_TICK_EVENT, (ctx, event) => advancedTick(ctx, event.ref));
}
