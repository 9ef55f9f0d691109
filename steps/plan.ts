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
  /**
   * Read `maxTps` and `minTps` as traffic for the original's instance (an ml.c5.large carrying
   * 55 TPS at its upper limit of 3,300 invocations per minute) and scale them in proportion to
   * `upperLimit`, so the original's 500 and 70 TPS give its plan shape (MinCapacity 2,
   * MaxCapacity 11) on an instance of any speed. See {@linkcode scaleExpectation}.
   * @default {false}
   */
  scaleToInstance?: boolean;
}

/** The original's upper limit: 55 % of one ml.c5.large's peak, 3,300 invocations per minute. */
export const ORIGINAL_UPPER_LIMIT = 3300;

/** The original's expected traffic: 500 TPS at peak, 70 TPS at the lowest. */
export const ORIGINAL_EXPECTATION: { maxTps: number; minTps: number } = { maxTps: 500, minTps: 70 };

/**
 * A peak more than this many times what one instance carries is "far" from the measured capacity:
 * the plan would need hundreds of instances.
 */
const FAR_ABOVE = 100;

/**
 * Scales a TPS range meant for the original's instance (upper limit 3,300 invocations per minute)
 * to an instance with another upper limit, keeping the proportions: the original's 500 and 70 TPS
 * were 9.1 and 1.3 times what its instance carried. Rounded to whole TPS, at least 1.
 *
 * @param expected The TPS range for the original's instance.
 * @param upperLimit The measured upper limit (invocations per minute per instance).
 * @returns The TPS range for the measured instance.
 *
 * @example Usage
 * ```ts
 * import { scaleExpectation } from "./plan.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(scaleExpectation({ maxTps: 500, minTps: 70 }, 3300), { maxTps: 500, minTps: 70 });
 * assert.deepEqual(scaleExpectation({ maxTps: 500, minTps: 70 }, 33000), { maxTps: 5000, minTps: 700 });
 * ```
 */
export function scaleExpectation(
  expected: { maxTps: number; minTps: number },
  upperLimit: number,
): { maxTps: number; minTps: number } {
  const scale = (tps: number) => Math.max(1, Math.round(tps * upperLimit / ORIGINAL_UPPER_LIMIT));
  return { maxTps: scale(expected.maxTps), minTps: scale(expected.minTps) };
}

/**
 * What makes a plan a poor test of a scaling policy, each with what to pass instead: MinCapacity
 * equal to MaxCapacity (the endpoint cannot scale), a peak that one instance carries (an
 * evaluation passes at minute 0 without scaling), or a peak far above what one instance carries.
 *
 * @param plan The plan (its TPS range, growth factor and capacities).
 * @returns One message per problem; empty for a plan that scales through several instances.
 *
 * @example Usage
 * ```ts
 * import { planWarnings } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const base = { growthFactor: 1.2, upperLimit: 3300, tpsSingleInstance: 55 };
 * assert.deepEqual(planWarnings({ ...base, maxTps: 500, minTps: 70, minCapacity: 2, maxCapacity: 11 }), []);
 * const [oneInstance] = planWarnings({ ...base, maxTps: 40, minTps: 30, minCapacity: 1, maxCapacity: 1 });
 * assert.match(oneInstance, /^The expected peak of 40 TPS is no more than the 55 TPS one instance/);
 * assert.match(oneInstance, /pass --max-tps 500 --min-tps 70/);
 * ```
 */
export function planWarnings(
  plan: Pick<
    PlanResult,
    | "maxTps"
    | "minTps"
    | "growthFactor"
    | "upperLimit"
    | "tpsSingleInstance"
    | "minCapacity"
    | "maxCapacity"
  >,
): string[] {
  const fitted = scaleExpectation(ORIGINAL_EXPECTATION, plan.upperLimit);
  const fix =
    `pass --max-tps ${fitted.maxTps} --min-tps ${fitted.minTps} (the original's 500 and ` +
    `70 TPS in proportion to this instance), or add --scale-to-instance`;
  const carried = `${formatTps(plan.tpsSingleInstance)} TPS one instance carries at its upper ` +
    `limit (${plan.upperLimit} invocations/min)`;
  const ratio = plan.maxTps / plan.tpsSingleInstance;
  const warnings: string[] = [];
  if (ratio <= 1) {
    warnings.push(
      `The expected peak of ${plan.maxTps} TPS is no more than the ${carried}, so ` +
        `MinCapacity = ${plan.minCapacity}, MaxCapacity = ${plan.maxCapacity} and an evaluation ` +
        `reaches its expectation at minute 0 without scaling: ${fix}`,
    );
  } else if (plan.minCapacity === plan.maxCapacity) {
    warnings.push(
      `MinCapacity = MaxCapacity = ${plan.minCapacity}: the endpoint cannot scale, so an ` +
        `evaluation tests no scaling policy: ${fix}`,
    );
  }
  if (ratio > FAR_ABOVE) {
    warnings.push(
      `The expected peak of ${plan.maxTps} TPS is ${Math.round(ratio)} times the ${carried}, ` +
        `so MaxCapacity is ${plan.maxCapacity}: ${fix}`,
    );
  }
  return warnings;
}

function formatTps(tps: number): string {
  return String(Math.round(tps * 10) / 10);
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
  const givenMax = requirePositive("max TPS", options.maxTps);
  const givenMin = requirePositive("min TPS", options.minTps);
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
  if (givenMin > givenMax) {
    throw new InputError(
      `Cannot plan capacity: min TPS (${givenMin}) is above max TPS (${givenMax})`,
    );
  }
  const given = { maxTps: givenMax, minTps: givenMin };
  const { maxTps, minTps } = options.scaleToInstance ? scaleExpectation(given, upperLimit) : given;
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
  const capacity = {
    maxTps,
    minTps,
    growthFactor,
    upperLimit,
    tpsSingleInstance: upperLimit / 60,
    minCapacity,
    maxCapacity,
    invocationsPerInstance: upperLimit,
  };
  return {
    ...capacity,
    ...(options.scaleToInstance
      ? { scaledFrom: { ...given, upperLimit: ORIGINAL_UPPER_LIMIT } }
      : {}),
    ...(pricePerHour === undefined ? {} : {
      pricePerHour,
      costPerHourAtMin: roundMoney(pricePerHour * minCapacity),
      costPerHourAtMax: roundMoney(pricePerHour * maxCapacity),
    }),
    warnings: planWarnings(capacity),
  };
}

/** Options for {@linkcode renderPlan}. */
export interface RenderPlanOptions {
  /**
   * Add the plan's warnings below the table (the `plan` script prints them on stderr instead).
   * @default {true}
   */
  warnings?: boolean;
}

/**
 * How a plan reads for people: a table, then one `Warning:` line per warning.
 *
 * @example Usage
 * ```ts
 * import { planCapacity, renderPlan } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const text = renderPlan(planCapacity({ maxTps: 500, minTps: 70, upperLimit: 38000 }));
 * assert.match(text, /MaxCapacity +1/);
 * assert.match(text, /^Warning: The expected peak of 500 TPS is no more than/m);
 * ```
 */
export function renderPlan(plan: PlanResult, options: RenderPlanOptions = {}): string {
  const { warnings = true } = options;
  const scaled = plan.scaledFrom === undefined
    ? ""
    : `, scaled from ${plan.scaledFrom.minTps} to ${plan.scaledFrom.maxTps} on an instance of ` +
      `upper limit ${plan.scaledFrom.upperLimit}`;
  const rendered = table([
    [
      "Expected TPS",
      `${plan.minTps} to ${plan.maxTps} (growth factor ${plan.growthFactor}${scaled})`,
    ],
    ["TPS per instance", plan.tpsSingleInstance],
    ["MinCapacity", plan.minCapacity],
    ["MaxCapacity", plan.maxCapacity],
    ["InvocationsPerInstance target", plan.invocationsPerInstance],
    ["Cost per hour at min (USD)", plan.costPerHourAtMin],
    ["Cost per hour at max (USD)", plan.costPerHourAtMax],
  ]);
  const lines = warnings ? (plan.warnings ?? []).map((w) => `Warning: ${w}`) : [];
  return [rendered, ...lines].join("\n");
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
    "scale-to-instance": {
      type: "boolean",
      description: "read the TPS as traffic for the original's ml.c5.large (upper limit 3,300) " +
        "and scale them to this upper limit",
    },
  },
  examples: [
    "deno task plan --max-tps 500 --min-tps 70 --upper-limit 3300",
    "deno task analyze --from recommend.json --json > analysis.json && deno task plan --from analysis.json --max-tps 500 --min-tps 70 --scale-to-instance",
  ],
};

if (import.meta.main) {
  await runScript(PLAN_SCRIPT, ({ flags, from }) => {
    const plan = planCapacity({
      maxTps: requiredNumber(flags, "max-tps", { from }),
      minTps: requiredNumber(flags, "min-tps", { from }),
      upperLimit: requiredNumber(flags, "upper-limit", { from }),
      growthFactor: numberInput(flags, "growth-factor", { from, fallback: 1.2 }),
      pricePerHour: numberInput(flags, "price-per-hour", { from }),
      scaleToInstance: flags["scale-to-instance"] === true,
    });
    for (const warning of plan.warnings ?? []) console.error(`plan: warning: ${warning}`);
    return Promise.resolve(plan);
  }, { render: (plan) => renderPlan(plan, { warnings: false }) });
}
