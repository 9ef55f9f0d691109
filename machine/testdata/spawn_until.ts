/**
 * Test support: starts a Deno child (with `DENO_NO_UPDATE_CHECK=1`) and waits until its stdout
 * contains a marker, for tests that need a second process holding something (a lock, a folder,
 * children of its own).
 *
 * @module
 */
import { denoChildEnv } from "../children.ts";

/** A running child and what it printed up to the marker. */
export interface StartedChild {
  child: Deno.ChildProcess;
  /** Its stdout up to and including the chunk that held the marker. */
  stdout: string;
}

/**
 * Runs `deno <args…>` with piped stdin and stdout and resolves once its stdout contains `marker`
 * (rejects when it exits first); the rest of its stdout is discarded.
 *
 * @example Usage
 * ```ts
 * import { spawnDenoUntil } from "./spawn_until.ts";
 * import assert from "node:assert/strict";
 * const { child, stdout } = await spawnDenoUntil(["eval", "console.log('ready')"], "ready");
 * assert.match(stdout, /ready/);
 * await child.stdin.close();
 * await child.status;
 * ```
 */
export async function spawnDenoUntil(
  args: readonly string[],
  marker: string,
): Promise<StartedChild> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...args],
    env: denoChildEnv(),
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  while (!stdout.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) {
      throw new Error(
        `deno ${args[0]} exited (${
          (await child.status).code
        }) before printing "${marker}": ${stdout}`,
      );
    }
    stdout += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  return { child, stdout };
}
