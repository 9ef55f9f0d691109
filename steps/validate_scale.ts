/**
 * Everything `scale` checks before its first call that creates or changes anything: names,
 * instance type, capacities (MinCapacity ≤ MaxCapacity), target values, step bounds, scheduled
 * actions (name, schedule expression, time zone, capacities) and the `--clear` count. Pure: a
 * wrong input is an {@linkcode InputError} (exit 2), and nothing exists yet to clean up.
 *
 * The schedule grammar and the step-interval rules are the local backend's own pure modules
 * (spec autoscaling.md §3, §4), so both say the same thing about the same input.
 *
 * @module
 */
import { instanceTypeInfo } from "../cloud/instance_types.ts";
import { InvalidScheduleError, parseSchedule } from "../sim/schedule.ts";
import { StepAdjustmentError, validateStepAdjustments } from "../sim/step_scaling.ts";
import { InvalidTimezoneError, validateTimezone } from "../sim/timezone.ts";
import {
  checkCount,
  checkNamePrefix,
  checkPositive,
  checkS3Url,
  checkSageMakerName,
  MAX_INSTANCES,
} from "./checks.ts";
import { checkInstanceType } from "./check_instance_type.ts";
import { InputError } from "./errors.ts";
import type { ScheduledActionSpec, StepScalingSpec, TargetTrackingSpec } from "./policies.ts";

/** What {@linkcode validateScale} checks (the fields of `scale`'s options it reads). */
export interface ScaleInput {
  endpointName?: string;
  variantName?: string;
  modelUrl?: string;
  containerImage?: string;
  instanceType: string;
  minCapacity: number;
  maxCapacity: number;
  namePrefix?: string;
  policies: {
    targetTracking?: readonly TargetTrackingSpec[];
    stepScaling?: readonly StepScalingSpec[];
    scheduledActions?: readonly ScheduledActionSpec[];
  };
}

const FLAG_OF_METRIC = {
  invocations: "--target-invocations",
  cpu: "--cpu-target",
  concurrency: "--concurrency-target",
} as const;

/**
 * Checks all of `scale`'s input; throws the first mistake as an {@linkcode InputError}.
 *
 * @example Usage
 * ```ts
 * import { validateScale } from "./validate_scale.ts";
 * import assert from "node:assert/strict";
 * const ok = { endpointName: "ep", instanceType: "ml.c5.large", minCapacity: 2, maxCapacity: 11,
 *   policies: { targetTracking: [{ metric: "cpu" as const, target: 50 }] } };
 * validateScale(ok);
 * assert.throws(() => validateScale({ ...ok, minCapacity: 3, maxCapacity: 2 }),
 *   /MinCapacity \(3\) is above MaxCapacity \(2\)/);
 * ```
 */
export function validateScale(input: ScaleInput): void {
  if (input.endpointName !== undefined) {
    checkSageMakerName(input.endpointName, "endpoint name");
  } else {
    if (!input.modelUrl || !input.containerImage) {
      throw new InputError(
        "Cannot create the endpoint: give the model URL and container image (--from prepare's output)",
      );
    }
    checkS3Url(input.modelUrl, "model URL");
  }
  if (input.variantName !== undefined) checkSageMakerName(input.variantName, "variant name");
  if (input.namePrefix !== undefined) checkNamePrefix(input.namePrefix);
  checkInstanceType(input.instanceType);
  checkCount(input.minCapacity, "--min-capacity (MinCapacity)");
  checkCount(input.maxCapacity, "--max-capacity (MaxCapacity)");
  if (input.minCapacity > input.maxCapacity) {
    throw new InputError(
      `Cannot scale: MinCapacity (${input.minCapacity}) is above MaxCapacity (${input.maxCapacity}); give --min-capacity at most --max-capacity`,
    );
  }
  for (const spec of input.policies.targetTracking ?? []) {
    checkTargetTracking(spec, input.instanceType);
  }
  for (const spec of input.policies.stepScaling ?? []) checkStepScaling(spec);
  const names = new Set<string>();
  for (const spec of input.policies.scheduledActions ?? []) {
    checkScheduledAction(spec);
    if (names.has(spec.name)) {
      throw new InputError(
        `Cannot put scheduled action "${spec.name}" twice: give each --schedule its own NAME`,
      );
    }
    names.add(spec.name);
  }
}

function checkTargetTracking(spec: TargetTrackingSpec, instanceType: string): void {
  const flag = FLAG_OF_METRIC[spec.metric];
  if (spec.metric === "cpu") {
    checkPositive(spec.target, `${flag} (% of each vCPU)`, { max: 100 });
    if (instanceTypeInfo(instanceType) === undefined) {
      throw new InputError(
        `Cannot put a CPU target on ${instanceType}: its vCPU count is not known here; give --cpu-target 0 (no CPU policy) or another instance type`,
      );
    }
  } else {
    checkPositive(spec.target, flag);
  }
}

function checkStepScaling(spec: StepScalingSpec): void {
  checkPositive(spec.threshold, "--step-threshold (invocations per instance per minute)");
  try {
    validateStepAdjustments(spec.steps.map((s) => ({
      MetricIntervalLowerBound: s.lower,
      MetricIntervalUpperBound: s.upper,
      ScalingAdjustment: s.adjustment,
    })));
  } catch (error) {
    if (!(error instanceof StepAdjustmentError)) throw error;
    throw new InputError(
      `Cannot use step scaling at threshold ${spec.threshold}: ${error.message}`,
    );
  }
  const periods = spec.evaluationPeriods ?? 1;
  if (!(Number.isInteger(periods) && periods >= 1)) {
    throw new InputError(
      `Cannot use ${periods} evaluation periods for the step alarm: give a whole number from 1`,
    );
  }
}

/** ScheduledActionName: 1 to 256 characters, no `:`, `/`, `|` or control characters, no edge spaces (AAS API reference). */
function checkScheduledActionName(name: string): void {
  // deno-lint-ignore no-control-regex
  if (name.length > 256 || /[\u0000-\u001f\u007f-\u009f:/|]/.test(name) || /^ | $/.test(name)) {
    throw new InputError(
      `Cannot use scheduled action name "${name}": use up to 256 characters without ":", "/", "|", control characters or leading/trailing spaces`,
    );
  }
}

function checkScheduledAction(spec: ScheduledActionSpec): void {
  checkScheduledActionName(spec.name);
  try {
    parseSchedule(spec.schedule);
    validateTimezone(spec.timezone ?? "UTC");
  } catch (error) {
    if (!(error instanceof InvalidScheduleError || error instanceof InvalidTimezoneError)) {
      throw error;
    }
    throw new InputError(`Cannot put scheduled action "${spec.name}": ${error.message}`);
  }
  const what = (end: string) => `the ${end} capacity of scheduled action "${spec.name}"`;
  if (spec.minCapacity === undefined && spec.maxCapacity === undefined) {
    throw new InputError(
      `Cannot put scheduled action "${spec.name}": it changes nothing; give MIN, MAX or both ("NAME|SCHEDULE|MIN|MAX")`,
    );
  }
  if (spec.minCapacity !== undefined) checkCount(spec.minCapacity, what("minimum"));
  if (spec.maxCapacity !== undefined) checkCount(spec.maxCapacity, what("maximum"));
  if (
    spec.minCapacity !== undefined && spec.maxCapacity !== undefined &&
    spec.minCapacity > spec.maxCapacity
  ) {
    throw new InputError(
      `Cannot put scheduled action "${spec.name}": its MIN (${spec.minCapacity}) is above its MAX (${spec.maxCapacity})`,
    );
  }
}

/**
 * The instance count of `scale --clear N`: a whole number from 1 (a real-time variant cannot
 * scale to 0) to {@linkcode MAX_INSTANCES}.
 *
 * @example Usage
 * ```ts
 * import { validateClear } from "./validate_scale.ts";
 * import assert from "node:assert/strict";
 * validateClear(2);
 * assert.throws(() => validateClear(100000), /^InputError: Cannot use --clear 100000: give a whole number of instances from 1 to 1000$/);
 * ```
 */
export function validateClear(instanceCount: number): void {
  checkCount(instanceCount, "--clear", { max: MAX_INSTANCES });
}

/**
 * Reads one `--schedule "NAME|SCHEDULE|MIN|MAX[|TIMEZONE]"` (MIN or MAX may be empty). The values
 * are checked by {@linkcode validateScale}; only the shape is checked here.
 *
 * @example Usage
 * ```ts
 * import { parseScheduleFlag } from "./validate_scale.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseScheduleFlag("morning|cron(0 8 * * ? *)|4|11|Europe/Paris"), {
 *   name: "morning", schedule: "cron(0 8 * * ? *)", minCapacity: 4, maxCapacity: 11,
 *   timezone: "Europe/Paris",
 * });
 * assert.throws(() => parseScheduleFlag("m|rate(5 minutes)|a|2"), /"a" is not a whole number/);
 * ```
 */
export function parseScheduleFlag(spec: string): ScheduledActionSpec {
  const parts = spec.split("|");
  const [name, schedule, min, max, timezone] = parts;
  if (!name || !schedule || parts.length > 5) {
    throw new InputError(
      `Cannot read --schedule "${spec}": give "NAME|SCHEDULE|MIN|MAX" or "NAME|SCHEDULE|MIN|MAX|TIMEZONE"`,
    );
  }
  const count = (s: string | undefined, end: string) => {
    if (s === undefined || s.trim() === "") return undefined;
    if (!/^\d+$/.test(s.trim())) {
      throw new InputError(
        `Cannot read --schedule "${spec}": ${end} "${s}" is not a whole number of instances`,
      );
    }
    return Number(s);
  };
  return {
    name,
    schedule,
    minCapacity: count(min, "MIN"),
    maxCapacity: count(max, "MAX"),
    ...(timezone ? { timezone } : {}),
  };
}
