// Shared by tests: runs one of the repository's task scripts as `deno run --allow-all` in a
// child process on the local backend (no color, no update check, no stdin) and returns what a
// user would see: the exit code, stdout and the stderr lines.
const root = new URL("../../", import.meta.url);

/** What a script run printed. */
export interface ScriptRun {
  code: number;
  stdout: string;
  /**
   * Non-empty stderr lines. A Node deprecation warning that an npm dependency of a script's
   * module graph may print (asynchronously, so only when the script awaits before it exits) is
   * not the answer and is left out.
   */
  lines: string[];
}

/** Runs `script` (a path from the repository's root) with `args` in `cwd`. */
export async function runTaskScript(
  script: string,
  run: { args: string[]; cwd: string },
): Promise<ScriptRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL(script, root).pathname, ...run.args],
    cwd: run.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", SCALING_BACKEND: "local" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    lines: stderr.split("\n").filter((l) => l !== "" && !/^\(node:\d+\) \[DEP\d+\]/.test(l)),
  };
}
