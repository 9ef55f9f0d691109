/**
 * Step `recommend` (section 6a of the original): register the model as a model package and run an
 * Inference Recommender *Default* job limited to one instance type, which measures one instance to
 * saturation. Unlike the original, a FAILED or STOPPED job is an error carrying its FailureReason,
 * the recommendation is chosen by instance type rather than taken at index 0, and everything the
 * step creates goes into the manifest as soon as it exists (cleanup works after a failure too).
 *
 * @module
 */
import {
  CreateInferenceRecommendationsJobCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeInferenceRecommendationsJobCommand,
  type DescribeInferenceRecommendationsJobCommandOutput,
  type InferenceRecommendation,
  type ProductionVariantInstanceType,
} from "@aws-sdk/client-sagemaker";
import type { Cloud } from "../cloud/types.ts";
import { StepError } from "./errors.ts";
import { describeMachine, holdMachine } from "./machine_lock.ts";
import { hasGivenProfile } from "./local_profile.ts";
import { runName } from "./names.ts";
import { readPrepared, requireRole } from "./inputs.ts";
import { requiredString, runScript, type ScriptSpec, stringInput, table } from "./script.ts";
import type { CreatedResource, PrepareResult, RecommendResult } from "./types.ts";
import { validateRecommend } from "./validate.ts";
import { pollUntil, progress } from "./wait.ts";
import { endProgress, reportProgress } from "../progress/mod.ts";

/** Inputs of {@linkcode recommend}. */
export interface RecommendOptions {
  /** S3 URL of `model.tar.gz`. */
  modelUrl: string;
  /** S3 URL of `payload.tar.gz`. */
  payloadUrl: string;
  /** Serving container image URI. */
  containerImage: string;
  /** The one instance type to measure, e.g. `ml.c5.large`. */
  instanceType: string;
  /** Execution role the job runs as. */
  roleArn: string;
  /**
   * Framework version recorded on the model package.
   * @default {"1.7-1"}
   */
  frameworkVersion?: string;
  /**
   * Content type of the sample payload.
   * @default {"text/csv"}
   */
  contentType?: string;
  /**
   * Prefix of the names this step gives (model package group, job).
   * @default {"scaling-lab"}
   */
  namePrefix?: string;
  /**
   * Milliseconds between DescribeInferenceRecommendationsJob polls.
   * @default {30000}
   */
  pollIntervalMs?: number;
  /**
   * Give up waiting after this long (backend clock). AWS says a Default job completes within 45 minutes.
   * @default {5400000}
   */
  timeoutMs?: number;
  /** A manifest to append created resources to, as they are created (for cleanup after failures). */
  manifest?: CreatedResource[];
  /**
   * Local backend: wait while another benchmark runs on this machine; `false` refuses at once
   * (`--no-wait`, exit 2). See `steps/machine_lock.ts`.
   * @default {true}
   */
  wait?: boolean;
}

/**
 * The recommendation for an instance type: the highest MaxInvocations among those of that type
 * (a Default job may test several environment-variable variants; AWS documents no ordering).
 *
 * @example Usage
 * ```ts
 * import { pickRecommendation } from "./recommend.ts";
 * import assert from "node:assert/strict";
 * const recs = [
 *   { EndpointConfiguration: { InstanceType: "ml.m5.large", EndpointName: "a", VariantName: "v" }, Metrics: { MaxInvocations: 9000 } },
 *   { EndpointConfiguration: { InstanceType: "ml.c5.large", EndpointName: "b", VariantName: "v" }, Metrics: { MaxInvocations: 3000 } },
 * ];
 * assert.equal(pickRecommendation(recs as never, "ml.c5.large")?.EndpointConfiguration?.EndpointName, "b");
 * ```
 */
export function pickRecommendation(
  recommendations: readonly InferenceRecommendation[],
  instanceType: string,
): InferenceRecommendation | undefined {
  return recommendations
    .filter((r) => r.EndpointConfiguration?.InstanceType === instanceType)
    .toSorted((a, b) => (b.Metrics?.MaxInvocations ?? 0) - (a.Metrics?.MaxInvocations ?? 0))[0];
}

/** Options of {@linkcode waitForRecommendationJob}. */
export interface WaitForRecommendationJobOptions {
  /**
   * The step that waits, for progress lines and errors.
   * @default {"recommend"}
   */
  step?: string;
  /**
   * Milliseconds between polls.
   * @default {30000}
   */
  pollIntervalMs?: number;
  /**
   * Give up after this many milliseconds of the backend's clock.
   * @default {7200000}
   */
  timeoutMs?: number;
}

/** Waits for an Inference Recommender job to end; FAILED and STOPPED are {@linkcode StepError}s. */
export async function waitForRecommendationJob(
  cloud: Cloud,
  jobName: string,
  options: WaitForRecommendationJobOptions = {},
): Promise<DescribeInferenceRecommendationsJobCommandOutput> {
  const step = options.step ?? "recommend";
  let lastStatus = "";
  const job = await pollUntil(
    cloud.clock,
    () =>
      cloud.sagemaker.send(new DescribeInferenceRecommendationsJobCommand({ JobName: jobName })),
    {
      done: (d) => ["COMPLETED", "FAILED", "STOPPED"].includes(d.Status ?? ""),
      what: `Inference Recommender job "${jobName}" to complete`,
      intervalMs: options.pollIntervalMs,
      timeoutMs: options.timeoutMs,
      onPoll(d, elapsed) {
        // On AWS every poll (the job stays IN_PROGRESS for many minutes); locally the benchmark
        // reports its own levels, so only status changes.
        if (d.Status !== lastStatus || cloud.backend === "aws") {
          lastStatus = d.Status ?? "";
          reportProgress({
            step,
            phase: `job ${jobName} ${d.Status}`,
            elapsedMs: elapsed,
            detail: `${cloud.backend} clock`,
          });
        }
      },
    },
  );
  endProgress();
  if (job.Status === "FAILED") {
    throw new StepError(
      step,
      `Inference Recommender job "${jobName}" FAILED: ${job.FailureReason ?? "no reason given"}`,
    );
  }
  if (job.Status === "STOPPED") {
    throw new StepError(
      step,
      `Inference Recommender job "${jobName}" was STOPPED before it completed`,
    );
  }
  return job;
}

/**
 * Runs the Default job for one instance type and returns the measured saturation point.
 *
 * @example Usage
 * ```ts ignore
 * const rec = await recommend(cloud, { ...prepared, roleArn });
 * console.log(rec.maxInvocations); // requests per minute one instance sustained
 * ```
 */
export async function recommend(cloud: Cloud, options: RecommendOptions): Promise<RecommendResult> {
  validateRecommend(options);
  // The local benchmark measures this machine: one at a time (before anything is created). A type
  // simulated from a given profile runs no benchmark.
  const machine = cloud.backend === "local" && await hasGivenProfile(cloud, options.instanceType)
    ? undefined
    : await holdMachine(cloud, "recommend", { wait: options.wait });
  try {
    const result = await createAndAwaitDefaultJob(cloud, options);
    return machine === undefined ? result : { ...result, machine: await machine.release() };
  } finally {
    await machine?.release();
  }
}

/** {@linkcode recommend} once the machine is held. */
async function createAndAwaitDefaultJob(
  cloud: Cloud,
  options: RecommendOptions,
): Promise<RecommendResult> {
  const manifest = options.manifest ?? [];
  const created: CreatedResource[] = [];
  const record = (r: CreatedResource) => {
    created.push(r);
    manifest.push(r);
  };
  const prefix = options.namePrefix ?? "scaling-lab";
  const run = runName(prefix, cloud.clock.now());
  const groupName = `${run}-models`;
  await cloud.sagemaker.send(
    new CreateModelPackageGroupCommand({
      ModelPackageGroupName: groupName,
      ModelPackageGroupDescription: "Model packages of one scaling-lab run (deleted by cleanup)",
    }),
  );
  record({ kind: "model-package-group", name: groupName });
  const contentType = options.contentType ?? "text/csv";
  const pkg = await cloud.sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: groupName,
      ModelPackageDescription: "XGBoost model measured by Inference Recommender",
      Domain: "MACHINE_LEARNING",
      Task: "OTHER",
      SamplePayloadUrl: options.payloadUrl,
      ModelApprovalStatus: "Approved",
      InferenceSpecification: {
        Containers: [{
          Image: options.containerImage,
          ModelDataUrl: options.modelUrl,
          Framework: "XGBOOST",
          FrameworkVersion: options.frameworkVersion ?? "1.7-1",
          NearestModelName: "xgboost",
        }],
        SupportedContentTypes: [contentType],
        SupportedResponseMIMETypes: ["text/csv"],
        SupportedRealtimeInferenceInstanceTypes: [
          options.instanceType as ProductionVariantInstanceType,
        ],
      },
    }),
  );
  const modelPackageArn = pkg.ModelPackageArn!;
  record({ kind: "model-package", name: modelPackageArn, arn: modelPackageArn });
  const jobName = `${run}-default`;
  await cloud.sagemaker.send(
    new CreateInferenceRecommendationsJobCommand({
      JobName: jobName,
      JobType: "Default",
      RoleArn: options.roleArn,
      JobDescription: `Measure one ${options.instanceType} to saturation`,
      InputConfig: { ModelPackageVersionArn: modelPackageArn },
    }),
  );
  record({ kind: "recommendation-job", name: jobName });
  progress("recommend", `started Default job ${jobName} on ${options.instanceType}`);
  const job = await waitForRecommendationJob(cloud, jobName, {
    step: "recommend",
    pollIntervalMs: options.pollIntervalMs,
    timeoutMs: options.timeoutMs,
  });
  const rec = pickRecommendation(job.InferenceRecommendations ?? [], options.instanceType);
  if (rec === undefined) {
    throw new StepError(
      "recommend",
      `Inference Recommender job "${jobName}" completed without a recommendation for ${options.instanceType}`,
    );
  }
  const endpointName = rec.EndpointConfiguration?.EndpointName ?? "";
  const variantName = rec.EndpointConfiguration?.VariantName ?? "";
  const profile = await cloud.capacityProfile({
    modelDataUrl: options.modelUrl,
    image: options.containerImage,
    instanceType: options.instanceType,
  });
  return {
    region: cloud.region,
    roleArn: options.roleArn,
    jobName,
    modelPackageArn,
    modelPackageGroupName: groupName,
    benchmarkEndpointName: endpointName,
    benchmarkVariantName: variantName,
    instanceType: options.instanceType,
    maxInvocations: rec.Metrics?.MaxInvocations ?? 0,
    modelLatencyMs: rec.Metrics?.ModelLatency ?? 0,
    invocationStartTime: (rec.InvocationStartTime ?? job.CreationTime ?? new Date(0)).toISOString(),
    invocationEndTime: (rec.InvocationEndTime ?? job.LastModifiedTime ?? new Date(0)).toISOString(),
    ...(profile ? { profile } : {}),
    modelUrl: options.modelUrl,
    payloadUrl: options.payloadUrl,
    containerImage: options.containerImage,
    created,
  };
}

/** How a recommendation reads for people. */
export function renderRecommendation(r: RecommendResult): string {
  return table([
    ["Job", r.jobName],
    ["Instance type", r.instanceType],
    ["MaxInvocations (per minute, one instance)", r.maxInvocations],
    ["ModelLatency (ms)", r.modelLatencyMs],
    ["Benchmark endpoint / variant", `${r.benchmarkEndpointName} / ${r.benchmarkVariantName}`],
    ["Invocation window", `${r.invocationStartTime} to ${r.invocationEndTime}`],
    ["Model package", r.modelPackageArn],
    ["Profile levels (local)", r.profile?.levels.length],
    ["Profile from (local)", r.profile?.measuredOn],
    [
      "Machine (local)",
      r.machine && describeMachine(r.machine),
    ],
  ]);
}

/** The `recommend` script's flags. */
export const RECOMMEND_SCRIPT: ScriptSpec = {
  name: "recommend",
  summary: "run an Inference Recommender Default job on one instance type (section 6a)",
  flags: {
    "model-url": {
      type: "string",
      placeholder: "S3URL",
      description: "model.tar.gz in S3 (prepare's modelUrl)",
    },
    "payload-url": {
      type: "string",
      placeholder: "S3URL",
      description: "payload.tar.gz in S3 (prepare's payloadUrl)",
    },
    "container-image": {
      type: "string",
      placeholder: "URI",
      description: "serving image (prepare's containerImage)",
    },
    "instance-type": {
      type: "string",
      placeholder: "TYPE",
      description: "instance type to measure (default ml.c5.large)",
    },
    "framework-version": {
      type: "string",
      placeholder: "V",
      description: "XGBoost container version (default 1.7-1)",
    },
    "no-wait": {
      type: "boolean",
      description: "local: refuse (exit 2) instead of waiting when another benchmark runs here",
    },
  },
  examples: [
    "deno task prepare --json > prepared.json && deno task recommend --from prepared.json --json > recommendation.json",
  ],
};

if (import.meta.main) {
  await runScript(RECOMMEND_SCRIPT, async (ctx) => {
    const cloud = await ctx.cloud();
    const prepared: Partial<PrepareResult> = readPrepared(ctx.from);
    const need = (flag: string, field: keyof PrepareResult) =>
      requiredString(ctx.flags, flag, {
        from: ctx.from,
        field,
        source: 'the output of "prepare --json"',
      });
    return await recommend(cloud, {
      modelUrl: need("model-url", "modelUrl"),
      payloadUrl: need("payload-url", "payloadUrl"),
      containerImage: need("container-image", "containerImage"),
      instanceType: stringInput(ctx.flags, "instance-type", {
        from: ctx.from,
        fallback: "ml.c5.large",
      })!,
      frameworkVersion: stringInput(ctx.flags, "framework-version", {
        from: ctx.from,
        fallback: prepared.frameworkVersion,
      }),
      roleArn: requireRole(ctx.roleArn(), cloud),
      wait: ctx.flags["no-wait"] !== true,
    });
  }, { render: renderRecommendation });
}
