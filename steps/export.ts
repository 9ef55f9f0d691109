/**
 * Step `export`: writes a scaling configuration (what `scale` applied, carried in its result as
 * `config`) as infrastructure code — a CloudFormation template or a Terraform `.tf.json` file —
 * with the scalable target, every policy, the alarms that step policies need and the scheduled
 * actions. The endpoint and variant names come from the input when it has them; otherwise they
 * are template parameters (CloudFormation `Parameters`, Terraform `variable`).
 *
 * Both formats are built from the same requests that `scale` sends ({@linkcode scalingRequests}),
 * so what is exported is what was evaluated.
 *
 * Sources: CloudFormation `AWS::ApplicationAutoScaling::ScalableTarget` (`ScheduledActions`),
 * `AWS::ApplicationAutoScaling::ScalingPolicy` (`ScalingTargetId` — a `Ref` to the target — instead
 * of the ResourceId/ScalableDimension/ServiceNamespace triple, never both), `AWS::CloudWatch::Alarm`
 * (a `Ref` to a scaling policy returns its ARN); the Terraform AWS provider's
 * `aws_appautoscaling_target`, `aws_appautoscaling_policy` (`step_adjustment` blocks),
 * `aws_cloudwatch_metric_alarm` (`dimensions` is a map) and `aws_appautoscaling_scheduled_action`.
 *
 * @module
 */
import { writeFileAtomic } from "../machine/atomic_write.ts";
import { checkSageMakerName } from "./checks.ts";
import { InputError } from "./errors.ts";
import type { VariantTarget } from "./policies.ts";
import {
  type AlarmRequest,
  type PolicyRequest,
  type ScalingConfig,
  type ScalingRequests,
  scalingRequests,
} from "./scaling_requests.ts";
import { runScript, type ScriptSpec, stringInput } from "./script.ts";

/** The formats `export` writes. */
export type ExportFormat = "cloudformation" | "terraform";

/** Options of {@linkcode exportTemplate}. */
export interface ExportOptions {
  /** `cloudformation` or `terraform`. */
  format: ExportFormat;
  /** The endpoint; when absent the template takes it as a parameter. */
  endpointName?: string;
  /** The variant; when absent the template takes it as a parameter (default `AllTraffic`). */
  variantName?: string;
}

/** What {@linkcode exportTemplate} returns. */
export interface ExportResult {
  format: ExportFormat;
  /** Names of the template's parameters (empty when the names were known). */
  parameters: string[];
  /** Logical ids (CloudFormation) or `type.name` addresses (Terraform), in order. */
  resources: string[];
  /** The template, ready for `JSON.stringify`. */
  template: Record<string, unknown>;
}

const CFN_ENDPOINT = "${EndpointName}";
const CFN_VARIANT = "${VariantName}";
const TF_ENDPOINT = "${var.endpoint_name}";
const TF_VARIANT = "${var.variant_name}";

/**
 * Builds the template of a scaling configuration.
 *
 * @example CloudFormation with the endpoint as a parameter
 * ```ts
 * import { exportTemplate } from "./export.ts";
 * import assert from "node:assert/strict";
 * const config = { label: "tt", instanceType: "ml.c5.large", minCapacity: 1, maxCapacity: 8,
 *   targetTracking: [{ metric: "invocations" as const, target: 4987 }] };
 * const out = exportTemplate(config, { format: "cloudformation" });
 * assert.deepEqual(out.parameters, ["EndpointName", "VariantName"]);
 * assert.deepEqual(out.resources, ["ScalableTarget", "TargetTrackingInvocations"]);
 * ```
 */
export function exportTemplate(config: ScalingConfig, options: ExportOptions): ExportResult {
  checkConfig(config);
  if (options.endpointName !== undefined) {
    checkSageMakerName(options.endpointName, "endpoint name");
  }
  if (options.variantName !== undefined) checkSageMakerName(options.variantName, "variant name");
  const known = options.endpointName !== undefined;
  if (options.format === "cloudformation") {
    const target = known
      ? { endpointName: options.endpointName!, variantName: options.variantName ?? "AllTraffic" }
      : { endpointName: CFN_ENDPOINT, variantName: CFN_VARIANT };
    return cloudFormation(scalingRequests(target, config), known);
  }
  const target = known
    ? { endpointName: options.endpointName!, variantName: options.variantName ?? "AllTraffic" }
    : { endpointName: TF_ENDPOINT, variantName: TF_VARIANT };
  return terraform(scalingRequests(target, config), known, target);
}

function checkConfig(config: ScalingConfig): void {
  const { minCapacity, maxCapacity } = config;
  if (!Number.isInteger(minCapacity) || !Number.isInteger(maxCapacity) || minCapacity < 0) {
    throw new InputError(
      `Cannot export the scaling configuration: min and max capacity must be whole numbers, got ${minCapacity} and ${maxCapacity}`,
    );
  }
  if (minCapacity > maxCapacity) {
    throw new InputError(
      `Cannot export the scaling configuration: min capacity (${minCapacity}) is above max capacity (${maxCapacity})`,
    );
  }
  const policies = (config.targetTracking?.length ?? 0) + (config.stepScaling?.length ?? 0);
  if (policies + (config.scheduledActions?.length ?? 0) === 0) {
    throw new InputError(
      "Cannot export the scaling configuration: it has no policy and no scheduled action; export the result of a scale run that applied some",
    );
  }
}

/** `TargetTrackingInvocations`, `StepScalingStepInvocations`... from a policy name's suffix. */
function logicalId(prefix: string, suffix: string): string {
  const words = suffix.split(/[^A-Za-z0-9]+/).filter((w) => w !== "");
  return prefix + words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}

function suffixOf(policyName: string, target: string): string {
  return policyName.startsWith(`${target}-`) ? policyName.slice(target.length + 1) : policyName;
}

/** Wraps every string that names a parameter into `Fn::Sub`, recursively. */
function substitute(value: unknown): unknown {
  if (typeof value === "string") {
    return value.includes(CFN_ENDPOINT) || value.includes(CFN_VARIANT)
      ? { "Fn::Sub": value }
      : value;
  }
  if (Array.isArray(value)) return value.map(substitute);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, substitute(v)]),
    );
  }
  return value;
}

function cloudFormation(requests: ScalingRequests, known: boolean): ExportResult {
  const resources: Record<string, unknown> = {};
  const endpoint = known ? "" : CFN_ENDPOINT;
  const { MinCapacity, MaxCapacity, ...key } = requests.target;
  resources.ScalableTarget = {
    Type: "AWS::ApplicationAutoScaling::ScalableTarget",
    Properties: {
      ...key,
      MinCapacity,
      MaxCapacity,
      ...(requests.scheduledActions.length > 0
        ? { ScheduledActions: requests.scheduledActions }
        : {}),
    },
  };
  const policy = (request: PolicyRequest) => ({
    Type: "AWS::ApplicationAutoScaling::ScalingPolicy",
    Properties: { ...request, ScalingTargetId: { Ref: "ScalableTarget" } },
  });
  for (const request of requests.targetTracking) {
    const suffix = suffixOf(request.PolicyName!, known ? endpointOf(requests) : endpoint);
    resources[logicalId("TargetTracking", suffix.replace(/^tt-/, ""))] = policy(request);
  }
  for (const { policy: request, alarm } of requests.stepScaling) {
    const suffix = suffixOf(request.PolicyName!, known ? endpointOf(requests) : endpoint);
    const id = logicalId("StepScaling", suffix);
    resources[id] = policy(request);
    resources[`${id}Alarm`] = {
      Type: "AWS::CloudWatch::Alarm",
      Properties: { ...alarm, AlarmActions: [{ Ref: id }] },
    };
  }
  const template: Record<string, unknown> = {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: "Auto scaling of a SageMaker endpoint variant: scalable target, policies, alarms",
  };
  if (!known) {
    template.Parameters = {
      EndpointName: { Type: "String", Description: "Name of the SageMaker endpoint to scale" },
      VariantName: {
        Type: "String",
        Default: "AllTraffic",
        Description: "Name of the production variant to scale",
      },
    };
  }
  template.Resources = substitute(resources);
  return {
    format: "cloudformation",
    parameters: known ? [] : ["EndpointName", "VariantName"],
    resources: Object.keys(resources),
    template,
  };
}

function endpointOf(requests: ScalingRequests): string {
  return /^endpoint\/(.*)\/variant\//.exec(requests.target.ResourceId)![1];
}

/** `FooBar` → `foo_bar`. */
function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** An API-shaped object with PascalCase keys → Terraform attributes (undefined dropped). */
function attributes(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    out[snake(k)] = v !== null && typeof v === "object" && !Array.isArray(v)
      ? attributes(v)
      : Array.isArray(v)
      ? v.map((item) => item !== null && typeof item === "object" ? attributes(item) : item)
      : v;
  }
  return out;
}

function terraformPolicy(request: PolicyRequest): Record<string, unknown> {
  const { PolicyName, PolicyType, TargetTrackingScalingPolicyConfiguration: tt } = request;
  const step = request.StepScalingPolicyConfiguration;
  const policy: Record<string, unknown> = {
    name: PolicyName,
    policy_type: PolicyType,
    resource_id: "${aws_appautoscaling_target.variant.resource_id}",
    scalable_dimension: "${aws_appautoscaling_target.variant.scalable_dimension}",
    service_namespace: "${aws_appautoscaling_target.variant.service_namespace}",
  };
  if (tt !== undefined) {
    policy.target_tracking_scaling_policy_configuration = attributes(tt);
  }
  if (step !== undefined) {
    const { StepAdjustments, ...rest } = step;
    policy.step_scaling_policy_configuration = {
      ...attributes(rest),
      step_adjustment: (StepAdjustments ?? []).map((s) => attributes(s)),
    };
  }
  return policy;
}

function terraformAlarm(alarm: AlarmRequest, policyAddress: string): Record<string, unknown> {
  const { Dimensions, ...rest } = alarm;
  return {
    ...attributes(rest),
    dimensions: Object.fromEntries((Dimensions ?? []).map((d) => [d.Name!, d.Value!])),
    alarm_actions: [`\${${policyAddress}.arn}`],
  };
}

function terraform(
  requests: ScalingRequests,
  known: boolean,
  target: VariantTarget,
): ExportResult {
  const { MinCapacity, MaxCapacity, ...key } = requests.target;
  const targets = {
    variant: { ...attributes(key), min_capacity: MinCapacity, max_capacity: MaxCapacity },
  };
  const policies: Record<string, unknown> = {};
  const alarms: Record<string, unknown> = {};
  const scheduled: Record<string, unknown> = {};
  const addresses = ["aws_appautoscaling_target.variant"];
  const local = (name: string) =>
    snake(suffixOf(name, target.endpointName)).replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
  for (const request of requests.targetTracking) {
    const id = local(request.PolicyName!);
    policies[id] = terraformPolicy(request);
    addresses.push(`aws_appautoscaling_policy.${id}`);
  }
  for (const { policy, alarm } of requests.stepScaling) {
    const id = local(policy.PolicyName!);
    policies[id] = terraformPolicy(policy);
    alarms[id] = terraformAlarm(alarm, `aws_appautoscaling_policy.${id}`);
    addresses.push(`aws_appautoscaling_policy.${id}`, `aws_cloudwatch_metric_alarm.${id}`);
  }
  for (const action of requests.scheduledActions) {
    const id = local(action.ScheduledActionName);
    scheduled[id] = {
      name: action.ScheduledActionName,
      schedule: action.Schedule,
      timezone: action.Timezone,
      scalable_target_action: attributes(action.ScalableTargetAction),
      resource_id: "${aws_appautoscaling_target.variant.resource_id}",
      scalable_dimension: "${aws_appautoscaling_target.variant.scalable_dimension}",
      service_namespace: "${aws_appautoscaling_target.variant.service_namespace}",
    };
    addresses.push(`aws_appautoscaling_scheduled_action.${id}`);
  }
  const resource: Record<string, unknown> = { aws_appautoscaling_target: targets };
  if (Object.keys(policies).length > 0) resource.aws_appautoscaling_policy = policies;
  if (Object.keys(alarms).length > 0) resource.aws_cloudwatch_metric_alarm = alarms;
  if (Object.keys(scheduled).length > 0) resource.aws_appautoscaling_scheduled_action = scheduled;
  const template: Record<string, unknown> = {};
  if (!known) {
    template.variable = {
      endpoint_name: { type: "string", description: "Name of the SageMaker endpoint to scale" },
      variant_name: {
        type: "string",
        default: "AllTraffic",
        description: "Name of the production variant to scale",
      },
    };
  }
  template.resource = resource;
  return {
    format: "terraform",
    parameters: known ? [] : ["endpoint_name", "variant_name"],
    resources: addresses,
    template,
  };
}

/**
 * Reads the scaling configuration from a step's result: `config` of a `scale` result (or
 * `chosen.config`, the chosen candidate of a result that compares several).
 *
 * @example Usage
 * ```ts
 * import { configFrom } from "./export.ts";
 * import assert from "node:assert/strict";
 * const config = { label: "x", instanceType: "ml.c5.large", minCapacity: 1, maxCapacity: 2 };
 * assert.equal(configFrom({ config }).label, "x");
 * assert.equal(configFrom({ chosen: { config } }).maxCapacity, 2);
 * ```
 */
export function configFrom(input: Record<string, unknown>): ScalingConfig {
  const chosen = input.chosen as Record<string, unknown> | undefined;
  const config = (input.config ?? chosen?.config) as ScalingConfig | undefined;
  if (config === undefined || typeof config !== "object") {
    throw new InputError(
      "Cannot export: the input has no scaling configuration; pass --from the --json output of scale",
    );
  }
  for (const field of ["minCapacity", "maxCapacity"] as const) {
    if (typeof config[field] !== "number") {
      throw new InputError(`Cannot export: the scaling configuration's ${field} must be a number`);
    }
  }
  if (typeof config.instanceType !== "string") {
    throw new InputError("Cannot export: the scaling configuration names no instanceType");
  }
  return config;
}

/** The `export` script. */
export const EXPORT_SCRIPT: ScriptSpec = {
  name: "export",
  summary: "write the applied scaling configuration as CloudFormation or Terraform (.tf.json)",
  usesCloud: false,
  flags: {
    format: {
      type: "string",
      placeholder: "cloudformation|terraform",
      description: "what to write (default cloudformation)",
    },
    out: { type: "string", placeholder: "FILE", description: "write to FILE instead of stdout" },
    "endpoint-name": {
      type: "string",
      placeholder: "NAME",
      description: "endpoint to scale (default: from --from; else a template parameter)",
    },
    "variant-name": {
      type: "string",
      placeholder: "NAME",
      description: "variant to scale (default: from --from, else AllTraffic)",
    },
  },
  examples: [
    "deno task export --from scaled.json --format cloudformation --out scaling.template.json",
    "deno task export --from scaled.json --format terraform --out scaling.tf.json",
  ],
};

/** What a wrong `--out` fails with: a folder where the file goes, a file where a folder goes... */
const WRONG_OUT = [
  Deno.errors.NotFound,
  Deno.errors.PermissionDenied,
  Deno.errors.NotCapable,
  Deno.errors.IsADirectory,
  Deno.errors.NotADirectory,
  Deno.errors.AlreadyExists,
];

/** Writes `text` to `path` through a temporary file in the same folder and a rename. */
async function writeAtomically(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    if (WRONG_OUT.some((kind) => error instanceof kind)) {
      throw new InputError(
        `Cannot write ${path}: ${(error as Error).message}; choose another --out`,
      );
    }
    throw error;
  }
}

if (import.meta.main) {
  await runScript(
    EXPORT_SCRIPT,
    async ({ flags, from }) => {
      const format = stringInput(flags, "format", { fallback: "cloudformation" });
      if (format !== "cloudformation" && format !== "terraform") {
        throw new InputError(
          `Cannot export as "${format}": use --format cloudformation or --format terraform`,
        );
      }
      const result = exportTemplate(configFrom(from), {
        format,
        endpointName: stringInput(flags, "endpoint-name", { from }),
        variantName: stringInput(flags, "variant-name", { from }),
      });
      const out = flags.out as string | undefined;
      if (out !== undefined) {
        await writeAtomically(out, JSON.stringify(result.template, null, 2) + "\n");
      }
      return { ...result, out };
    },
    {
      render: (r) =>
        r.out === undefined
          ? JSON.stringify(r.template, null, 2)
          : `export: wrote ${r.format} (${r.resources.length} resources${
            r.parameters.length > 0 ? `, parameters ${r.parameters.join(", ")}` : ""
          }) to ${r.out}`,
    },
  );
}
