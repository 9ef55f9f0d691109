/**
 * Error classes of the steps: each names a kind of failure; scripts map them to exit codes.
 *
 * @module
 */

/**
 * A mistake in what the user asked for (a flag, a number, a missing input). Scripts print its
 * message on one line and exit 2.
 *
 * @example Usage
 * ```ts
 * import { InputError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new InputError("Cannot plan capacity: min TPS (90) is above max TPS (70)");
 * assert.equal(e.name, "InputError");
 * ```
 */
export class InputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InputError";
  }
}

/**
 * A step that failed while working (a job FAILED, an endpoint went Failed...). The message says
 * what broke; `step` names the step.
 *
 * @example Usage
 * ```ts
 * import { StepError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new StepError("recommend", "Inference Recommender job \"j\" FAILED: server died");
 * assert.match(e.message, /^recommend: /);
 * ```
 */
export class StepError extends Error {
  /** The step that failed, e.g. `recommend`. */
  readonly step: string;
  constructor(step: string, message: string, options?: ErrorOptions) {
    super(message.startsWith(`${step}: `) ? message : `${step}: ${message}`, options);
    this.name = "StepError";
    this.step = step;
  }
}
