/**
 * One benchmark at a time: on the local backend the Default job measures this machine, so a step
 * that runs one first takes the machine-wide benchmark lock (`machine/benchmark_lock.ts`). A
 * second benchmark waits (saying who holds the lock) or, with `--no-wait`, is refused before it
 * creates anything (exit 2). On AWS the benchmark runs on AWS's instances: no lock.
 *
 * @module
 */
import type { Cloud } from "../cloud/types.ts";
import {
  acquireBenchmarkLock,
  BenchmarkBusyError,
  type BenchmarkLock,
  describeHolder,
} from "../machine/benchmark_lock.ts";
import { InputError } from "./errors.ts";
import type { MachineRecord } from "./types.ts";
import { progress } from "./wait.ts";

/** A held machine, or nothing to hold (AWS). */
export interface MachineHold {
  /** What the result records. */
  record: MachineRecord;
  /** Lets the next benchmark run. */
  release(): Promise<void>;
}

/** Options of {@linkcode holdMachine}. */
export interface HoldMachineOptions {
  /**
   * Wait for another benchmark to finish; `false` refuses at once with an {@linkcode InputError}.
   * @default {true}
   */
  wait?: boolean;
  /** Folder of the lock file (tests). @default {the system temp dir} */
  lockDir?: string;
}

/**
 * Takes the machine for the local benchmark of `step` (undefined on AWS, where nothing runs here).
 *
 * @example Usage
 * ```ts
 * import { holdMachine } from "./machine_lock.ts";
 * import assert from "node:assert/strict";
 * const lockDir = await Deno.makeTempDir();
 * const cloud = { backend: "local" } as Parameters<typeof holdMachine>[0];
 * const hold = await holdMachine(cloud, "recommend", { lockDir, wait: false });
 * assert.equal(hold?.record.quiet, true);
 * await hold?.release();
 * await Deno.remove(lockDir, { recursive: true });
 * ```
 */
export async function holdMachine(
  cloud: Pick<Cloud, "backend">,
  step: string,
  options: HoldMachineOptions = {},
): Promise<MachineHold | undefined> {
  if (cloud.backend !== "local") return undefined;
  let lock: BenchmarkLock;
  try {
    lock = await acquireBenchmarkLock(step, {
      wait: options.wait ?? true,
      dir: options.lockDir,
      onWait: (holder, path) =>
        progress(
          step,
          `waiting: another benchmark runs on this machine (${
            describeHolder(holder)
          }; lock ${path}); it would skew this one. Pass --no-wait to refuse instead`,
        ),
    });
  } catch (error) {
    if (error instanceof BenchmarkBusyError) throw new InputError(`${step}: ${error.message}`);
    throw error;
  }
  if (lock.waitedMs >= 1000) {
    progress(step, `the machine is free after ${Math.round(lock.waitedMs / 1000)} s`);
  }
  return { record: { quiet: true, waitedMs: lock.waitedMs }, release: () => lock.release() };
}
