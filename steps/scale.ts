/**
 * Step `scale` (sections 8 and 8a of the original): create the evaluation endpoint at MinCapacity,
 * register it as a scalable target between MinCapacity and MaxCapacity, and put a set of scaling
 * policies on it — or clear them and reset the instance count.
 *
 * @module
 */
import type { Cloud } from "../cloud/types.ts";
import { createEndpoint } from "./endpoint.ts";
import { InputError } from "./errors.ts";
import { requireRole } from "./inputs.ts";
import { runName } from "./names.ts";
import {
  clearAndReset,
  type ManifestOption,
  originalStepScaling,
  putScheduledAction,
  putStepScaling,
  putTargetTracking,
  registerScalableTarget,
  type ScheduledActionSpec,
  type StepScalingSpec,
  type TargetTrackingSpec,
  type VariantTarget,
  waitForQuietAlarms,
} from "./policies.ts";
import { checkSageMakerName } from "./checks.ts";
import { parseScheduleFlag, validateClear, validateScale } from "./validate_scale.ts";
import { numberInput, runScript, type ScriptSpec, stringInput, table } from "./script.ts";
import type { CreatedResource, PolicySummary, ScaleResult } from "./types.ts";
import { scalingConfigFromAws } from "./aws_scaling_recommendation.ts";
import type { ScalingConfig } from "./scaling_requests.ts";

/** The policies to put on a variant, under a label that names them in evaluations. */
export interface PolicySet {
  /** e.g. `target tracking` or `step scaling`. */
  label: string;
  targetTracking?: TargetTrackingSpec[];
  stepScaling?: StepScalingSpec[];
  scheduledActions?: ScheduledActionSpec[];
}

/** Inputs of {@linkcode scale}. */
export interface ScaleOptions {
  /** An existing endpoint to scale; when absent one is created (model, config, endpoint). */
  endpointName?: string;
  /** @default {"AllTraffic"} */
  variantName?: string;
  /** Needed to create the endpoint. */
  modelUrl?: string;
  containerImage?: string;
  instanceType: string;
  roleArn: string;
  minCapacity: number;
  maxCapacity: number;
  policies: PolicySet;
  /** @default {"scaling-lab"} */
  namePrefix?: string;
  /** @default {30000} */
  pollIntervalMs?: number;
  /** Where created resources are recorded as soon as they exist. */
  manifest?: CreatedResource[];
}

/**
 * Creates (or reuses) the endpoint and applies a policy set.
 *
 * @example Usage
 * ```ts ignore
 * const scaled = await scale(cloud, { ...prepared, roleArn, minCapacity: 2, maxCapacity: 11,
 *   policies: { label: "target tracking", targetTracking: [
 *     { metric: "invocations", target: 3300 }, { metric: "cpu", target: 50 }] } });
 * ```
 */
export async function scale(cloud: Cloud, options: ScaleOptions): Promise<ScaleResult> {
  validateScale(options);
  const manifest = options.manifest ?? [];
  const before = manifest.length;
  let endpointName = options.endpointName;
  let variantName = options.variantName ?? "AllTraffic";
  if (endpointName === undefined) {
    const created = await createEndpoint(cloud, {
      endpointName: `${runName(options.namePrefix ?? "scaling-lab", cloud.clock.now())}-ep`,
      modelUrl: options.modelUrl!,
      containerImage: options.containerImage!,
      instanceType: options.instanceType,
      initialInstanceCount: options.minCapacity,
      roleArn: options.roleArn,
      variantName,
      manifest,
      pollIntervalMs: options.pollIntervalMs,
    });
    endpointName = created.endpointName;
    variantName = created.variantName;
  }
  const applied = await applyPolicies(cloud, { endpointName, variantName }, {
    ...options,
    manifest,
  });
  const { policies } = options;
  return {
    region: cloud.region,
    roleArn: options.roleArn,
    endpointName,
    variantName,
    config: {
      instanceType: options.instanceType,
      minCapacity: options.minCapacity,
      maxCapacity: options.maxCapacity,
      label: policies.label,
      targetTracking: policies.targetTracking ?? [],
      stepScaling: policies.stepScaling ?? [],
      scheduledActions: policies.scheduledActions ?? [],
    },
    ...applied,
    created: manifest.slice(before),
  };
}

/**
 * The scaling configuration a `--from` file carries, if any: a saved
 * `GetScalingConfigurationRecommendation` response (its `DynamicScalingConfiguration`, converted
 * by {@linkcode scalingConfigFromAws}), a sweep result (the configuration it chose,
 * {@linkcode sweepChoice}) or a `config` (a ScalingConfig, as `scale --json` writes).
 *
 * @example Usage
 * ```ts
 * import { configFromInputs } from "./scale.ts";
 * import assert from "node:assert/strict";
 * const config = configFromInputs({ DynamicScalingConfiguration: { MinCapacity: 1, MaxCapacity: 3,
 *   ScalingPolicies: [{ TargetTracking: { TargetValue: 1500, MetricSpecification: {
 *     Predefined: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" } } } }] } },
 *   { instanceType: "ml.c5.large" });
 * assert.equal(config?.maxCapacity, 3);
 * assert.equal(configFromInputs({}, { instanceType: "ml.c5.large" }), undefined);
 * ```
 */
export function configFromInputs(
  from: Record<string, unknown>,
  options: { instanceType: string },
): ScalingConfig | undefined {
  const dynamic = from.DynamicScalingConfiguration;
  if (typeof dynamic === "object" && dynamic !== null) {
    return scalingConfigFromAws(dynamic, { instanceType: options.instanceType });
  }
  const chosen = sweepChoice(from);
  if (chosen !== undefined) return chosen;
  const config = from.config as Partial<ScalingConfig> | undefined;
  if (
    typeof config === "object" && config !== null && Array.isArray(config.targetTracking) &&
    typeof config.minCapacity === "number" && typeof config.maxCapacity === "number"
  ) {
    return config as ScalingConfig;
  }
  return undefined;
}

/** The policies to put on a variant, its capacity, and where to record what is created. */
export type ApplyPoliciesOptions =
  & Pick<ScaleOptions, "minCapacity" | "maxCapacity" | "policies" | "instanceType">
  & ManifestOption;

/**
 * Registers the scalable target and puts every policy of the set (with step alarms).
 *
 * @example Usage
 * ```ts ignore
 * await applyPolicies(cloud, { endpointName, variantName }, { ...plan, instanceType, policies, manifest });
 * ```
 */
export async function applyPolicies(
  cloud: Cloud,
  target: VariantTarget,
  options: ApplyPoliciesOptions & {
    /**
     * Put the policies with dynamic scaling suspended (resume with `registerScalableTarget`).
     * @default {false}
     */
    suspended?: boolean;
  },
): Promise<Pick<ScaleResult, "policies" | "alarms" | "scheduledActions">> {
  const { manifest, instanceType } = options;
  await registerScalableTarget(cloud, target, options);
  const policies: PolicySummary[] = [];
  for (const spec of options.policies.targetTracking ?? []) {
    policies.push(await putTargetTracking(cloud, target, { spec, instanceType, manifest }));
  }
  for (const spec of options.policies.stepScaling ?? []) {
    policies.push(await putStepScaling(cloud, target, { spec, manifest }));
  }
  const scheduledActions: string[] = [];
  for (const spec of options.policies.scheduledActions ?? []) {
    scheduledActions.push(await putScheduledAction(cloud, target, { spec, manifest }));
  }
  return { policies, alarms: policies.flatMap((p) => p.alarmNames), scheduledActions };
}

export { clearAndReset, registerScalableTarget };

/**
 * Replaces the variant's scaling for a new evaluation: clears every policy and scheduled action,
 * resets the instance count to MinCapacity, puts the new policies with dynamic scaling suspended,
 * waits until their alarms no longer see the previous run's traffic, then resumes scaling.
 * Without the wait, the next evaluation would start with a scale-out earned by the last one.
 *
 * @example Usage
 * ```ts ignore
 * await resetAndApply(cloud, { endpointName, variantName }, { ...plan, instanceType, policies, manifest });
 * ```
 */
export async function resetAndApply(
  cloud: Cloud,
  target: VariantTarget,
  options: ApplyPoliciesOptions,
): Promise<Pick<ScaleResult, "policies" | "alarms" | "scheduledActions">> {
  await clearAndReset(cloud, target, {
    instanceCount: options.minCapacity,
    manifest: options.manifest,
  });
  const applied = await applyPolicies(cloud, target, { ...options, suspended: true });
  await waitForQuietAlarms(cloud, applied.alarms);
  await registerScalableTarget(cloud, target, { ...options, suspended: false });
  return applied;
}

/**
 * The configuration a sweep chose, when the `--from` fields are a sweep result (`chosen.config`
 * of `sweep --json`): its capacity and policies, to apply as they are. Undefined for any other
 * input; an InputError when the choice is there but unusable.
 *
 * @example Usage
 * ```ts
 * import { sweepChoice } from "./scale.ts";
 * import assert from "node:assert/strict";
 * const config = { label: "tt", instanceType: "ml.c5.large", minCapacity: 1, maxCapacity: 8,
 *   targetTracking: [{ metric: "invocations" as const, target: 4987 }] };
 * assert.equal(sweepChoice({ chosen: { label: "tt", config } })?.maxCapacity, 8);
 * assert.equal(sweepChoice({ minCapacity: 2, maxCapacity: 11 }), undefined);
 * ```
 */
export function sweepChoice(from: Record<string, unknown>): ScalingConfig | undefined {
  const chosen = from.chosen as { config?: unknown } | undefined;
  if (typeof chosen !== "object" || chosen === null || chosen.config === undefined) {
    return undefined;
  }
  const config = chosen.config as Partial<ScalingConfig> | null;
  const whole = (n: unknown) => typeof n === "number" && Number.isInteger(n);
  if (
    typeof config !== "object" || config === null || !whole(config.minCapacity) ||
    !whole(config.maxCapacity) || typeof config.instanceType !== "string"
  ) {
    throw new InputError(
      "Cannot apply the sweep's choice: its chosen.config needs whole minCapacity and maxCapacity and an instanceType; pass --from the --json output of sweep",
    );
  }
  return config as ScalingConfig;
}

/** How a scale result reads for people. */
export function renderScale(r: ScaleResult): string {
  return table([
    ["Endpoint / variant", `${r.endpointName} / ${r.variantName}`],
    ...r.policies.map((p) =>
      [
        `Policy ${p.name}`,
        `${p.type} on ${p.metric}${p.targetValue === undefined ? "" : ` at ${p.targetValue}`}`,
      ] as const
    ),
    ["Alarms", r.alarms.join(", ")],
    ["Scheduled actions", r.scheduledActions.join(", ") || "none"],
  ]);
}

/** The `scale` script's flags. */
export const SCALE_SCRIPT: ScriptSpec = {
  name: "scale",
  summary: "create the endpoint and put scaling policies on it, or clear them (sections 8, 8a)",
  flags: {
    "endpoint-name": {
      type: "string",
      placeholder: "NAME",
      description: "scale this existing endpoint instead of creating one",
    },
    "variant-name": {
      type: "string",
      placeholder: "NAME",
      description: "variant (default AllTraffic)",
    },
    "instance-type": {
      type: "string",
      placeholder: "TYPE",
      description: "instance type (default ml.c5.large)",
    },
    "min-capacity": {
      type: "string",
      placeholder: "N",
      description: "MinCapacity (plan's minCapacity)",
    },
    "max-capacity": {
      type: "string",
      placeholder: "N",
      description: "MaxCapacity (plan's maxCapacity)",
    },
    "target-invocations": {
      type: "string",
      placeholder: "N",
      description:
        "target tracking on InvocationsPerInstance (default plan's invocationsPerInstance; 0 = none)",
    },
    "cpu-target": {
      type: "string",
      placeholder: "PCT",
      description: "target tracking on CPU, % per vCPU (default 50; 0 = none)",
    },
    "concurrency-target": {
      type: "string",
      placeholder: "N",
      description: "target tracking on the high-resolution ConcurrentRequestsPerModel metric",
    },
    "step-threshold": {
      type: "string",
      placeholder: "N",
      description:
        "step scaling (+1/+3/+4) with an alarm at this InvocationsPerInstance per minute",
    },
    schedule: {
      type: "string",
      multiple: true,
      placeholder: "SPEC",
      description:
        'scheduled action "NAME|SCHEDULE|MIN|MAX[|TIMEZONE]" (e.g. "morning|cron(0 8 * * ? *)|4|11")',
    },
    label: {
      type: "string",
      placeholder: "TEXT",
      description: "label of this policy set in evaluations",
    },
    clear: {
      type: "string",
      placeholder: "N",
      description: "instead: clear all scaling and reset to N instances",
    },
  },
  examples: [
    "deno task scale --from prepared.json --from plan.json --json > scaled.json",
    "deno task scale --from prepared.json --from sweep.json --json > scaled.json",
    "deno task scale --from scaled.json --clear 2",
    "deno task scale --from prepared.json --from aws-recommendation.json  # a saved GetScalingConfigurationRecommendation response",
  ],
};

if (import.meta.main) {
  await runScript(SCALE_SCRIPT, async (ctx) => {
    const { flags, from } = ctx;
    const cloud = await ctx.cloud();
    const roleArn = requireRole(ctx.roleArn(), cloud);
    const endpointName = stringInput(flags, "endpoint-name", { from });
    const variantName = stringInput(flags, "variant-name", { from, fallback: "AllTraffic" })!;
    const clear = numberInput(flags, "clear");
    if (clear !== undefined) {
      if (endpointName === undefined) {
        throw new InputError("Missing --endpoint-name: --clear resets an existing endpoint");
      }
      validateClear(clear);
      checkSageMakerName(endpointName, "endpoint name");
      checkSageMakerName(variantName, "variant name");
      const manifest = Array.isArray(from.created) ? [...from.created as CreatedResource[]] : [];
      await clearAndReset(cloud, { endpointName, variantName }, { instanceCount: clear, manifest });
      return {
        region: cloud.region,
        roleArn,
        endpointName,
        variantName,
        policies: [],
        alarms: [],
        scheduledActions: [],
        created: manifest,
      } satisfies ScaleResult;
    }
    const instanceType = stringInput(flags, "instance-type", { from, fallback: "ml.c5.large" })!;
    // A configuration from --from (an AWS recommendation, or a previous scale) applies as it is
    // unless a policy flag says otherwise; --min-capacity/--max-capacity still win.
    const policyFlags = [
      "target-invocations",
      "cpu-target",
      "concurrency-target",
      "step-threshold",
    ];
    const carried = policyFlags.some((f) => flags[f] !== undefined)
      ? undefined
      : configFromInputs(from, { instanceType });
    const endpoint = {
      endpointName,
      variantName,
      modelUrl: stringInput(flags, "model-url", { from }),
      containerImage: stringInput(flags, "container-image", { from }),
      instanceType,
      roleArn,
    };
    if (carried !== undefined) {
      return await scale(cloud, {
        ...endpoint,
        minCapacity: numberInput(flags, "min-capacity") ?? carried.minCapacity,
        maxCapacity: numberInput(flags, "max-capacity") ?? carried.maxCapacity,
        policies: {
          label: (flags.label as string | undefined) ?? carried.label,
          targetTracking: carried.targetTracking ?? [],
          stepScaling: carried.stepScaling ?? [],
          scheduledActions: [
            ...carried.scheduledActions ?? [],
            ...((flags.schedule as string[] | undefined) ?? []).map(parseScheduleFlag),
          ],
        },
      });
    }
    const minCapacity = numberInput(flags, "min-capacity", { from });
    const maxCapacity = numberInput(flags, "max-capacity", { from });
    if (minCapacity === undefined || maxCapacity === undefined) {
      throw new InputError(
        'Missing --min-capacity/--max-capacity: give them, or --from the output of "plan --json"',
      );
    }
    const invocations = numberInput(flags, "target-invocations", {
      from,
      field: "invocationsPerInstance",
    });
    const cpu = numberInput(flags, "cpu-target", { fallback: 50 })!;
    const concurrency = numberInput(flags, "concurrency-target");
    const step = numberInput(flags, "step-threshold");
    const targetTracking: TargetTrackingSpec[] = [];
    if (invocations) targetTracking.push({ metric: "invocations", target: invocations });
    if (cpu) targetTracking.push({ metric: "cpu", target: cpu });
    if (concurrency) targetTracking.push({ metric: "concurrency", target: concurrency });
    return await scale(cloud, {
      ...endpoint,
      minCapacity,
      maxCapacity,
      policies: {
        label: (flags.label as string | undefined) ?? (step ? "step scaling" : "target tracking"),
        targetTracking,
        stepScaling: step ? [originalStepScaling(step)] : [],
        scheduledActions: ((flags.schedule as string[] | undefined) ?? []).map(parseScheduleFlag),
      },
    });
  }, { render: renderScale });
}
