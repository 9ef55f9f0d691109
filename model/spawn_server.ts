/**
 * Starts the model server (`model/server.ts`) as a separate process with the narrowest Deno
 * permissions — `--allow-net=<host>:<port>` and `--allow-read=<model path>`, plus
 * `--unstable-net` and `--allow-run=<deno>` only when it runs several worker processes —
 * optionally pinned to CPUs with `taskset -c`, and waits until it answers `/ping`.
 * Used by the local Default job, the tests and the benchmark; as a script it is
 * `deno task serve` (same flags as server.ts, plus `--cpus LIST`), and stops the server on
 * Ctrl-C / SIGTERM.
 *
 * @module
 */

import {
  handlerFlags,
  hostForPermission,
  type ListeningEvent,
  loadModelFrom,
  parseServerArgs,
  RemoteBindError,
  requireLoopback,
  type RunModelServerOptions,
  SERVER_HELP,
  type ServerLimits,
} from "./server.ts";
import { ArchiveError } from "./tarball.ts";
import { XGBoostModelError } from "./xgboost_json.ts";
import { denoChildEnv, tiedToParent } from "../machine/children.ts";

/** Options of {@linkcode startModelServer}; the limits are the server's own. */
export interface StartModelServerOptions extends ServerLimits {
  /** Model directory, `model.tar.gz` or model file. */
  modelDir: string;
  /**
   * Address to listen on; one other than loopback needs `allowRemote`.
   * @default {"127.0.0.1"}
   */
  host?: string;
  /**
   * Allow `host` to be reachable from other machines (the server process then gets
   * `--allow-net=<host>:<port>` and `--allow-remote`).
   * @default {false}
   */
  allowRemote?: boolean;
  /**
   * Port; 0 lets the server pick a free one.
   * @default {0}
   */
  port?: number;
  /**
   * Server processes sharing the port.
   * @default {1}
   */
  workers?: number;
  /**
   * CPUs to pin the server to (`taskset -c` list, e.g. `"1"` or `"2-3"`); ignored with a
   * warning when taskset is not installed.
   * @default {undefined}
   */
  cpus?: string;
  /**
   * How long to wait for the server to listen and answer `/ping`, in ms.
   * @default {30000}
   */
  startTimeoutMs?: number;
  /**
   * Where the server's log lines go.
   * @default {"inherit"}
   */
  stderr?: "inherit" | "null";
}

/** A running model server. */
export interface ModelServerHandle {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Every server process (the first is the parent), e.g. for CPU sampling from /proc. */
  pids: number[];
  /** Whether it runs under `taskset`. */
  pinned: boolean;
  /** Stops every server process (SIGTERM, then SIGKILL after 5 s); safe to call twice. */
  stop(): Promise<void>;
  /** Settles when the parent server process exits. */
  exited: Promise<Deno.CommandStatus>;
}

/** The server could not be started. */
export class ModelServerStartError extends Error {
  override name = "ModelServerStartError";
}

/**
 * The model is not one the server can load (checked before it is spawned): the user's to fix.
 *
 * @example Usage
 * ```ts
 * import { InvalidModelError, ModelServerStartError, startModelServer } from "./spawn_server.ts";
 * import assert from "node:assert/strict";
 * const error = await startModelServer({ modelDir: new URL(import.meta.url).pathname })
 *   .catch((e) => e);
 * assert.ok(error instanceof InvalidModelError && error instanceof ModelServerStartError);
 * ```
 */
export class InvalidModelError extends ModelServerStartError {
  override name = "InvalidModelError";
}

/** What the server accepts as a model, for the messages that refuse one. */
const VALID_MODEL =
  "a model is an XGBoost JSON file (save_model('model.json')), a model.tar.gz holding only it, or a directory holding only it";

let tasksetPath: string | null | undefined;

/**
 * The command that starts Deno again: this process's own executable when `--allow-run` grants
 * it, else `deno` when only that name is granted (`deno task` grants `--allow-run=deno`, which
 * Deno resolves through PATH; under npx that entry is a symlink to this same executable, whose
 * own path `--allow-run=deno` does not cover).
 *
 * @example Usage
 * ```ts
 * import { denoCommand } from "./spawn_server.ts";
 * import assert from "node:assert/strict";
 * assert.ok(denoCommand() === Deno.execPath() || denoCommand() === "deno");
 * ```
 */
export function denoCommand(): string {
  const granted = (command: string) => {
    try {
      return Deno.permissions.querySync({ name: "run", command }).state === "granted";
    } catch {
      return false;
    }
  };
  const exec = Deno.execPath();
  return granted(exec) || !granted("deno") ? exec : "deno";
}

/**
 * Where `taskset` (util-linux) is, or `null` when this machine has none; looked up once.
 *
 * @example Pin a command to CPU 0 when taskset is there
 * ```ts
 * import { findTaskset } from "./spawn_server.ts";
 * const taskset = await findTaskset();
 * const argv = taskset ? [taskset, "-c", "0", "true"] : ["true"];
 * ```
 */
export async function findTaskset(): Promise<string | null> {
  if (tasksetPath !== undefined) return tasksetPath;
  for (const candidate of ["/usr/bin/taskset", "/bin/taskset"]) {
    try {
      if ((await Deno.stat(candidate)).isFile) return (tasksetPath = candidate);
    } catch { /* not here */ }
  }
  return (tasksetPath = null);
}

/**
 * Whether a server process still runs (not a reused pid: its command line names server.ts).
 * Deno needs --allow-all to read /proc; without it the answer is "unknown".
 */
function state(pid: number): "alive" | "gone" | "unknown" {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).includes("server.ts") ? "alive" : "gone";
  } catch (error) {
    return error instanceof Deno.errors.NotFound ? "gone" : "unknown";
  }
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch { /* already gone */ }
}

/**
 * Spawns the model server, waits until it listens and answers `/ping`, and returns a handle.
 *
 * @example Usage
 * ```ts
 * import { startModelServer } from "./spawn_server.ts";
 * import assert from "node:assert/strict";
 * const server = await startModelServer({
 *   modelDir: new URL("../tests/fixtures/xgboost/regression_depth4.model.json", import.meta.url)
 *     .pathname,
 *   stderr: "null",
 * });
 * try {
 *   assert.equal((await fetch(`${server.url}/ping`)).status, 200);
 *   assert.equal(server.pids.length, 1);
 * } finally {
 *   await server.stop();
 * }
 * ```
 */
export async function startModelServer(
  options: StartModelServerOptions,
): Promise<ModelServerHandle> {
  const {
    host = "127.0.0.1",
    port = 0,
    workers = 1,
    cpus,
    startTimeoutMs = 30_000,
    stderr = "inherit",
  } = options;
  requireLoopback(host, options);
  let modelDir: string;
  try {
    modelDir = await Deno.realPath(options.modelDir);
  } catch (error) {
    throw new ModelServerStartError(
      `Cannot start the model server: model '${options.modelDir}' cannot be read (${
        (error as Error).message
      }); pass a model directory, model.tar.gz or model file`,
      { cause: error },
    );
  }
  // Load it here first, with the server's own loader: a file that is not a model is refused in
  // one line, before a server process is spawned to fail on it.
  try {
    await loadModelFrom(modelDir);
  } catch (error) {
    if (!(error instanceof ArchiveError || error instanceof XGBoostModelError)) throw error;
    throw new InvalidModelError(
      `Cannot start the model server: '${options.modelDir}' is not a model it can serve: ${
        error.message.replace(/^Cannot [^:]*: /, "")
      }; ${VALID_MODEL}`,
      { cause: error },
    );
  }
  const deno = denoCommand();
  const args = [
    "run",
    "--no-prompt",
    `--config=${new URL("../deno.json", import.meta.url).pathname}`,
    `--allow-net=${hostForPermission(host)}:${port}`,
    `--allow-read=${modelDir}`,
  ];
  // The server process spawns its workers with its own executable path.
  if (workers > 1) args.push("--unstable-net", `--allow-run=${Deno.execPath()}`);
  args.push(
    new URL("./server.ts", import.meta.url).pathname,
    `--model-dir=${modelDir}`,
    `--host=${host}`,
    `--port=${port}`,
    `--workers=${workers}`,
    ...handlerFlags(options),
  );
  if (options.allowRemote) args.push("--allow-remote");
  let command = deno;
  let pinned = false;
  if (cpus !== undefined) {
    if (!/^[0-9,\-]+$/.test(cpus)) {
      throw new RangeError(
        `Cannot start the model server: cpus '${cpus}' is not a taskset CPU list like '1' or '0-1'`,
      );
    }
    const taskset = await findTaskset();
    if (taskset) {
      args.unshift("-c", cpus, deno);
      command = taskset;
      pinned = true;
    } else {
      console.warn("model server: taskset not found (apt-get install util-linux); not pinning");
    }
  }
  // Tied to this process: the kernel kills the server (and its pipe-watching workers exit) when
  // this process dies, even by kill -9 (see machine/children.ts).
  const tied = await tiedToParent(command, args);
  const child = new Deno.Command(tied.command, {
    args: tied.args,
    env: denoChildEnv(),
    stdin: "null",
    stdout: "piped",
    stderr,
  }).spawn();
  const exited = child.status;
  let pids: number[] = [child.pid];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const workersPids = pids.slice(1);
      try {
        child.kill("SIGTERM");
      } catch { /* already exited */ }
      for (const pid of workersPids) if (state(pid) !== "gone") signal(pid, "SIGTERM");
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* exited */ }
        for (const pid of workersPids) if (state(pid) !== "gone") signal(pid, "SIGKILL");
      }, 5000);
      try {
        await exited;
        // Workers also exit by themselves when the parent's pipe to them closes.
        const running = () => workersPids.filter((pid) => state(pid) !== "gone");
        for (let i = 0; i < 100 && running().length > 0; i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        for (const pid of running()) signal(pid, "SIGKILL");
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopped;
  };
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const event = await withTimeout(readEvent(reader, exited), startTimeoutMs, "listen");
    pids = event.pids;
    // Keep draining stdout so the server never blocks on a full pipe.
    (async () => {
      try {
        while (!(await reader.read()).done) { /* discard */ }
      } catch { /* closed */ }
    })();
    const pingHost = new URL(event.url).hostname;
    const canPing = Deno.permissions.querySync({ name: "net", host: `${pingHost}:${event.port}` })
      .state === "granted";
    if (canPing) await withTimeout(waitForPing(event.url), startTimeoutMs, "answer /ping");
    return { url: event.url, port: event.port, pids, pinned, stop, exited };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function readEvent(
  reader: ReadableStreamDefaultReader<string>,
  exited: Promise<Deno.CommandStatus>,
): Promise<ListeningEvent> {
  let buffered = "";
  while (true) {
    const newline = buffered.indexOf("\n");
    if (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        const event = JSON.parse(line);
        if (event?.event === "listening") return event as ListeningEvent;
      } catch { /* not our line */ }
      continue;
    }
    const { value, done } = await reader.read();
    if (done) {
      const status = await exited;
      throw new ModelServerStartError(
        `Cannot start the model server: it exited with code ${status.code} before listening; see its messages above`,
      );
    }
    buffered += value;
  }
}

async function waitForPing(url: string): Promise<void> {
  while (true) {
    try {
      const response = await fetch(`${url}/ping`);
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ModelServerStartError(
            `Cannot start the model server: it did not ${what} within ${ms} ms`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `deno task serve`: server.ts's flags plus `--cpus LIST`; runs until Ctrl-C / SIGTERM. */
async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(
      `${SERVER_HELP}  --cpus LIST               pin the server to these CPUs (taskset -c), e.g. 1 or 2-3\n`,
    );
    return 0;
  }
  const args: string[] = [];
  let cpus: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--cpus") cpus = argv[++i];
    else if (argv[i].startsWith("--cpus=")) cpus = argv[i].slice("--cpus=".length);
    else args.push(argv[i]);
  }
  const parsed: RunModelServerOptions = parseServerArgs(args);
  const server = await startModelServer({ ...parsed, cpus });
  console.log(JSON.stringify({ url: server.url, pids: server.pids, pinned: server.pinned }));
  const stopAll = () => {
    server.stop();
  };
  Deno.addSignalListener("SIGINT", stopAll);
  Deno.addSignalListener("SIGTERM", stopAll);
  const status = await server.exited;
  await server.stop();
  return status.code;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error((error as Error)?.message ?? String(error));
    // A wrong flag, a refused --host or a --model-dir that is not there or not a model is the
    // user's to fix:
    // exit 2, like the scripts.
    const missingModel = error instanceof InvalidModelError ||
      (error instanceof ModelServerStartError &&
        (error.cause instanceof Deno.errors.NotFound ||
          error.cause instanceof Deno.errors.PermissionDenied));
    Deno.exit(
      error instanceof RangeError || error instanceof RemoteBindError || missingModel ? 2 : 1,
    );
  }
}
