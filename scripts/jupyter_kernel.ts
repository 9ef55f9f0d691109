/**
 * `deno task kernel`: registers the Deno Jupyter kernel so that it keeps working when npm's npx
 * cache moves or is cleaned, and so that its outputs carry no colour codes.
 *
 * `deno jupyter --install` writes the absolute path of the deno binary that ran it into
 * `kernel.json`; run through `npx -y deno@…`, that is a file in npm's npx cache
 * (`~/.npm/_npx/<hash>/node_modules/deno/deno`), gone after `npm cache clean` or on another
 * machine. The kernelspec written here asks npx for the pinned deno each time a kernel starts and
 * `exec`s it, and sets `NO_COLOR=1` in the kernel's environment, so `jupyter nbconvert` and saved
 * notebooks hold no ANSI escape codes.
 *
 * When a Python with pyzmq is found (`python3` on PATH, then `/usr/bin/python3`; every Jupyter
 * installation has one), the kernel runs behind `deno_kernel_relay.py`, copied into the
 * kernelspec folder: Deno's kernel can publish a cell's outputs after reporting the cell idle,
 * and `jupyter nbconvert --execute` drops those; the relay holds the idle status until the
 * cell's outputs have gone quiet (0.25 s). See that file.
 *
 * ```sh
 * npx -y deno@2.9.6 task kernel                 # into the user's Jupyter data dir
 * npx -y deno@2.9.6 task kernel --dir DIR       # into DIR/kernels/deno (e.g. a JUPYTER_PATH entry)
 * npx -y deno@2.9.6 task kernel --deno PATH     # run that deno binary instead of asking npx
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { findProgram } from "./packages.ts";

/** A Jupyter kernelspec (`kernel.json`). */
export interface KernelSpec {
  /** The command Jupyter runs; `{connection_file}` is replaced by the connection file's path. */
  argv: string[];
  /** Shown in Jupyter's kernel picker. */
  display_name: string;
  /** The language of the cells. */
  language: string;
  /** Extra environment for the kernel process. */
  env: Record<string, string>;
}

/** Options for {@linkcode kernelSpec}. */
export interface KernelSpecOptions {
  /**
   * Run this deno binary directly (its path is then part of the kernelspec).
   *
   * @default {undefined} ask npx for `deno@{denoVersion}` at each start
   */
  deno?: string;
  /**
   * The npx to ask.
   *
   * @default {"npx"} found on the PATH Jupyter runs with
   */
  npx?: string;
  /**
   * The deno version npx installs.
   *
   * @default {Deno.version.deno}
   */
  denoVersion?: string;
  /**
   * Run the kernel behind `deno_kernel_relay.py` (in the kernelspec folder) with this Python,
   * which must have pyzmq.
   *
   * @default {undefined} no relay
   */
  relayPython?: string;
}

/** The relay's file name, in this folder and in the kernelspec folder. */
export const RELAY_SCRIPT = "deno_kernel_relay.py";

/**
 * The Deno kernelspec: the kernel started from a pinned deno through npx (or a given binary),
 * with `NO_COLOR=1` and `DENO_NO_UPDATE_CHECK=1` in its environment.
 *
 * @param options Which deno to run.
 * @returns The kernelspec, ready for `JSON.stringify`.
 *
 * @example Through npx
 * ```ts
 * import assert from "node:assert/strict";
 * import { kernelSpec } from "./jupyter_kernel.ts";
 *
 * const spec = kernelSpec({ denoVersion: "2.9.6" });
 * assert.equal(spec.argv[0], "/bin/sh");
 * assert.match(spec.argv[2], /npx -y deno@2\.9\.6 eval/);
 * assert.equal(spec.argv.at(-1), "{connection_file}");
 * assert.equal(spec.env.NO_COLOR, "1");
 * ```
 *
 * @example A given binary
 * ```ts
 * import assert from "node:assert/strict";
 * import { kernelSpec } from "./jupyter_kernel.ts";
 *
 * assert.deepEqual(kernelSpec({ deno: "/opt/deno" }).argv, [
 *   "/opt/deno", "jupyter", "--kernel", "--conn", "{connection_file}",
 * ]);
 * ```
 */
export function kernelSpec(options: KernelSpecOptions = {}): KernelSpec {
  const { deno, npx = "npx", denoVersion = Deno.version.deno, relayPython } = options;
  // Behind the relay, the kernel's own connection file is one the relay writes.
  const connection = relayPython === undefined ? "{connection_file}" : "{kernel_connection_file}";
  const kernelArgs = ["jupyter", "--kernel", "--conn", connection];
  const kernel = deno !== undefined ? [deno, ...kernelArgs] : [
    "/bin/sh",
    "-c",
    // `$0` is the connection file; the pinned deno's path comes from npx at every start.
    `exec "$(${shellQuote(npx)} -y deno@${denoVersion} eval ` +
    `'console.log(Deno.execPath())')" jupyter --kernel --conn "$0"`,
    connection,
  ];
  const argv = relayPython === undefined
    ? kernel
    : [relayPython, `{resource_dir}/${RELAY_SCRIPT}`, "{connection_file}", "--", ...kernel];
  return {
    argv,
    display_name: "Deno",
    language: "typescript",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  };
}

/**
 * The user's Jupyter data directory, as `jupyter --data-dir` prints it: `JUPYTER_DATA_DIR`, else
 * `~/Library/Jupyter` on macOS, `%APPDATA%\jupyter` on Windows, `$XDG_DATA_HOME/jupyter` or
 * `~/.local/share/jupyter` elsewhere.
 *
 * @param env Reads an environment variable.
 * @param os The operating system.
 * @returns The folder (its `kernels/` holds the kernelspecs).
 * @throws {Error} When the home folder is unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jupyterDataDir } from "./jupyter_kernel.ts";
 *
 * const env = (vars: Record<string, string>) => (name: string) => vars[name];
 * assert.equal(jupyterDataDir(env({ HOME: "/home/me" }), "linux"), "/home/me/.local/share/jupyter");
 * assert.equal(jupyterDataDir(env({ HOME: "/Users/me" }), "darwin"), "/Users/me/Library/Jupyter");
 * assert.equal(jupyterDataDir(env({ JUPYTER_DATA_DIR: "/j", HOME: "/h" }), "linux"), "/j");
 * ```
 */
export function jupyterDataDir(
  env: (name: string) => string | undefined,
  os: typeof Deno.build.os,
): string {
  const explicit = env("JUPYTER_DATA_DIR");
  if (explicit) return explicit;
  if (os === "windows") {
    const appData = env("APPDATA");
    if (appData) return `${appData}\\jupyter`;
  }
  const home = env("HOME") ?? env("USERPROFILE");
  if (!home) {
    throw new Error(
      "Cannot find the Jupyter data dir: HOME is not set: set JUPYTER_DATA_DIR or pass --dir",
    );
  }
  if (os === "darwin") return `${home}/Library/Jupyter`;
  return `${env("XDG_DATA_HOME") || `${home}/.local/share`}/jupyter`;
}

/** Options for {@linkcode installKernelSpec}. */
export interface InstallKernelSpecOptions {
  /**
   * The kernel's name; notebooks name it in `metadata.kernelspec.name`.
   *
   * @default {"deno"}
   */
  name?: string;
}

/**
 * Writes `kernel.json` into `DIR/kernels/NAME/` (folders created), with the usual file mode, and
 * the relay beside it when the kernelspec runs it.
 *
 * @param dir A Jupyter data dir (or any folder on `JUPYTER_PATH`).
 * @param spec The kernelspec.
 * @param options The kernel's name.
 * @returns The path of `kernel.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { installKernelSpec, kernelSpec } from "./jupyter_kernel.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const path = await installKernelSpec(dir, kernelSpec({ deno: "/opt/deno" }));
 * assert.equal(path, `${dir}/kernels/deno/kernel.json`);
 * assert.equal(JSON.parse(await Deno.readTextFile(path)).env.NO_COLOR, "1");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function installKernelSpec(
  dir: string,
  spec: KernelSpec,
  options: InstallKernelSpecOptions = {},
): Promise<string> {
  const { name = "deno" } = options;
  const folder = `${dir}/kernels/${name}`;
  await Deno.mkdir(folder, { recursive: true });
  if (spec.argv.some((arg) => arg.endsWith(`/${RELAY_SCRIPT}`))) {
    const relay = await Deno.readTextFile(new URL(RELAY_SCRIPT, import.meta.url));
    await Deno.writeTextFile(`${folder}/${RELAY_SCRIPT}`, relay);
  }
  const path = `${folder}/kernel.json`;
  await Deno.writeTextFile(path, JSON.stringify(spec, null, 2) + "\n");
  return path;
}

/** `python3` on PATH, then `/usr/bin/python3`: the first that imports zmq (pyzmq). */
async function pythonWithZmq(): Promise<string | undefined> {
  for (const python of [await findProgram("python3"), "/usr/bin/python3"]) {
    if (python === undefined) continue;
    try {
      const { success } = await new Deno.Command(python, {
        args: ["-c", "import zmq"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (success) return python;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error; // e.g. no --allow-run
    }
  }
  return undefined;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: "string" },
      deno: { type: "string" },
      "no-relay": { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(
      "Usage: deno task kernel [--dir DIR] [--deno PATH] [--no-relay]\n" +
        "Registers the Deno Jupyter kernel (started through npx, NO_COLOR=1) in the Jupyter data\n" +
        "dir, or in DIR/kernels/deno; --deno runs that binary instead of asking npx; --no-relay\n" +
        `runs it without ${RELAY_SCRIPT} (which holds each cell's idle until its outputs are in).`,
    );
    return 0;
  }
  let npx: string | undefined;
  if (values.deno === undefined) {
    // Recorded as an absolute path: JupyterLab started from a desktop launcher may lack the
    // shell's PATH. Run this again if Node.js moves.
    npx = await findProgram("npx");
    if (npx === undefined) {
      console.error("kernel: Cannot find npx on PATH: install Node.js, or pass --deno PATH");
      return 2;
    }
  }
  const dir = values.dir ?? jupyterDataDir((name) => Deno.env.get(name), Deno.build.os);
  const relayPython = values["no-relay"] ? undefined : await pythonWithZmq();
  const spec = kernelSpec({ deno: values.deno, npx, relayPython });
  const path = await installKernelSpec(dir, spec);
  const runs = values.deno ?? `${npx} -y deno@${Deno.version.deno}`;
  const relay = relayPython === undefined
    ? values["no-relay"]
      ? ""
      : "; no Python with pyzmq found, so no relay: nbconvert may drop late outputs"
    : `, behind ${RELAY_SCRIPT} on ${relayPython}`;
  console.log(
    `Deno kernel registered: ${path} (runs ${runs} jupyter --kernel${relay}, NO_COLOR=1)`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`kernel: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(2);
  }
}
