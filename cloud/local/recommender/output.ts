/**
 * Output shapes of the Inference Recommender job operations (inference-recommender.md §2.1–2.2),
 * with the local-only `StopReason` member.
 *
 * @module
 */
import { compact } from "../sagemaker/mod.ts";
import type { JobStopReason, RecommendationJobRecord, StoredRecommendation } from "./job.ts";
import type {
  DescribeInferenceRecommendationsJobResponse,
  InferenceRecommendation,
  InferenceRecommendationsJob,
} from "@aws-sdk/client-sagemaker";

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
 * import { stopReasonOf } from "./output.ts";
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

// ---------------------------------------------------------------------------------------------
// Output shapes

export function date(ms: number | undefined): Date | undefined {
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

export function describeOut(job: RecommendationJobRecord): LocalDescribeJobOutput {
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
    StoppingConditions: structuredClone(job.StoppingConditions),
    InferenceRecommendations: job.InferenceRecommendations?.map(recommendationOut),
    EndpointPerformances: structuredClone(job.EndpointPerformances),
    StopReason: stopReasonOut(job.stopReason),
  });
}

export function summaryOut(job: RecommendationJobRecord): InferenceRecommendationsJob {
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
