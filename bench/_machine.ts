/**
 * Every `bench:*` script measures this machine, so it takes the machine-wide benchmark lock
 * (`machine/benchmark_lock.ts`) first: it waits while a Default job or another benchmark runs
 * (saying who), or with `--no-wait` exits 2 with one line. Its last output line then says that
 * the machine was quiet.
 *
 * @module
 */
import { join } from "node:path";
import {
  acquireBenchmarkLock,
  BENCHMARK_LOCK_DIR,
  BENCHMARK_LOCK_FILE,
  BenchmarkBusyError,
  describeHolder,
} from "../machine/benchmark_lock.ts";

/** The machine, held for one benchmark script. */
export interface BenchMachine {
  /** The line the benchmark ends with, e.g. `machine: quiet (no other benchmark ran; waited 0 s)`. */
  line(): string;
  /** Lets the next benchmark run (also done on exit). */
  release(): Promise<void>;
}

/**
 * Takes the machine for benchmark `name` (e.g. `bench:serve`); honours `--no-wait` in `args`.
 * Exits 2 when the machine is busy and the caller would not wait, or when the script lacks the
 * permission to the lock file (it says which flags to add).
 *
 * @example Usage
 * ```ts ignore
 * const machine = await holdBenchMachine("bench:train", Deno.args);
 * // ... measure ...
 * console.log(machine.line());
 * ```
 */
export async function holdBenchMachine(
  name: string,
  args: readonly string[],
): Promise<BenchMachine> {
  const dir = BENCHMARK_LOCK_DIR;
  const path = join(dir, BENCHMARK_LOCK_FILE);
  for (const permission of ["read", "write"] as const) {
    if (Deno.permissions.querySync({ name: permission, path }).state !== "granted") {
      console.error(
        `${name}: cannot take the machine's benchmark lock ${path}: run with --allow-${permission}=${dir}`,
      );
      Deno.exit(2);
    }
  }
  try {
    const lock = await acquireBenchmarkLock(name, {
      wait: !args.includes("--no-wait"),
      onWait: (holder) =>
        console.error(
          `${name}: waiting: another benchmark runs on this machine (${
            describeHolder(holder)
          }; lock ${path}); pass --no-wait to refuse instead`,
        ),
    });
    return {
      line: () =>
        `machine: quiet (no other benchmark of this toolkit ran meanwhile; waited ${
          Math.round(lock.waitedMs / 1000)
        } s for the lock)`,
      release: () => lock.release(),
    };
  } catch (error) {
    if (!(error instanceof BenchmarkBusyError)) throw error;
    console.error(`${name}: ${error.message}`);
    Deno.exit(2);
  }
}
