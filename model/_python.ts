/**
 * Test helper: runs a snippet under Debian's `/usr/bin/python3` (where python3-xgboost lives).
 * Returns `null` when that Python or a module is missing and `CI` is unset (the caller skips,
 * printing what to install); with `CI` set a missing tool is an error, never a skip.
 *
 * @module
 */

/** Path of Debian's Python, which has the python3-* packages the checks need. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

/**
 * Runs `code` with `stdin` as its standard input and returns its standard output, or `null`
 * (outside CI) when Debian's Python or one of `modules` is not installed.
 *
 * @example Usage
 * ```ts
 * import { runPython } from "./_python.ts";
 * import assert from "node:assert/strict";
 * const out = await runPython("import sys; print(sys.stdin.read().upper())", "ok");
 * if (out !== null) assert.equal(out.trim(), "OK");
 * ```
 */
export async function runPython(
  code: string,
  stdin = "",
  modules: string[] = [],
): Promise<string | null> {
  const probe = modules.map((m) => `import ${m}`).join("; ") || "pass";
  let available = false;
  try {
    available = (await new Deno.Command(DEBIAN_PYTHON, {
      args: ["-c", probe],
      stdout: "null",
      stderr: "null",
    }).output()).success;
  } catch {
    available = false;
  }
  if (!available) {
    const what = `${DEBIAN_PYTHON} with ${modules.join(", ") || "python3"}`;
    if (Deno.env.get("CI")) throw new Error(`Cannot run the check: ${what} is not installed`);
    console.warn(
      `skipped: ${what} is missing; install with: apt-get install python3 ${
        modules.map((m) => `python3-${m}`).join(" ")
      }`,
    );
    return null;
  }
  const child = new Deno.Command(DEBIAN_PYTHON, {
    args: ["-c", code],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`Python check failed (exit ${out.code}): ${stderr.trim()}`);
  return new TextDecoder().decode(out.stdout);
}
