/**
 * How the toolkit starts its child processes (model servers, load generators, test runners) so
 * that they never outlive it and never talk to the internet behind its back:
 *
 * - every Deno child gets `DENO_NO_UPDATE_CHECK=1` (Deno's update check otherwise resolves a
 *   public host during long runs) — {@linkcode denoChildEnv};
 * - a long-lived child is started through util-linux's `setpriv --pdeathsig KILL`, which sets
 *   `prctl(PR_SET_PDEATHSIG, SIGKILL)` in the child before it executes the program: the kernel
 *   kills the child the moment the process that spawned it dies, even by `kill -9`, when no
 *   `finally` or signal handler runs — {@linkcode tiedToParent}. The setting survives `exec`, so
 *   `setpriv --pdeathsig KILL -- taskset -c 1 deno run …` ties the server itself. Deno spawns
 *   from the thread that calls `spawn()` (its JavaScript thread, which lives as long as the
 *   process), so the signal comes when the process ends, not when some helper thread does.
 *
 * Without setpriv (not Linux, or util-linux missing) the child is started as is and
 * {@linkcode tiedToParent} says so in `tied: false`; the callers still stop their children on
 * every normal exit.
 *
 * @module
 */

/** The environment every Deno child process gets on top of the parent's. */
export const DENO_CHILD_ENV: Readonly<Record<string, string>> = Object.freeze({
  DENO_NO_UPDATE_CHECK: "1",
});

/**
 * The `env` option for a Deno child process: `DENO_NO_UPDATE_CHECK=1` plus `extra` (the parent's
 * environment is inherited as usual).
 *
 * @example Usage
 * ```ts
 * import { denoChildEnv } from "./children.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(denoChildEnv({ NO_COLOR: "1" }), { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" });
 * ```
 */
export function denoChildEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...DENO_CHILD_ENV, ...extra };
}

let setprivPath: string | null | undefined;

/**
 * Where `setpriv` (util-linux) is, or `null` when this machine has none; looked up once.
 *
 * @example Usage
 * ```ts
 * import { findSetpriv } from "./children.ts";
 * const setpriv = await findSetpriv();
 * console.log(setpriv ?? "no setpriv: children are not tied to their parent");
 * ```
 */
export async function findSetpriv(): Promise<string | null> {
  if (setprivPath !== undefined) return setprivPath;
  if (Deno.build.os === "linux") {
    for (const candidate of ["/usr/bin/setpriv", "/bin/setpriv"]) {
      // Asked first, so that a narrow --allow-read never turns into a permission prompt.
      if (Deno.permissions.querySync({ name: "read", path: candidate }).state !== "granted") {
        continue;
      }
      try {
        if (!(await Deno.stat(candidate)).isFile) continue;
      } catch {
        continue; // not here
      }
      if (Deno.permissions.querySync({ name: "run", command: candidate }).state !== "granted") {
        console.warn(
          `${candidate} may not be run (--allow-run): child processes are not tied to this one and could outlive a kill -9; add ${candidate} to --allow-run`,
        );
        break;
      }
      return (setprivPath = candidate);
    }
  }
  return (setprivPath = null);
}

/** A command line to spawn, and whether the kernel ends it with its parent. */
export interface TiedCommand {
  /** The program to run (`setpriv` when tied). */
  command: string;
  /** Its arguments. */
  args: string[];
  /** Whether the child is killed when the spawning process dies. */
  tied: boolean;
}

/**
 * The command line that runs `command args…` as a child that the kernel kills (SIGKILL) when
 * this process dies, however it dies: `setpriv --pdeathsig KILL -- command args…`. Without
 * setpriv it is `command args…` unchanged, with `tied: false`.
 *
 * @example Usage
 * ```ts
 * import { tiedToParent } from "./children.ts";
 * import assert from "node:assert/strict";
 * const { command, args } = await tiedToParent("true", []);
 * const { success } = await new Deno.Command(command, { args }).output();
 * assert.ok(success);
 * ```
 */
export async function tiedToParent(command: string, args: readonly string[]): Promise<TiedCommand> {
  const setpriv = await findSetpriv();
  if (setpriv === null) return { command, args: [...args], tied: false };
  return { command: setpriv, args: ["--pdeathsig", "KILL", "--", command, ...args], tied: true };
}
