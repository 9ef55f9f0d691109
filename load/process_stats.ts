/**
 * CPU and memory of target processes, read from `/proc` (Linux): CPU % summed over cores, the
 * scale of CloudWatch's `CPUUtilization` for an instance (0–100 × vCPUs), and resident memory.
 * The files are read through libc ({@linkcode readProcFile}), which needs `--allow-ffi`: Deno's
 * own file API reads `/proc` only with `--allow-all`.
 *
 * @module
 */

import { procUnavailableReason, readProcFile } from "./proc_file.ts";

/**
 * Clock ticks per second of `/proc/<pid>/stat` times. Linux fixes `USER_HZ` at 100 on every
 * architecture Deno runs on.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time and memory of one process at one instant. */
export interface ProcessReading {
  /** User + system CPU time, clock ticks. */
  cpuTicks: number;
  /** Resident set size, bytes. */
  rssBytes: number;
}

/**
 * Parses `/proc/<pid>/stat` and returns user + system CPU ticks (fields 14 and 15). The command
 * name (field 2) may hold spaces and parentheses, so fields are counted after its last `)`.
 *
 * @example Usage
 * ```ts
 * import { parseProcStatTicks } from "./process_stats.ts";
 * import assert from "node:assert/strict";
 * const line = "4242 (deno (main)) S 1 4242 4242 0 -1 4194560 9 0 0 0 150 25 0 0 20 0 8 0 100 1000 300";
 * assert.equal(parseProcStatTicks(line), 175);
 * ```
 */
export function parseProcStatTicks(stat: string): number {
  const close = stat.lastIndexOf(")");
  if (close < 0) throw new TypeError("Unexpected /proc/<pid>/stat format: no command name");
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new TypeError("Unexpected /proc/<pid>/stat format: no utime/stime");
  }
  return utime + stime;
}

/**
 * Parses `VmRSS` from `/proc/<pid>/status` into bytes (0 when absent, e.g. for a zombie).
 *
 * @example Usage
 * ```ts
 * import { parseVmRssBytes } from "./process_stats.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseVmRssBytes("Name:\tdeno\nVmRSS:\t   2048 kB\n"), 2048 * 1024);
 * ```
 */
export function parseVmRssBytes(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * Parses `MemTotal` from `/proc/meminfo` into bytes (0 when absent).
 *
 * @example Usage
 * ```ts
 * import { parseMemTotalBytes } from "./process_stats.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseMemTotalBytes("MemTotal:       1000 kB\nMemFree: 5 kB\n"), 1024000);
 * ```
 */
export function parseMemTotalBytes(meminfo: string): number {
  const m = /^MemTotal:\s+(\d+)\s+kB/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Two readings of a process's CPU time, in clock ticks. */
export interface TickReadings {
  /** CPU ticks at the first reading. */
  before: number;
  /** CPU ticks at the second reading. */
  after: number;
}

/**
 * CPU % (summed over cores) between two readings `elapsedMs` apart.
 *
 * @example Usage
 * ```ts
 * import { cpuPercentBetween } from "./process_stats.ts";
 * import assert from "node:assert/strict";
 * // 150 ticks (1.5 s of CPU) in 1 s of wall time: one and a half cores busy.
 * assert.equal(cpuPercentBetween({ before: 1000, after: 1150 }, 1000), 150);
 * ```
 *
 * @param ticks The CPU ticks at both readings.
 * @param elapsedMs Wall time between the readings.
 */
export function cpuPercentBetween(ticks: TickReadings, elapsedMs: number): number {
  if (!(elapsedMs > 0)) return NaN;
  return ((ticks.after - ticks.before) / CLOCK_TICKS_PER_SECOND) / (elapsedMs / 1000) * 100;
}

/**
 * `/proc/<pid>` cannot be read here: FFI is not allowed (`--allow-ffi`), or this is not Linux.
 *
 * @example Usage
 * ```ts
 * import { ProcessAccessError } from "./process_stats.ts";
 * import assert from "node:assert/strict";
 * const error = new ProcessAccessError(42, "it needs --allow-ffi (or --allow-all)");
 * assert.match(error.message, /^Cannot sample process 42: reading \/proc\/42 goes through libc/);
 * assert.match(error.message, /--allow-ffi/);
 * ```
 */
export class ProcessAccessError extends Error {
  /** Creates the error for a process id and the reason libc cannot be called. */
  constructor(pid: number, reason: string, options?: ErrorOptions) {
    super(
      `Cannot sample process ${pid}: reading /proc/${pid} goes through libc (Deno's file API reads /proc only with --allow-all) and ${reason}; fix that or drop --pid`,
      options,
    );
    this.name = "ProcessAccessError";
  }
}

/**
 * Reads one process's CPU ticks and RSS now; `null` when it is gone. Throws a
 * {@linkcode ProcessAccessError} when `/proc` cannot be read here (no `--allow-ffi`).
 *
 * @example Usage
 * ```ts
 * import { readProcess } from "./process_stats.ts";
 * import assert from "node:assert/strict";
 * assert.ok(readProcess(Deno.pid)!.rssBytes > 0);
 * assert.equal(readProcess(2 ** 30), null);
 * ```
 */
export function readProcess(pid: number): ProcessReading | null {
  const why = procUnavailableReason();
  if (why !== null) throw new ProcessAccessError(pid, why);
  const stat = readProcFile(`/proc/${pid}/stat`);
  const status = stat === null ? null : readProcFile(`/proc/${pid}/status`);
  if (stat === null || status === null) return null;
  return { cpuTicks: parseProcStatTicks(stat), rssBytes: parseVmRssBytes(status) };
}

/** CPU and memory of the sampled processes over one sampling period. */
export interface ProcessSample {
  /** CPU % summed over cores and over processes, since the previous sample. */
  cpuPercent: number;
  /** Resident memory summed over processes, bytes. */
  rssBytes: number;
  /** `rssBytes` as a % of this machine's memory. */
  memoryPercent: number;
  /** How many of the processes could be read. */
  processes: number;
}

/**
 * Samples the CPU and memory of several processes (summed), e.g. a model server and its workers.
 * Each `sample()` reports the CPU used since the previous one.
 *
 * @example Usage
 * ```ts
 * import { ProcessSampler } from "./process_stats.ts";
 * import assert from "node:assert/strict";
 * const sampler = new ProcessSampler([Deno.pid]);
 * let x = 0;
 * for (let i = 0; i < 5e6; i++) x += i;
 * const s = sampler.sample();
 * assert.ok(s !== null && s.rssBytes > 0 && s.cpuPercent >= 0 && x > 0);
 * ```
 */
export class ProcessSampler {
  readonly #pids: number[];
  readonly #memTotal: number;
  #ticks = new Map<number, number>();
  #at: number;

  /**
   * Starts sampling the given process ids (the first reading is taken now). Throws a RangeError
   * for an id with no running process, and a {@linkcode ProcessAccessError} without `--allow-ffi`.
   */
  constructor(pids: number[]) {
    for (const pid of pids) {
      if (!Number.isInteger(pid) || pid <= 0) {
        throw new RangeError(
          `Invalid process id ${JSON.stringify(pid)}: give a positive whole number`,
        );
      }
    }
    this.#pids = [...pids];
    this.#at = performance.now();
    for (const pid of this.#pids) {
      const r = readProcess(pid);
      if (!r) throw new RangeError(`Cannot sample process ${pid}: no such process is running`);
      this.#ticks.set(pid, r.cpuTicks);
    }
    // Readable when the processes were; without MemTotal, memoryPercent stays NaN.
    this.#memTotal = this.#pids.length > 0
      ? parseMemTotalBytes(readProcFile("/proc/meminfo") ?? "")
      : 0;
  }

  /** The process ids sampled. */
  get pids(): readonly number[] {
    return this.#pids;
  }

  /** CPU since the last sample and memory now; `null` when no process could be read. */
  sample(): ProcessSample | null {
    const now = performance.now();
    const elapsed = now - this.#at;
    this.#at = now;
    let ticks = 0;
    let rss = 0;
    let readable = 0;
    for (const pid of this.#pids) {
      const r = readProcess(pid);
      if (!r) continue;
      readable++;
      const before = this.#ticks.get(pid);
      if (before !== undefined) ticks += r.cpuTicks - before;
      this.#ticks.set(pid, r.cpuTicks);
      rss += r.rssBytes;
    }
    if (readable === 0) return null;
    return {
      cpuPercent: cpuPercentBetween({ before: 0, after: ticks }, elapsed),
      rssBytes: rss,
      memoryPercent: this.#memTotal > 0 ? (rss / this.#memTotal) * 100 : NaN,
      processes: readable,
    };
  }
}
