/**
 * One benchmark at a time: on the local backend the Default job measures this machine, so a step
 * that runs one first takes the machine-wide benchmark lock (`machine/benchmark_lock.ts`). A
 * second benchmark waits (saying who holds the lock) or, with `--no-wait`, is refused before it
 * creates anything (exit 2). On AWS the benchmark runs on AWS's instances: no lock.
 *
 * What the result records about the machine ({@linkcode MachineRecord}) is measured, not assumed:
 * whether the lock was still this step's when it released it, and the 1-minute load average when
 * it took the lock and when it released it. The rule for `quiet` is {@linkcode isQuietMachine}.
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
  /**
   * Lets the next benchmark run, and returns what the result records (read at this moment: the
   * end load average, whether the lock was held throughout). Calling it again returns the same
   * record.
   */
  release(): Promise<MachineRecord>;
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
  /**
   * Reads the machine's 1-minute load average; undefined when it cannot be read.
   * @default {readLoadAverage}
   */
  readLoad?: () => number | undefined;
  /**
   * The machine's logical cores.
   * @default {navigator.hardwareConcurrency}
   */
  cores?: number;
}

/**
 * The machine's 1-minute load average (`Deno.loadavg()`, which needs `--allow-sys=loadavg`), or
 * undefined without that permission. Windows has none: Deno reports 0 there.
 *
 * @example Usage
 * ```ts
 * import { readLoadAverage } from "./machine_lock.ts";
 * import assert from "node:assert/strict";
 * const load = readLoadAverage();
 * assert.ok(load === undefined || load >= 0);
 * ```
 */
export function readLoadAverage(): number | undefined {
  try {
    return Deno.loadavg()[0];
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      return undefined;
    }
    throw error;
  }
}

/**
 * The rule for `quiet`: the benchmark held the machine-wide lock from start to end (so no other
 * benchmark of this toolkit ran meanwhile), and the machine's 1-minute load average when it
 * started was below half its cores (so other programs were not already busy on it). The end
 * reading is recorded but not judged: it includes the benchmark's own load. An unknown load is
 * not quiet.
 *
 * @example Usage
 * ```ts
 * import { isQuietMachine } from "./machine_lock.ts";
 * import assert from "node:assert/strict";
 * const held = { lockHeldThroughout: true, cores: 4 };
 * assert.equal(isQuietMachine({ ...held, loadAverage: { start: 1.5, end: 3.9 } }), true);
 * assert.equal(isQuietMachine({ ...held, loadAverage: { start: 2, end: 0.1 } }), false);
 * ```
 */
export function isQuietMachine(
  record: Pick<MachineRecord, "lockHeldThroughout" | "loadAverage" | "cores">,
): boolean {
  const start = record.loadAverage.start;
  return record.lockHeldThroughout && start !== null && start < record.cores / 2;
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
 * const loads = [0.4, 2.5];
 * const hold = await holdMachine(cloud, "recommend", {
 *   lockDir,
 *   wait: false,
 *   cores: 2,
 *   readLoad: () => loads.shift(),
 * });
 * const record = await hold!.release();
 * assert.deepEqual(record.loadAverage, { start: 0.4, end: 2.5 });
 * assert.equal(record.lockHeldThroughout, true);
 * assert.equal(record.quiet, true); // 0.4 < 2 cores / 2
 * await Deno.remove(lockDir, { recursive: true });
 * ```
 */
export async function holdMachine(
  cloud: Pick<Cloud, "backend">,
  step: string,
  options: HoldMachineOptions = {},
): Promise<MachineHold | undefined> {
  if (cloud.backend !== "local") return undefined;
  const { readLoad = readLoadAverage, cores = navigator.hardwareConcurrency } = options;
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
  const startLoad = readLoad() ?? null;
  if (lock.waitedMs >= 1000) {
    progress(step, `the machine is free after ${Math.round(lock.waitedMs / 1000)} s`);
  }
  let record: Promise<MachineRecord> | undefined;
  const finish = async (): Promise<MachineRecord> => {
    try {
      const lockHeldThroughout = await lock.stillHeld();
      const loadAverage = { start: startLoad, end: readLoad() ?? null };
      const measured = { lockHeldThroughout, loadAverage, cores, waitedMs: lock.waitedMs };
      return { quiet: isQuietMachine(measured), ...measured };
    } finally {
      await lock.release();
    }
  };
  return { release: () => record ??= finish() };
}

/**
 * A machine record in words, for the recommendation's table.
 *
 * @example Usage
 * ```ts
 * import { describeMachine } from "./machine_lock.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeMachine({
 *     quiet: true,
 *     lockHeldThroughout: true,
 *     loadAverage: { start: 0.4, end: 2.5 },
 *     cores: 2,
 *     waitedMs: 3000,
 *   }),
 *   "quiet: no other benchmark ran meanwhile (lock held throughout); load average 0.40 at start, " +
 *     "2.50 at end, 2 cores (quiet below 1) (waited 3 s)",
 * );
 * ```
 */
export function describeMachine(record: MachineRecord): string {
  const load = (value: number | null) => value === null ? "unknown" : value.toFixed(2);
  const lock = record.lockHeldThroughout
    ? "no other benchmark ran meanwhile (lock held throughout)"
    : "the lock file was removed during the run: another benchmark may have run";
  return `${record.quiet ? "quiet" : "not quiet"}: ${lock}; load average ${
    load(record.loadAverage.start)
  } at start, ${load(record.loadAverage.end)} at end, ${record.cores} core${
    record.cores === 1 ? "" : "s"
  } (quiet below ${record.cores / 2})${
    record.waitedMs >= 1000 ? ` (waited ${Math.round(record.waitedMs / 1000)} s)` : ""
  }`;
}
