/**
 * Starts the load generator (`load/cli.ts`) as a child process that ends with its parent: tied
 * with a parent-death signal (`machine/children.ts`), with `DENO_NO_UPDATE_CHECK=1`, optionally
 * pinned to CPUs with taskset.
 *
 * @module
 */
import { denoChildEnv, tiedToParent } from "../machine/children.ts";

/** Options of {@linkcode spawnLoadGenerator}. */
export interface SpawnLoadGeneratorOptions {
  /**
   * The Deno to run (a path, or `deno` when only that name may be run).
   * @default {Deno.execPath()}
   */
  deno?: string;
  /**
   * `taskset` to pin the load generator with, or undefined to leave it unpinned.
   * @default {undefined}
   */
  taskset?: string;
  /**
   * The CPU list for taskset.
   * @default {"0"}
   */
  cpus?: string;
}

/**
 * Spawns `deno <denoArgs…>` (the caller's `run … load/cli.ts …` arguments) with piped stdout and
 * stderr; the child is killed by the kernel if this process dies.
 *
 * @example Usage
 * ```ts
 * import { spawnLoadGenerator } from "./spawn_load.ts";
 * import assert from "node:assert/strict";
 * const child = await spawnLoadGenerator([
 *   "eval",
 *   "console.log(Deno.env.get('DENO_NO_UPDATE_CHECK'))",
 * ]);
 * const out = await child.output();
 * assert.equal(new TextDecoder().decode(out.stdout).trim(), "1");
 * ```
 */
export async function spawnLoadGenerator(
  denoArgs: readonly string[],
  options: SpawnLoadGeneratorOptions = {},
): Promise<Deno.ChildProcess> {
  const { deno = Deno.execPath(), taskset, cpus = "0" } = options;
  const argv = taskset === undefined
    ? [deno, ...denoArgs]
    : [taskset, "-c", cpus, deno, ...denoArgs];
  const tied = await tiedToParent(argv[0], argv.slice(1));
  return new Deno.Command(tied.command, {
    args: tied.args,
    env: denoChildEnv(),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}
