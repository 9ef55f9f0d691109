/**
 * Interrupting a run: once a signal arrives, every further call a step makes (a command or a
 * sleep on the backend's clock) fails with {@linkcode InterruptedError}, so the step stops where
 * it is and the script runner can delete what the run created.
 *
 * @module
 */
import type { Cloud } from "../cloud/types.ts";
import { wrapSenders } from "../cloud/wrap.ts";

/** Thrown by every call of an interrupted run. */
export class InterruptedError extends Error {
  /** The signal that interrupted the run. */
  readonly signal: string;
  constructor(signal: string) {
    super(`Interrupted by ${signal}`);
    this.name = "InterruptedError";
    this.signal = signal;
  }
}

/**
 * Whether an error is, or was caused by, an {@linkcode InterruptedError}.
 *
 * @example Usage
 * ```ts
 * import { InterruptedError, isInterruption } from "./interrupt.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isInterruption(new Error("scale: failed", { cause: new InterruptedError("SIGINT") })));
 * assert.ok(!isInterruption(new Error("scale: failed")));
 * ```
 */
export function isInterruption(error: unknown): boolean {
  let e = error;
  for (let depth = 0; e instanceof Error && depth < 10; depth++) {
    if (e instanceof InterruptedError) return true;
    e = e.cause;
  }
  return false;
}

/**
 * A cloud whose commands and sleeps fail with {@linkcode InterruptedError} once `signal()`
 * names a signal (checked before each call and after each sleep).
 *
 * @example Usage
 * ```ts
 * import { interruptibleCloud, InterruptedError } from "./interrupt.ts";
 * import assert from "node:assert/strict";
 * let signal: string | undefined;
 * const base = { sagemaker: { send: () => Promise.resolve({}) }, clock: { now: () => new Date(), sleep: () => Promise.resolve() } };
 * const cloud = interruptibleCloud(base as never, () => signal);
 * await cloud.sagemaker.send({} as never);
 * signal = "SIGINT";
 * await assert.rejects(cloud.sagemaker.send({} as never), InterruptedError);
 * await assert.rejects(cloud.clock.sleep(1), InterruptedError);
 * ```
 */
export function interruptibleCloud(cloud: Cloud, signal: () => string | undefined): Cloud {
  const check = () => {
    const s = signal();
    if (s !== undefined) throw new InterruptedError(s);
  };
  return {
    ...wrapSenders(cloud, (_service, send) => async (command) => {
      check();
      return await send(command);
    }),
    clock: {
      now: () => cloud.clock.now(),
      async sleep(ms: number) {
        check();
        await cloud.clock.sleep(ms);
        check();
      },
    },
  };
}
