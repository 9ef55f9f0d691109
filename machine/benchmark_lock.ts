/**
 * One benchmark at a time on this machine. Two benchmarks that run together (two Default jobs, or
 * a Default job and a `bench:*` script) share the cores and measure each other; this lock makes
 * the second one wait, or refuse at once.
 *
 * The lock is a file in `/tmp` (`sagemaker-lab-benchmark.lock`; {@linkcode BENCHMARK_LOCK_DIR})
 * that names its
 * holder (`{ pid, hostname, what, since }`). It is taken with an atomic create (`O_CREAT|O_EXCL`);
 * the holder also keeps an exclusive `flock` on it, which the kernel releases when the holder
 * dies, even by `kill -9`. A lock file whose flock is free is stale when it names a pid (or has
 * been empty for more than 10 s): its holder is gone, and the next taker removes it and creates
 * its own. Only a process holding a file's flock ever removes that file, after checking that the
 * path still names that file, so a take-over never removes a newer holder's lock.
 *
 * The lock is re-entrant within one process: a step that holds it while its local Default job
 * runs, and the job itself, both take it (the job's turn is then immediate).
 *
 * @module
 */
import { join } from "node:path";
import { readOwnerJson, thisHost } from "./_owner_file.ts";
import { systemTempDir } from "./temp_dirs.ts";

/** The lock file's name in {@linkcode BENCHMARK_LOCK_DIR}. */
export const BENCHMARK_LOCK_FILE = "sagemaker-lab-benchmark.lock";

/**
 * Where the lock file lives: `/tmp`, the one folder every process of the machine shares, whatever
 * its `TMPDIR` or its permission to read it (`$TMPDIR` is per user or session, and a process
 * without `--allow-env` cannot see it: two benchmarks would take two different locks). On Windows,
 * the system temp dir.
 */
export const BENCHMARK_LOCK_DIR: string = Deno.build.os === "windows" ? systemTempDir() : "/tmp";

/** Who holds the lock, as its file says. */
export interface BenchmarkLockHolder {
  /** Process id. */
  pid: number;
  /** Host name. */
  hostname: string;
  /** What it is running, e.g. `recommend: Default job my-job`. */
  what: string;
  /** When it took the lock (ISO 8601). */
  since: string;
}

/** The lock is held by another process and the caller would not wait. */
export class BenchmarkBusyError extends Error {
  override name = "BenchmarkBusyError";
  /** Who holds it (undefined while its holder is still writing its name). */
  readonly holder: BenchmarkLockHolder | undefined;
  constructor(holder: BenchmarkLockHolder | undefined, path: string) {
    super(
      `Cannot start the benchmark: another one runs on this machine (${
        describeHolder(holder)
      }; lock ${path}): wait for it to finish, or run again without --no-wait to wait for it`,
    );
    this.holder = holder;
  }
}

/**
 * A holder in words, e.g. `process 123 (recommend: Default job j) since 2026-01-01T00:00:00.000Z`.
 *
 * @example Usage
 * ```ts
 * import { describeHolder } from "./benchmark_lock.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeHolder({ pid: 7, hostname: "h", what: "bench:serve", since: "2026-01-01T00:00:00.000Z" }),
 *   "process 7 (bench:serve) since 2026-01-01T00:00:00.000Z",
 * );
 * ```
 */
export function describeHolder(holder: BenchmarkLockHolder | undefined): string {
  if (holder === undefined) return "a process that is just taking the lock";
  return `process ${holder.pid} (${holder.what}) since ${holder.since}`;
}

/** A held lock. */
export interface BenchmarkLock {
  /** The lock file. */
  path: string;
  /** How long this call waited for another benchmark to finish, ms. */
  waitedMs: number;
  /** Whether this call took over a lock left by a process that is gone. */
  tookOver: boolean;
  /**
   * Whether this process still holds the lock: the hold is not released and the lock path still
   * names the file it locked. False only when someone removed the lock file meanwhile (then
   * another benchmark may have taken a new one).
   */
  stillHeld(): Promise<boolean>;
  /** Releases this hold (the lock is freed when the last hold in this process is released). */
  release(): Promise<void>;
}

/** Options of {@linkcode acquireBenchmarkLock}. */
export interface AcquireBenchmarkLockOptions {
  /**
   * Wait for the holder to finish; `false` throws {@linkcode BenchmarkBusyError} at once.
   * @default {true}
   */
  wait?: boolean;
  /**
   * Called once when the lock is busy and the call starts waiting (e.g. to print who holds it).
   * @default {undefined}
   */
  onWait?: (holder: BenchmarkLockHolder | undefined, path: string) => void;
  /**
   * How often to retry while waiting, ms.
   * @default {500}
   */
  pollMs?: number;
  /**
   * Folder of the lock file.
   * @default {BENCHMARK_LOCK_DIR}
   */
  dir?: string;
  /**
   * Stops waiting (the call rejects with the signal's reason).
   * @default {undefined}
   */
  signal?: AbortSignal;
}

interface Hold {
  file: Deno.FsFile;
  path: string;
  count: number;
}

/** The lock this process holds, by lock path. */
const holds = new Map<string, Hold>();
let unloadListening = false;

/** On exit (`Deno.exit` or the end of the program), removes the lock files still held. */
function releaseAllOnUnload(): void {
  for (const hold of holds.values()) {
    try {
      Deno.removeSync(hold.path);
    } catch { /* gone */ }
    try {
      hold.file.close();
    } catch { /* closed */ }
  }
  holds.clear();
}

/** Whether `path` still names the file open as `file` (same device and inode). */
async function sameFile(path: string, file: Deno.FsFile): Promise<boolean> {
  try {
    const [a, b] = await Promise.all([Deno.stat(path), file.stat()]);
    return a.ino !== null && a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

type Attempt =
  | { taken: Deno.FsFile; tookOver: boolean }
  | { busy: BenchmarkLockHolder | undefined };

async function attempt(path: string, what: string): Promise<Attempt> {
  let tookOver = false;
  for (let tries = 0; tries < 10; tries++) {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true, write: true, createNew: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      try {
        file = await Deno.open(path, { read: true, write: true });
      } catch (openError) {
        if (openError instanceof Deno.errors.NotFound) continue; // released meanwhile: try again
        throw openError;
      }
      try {
        const free = await file.tryLock(true);
        const holder = await readOwnerJson<BenchmarkLockHolder>(file);
        // Free lock with a holder named: the holder is gone (stale). Remove it and create ours.
        // Free lock and no holder: its creator is between create and lock (busy), unless that
        // was long ago (it died in between: stale).
        const stale = free &&
          (holder !== undefined ||
            Date.now() - ((await file.stat()).mtime?.getTime() ?? 0) > 10_000);
        if (stale && await sameFile(path, file)) {
          await Deno.remove(path);
          tookOver = true;
          continue;
        }
        if (!stale) return { busy: holder };
        continue; // the path names a newer file now: look again
      } finally {
        file.close();
      }
    }
    try {
      await file.lock(true);
      const holder: BenchmarkLockHolder = {
        pid: Deno.pid,
        hostname: thisHost(),
        what,
        since: new Date().toISOString(),
      };
      await file.write(new TextEncoder().encode(JSON.stringify(holder) + "\n"));
      return { taken: file, tookOver };
    } catch (error) {
      file.close();
      await Deno.remove(path).catch(() => {});
      throw error;
    }
  }
  return { busy: undefined };
}

/**
 * Takes the machine-wide benchmark lock for `what` (a few words on what runs, for the message
 * another benchmark prints while it waits). Waits while another process holds it, or throws
 * {@linkcode BenchmarkBusyError} with `wait: false`.
 *
 * @example Usage
 * ```ts
 * import { acquireBenchmarkLock } from "./benchmark_lock.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const lock = await acquireBenchmarkLock("example", { dir, wait: false });
 * const again = await acquireBenchmarkLock("the same process again", { dir, wait: false });
 * assert.equal(again.waitedMs, 0);
 * await again.release();
 * await lock.release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function acquireBenchmarkLock(
  what: string,
  options: AcquireBenchmarkLockOptions = {},
): Promise<BenchmarkLock> {
  const { wait = true, onWait, pollMs = 500, signal } = options;
  const path = join(options.dir ?? BENCHMARK_LOCK_DIR, BENCHMARK_LOCK_FILE);
  const started = performance.now();
  let hold = holds.get(path);
  let tookOver = false;
  if (hold === undefined) {
    let told = false;
    while (true) {
      signal?.throwIfAborted();
      const result = await attempt(path, what);
      if ("taken" in result) {
        hold = { file: result.taken, path, count: 0 };
        tookOver = result.tookOver;
        holds.set(path, hold);
        if (!unloadListening) {
          globalThis.addEventListener("unload", releaseAllOnUnload);
          unloadListening = true;
        }
        break;
      }
      if (!wait) throw new BenchmarkBusyError(result.busy, path);
      if (!told) {
        onWait?.(result.busy, path);
        told = true;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
  hold.count++;
  const taken = hold;
  let released = false;
  return {
    path,
    waitedMs: Math.round(performance.now() - started),
    tookOver,
    async stillHeld() {
      return !released && holds.get(path) === taken && await sameFile(path, taken.file);
    },
    async release() {
      if (released) return;
      released = true;
      if (--taken.count > 0) return;
      holds.delete(path);
      // Remove while holding the flock: nobody else removes a file whose flock is held. Only our
      // own file: if someone removed it meanwhile, the path may name a newer holder's lock.
      if (await sameFile(path, taken.file)) await Deno.remove(path).catch(() => {});
      try {
        taken.file.close();
      } catch { /* closed */ }
    },
  };
}

/**
 * Who holds the benchmark lock now, or undefined when nobody does (a stale lock counts as free).
 *
 * @example Usage
 * ```ts
 * import { benchmarkLockHolder } from "./benchmark_lock.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await benchmarkLockHolder({ dir }), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function benchmarkLockHolder(
  options: Pick<AcquireBenchmarkLockOptions, "dir"> = {},
): Promise<BenchmarkLockHolder | undefined> {
  const path = join(options.dir ?? BENCHMARK_LOCK_DIR, BENCHMARK_LOCK_FILE);
  if (holds.has(path)) return await readOwnerJson<BenchmarkLockHolder>(holds.get(path)!.file);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true });
  } catch {
    return undefined;
  }
  try {
    const free = await file.tryLock(true);
    return free ? undefined : await readOwnerJson<BenchmarkLockHolder>(file);
  } finally {
    file.close();
  }
}

/**
 * The lock as the local Default job takes it: waits (saying on stderr who holds it) until the
 * machine is free, or resolves undefined when `signal` aborts first (the job was stopped).
 *
 * @example Usage
 * ```ts
 * import { holdMachineForBenchmark } from "./benchmark_lock.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const lock = await holdMachineForBenchmark("job-1", new AbortController().signal, { dir });
 * assert.ok(lock);
 * await lock.release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function holdMachineForBenchmark(
  jobName: string,
  signal: AbortSignal,
  options: Pick<AcquireBenchmarkLockOptions, "dir"> = {},
): Promise<BenchmarkLock | undefined> {
  try {
    return await acquireBenchmarkLock(`Default job ${jobName}`, {
      signal,
      dir: options.dir,
      onWait: (holder, path) =>
        console.error(
          `recommend: the benchmark of ${jobName} waits: another benchmark runs on this machine (${
            describeHolder(holder)
          }; lock ${path})`,
        ),
    });
  } catch (error) {
    if (signal.aborted) return undefined;
    throw error;
  }
}
