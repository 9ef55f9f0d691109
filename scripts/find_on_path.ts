/**
 * Where a program is on PATH, as a shell would find it.
 *
 * @module
 */
import { delimiter, join } from "node:path";

/**
 * The first executable file named `program` in the folders of PATH, or undefined.
 *
 * @param program A program's file name, e.g. `npx`.
 * @returns Its path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findOnPath } from "./find_on_path.ts";
 *
 * assert.match(findOnPath("sh") ?? "", /\/sh$/);
 * assert.equal(findOnPath("surely-no-such-program"), undefined);
 * ```
 */
export function findOnPath(program: string): string | undefined {
  for (const folder of (Deno.env.get("PATH") ?? "").split(delimiter)) {
    if (!folder) continue;
    try {
      const info = Deno.statSync(join(folder, program));
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return join(folder, program);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}
