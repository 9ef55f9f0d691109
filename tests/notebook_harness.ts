/**
 * Runs a notebook headless under the real Deno Jupyter kernel through `tests/notebook_driver.py`
 * (with a Python that has jupyter_client, see {@linkcode findNotebookPython}) and returns its
 * per-cell report, so tests can assert on specific outputs — e.g. that a chart cell produced both
 * `application/vnd.vegalite.v5+json` and `image/svg+xml`.
 *
 * Import it from here (not from `notebook_test.ts`, which would register that file's tests again).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { denoChildEnv } from "../machine/children.ts";
import { findProgram } from "../scripts/packages.ts";

/** Debian's Python: it has jupyter_client and nbformat once the Debian packages are installed. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

/** What to install when the notebook tools are missing. */
export const NOTEBOOK_TOOLS_HINT = "install them with `python3 -m pip install jupyter_client " +
  "nbformat nbconvert` (macOS, Linux), or on Debian `apt-get install -y jupyter-nbconvert " +
  "python3-nbclient`, or pass --python PATH";

const TESTS_DIR = dirname(fileURLToPath(import.meta.url));

/** The repository root (the folder holding `deno.json`). */
export const REPO_ROOT: string = dirname(TESTS_DIR);

/** The driver script. */
export const NOTEBOOK_DRIVER: string = join(TESTS_DIR, "notebook_driver.py");

/** One output of a cell, as the driver reports it. */
export interface NotebookOutput {
  /** Jupyter output type. */
  output_type: "stream" | "display_data" | "execute_result" | "error";
  /**
   * True when the kernel published it more than 0.1 s after the cell's execute_reply (a timer or
   * an unawaited promise; kept anyway). Never true for an `execute_result`.
   */
  late: boolean;
  /** Stream name (`stdout`, `stderr`) for streams. */
  name?: string;
  /** Stream text, or the `text/plain` of a display or result (clipped at 4,000 characters). */
  text?: string;
  /** MIME types of a display or result, sorted. */
  mime_types?: string[];
  /** Full MIME data, with `includeData`. */
  data?: Record<string, unknown>;
  /** Error name, for errors. */
  ename?: string;
  /** Error message, for errors. */
  evalue?: string;
  /** Error traceback joined by newlines, for errors. */
  traceback?: string;
}

/** One code cell of the report. */
export interface NotebookCellReport {
  /** Position of the cell in the notebook (markdown cells count). */
  index: number;
  /** The kernel's execution count. */
  execution_count: number | null;
  /** First line of the source (100 characters at most). */
  source_head: string;
  /** How the cell ended; `not_run` after an earlier failure. */
  status: "ok" | "error" | "timeout" | "not_run";
  /** Seconds from the request to the end of its quiet window. */
  duration_s: number | null;
  /** Its outputs, in order. */
  outputs: NotebookOutput[];
}

/** The driver's report on one notebook. */
export interface NotebookReport {
  /** Absolute path of the notebook. */
  notebook: string;
  /** Kernel name, argv, language and process id. */
  kernel: { name?: string; argv?: string[]; language?: string; pid?: number | null };
  /** True when no cell had an error output or timed out. */
  ok: boolean;
  /** The first failure. */
  failure: { kind: string; cell: number | null; message: string } | null;
  /** Seconds spent: install_s, startup_s, cells_s, shutdown_s, total_s. */
  timings: Record<string, number>;
  /** The code cells. */
  cells: NotebookCellReport[];
}

/** The report plus how the driver ended. */
export interface NotebookRun extends NotebookReport {
  /** The driver's exit code: 0 ok, 1 error output / timeout / dead kernel. */
  exitCode: number;
  /** What the driver printed on stderr. */
  stderr: string;
}

/** Options for {@linkcode runNotebook}. */
export interface RunNotebookOptions {
  /**
   * Seconds one cell may run.
   *
   * @default {300}
   */
  cellTimeoutSeconds?: number;
  /**
   * Seconds of IOPub quiet that end a cell's outputs.
   *
   * @default {1}
   */
  quietSeconds?: number;
  /**
   * Run the remaining cells after a failure.
   *
   * @default {false}
   */
  continueOnError?: boolean;
  /**
   * Put every output's full MIME data in the report.
   *
   * @default {false}
   */
  includeData?: boolean;
  /**
   * Also write the executed notebook, with its outputs, to this path.
   *
   * @default {undefined}
   */
  writeTo?: string;
  /**
   * The deno binary whose kernel runs the notebook.
   *
   * @default {Deno.execPath()} the deno running the tests (from npx on a fresh machine)
   */
  deno?: string;
  /**
   * Extra environment for the driver and so for the kernel (e.g. where the notebook keeps its
   * local backend store).
   *
   * @default {{}}
   */
  env?: Record<string, string>;
  /**
   * Aborts the driver (it shuts its kernel down on SIGTERM).
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Options for {@linkcode findNotebookPython}. */
export interface FindNotebookPythonOptions {
  /**
   * The Python to use (`--python`); then it is the only one tried.
   *
   * @default {undefined} `python3` on PATH, then {@linkcode DEBIAN_PYTHON}
   */
  python?: string;
  /**
   * Python modules it must import.
   *
   * @default {["jupyter_client", "nbformat"]}
   */
  modules?: string[];
}

/** A Python found by {@linkcode findNotebookPython}, or why none was. */
export type NotebookPython = { python: string; problem?: undefined } | {
  python?: undefined;
  problem: string;
};

/**
 * Finds a Python that imports jupyter_client and nbformat: the one given, else `python3` on PATH
 * (a pyenv or Homebrew Python may lack them), then Debian's `/usr/bin/python3`.
 *
 * @param options The Python to use, the modules it needs.
 * @returns The Python's path, or one line saying what is missing and how to get it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findNotebookPython } from "./notebook_harness.ts";
 *
 * const found = await findNotebookPython({ python: "/no/such/python3" });
 * assert.match(found.problem ?? "", /python3 -m pip install jupyter_client nbformat/);
 * ```
 */
export async function findNotebookPython(
  options: FindNotebookPythonOptions = {},
): Promise<NotebookPython> {
  const { python, modules = ["jupyter_client", "nbformat"] } = options;
  const candidates = python !== undefined ? [python] : [
    ...new Set(
      [await findProgram("python3"), DEBIAN_PYTHON].filter((p): p is string => p !== undefined),
    ),
  ];
  const tried: string[] = [];
  for (const candidate of candidates) {
    const missing = await missingModules(candidate, modules);
    if (missing === undefined) return { python: candidate };
    tried.push(`${candidate} (${missing})`);
  }
  return {
    problem: `Cannot run notebooks: no Python with ${modules.join(" and ")}: tried ${
      tried.join(", ") || "none (no python3 on PATH)"
    }: ${NOTEBOOK_TOOLS_HINT}`,
  };
}

async function missingModules(python: string, modules: string[]): Promise<string | undefined> {
  try {
    const { success, stderr } = await new Deno.Command(python, {
      args: ["-c", `import ${modules.join(", ")}`],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (success) return undefined;
    return new TextDecoder().decode(stderr).trim().split("\n").at(-1) ?? "failed";
  } catch {
    return "not found";
  }
}

let found: Promise<NotebookPython> | undefined;

/** The Python the tests use (found once per process). */
export function notebookPython(): Promise<NotebookPython> {
  found ??= findNotebookPython({ modules: ["jupyter_client", "nbformat", "nbconvert"] });
  return found;
}

/**
 * Why notebooks cannot run here, or `undefined` when they can: a Python must import
 * jupyter_client, nbformat and nbconvert (see {@linkcode findNotebookPython}).
 */
export async function notebookToolsMissing(): Promise<string | undefined> {
  return (await notebookPython()).problem;
}

/**
 * Executes a notebook under the real Deno kernel and returns the driver's per-cell report. A
 * failing cell is reported, not thrown; the driver failing to run at all (exit 2) throws.
 *
 * @param path The `.ipynb` to run; its folder is the kernel's working directory.
 * @param options Timeouts, error handling, report detail, output notebook.
 * @returns The report, the exit code and the driver's stderr.
 */
export async function runNotebook(
  path: string,
  options: RunNotebookOptions = {},
): Promise<NotebookRun> {
  const {
    cellTimeoutSeconds = 300,
    quietSeconds = 1,
    continueOnError = false,
    includeData = false,
    writeTo,
    deno = Deno.execPath(),
    env = {},
    signal,
  } = options;
  const args = [
    NOTEBOOK_DRIVER,
    path,
    "--timeout",
    String(cellTimeoutSeconds),
    "--quiet",
    String(quietSeconds),
    "--deno",
    deno,
    ...(continueOnError ? ["--continue-on-error"] : []),
    ...(includeData ? ["--include-data"] : []),
    ...(writeTo === undefined ? [] : ["--write", writeTo]),
  ];
  const { python, problem } = await notebookPython();
  if (python === undefined) throw new Error(problem);
  const { code, stdout, stderr } = await new Deno.Command(python, {
    args,
    env: denoChildEnv({ ...env, NO_COLOR: "1" }),
    stdout: "piped",
    stderr: "piped",
    signal,
  }).output();
  const errorText = new TextDecoder().decode(stderr);
  const out = new TextDecoder().decode(stdout);
  if (code !== 0 && code !== 1) {
    throw new Error(`Cannot run notebook "${path}": driver exited ${code}: ${errorText.trim()}`);
  }
  const report = JSON.parse(out) as NotebookReport;
  return { ...report, exitCode: code, stderr: errorText };
}

/** A one-paragraph account of what failed in a run, for assertion messages. */
export function describeFailure(run: NotebookReport): string {
  if (run.failure === null) return `${run.notebook}: ok`;
  const cell = run.cells.find((c) => c.index === run.failure!.cell);
  const error = cell?.outputs.find((o) => o.output_type === "error");
  return [
    `${run.notebook}: ${run.failure.kind} in cell ${run.failure.cell}: ${run.failure.message}`,
    cell ? `source: ${cell.source_head}` : "",
    error?.traceback ?? "",
  ].filter(Boolean).join("\n");
}
