/**
 * Polling on the backend's clock: on AWS it waits in real time, on the local backend each sleep
 * advances simulated time (and runs what falls due), so the code path is one.
 *
 * @module
 */
import type { Clock } from "../cloud/types.ts";
import { progressNote } from "../progress/mod.ts";

/** Options of {@linkcode pollUntil}. */
export interface PollOptions<T> {
  /**
   * Milliseconds between polls.
   * @default {30000}
   */
  intervalMs?: number;
  /**
   * Give up after this many milliseconds of the backend's clock.
   * @default {7200000}
   */
  timeoutMs?: number;
  /** What is being waited for, for the timeout message (e.g. `job "j1" to complete`). */
  what: string;
  /** Whether a polled value ends the wait. */
  done: (value: T) => boolean;
  /** Called after each poll (progress on stderr). */
  onPoll?: (value: T, elapsedMs: number) => void;
}

/** Thrown when {@linkcode pollUntil} runs out of time. */
export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    this.name = "WaitTimeoutError";
  }
}

/**
 * Calls `poll` until `options.done(value)` is true, sleeping on `clock` in between.
 *
 * @example Usage
 * ```ts
 * import { pollUntil } from "./wait.ts";
 * import assert from "node:assert/strict";
 * let t = 0;
 * const clock = { now: () => new Date(t), sleep: (ms: number) => { t += ms; return Promise.resolve(); } };
 * const value = await pollUntil(clock, () => Promise.resolve(t), { done: (v) => v >= 90_000, what: "t", intervalMs: 30_000 });
 * assert.equal(value, 90_000);
 * ```
 */
export async function pollUntil<T>(
  clock: Clock,
  poll: () => Promise<T>,
  options: PollOptions<T>,
): Promise<T> {
  const intervalMs = options.intervalMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 7_200_000;
  const start = clock.now().getTime();
  for (;;) {
    const value = await poll();
    const elapsed = clock.now().getTime() - start;
    options.onPoll?.(value, elapsed);
    if (options.done(value)) return value;
    if (elapsed >= timeoutMs) throw new WaitTimeoutError(options.what, timeoutMs);
    await clock.sleep(intervalMs);
  }
}

/**
 * A one-off progress message of a step (never into `--json` output): a line on stderr, kept above
 * the updating line on a terminal, the latest note of the display in a notebook, nothing with
 * `--quiet` (see `progress/mod.ts`).
 */
export function progress(step: string, message: string): void {
  progressNote(step, message);
}
