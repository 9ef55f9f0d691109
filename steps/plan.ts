/**
 * Step `plan` (section 7 of the original): minimum and maximum capacity from the expected TPS
 * range, the measured upper limit of one instance and a growth factor; the target value of
 * `InvocationsPerInstance`; and, what the original lacks, the hourly cost at both ends.
 *
 * @module
 */
import { MAX_INSTANCES } from "./checks.ts";
import { InputError } from "./errors.ts";
import { ceilRatio } from "./exact.ts";
import { numberInput, requiredNumber, runScript, type ScriptSpec, table } from "./script.ts";
import type { PlanResult } from "./types.ts";

/** Inputs of {@linkcode planCapacity}. */
export interface PlanOptions {
  /** Expected peak requests per second across the endpoint. */
  maxTps: number;
  /** Expected lowest requests per second. */
  minTps: number;
  /**
   * Invocations per minute one instance should carry (the analysis's upper limit); also the
   * target value of `SageMakerVariantInvocationsPerInstance`.
   */
  upperLimit: number;
  /**
   * Extra capacity above the peak, as a factor (1.2 = 20 % headroom). Applied to the maximum only,
   * as in the original.
   * @default {1.2}
   */
  growthFactor?: number;
  /** On-demand price of one instance-hour in USD; gives the cost per hour at min and max. */
  pricePerHour?: number;
}

function requirePositive(name: string, value: number | undefined): number {
  if (value === undefined) {
    throw new InputError(`Cannot plan capacity: ${name} is missing`);
  }
  if (!Number.isFinite(value) || value <= 0) {
    throw new InputError(
      `Cannot plan capacity: ${name} must be a finite number above 0, current value is ${value}`,
    );
  }
  return value;
}

function roundMoney(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * Plans the capacity of an endpoint. Rounds up exactly (rational arithmetic on the decimals given),
 * so 100 TPS with an upper limit of 600 and growth 1.1 is 11 instances, not 12.
 *
 * - TPS one instance carries = upperLimit / 60
 * - max capacity = ceil(maxTps / tpsSingleInstance x growthFactor)
 * - min capacity = ceil(minTps / tpsSingleInstance)
 * - target invocations per instance = upperLimit
 *
 * @throws {InputError} when a number is not finite and positive, min TPS is above max TPS, or the
 * growth factor is below 1.
 *
 * @example Usage
 * ```ts
 * import { planCapacity } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const plan = planCapacity({ maxTps: 500, minTps: 70, upperLimit: 3300, growthFactor: 1.2 });
 * assert.equal(plan.minCapacity, 2);
 * assert.equal(plan.maxCapacity, 11);
 * assert.equal(plan.invocationsPerInstance, 3300);
 * ```
 */
export function planCapacity(options: PlanOptions): PlanResult {
  const maxTps = requirePositive("max TPS", options.maxTps);
  const minTps = requirePositive("min TPS", options.minTps);
  const upperLimit = requirePositive(
    "the upper limit (invocations per minute per instance)",
    options.upperLimit,
  );
  const growthFactor = options.growthFactor ?? 1.2;
  if (!Number.isFinite(growthFactor) || growthFactor < 1) {
    throw new InputError(
      `Cannot plan capacity: the growth factor must be a finite number >= 1, current value is ${growthFactor}`,
    );
  }
  if (minTps > maxTps) {
    throw new InputError(`Cannot plan capacity: min TPS (${minTps}) is above max TPS (${maxTps})`);
  }
  // Checked in floating point before the exact rounding, which would print a 300-digit number.
  // (A plan above scale's limit of MAX_INSTANCES is still a plan; scale refuses to apply it.)
  const instances = maxTps * 60 * growthFactor / upperLimit;
  if (!(instances <= Number.MAX_SAFE_INTEGER)) {
    throw new InputError(
      `Cannot plan capacity: max TPS ${maxTps} at ${upperLimit} invocations per minute per instance needs about ${
        Number(instances.toPrecision(3))
      } instances, far more than any endpoint has (scale allows ${MAX_INSTANCES}); check --max-tps and --upper-limit`,
    );
  }
  const pricePerHour = options.pricePerHour === undefined
    ? undefined
    : requirePositive("the price per hour", options.pricePerHour);
  // maxTps / (upperLimit / 60) x growth = maxTps x 60 x growth / upperLimit, rounded up exactly.
  const maxCapacity = ceilRatio([maxTps, 60, growthFactor], [upperLimit]);
  const minCapacity = ceilRatio([minTps, 60], [upperLimit]);
  return {
    maxTps,
    minTps,
    growthFactor,
    upperLimit,
    tpsSingleInstance: upperLimit / 60,
    minCapacity,
    maxCapacity,
    invocationsPerInstance: upperLimit,
    ...(pricePerHour === undefined ? {} : {
      pricePerHour,
      costPerHourAtMin: roundMoney(pricePerHour * minCapacity),
      costPerHourAtMax: roundMoney(pricePerHour * maxCapacity),
    }),
  };
}

/** How a plan reads for people. */
export function renderPlan(plan: PlanResult): string {
  return table([
    ["Expected TPS", `${plan.minTps} to ${plan.maxTps} (growth factor ${plan.growthFactor})`],
    ["TPS per instance", plan.tpsSingleInstance],
    ["MinCapacity", plan.minCapacity],
    ["MaxCapacity", plan.maxCapacity],
    ["InvocationsPerInstance target", plan.invocationsPerInstance],
    ["Cost per hour at min (USD)", plan.costPerHourAtMin],
    ["Cost per hour at max (USD)", plan.costPerHourAtMax],
  ]);
}

/** The `plan` script's flags. */
export const PLAN_SCRIPT: ScriptSpec = {
  name: "plan",
  summary: "min/max capacity and the InvocationsPerInstance target from expected TPS (section 7)",
  usesCloud: false,
  flags: {
    "max-tps": {
      type: "string",
      placeholder: "TPS",
      description: "expected peak requests per second",
    },
    "min-tps": {
      type: "string",
      placeholder: "TPS",
      description: "expected lowest requests per second",
    },
    "upper-limit": {
      type: "string",
      placeholder: "N",
      description: "invocations per minute per instance (analyze's upperLimit)",
    },
    "growth-factor": {
      type: "string",
      placeholder: "F",
      description: "headroom over the peak (default 1.2)",
    },
    "price-per-hour": {
      type: "string",
      placeholder: "USD",
      description: "on-demand price of one instance-hour, for the cost at min and max",
    },
  },
  examples: [
    "deno task plan --max-tps 500 --min-tps 70 --upper-limit 3300",
    "deno task analyze --from recommend.json --json > analysis.json && deno task plan --from analysis.json --max-tps 500 --min-tps 70",
  ],
};

if (import.meta.main) {
  await runScript(PLAN_SCRIPT, ({ flags, from }) => {
    return Promise.resolve(planCapacity({
      maxTps: requiredNumber(flags, "max-tps", { from }),
      minTps: requiredNumber(flags, "min-tps", { from }),
      upperLimit: requiredNumber(flags, "upper-limit", { from }),
      growthFactor: numberInput(flags, "growth-factor", { from, fallback: 1.2 }),
      pricePerHour: numberInput(flags, "price-per-hour", { from }),
    }));
  }, { render: renderPlan });
}
