/**
 * Step `evaluate` (sections 8c and 8d of the original): prove a scaling policy with an Inference
 * Recommender *Advanced* job that ramps users against the endpoint, then judge whether the expected
 * peak was reached.
 *
 * Unlike the original: the spawn rate given is the spawn rate used (the original hard-coded 2),
 * `FlatInvocations` is set to `Continue` explicitly (AWS's default `Stop` ends a job while
 * invocations are flat, which is exactly what they are while new instances provision), the job
 * targets the existing endpoint only (no extra benchmark endpoint), the expectation is max TPS x 60
 * per minute read with Period 60, and the verdict comes with its reasons and the timeline.
 *
 * @module
 */
import { DescribeScalingActivitiesCommand } from "@aws-sdk/client-application-auto-scaling";
import {
  CreateInferenceRecommendationsJobCommand,
  DescribeEndpointCommand,
  DescribeInferenceRecommendationsJobCommand,
  type DescribeInferenceRecommendationsJobCommandOutput,
} from "@aws-sdk/client-sagemaker";
import type { Cloud } from "../cloud/types.ts";
import { StepError } from "./errors.ts";
import { requireRole } from "./inputs.ts";
import {
  ceilMinute,
  floorMinute,
  INVOCATION_QUERIES,
  invocationErrors,
  latencyMs,
  minutesBetween,
  readVariantSeries,
} from "./metrics.ts";
import { runName } from "./names.ts";
import { resourceIdOf, scalableTargetKey } from "./policies.ts";
import {
  numberInput,
  requiredNumber,
  requiredString,
  runScript,
  type ScriptSpec,
  stringInput,
  table,
} from "./script.ts";
import type { ActivitySummary, CreatedResource, EvaluateResult, EvaluationPoint } from "./types.ts";
import { requireVariant } from "./endpoint.ts";
import { ensureWritableDir } from "./out_dir.ts";
import { validateEvaluate } from "./validate.ts";
import { verdictText } from "./verdict.ts";
import { progress } from "./wait.ts";
import { endProgress, reportProgress } from "../progress/mod.ts";
import { allPages } from "./pages.ts";

/** Inputs of {@linkcode evaluate}. */
export interface EvaluateOptions {
  endpointName: string;
  /** @default {"AllTraffic"} */
  variantName?: string;
  /** The model package the Default job measured. */
  modelPackageArn: string;
  roleArn: string;
  /** Users added per minute (Inference Recommender's SpawnRate). */
  spawnRate: number;
  /**
   * Users at the start.
   * @default {1}
   */
  initialUsers?: number;
  /**
   * Length of the ramp in seconds (one phase; AWS allows 120–3600).
   * @default {1800}
   */
  durationSeconds?: number;
  /** Expected peak requests per second; the expectation is `maxTps x 60` invocations per minute. */
  maxTps: number;
  /**
   * P95 model latency (ms) above which the job stops and the evaluation fails.
   * @default {1000}
   */
  latencyThresholdMs?: number;
  /** Label of the policy set under test, e.g. `target tracking`. */
  policyLabel: string;
  /** @default {"scaling-lab"} */
  namePrefix?: string;
  /**
   * Milliseconds between polls (each poll also samples the instance count).
   * @default {60000}
   */
  pollIntervalMs?: number;
  /**
   * Most errors per minute, as a fraction of invocations, that still pass.
   * @default {0.01}
   */
  maxErrorRate?: number;
  manifest?: CreatedResource[];
}

/** An instance-count sample taken while the job ran. */
interface Sample {
  time: number;
  inService: number;
  desired: number;
}

/**
 * The verdict of an evaluation from its per-minute series: passed when some minute reached the
 * expectation with errors at or under the allowed rate and P95 under the threshold up to then.
 *
 * @example Usage
 * ```ts
 * import { judgeEvaluation } from "./evaluate.ts";
 * import assert from "node:assert/strict";
 * const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
 * const series = [1000, 2000, 3100].map((invocations, m) => ({ time: t(m), invocations, instancesInService: 1, desiredInstances: 1, p95Ms: 20, errors: 0 }));
 * const v = judgeEvaluation(series, { expectation: 3000, latencyThresholdMs: 100, maxErrorRate: 0.01 });
 * assert.equal(v.passed, true);
 * assert.equal(v.minutesToExpectation, 2);
 * ```
 */
export function judgeEvaluation(
  series: readonly EvaluationPoint[],
  limits: { expectation: number; latencyThresholdMs: number; maxErrorRate: number },
): {
  passed: boolean;
  reasons: string[];
  maxInvocationsRealized: number;
  minutesToExpectation: number | null;
  instanceMinutes: number;
  worstP95Ms: number | null;
} {
  const maxInvocationsRealized = Math.max(0, ...series.map((p) => p.invocations));
  const reachedAt = series.findIndex((p) => p.invocations >= limits.expectation);
  const minutesToExpectation = reachedAt < 0 ? null : reachedAt;
  const instanceMinutes = series.reduce((n, p) => n + p.instancesInService, 0);
  const p95s = series.map((p) => p.p95Ms).filter((x): x is number => x !== undefined);
  const worstP95Ms = p95s.length ? Math.max(...p95s) : null;
  const upTo = reachedAt < 0 ? series : series.slice(0, reachedAt + 1);
  const failing = upTo.filter((p) =>
    p.invocations > 0 && (p.errors ?? 0) / p.invocations > limits.maxErrorRate
  );
  const slow = upTo.filter((p) => (p.p95Ms ?? 0) > limits.latencyThresholdMs);
  const reasons: string[] = [];
  const pct = (x: number) => `${Math.round(100 * x / limits.expectation)} %`;
  if (reachedAt >= 0) {
    reasons.push(
      `reached ${fmt(series[reachedAt].invocations)} invocations/min (expectation ${
        fmt(limits.expectation)
      }) after ${reachedAt} min`,
    );
  } else {
    reasons.push(
      `peak ${fmt(maxInvocationsRealized)} invocations/min is ${
        pct(maxInvocationsRealized)
      } of the expectation ${fmt(limits.expectation)}`,
    );
  }
  if (failing.length > 0) {
    reasons.push(
      `${failing.length} minute(s) with errors over ${limits.maxErrorRate * 100} % of invocations`,
    );
  }
  if (slow.length > 0) {
    reasons.push(
      `P95 latency above ${limits.latencyThresholdMs} ms in ${slow.length} minute(s) (worst ${
        worstP95Ms?.toFixed(1)
      } ms)`,
    );
  }
  return {
    passed: reachedAt >= 0 && failing.length === 0 && slow.length === 0,
    reasons,
    maxInvocationsRealized,
    minutesToExpectation,
    instanceMinutes,
    worstP95Ms,
  };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Why the job ended, from what it reports (local backend) or from its metrics (AWS gives none). */
function stopReasonOf(
  job: DescribeInferenceRecommendationsJobCommandOutput,
  series: readonly EvaluationPoint[],
  expectation: number,
  latencyThresholdMs: number,
  durationSeconds: number,
): string {
  // The local backend reports why a job stopped; AWS does not, so there it is read off the metrics.
  const reported = (job as { StopReason?: { Code?: string; Message?: string } }).StopReason;
  if (reported?.Message) {
    return reported.Code ? `${reported.Code}: ${reported.Message}` : reported.Message;
  }
  if (series.some((p) => p.invocations >= expectation)) return "MaxInvocations reached";
  if (series.some((p) => (p.p95Ms ?? 0) > latencyThresholdMs)) {
    return "ModelLatencyThreshold exceeded";
  }
  const ran = ((job.CompletionTime ?? job.LastModifiedTime)?.getTime() ?? 0) -
    (job.CreationTime?.getTime() ?? 0);
  return ran < durationSeconds * 1000
    ? "ended early (no reason reported)"
    : "traffic pattern ended";
}

/**
 * Runs an Advanced job against the endpoint with the given spawn rate and judges it.
 *
 * @example Usage
 * ```ts ignore
 * const result = await evaluate(cloud, { endpointName, modelPackageArn, roleArn, spawnRate: 1,
 *   maxTps: 500, policyLabel: "target tracking" });
 * console.log(result.passed, result.reasons);
 * ```
 */
export async function evaluate(cloud: Cloud, options: EvaluateOptions): Promise<EvaluateResult> {
  validateEvaluate(options);
  await requireVariant(cloud, {
    endpointName: options.endpointName,
    variantName: options.variantName ?? "AllTraffic",
  });
  // validateEvaluate checked the spawn rate, max TPS and duration.
  const durationSeconds = options.durationSeconds ?? 1800;
  const initialUsers = options.initialUsers ?? 1;
  const variantName = options.variantName ?? "AllTraffic";
  const expectation = Math.round(options.maxTps * 60);
  const latencyThresholdMs = options.latencyThresholdMs ?? 1000;
  const maxErrorRate = options.maxErrorRate ?? 0.01;
  const manifest = options.manifest ?? [];
  const jobName = `${runName(options.namePrefix ?? "scaling-lab", cloud.clock.now())}-adv`;
  await cloud.sagemaker.send(
    new CreateInferenceRecommendationsJobCommand({
      JobName: jobName,
      JobType: "Advanced",
      RoleArn: options.roleArn,
      JobDescription: `Evaluate ${options.policyLabel} at ${options.spawnRate} users/min`,
      InputConfig: {
        ModelPackageVersionArn: options.modelPackageArn,
        JobDurationInSeconds: durationSeconds + 600,
        TrafficPattern: {
          TrafficType: "PHASES",
          Phases: [{
            InitialNumberOfUsers: initialUsers,
            SpawnRate: options.spawnRate,
            DurationInSeconds: durationSeconds,
          }],
        },
        Endpoints: [{ EndpointName: options.endpointName }],
      },
      StoppingConditions: {
        MaxInvocations: expectation,
        ModelLatencyThresholds: [{ Percentile: "P95", ValueInMilliseconds: latencyThresholdMs }],
        FlatInvocations: "Continue",
      },
    }),
  );
  const created: CreatedResource[] = [{ kind: "recommendation-job", name: jobName }];
  manifest.push(...created);
  progress(
    "evaluate",
    `started Advanced job ${jobName}: ${options.policyLabel}, ${options.spawnRate} users/min`,
  );

  // Poll the job; each poll also samples the variant's instance counts (the timeline AWS has no metric for).
  const samples: Sample[] = [];
  const intervalMs = options.pollIntervalMs ?? 60_000;
  const deadline = cloud.clock.now().getTime() + (durationSeconds + 3600) * 1000;
  let job: DescribeInferenceRecommendationsJobCommandOutput;
  let lastStatus = "";
  for (;;) {
    const endpoint = await cloud.sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: options.endpointName }),
    );
    const variant = endpoint.ProductionVariants?.find((v) => v.VariantName === variantName);
    samples.push({
      time: cloud.clock.now().getTime(),
      inService: variant?.CurrentInstanceCount ?? 0,
      desired: variant?.DesiredInstanceCount ?? variant?.CurrentInstanceCount ?? 0,
    });
    job = await cloud.sagemaker.send(
      new DescribeInferenceRecommendationsJobCommand({ JobName: jobName }),
    );
    lastStatus = job.Status ?? "";
    // Every poll: elapsed time, users and the latest minute's invocations, also while the
    // status stays IN_PROGRESS for half an hour.
    const elapsedMs = cloud.clock.now().getTime() - samples[0].time;
    const running = lastStatus === "IN_PROGRESS";
    const latest = running
      ? await latestInvocations(cloud, { endpointName: options.endpointName, variantName })
      : undefined;
    reportProgress({
      step: "evaluate",
      phase: `${options.policyLabel}: Advanced job ${lastStatus}`,
      users: running
        ? initialUsers + Math.floor(options.spawnRate * elapsedMs / 60_000)
        : undefined,
      throughput: latest === undefined ? undefined : latest / 60,
      elapsedMs,
      remainingMs: lastStatus === "PENDING" || running
        ? Math.max(0, durationSeconds * 1000 - elapsedMs)
        : 0,
      detail: `${variant?.CurrentInstanceCount ?? 0} instances in service`,
    });
    if (["COMPLETED", "FAILED", "STOPPED"].includes(job.Status ?? "")) break;
    if (cloud.clock.now().getTime() > deadline) {
      throw new StepError("evaluate", `Timed out waiting for Advanced job "${jobName}"`);
    }
    await cloud.clock.sleep(intervalMs);
  }
  endProgress();
  if (job.Status === "FAILED") {
    throw new StepError(
      "evaluate",
      `Advanced job "${jobName}" FAILED: ${job.FailureReason ?? "no reason given"}`,
    );
  }
  if (job.Status === "STOPPED") {
    throw new StepError("evaluate", `Advanced job "${jobName}" was STOPPED before it completed`);
  }
  const start = floorMinute(job.CreationTime ?? new Date(samples[0].time));
  const end = ceilMinute(job.CompletionTime ?? job.LastModifiedTime ?? cloud.clock.now());
  const values = await readVariantSeries(
    cloud,
    { endpointName: options.endpointName, variantName },
    { queries: INVOCATION_QUERIES, start, end },
  );
  const v = (id: string, minute: string) => values.get(id)?.get(minute);
  const series: EvaluationPoint[] = minutesBetween(start, end)
    .filter((minute) => v("invocations", minute) !== undefined)
    .map((minute) => {
      const minuteEnd = Date.parse(minute) + 60_000;
      const sample = samples.filter((s) => s.time <= minuteEnd).at(-1) ?? samples[0];
      return {
        time: minute,
        invocations: v("invocations", minute)!,
        instancesInService: sample.inService,
        desiredInstances: sample.desired,
        p95Ms: latencyMs(v("latencyp95", minute)),
        errors: invocationErrors(values, minute),
      };
    });
  const activities = await scalingActivities(cloud, {
    resourceId: resourceIdOf({ endpointName: options.endpointName, variantName }),
    start,
    end,
  });
  const verdict = judgeEvaluation(series, { expectation, latencyThresholdMs, maxErrorRate });
  return {
    jobName,
    policyLabel: options.policyLabel,
    spawnRate: options.spawnRate,
    rampSeconds: durationSeconds,
    expectation,
    maxInvocationsRealized: verdict.maxInvocationsRealized,
    minutesToExpectation: verdict.minutesToExpectation,
    instanceMinutes: verdict.instanceMinutes,
    worstP95Ms: verdict.worstP95Ms,
    stopReason: stopReasonOf(job, series, expectation, latencyThresholdMs, durationSeconds),
    passed: verdict.passed,
    reasons: verdict.reasons,
    series,
    activities,
    created,
  };
}

/** Invocations in the latest complete minute with data (progress only; undefined when none yet). */
async function latestInvocations(
  cloud: Cloud,
  target: { endpointName: string; variantName: string },
): Promise<number | undefined> {
  const end = floorMinute(cloud.clock.now());
  const start = new Date(end.getTime() - 5 * 60_000);
  const values = await readVariantSeries(cloud, target, {
    queries: INVOCATION_QUERIES,
    start,
    end,
  });
  const minutes = minutesBetween(start, end).filter((m) =>
    values.get("invocations")?.get(m) !== undefined
  );
  const last = minutes.at(-1);
  return last === undefined ? undefined : values.get("invocations")!.get(last);
}

/**
 * The scaling activities of a scalable target that started in [`start`, `end`], oldest first
 * (DescribeScalingActivities, every page).
 *
 * @example Usage
 * ```ts ignore
 * const activities = await scalingActivities(cloud, {
 *   resourceId: "endpoint/ep/variant/AllTraffic", start, end,
 * });
 * ```
 */
export async function scalingActivities(
  cloud: Cloud,
  window: { resourceId: string; start: Date; end: Date },
): Promise<ActivitySummary[]> {
  const { resourceId, start, end } = window;
  const activities = await allPages(async (NextToken) => {
    const page = await cloud.autoscaling.send(
      new DescribeScalingActivitiesCommand({ ...scalableTargetKey(resourceId), NextToken }),
    );
    return { items: page.ScalingActivities ?? [], next: page.NextToken };
  });
  const out: ActivitySummary[] = [];
  for (const a of activities) {
    const t = a.StartTime?.getTime() ?? 0;
    if (t >= start.getTime() && t <= end.getTime()) {
      out.push({
        time: new Date(t).toISOString(),
        description: a.Description ?? "",
        status: a.StatusCode ?? "",
        cause: a.Cause,
      });
    }
  }
  return out.sort((a, b) => a.time.localeCompare(b.time));
}

/** How an evaluation reads for people. */
export function renderEvaluation(r: EvaluateResult): string {
  return table([
    ["Policy", `${r.policyLabel} at ${r.spawnRate} users/min`],
    ["Verdict", verdictText(r)],
    ["Reasons", r.reasons.join("; ")],
    ["Peak invocations per minute", r.maxInvocationsRealized],
    ["Expectation", r.expectation],
    ["Minutes to expectation", r.minutesToExpectation ?? "never"],
    ["Instance-minutes", r.instanceMinutes],
    ["Worst P95 (ms)", r.worstP95Ms ?? "n/a"],
    ["Stop reason", r.stopReason],
    ["Scaling activities", r.activities.length],
  ]);
}

/** The `evaluate` script's flags. */
export const EVALUATE_SCRIPT: ScriptSpec = {
  name: "evaluate",
  summary: "prove the endpoint's scaling policy with an Advanced job ramp (sections 8c, 8d)",
  flags: {
    "endpoint-name": {
      type: "string",
      placeholder: "NAME",
      description: "endpoint under test (scale's endpointName)",
    },
    "variant-name": {
      type: "string",
      placeholder: "NAME",
      description: "variant (default AllTraffic)",
    },
    "model-package-arn": {
      type: "string",
      placeholder: "ARN",
      description: "model package (recommend's modelPackageArn)",
    },
    "spawn-rate": {
      type: "string",
      placeholder: "N",
      description: "users added per minute (default 1)",
    },
    "initial-users": {
      type: "string",
      placeholder: "N",
      description: "users at the start (default 1)",
    },
    duration: {
      type: "string",
      placeholder: "S",
      description: "ramp length in seconds, 120-3600 (default 1800)",
    },
    "max-tps": {
      type: "string",
      placeholder: "TPS",
      description: "expected peak TPS; expectation = x 60 per minute (plan's maxTps)",
    },
    "latency-threshold": {
      type: "string",
      placeholder: "MS",
      description: "P95 stop threshold in ms (default 1000)",
    },
    label: {
      type: "string",
      placeholder: "TEXT",
      description: "policy label (default: scale's label or 'policy')",
    },
    out: {
      type: "string",
      placeholder: "DIR",
      description: "write the evaluation chart as SVG into DIR",
    },
  },
  examples: [
    "deno task evaluate --from recommendation.json --from plan.json --from scaled.json --spawn-rate 3 --json",
  ],
};

if (import.meta.main) {
  await runScript(EVALUATE_SCRIPT, async (ctx) => {
    const { flags, from } = ctx;
    if (typeof flags.out === "string") await ensureWritableDir(flags.out, "--out");
    const need = (flag: string, field: string) => requiredString(flags, flag, { from, field });
    const maxTps = requiredNumber(flags, "max-tps", {
      from,
      source: 'the output of "plan --json"',
    });
    const cloud = await ctx.cloud();
    const result = await evaluate(cloud, {
      endpointName: need("endpoint-name", "endpointName"),
      variantName: stringInput(flags, "variant-name", { from, fallback: "AllTraffic" }),
      modelPackageArn: need("model-package-arn", "modelPackageArn"),
      roleArn: requireRole(ctx.roleArn(), cloud),
      spawnRate: numberInput(flags, "spawn-rate", { fallback: 1 })!,
      initialUsers: numberInput(flags, "initial-users", { fallback: 1 }),
      durationSeconds: numberInput(flags, "duration", { fallback: 1800 }),
      maxTps,
      latencyThresholdMs: numberInput(flags, "latency-threshold", { fallback: 1000 }),
      policyLabel: stringInput(flags, "label", { fallback: "policy" })!,
    });
    const out = flags.out as string | undefined;
    if (out !== undefined) {
      const { writeEvaluationCharts } = await import("./charts_out.ts");
      const plan = {
        minCapacity: typeof from.minCapacity === "number" ? from.minCapacity : undefined,
        maxCapacity: typeof from.maxCapacity === "number" ? from.maxCapacity : undefined,
        pricePerHour: typeof from.pricePerHour === "number" ? from.pricePerHour : undefined,
      };
      for (const path of await writeEvaluationCharts([result], { outDir: out, plan })) {
        console.error(`evaluate: wrote ${path}`);
      }
    }
    return result;
  }, { render: renderEvaluation });
}
