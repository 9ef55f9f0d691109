/**
 * The `--out DIR` of the scripts that write files: checked (created, written to once) before the
 * step starts, so that a folder it cannot write fails in a second with its path, not at the end.
 *
 * @module
 */
import { InputError } from "./errors.ts";

/**
 * Creates `dir` when missing and proves it writable with a temporary file; any failure is an
 * {@linkcode InputError} that names the path and the reason.
 *
 * @example Usage
 * ```ts
 * import { ensureWritableDir } from "./out_dir.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await ensureWritableDir(`${dir}/charts`, "--out");
 * await Deno.writeTextFile(`${dir}/file`, "");
 * await assert.rejects(() => ensureWritableDir(`${dir}/file`, "--out"), /^InputError: Cannot write to --out ".*\/file": /);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ensureWritableDir(dir: string, flag: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    const probe = await Deno.makeTempFile({ dir, prefix: ".write-check-" });
    await Deno.remove(probe);
  } catch (error) {
    throw new InputError(
      `Cannot write to ${flag} "${dir}": ${reasonOf(error)}; give a folder you can write`,
    );
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotCapable) {
    return "this task's permissions do not allow writing there";
  }
  if (error instanceof Deno.errors.AlreadyExists || error instanceof Deno.errors.NotADirectory) {
    return "a file (not a folder) is in the way";
  }
  return (error as Error).message;
}
