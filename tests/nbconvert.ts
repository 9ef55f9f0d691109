/**
 * Runs a notebook with plain `jupyter nbconvert --execute` (the way a user would, with the
 * kernelspec `deno task kernel` writes) and reads the notebook it saved; optionally exports it
 * as HTML.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { notebookPython, REPO_ROOT } from "./notebook_harness.ts";

/** The script behind `deno task kernel`, which writes the Deno kernelspec. */
export const KERNEL_SCRIPT: string = join(REPO_ROOT, "scripts", "jupyter_kernel.ts");

/** A saved notebook's cell, as nbformat 4 writes it (only what the tests read). */
export interface SavedCell {
  /** `code`, `markdown` or `raw`. */
  cell_type: string;
  /** The source, as one string or lines. */
  source: string | string[];
  /** The outputs of a code cell. */
  outputs?: SavedOutput[];
}

/** An output in a saved notebook. */
export interface SavedOutput {
  /** Jupyter output type. */
  output_type: "stream" | "display_data" | "execute_result" | "error";
  /** Stream name. */
  name?: string;
  /** Stream text. */
  text?: string | string[];
  /** MIME bundle of a display or result. */
  data?: Record<string, unknown>;
  /** Error name, message and traceback. */
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** A saved notebook (nbformat 4). */
export interface SavedNotebook {
  /** The cells, markdown ones included. */
  cells: SavedCell[];
  /** Notebook metadata. */
  metadata: Record<string, unknown>;
}

/** Options for {@linkcode runNbconvert}. */
export interface RunNbconvertOptions {
  /**
   * Extra environment for nbconvert and its kernel.
   *
   * @default {{}}
   */
  env?: Record<string, string>;
  /**
   * Seconds one cell may run.
   *
   * @default {300}
   */
  cellTimeoutSeconds?: number;
  /**
   * Export the executed notebook as HTML too, to this path (`jupyter nbconvert --to html`).
   *
   * @default {undefined}
   */
  htmlTo?: string;
  /**
   * Extra flags for the HTML export.
   *
   * @default {[]}
   */
  htmlFlags?: readonly string[];
}

/** What {@linkcode runNbconvert} returns. */
export interface NbconvertRun {
  /** The executed notebook. */
  notebook: SavedNotebook;
  /** Where it was written. */
  path: string;
  /** Seconds `nbconvert --execute` took, kernel start included. */
  seconds: number;
  /** The kernelspec nbconvert ran (written by `scripts/jupyter_kernel.ts`, as `deno task kernel`). */
  kernelSpec: { argv: string[]; env?: Record<string, string> };
}

/**
 * Executes a notebook with plain `jupyter nbconvert --to notebook --execute` (as
 * `python -m nbconvert`), under the kernelspec `deno task kernel` writes (deno through npx,
 * NO_COLOR=1), registered in a temporary Jupyter dir so the user's Jupyter setup is neither used
 * nor touched. Throws with nbconvert's stderr when it fails.
 *
 * @param path The notebook; its folder is the kernel's working directory.
 * @param outDir Where the executed notebook (and the HTML export) go.
 * @param options Environment, timeout, HTML export.
 */
export async function runNbconvert(
  path: string,
  outDir: string,
  options: RunNbconvertOptions = {},
): Promise<NbconvertRun> {
  const { env = {}, cellTimeoutSeconds = 300, htmlTo, htmlFlags = [] } = options;
  const { python, problem } = await notebookPython();
  if (python === undefined) throw new Error(problem);
  const jupyter = await Deno.makeTempDir({ prefix: "nbconvert-jupyter-" });
  try {
    const install = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-run=python3,/usr/bin/python3",
        KERNEL_SCRIPT,
        "--dir",
        jupyter,
      ],
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!install.success) {
      throw new Error(`Cannot register the kernel: ${new TextDecoder().decode(install.stderr)}`);
    }
    const kernelSpec = JSON.parse(
      await Deno.readTextFile(join(jupyter, "kernels", "deno", "kernel.json")),
    );
    // Only this temporary dir: no user kernelspecs, config or runtime files.
    const jupyterEnv = {
      ...env,
      JUPYTER_PATH: jupyter,
      JUPYTER_DATA_DIR: jupyter,
      JUPYTER_CONFIG_DIR: join(jupyter, "config"),
      JUPYTER_RUNTIME_DIR: join(jupyter, "runtime"),
    };
    const name = basename(path);
    const started = performance.now();
    await nbconvert(python, [
      "--to",
      "notebook",
      "--execute",
      path,
      "--output-dir",
      outDir,
      "--output",
      name,
      `--ExecutePreprocessor.timeout=${cellTimeoutSeconds}`,
    ], jupyterEnv);
    const seconds = (performance.now() - started) / 1000;
    const executed = join(outDir, name);
    if (htmlTo !== undefined) {
      await nbconvert(python, [
        "--to",
        "html",
        executed,
        "--output-dir",
        dirname(htmlTo),
        "--output",
        basename(htmlTo),
        ...htmlFlags,
      ], jupyterEnv);
    }
    return {
      notebook: JSON.parse(await Deno.readTextFile(executed)),
      path: executed,
      seconds,
      kernelSpec,
    };
  } finally {
    await Deno.remove(jupyter, { recursive: true });
  }
}

async function nbconvert(python: string, args: string[], env: Record<string, string>) {
  const { success, stderr } = await new Deno.Command(python, {
    args: ["-m", "nbconvert", ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(
      `jupyter nbconvert ${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`,
    );
  }
}
