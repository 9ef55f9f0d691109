/**
 * A model server that speaks the SageMaker inference container contract of the XGBoost
 * container (algorithm mode, `serve.py` / `serve_utils.py` of aws/sagemaker-xgboost-container),
 * scoring an XGBoost JSON model with {@linkcode predict}:
 *
 * - `GET /ping` → 200, empty body; the server only listens once the model is loaded.
 * - `POST /invocations` with `text/csv` rows (no header) → 200 `text/csv`: one prediction per
 *   row, formatted with Python's `str()` and joined with `,` (with `SAGEMAKER_BATCH` set:
 *   one per line), as the container does.
 * - `GET /execution-parameters` → the container's batch-transform hints.
 *
 * Status codes follow the container (spec: inference-recommender.md §5): empty body → 204;
 * a body the CSV parser refuses (non-numeric, ragged rows, bad bytes, `inf`) → 415, like the
 * container's parse error; unsupported content type → 415; wrong number of features → 400,
 * like the container's predict error; body over `MAX_CONTENT_LENGTH` (6 MiB) → 413. Beyond the
 * container, from the HTTP layer (`http_server.ts`, which replaces `Deno.serve`: that has no
 * timeouts and no connection bound): malformed HTTP → 400 (or 417, 431, 501, 505) with the
 * reason; a body cut off by the client → 400; a head or body that stalls past its timeout →
 * 408 and closed; an idle keep-alive connection is closed; more connections, queued requests or
 * buffered bytes than the limits → 503 with `Retry-After`, so latency and memory stay bounded
 * under overload. A request's body is read before it takes a place in the queue, so slow
 * senders cost only their own connection. Every error answer is one line of `text/plain`.
 *
 * Stricter than the container on purpose: with an XGBoost 1.7 JSON model the container accepts
 * rows with *fewer* columns than the model (the rest become missing values, silently); here
 * any other count is a 400. A missing `Content-Type` (the container would parse the body as
 * libsvm) and libsvm/recordio-protobuf are 415 here: only `text/csv` is served.
 *
 * Run (narrowest permissions; `deno task serve` starts it that way via spawn_server.ts):
 *
 * ```sh
 * deno run --allow-net=127.0.0.1:8080 --allow-read=model.tar.gz model/server.ts --model-dir model.tar.gz
 * ```
 *
 * Flags: see {@linkcode SERVER_HELP} (`--help`). A `--host` other than loopback is refused
 * (exit 2) unless `--allow-remote` is given. `--workers N` starts processes sharing the port
 * with `SO_REUSEPORT` (needs `--unstable-net` and `--allow-run=<deno>`; the children get the
 * same narrow net/read permissions and exit when this process goes away).
 * When it listens it prints one JSON line to stdout:
 * `{"event":"listening","url":...,"port":...,"pids":[...]}`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { CsvParseError, FeatureCountError, parseCsvFeatures } from "./csv_features.ts";
import type { RequestHead } from "./http1.ts";
import {
  type HttpAnswer,
  type HttpApp,
  type HttpServerOptions,
  plainAnswer,
  serveHttp,
} from "./http_server.ts";
import { isLoopbackHost } from "../load/target.ts";
import { formatPythonFloat } from "./float_format.ts";
import { readModelArtifact } from "./tarball.ts";
import { loadXGBoostModel, predict, type XGBoostModel } from "./xgboost_json.ts";
import { denoChildEnv } from "../machine/children.ts";

/** The container's default `MAX_CONTENT_LENGTH`: 6 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;
/** The container caps `MAX_CONTENT_LENGTH` at 20 MiB. */
const MAX_BODY_CAP = 20 * 1024 * 1024;

/** Options of {@linkcode createModelApp} and {@linkcode createModelHandler}. */
export interface ModelHandlerOptions {
  /**
   * Largest request body (bytes); larger → 413.
   * @default {6291456}
   */
  maxBodyBytes?: number;
  /**
   * One prediction per line instead of comma-separated (the container's `SAGEMAKER_BATCH`).
   * @default {false}
   */
  batchOutput?: boolean;
  /**
   * Number of server processes, reported by `/execution-parameters`.
   * @default {1}
   */
  workers?: number;
}

/** An HTTP handler for the container contract (no socket-level limits: see serveHttp). */
export type ModelHandler = (request: Request) => Promise<Response>;

const CSV_HEADERS = { "content-type": "text/csv; charset=utf-8" };

/** Options for {@linkcode formatPredictions}. */
export interface FormatPredictionsOptions {
  /** One prediction per line with a final newline (`SAGEMAKER_BATCH`), else joined by `,`. @default false */
  batchOutput?: boolean;
}

/**
 * The predictions as the container writes them: `str()` of each value joined by `,`
 * (or one per line with a final newline in batch mode); a multi-output row is Python's list
 * text, `[0.1, 0.9]`.
 *
 * @example Usage
 * ```ts
 * import { formatPredictions } from "./server.ts";
 * import assert from "node:assert/strict";
 * const p = new Float32Array([0.25, 0.5]);
 * assert.equal(formatPredictions(p, 1), "0.25,0.5");
 * assert.equal(formatPredictions(p, 1, { batchOutput: true }), "0.25\n0.5\n");
 * assert.equal(formatPredictions(p, 2), "[0.25, 0.5]");
 * ```
 *
 * @param predictions The model's outputs, row after row.
 * @param outputsPerRow How many outputs each row has.
 * @param options How to join the rows.
 */
export function formatPredictions(
  predictions: Float32Array,
  outputsPerRow: number,
  options: FormatPredictionsOptions = {},
): string {
  const { batchOutput = false } = options;
  const items: string[] = [];
  if (outputsPerRow === 1) {
    for (let i = 0; i < predictions.length; i++) items.push(formatPythonFloat(predictions[i]));
  } else {
    for (let i = 0; i < predictions.length; i += outputsPerRow) {
      const row: string[] = [];
      for (let k = 0; k < outputsPerRow; k++) row.push(formatPythonFloat(predictions[i + k]));
      items.push(`[${row.join(", ")}]`);
    }
  }
  return batchOutput ? items.join("\n") + "\n" : items.join(",");
}

/**
 * The container contract as an {@linkcode HttpApp}: `/ping`, wrong methods and unknown paths
 * are answered from the request head; `POST /invocations` is scored once its body is read.
 * It never throws: every failure becomes a status and a one-line reason.
 *
 * @example Usage
 * ```ts
 * import { createModelApp } from "./server.ts";
 * import { parseRequestHead } from "./http1.ts";
 * import { loadXGBoostModel } from "./xgboost_json.ts";
 * import assert from "node:assert/strict";
 * const model = loadXGBoostModel(await Deno.readTextFile(
 *   new URL("../tests/fixtures/xgboost/regression_depth4.model.json", import.meta.url),
 * ));
 * const app = createModelApp(model);
 * const head = (text: string) => parseRequestHead(new TextEncoder().encode(text));
 * assert.equal(app.early(head("GET /ping HTTP/1.1\r\nHost: x"))?.status, 200);
 * const post = head("POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv");
 * assert.equal(app.early(post), undefined);
 * const ok = app.handle(post, new TextEncoder().encode("1,2,3,4,5,6\n0,0,0,0,0,0"));
 * assert.equal(ok.status, 200);
 * assert.equal(String(ok.body).split(",").length, 2);
 * assert.equal(app.handle(post, new TextEncoder().encode("1,2")).status, 400);
 * ```
 */
export function createModelApp(model: XGBoostModel, options: ModelHandlerOptions = {}): HttpApp {
  const { maxBodyBytes = DEFAULT_MAX_BODY_BYTES, batchOutput = false, workers = 1 } = options;
  return {
    early(head: RequestHead): HttpAnswer | undefined {
      const { method, path } = head;
      if (path === "/invocations") {
        if (method === "POST") return undefined;
        return plainAnswer(405, `Method ${method} is not allowed on /invocations; use POST`, {
          allow: "POST",
        });
      }
      if (path === "/ping") {
        if (method === "GET" || method === "HEAD") return { status: 200 };
        return plainAnswer(405, `Method ${method} is not allowed on /ping; use GET`, {
          allow: "GET, HEAD",
        });
      }
      if (path === "/execution-parameters" && method === "GET") {
        return {
          status: 200,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            MaxConcurrentTransforms: workers,
            BatchStrategy: "MULTI_RECORD",
            MaxPayloadInMB: Math.floor(maxBodyBytes / (1024 * 1024)),
          }),
        };
      }
      return plainAnswer(
        404,
        `No route for ${method} ${path.slice(0, 100)}; use GET /ping or POST /invocations`,
      );
    },
    handle(head: RequestHead, body: Uint8Array): HttpAnswer {
      if (body.length === 0) return { status: 204 };
      const contentType = head.headers.get("content-type");
      const mediaType = contentType?.split(";", 1)[0].trim().toLowerCase() ?? "";
      if (mediaType !== "text/csv") {
        return plainAnswer(
          415,
          contentType === undefined
            ? "Content-Type is missing; send text/csv (CSV rows of numbers, no header)"
            : `Content-Type '${contentType}' is not supported; send text/csv (CSV rows of numbers, no header)`,
        );
      }
      let rows;
      try {
        rows = parseCsvFeatures(body, model.numFeature);
      } catch (error) {
        if (error instanceof CsvParseError) return plainAnswer(415, error.message);
        if (error instanceof FeatureCountError) return plainAnswer(400, error.message);
        throw error;
      }
      const predictions = predict(model, rows.values);
      return {
        status: 200,
        headers: CSV_HEADERS,
        body: formatPredictions(predictions, model.outputsPerRow, { batchOutput }),
      };
    },
  };
}

/**
 * The container contract as a fetch-style handler (e.g. for `Deno.serve` or in-process tests):
 * the same answers as {@linkcode createModelApp}; the body is read whole, up to `maxBodyBytes`.
 * The socket-level defences (timeouts, connection and queue bounds) are
 * {@linkcode runModelServer}'s.
 *
 * @example Usage
 * ```ts
 * import { createModelHandler } from "./server.ts";
 * import { loadXGBoostModel } from "./xgboost_json.ts";
 * import assert from "node:assert/strict";
 * const model = loadXGBoostModel(await Deno.readTextFile(
 *   new URL("../tests/fixtures/xgboost/regression_depth4.model.json", import.meta.url),
 * ));
 * const handle = createModelHandler(model);
 * assert.equal((await handle(new Request("http://x/ping"))).status, 200);
 * const ok = await handle(new Request("http://x/invocations", {
 *   method: "POST", headers: { "content-type": "text/csv" }, body: "1,2,3,4,5,6\n0,0,0,0,0,0",
 * }));
 * assert.equal(ok.status, 200);
 * assert.equal((await ok.text()).split(",").length, 2);
 * ```
 */
export function createModelHandler(
  model: XGBoostModel,
  options: ModelHandlerOptions = {},
): ModelHandler {
  const { maxBodyBytes = DEFAULT_MAX_BODY_BYTES } = options;
  const app = createModelApp(model, options);
  const toResponse = (answer: HttpAnswer) =>
    new Response(answer.body as BodyInit | undefined, {
      status: answer.status,
      headers: answer.headers,
    });
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const length = request.headers.get("content-length");
    const head: RequestHead = {
      method: request.method,
      path: url.pathname,
      version: "1.1",
      headers: new Map(request.headers),
      framing: length === null ? { kind: "chunked" } : { kind: "length", length: Number(length) },
      keepAlive: true,
      expectContinue: false,
    };
    const early = app.early(head);
    if (early !== undefined) {
      await request.body?.cancel().catch(() => {});
      return toResponse(early);
    }
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.length > maxBodyBytes) {
      return toResponse(
        plainAnswer(413, `Request body is larger than the limit of ${maxBodyBytes} bytes`),
      );
    }
    return toResponse(app.handle(head, body));
  };
}

/**
 * Loads the model the container way from a model directory, a `model.tar.gz` or a model file.
 *
 * @example Usage
 * ```ts
 * import { loadModelFrom } from "./server.ts";
 * import assert from "node:assert/strict";
 * const model = await loadModelFrom(
 *   new URL("../tests/fixtures/xgboost/regression_depth4.model.json", import.meta.url).pathname,
 * );
 * assert.equal(model.numFeature, 6);
 * ```
 */
export async function loadModelFrom(modelDir: string): Promise<XGBoostModel> {
  const artifact = await readModelArtifact(modelDir);
  try {
    return loadXGBoostModel(artifact.data);
  } catch (error) {
    (error as Error).message = `${(error as Error).message} (file '${artifact.source}')`;
    throw error;
  }
}

/** Options of {@linkcode runModelServer}; see the module doc for the CLI flags. */
export interface RunModelServerOptions extends ModelHandlerOptions, HttpServerOptions {
  /** Model directory, `model.tar.gz` or model file. */
  modelDir: string;
  /**
   * Address to listen on.
   * @default {"127.0.0.1"}
   */
  host?: string;
  /**
   * Port; 0 picks a free one.
   * @default {8080}
   */
  port?: number;
  /**
   * Processes sharing the port (this one plus `workers - 1` children).
   * @default {1}
   */
  workers?: number;
  /**
   * Internal: this process is a worker started by another server process.
   * @default {false}
   */
  worker?: boolean;
  /**
   * Allow `host` to be an address other than loopback (the server is then reachable from
   * other machines).
   * @default {false}
   */
  allowRemote?: boolean;
}

/** What a running server reports once every process listens. */
export interface ListeningEvent {
  event: "listening";
  url: string;
  host: string;
  port: number;
  pids: number[];
}

function permitted(descriptor: Deno.PermissionDescriptor): boolean {
  return Deno.permissions.querySync(descriptor).state === "granted";
}

function envIfPermitted(name: string): string | undefined {
  return permitted({ name: "env", variable: name }) ? Deno.env.get(name) : undefined;
}

/**
 * Runs the server in this process (and `workers - 1` child processes) until SIGINT/SIGTERM.
 * Resolves when it has stopped.
 *
 * @example Usage
 * ```ts ignore
 * import { runModelServer } from "./server.ts";
 * await runModelServer({ modelDir: "model.tar.gz", port: 8080, workers: 2 });
 * ```
 */
export async function runModelServer(options: RunModelServerOptions): Promise<void> {
  const { host = "127.0.0.1", port = 8080, workers = 1, worker = false, modelDir } = options;
  requireLoopback(host, options);
  const model = await loadModelFrom(modelDir);
  const app = createModelApp(model, options);
  const controller = new AbortController();
  const shared = workers > 1 || worker;
  let listener: Deno.Listener<Deno.Conn, Deno.NetAddr>;
  try {
    listener = Deno.listen({ hostname: host, port, reusePort: shared } as Deno.TcpListenOptions);
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    if (shared && /unstable-net/.test(message)) {
      throw new Error(
        `Cannot start ${workers} server processes on one port: SO_REUSEPORT needs Deno's --unstable-net flag; run with --unstable-net or --workers 1`,
      );
    }
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      throw new Error(
        `Cannot listen on ${hostForPermission(host)}:${port}: run with --allow-net=${
          hostForPermission(host)
        }:${port}`,
      );
    }
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Error(
        `Cannot listen on ${
          hostForPermission(host)
        }:${port}: the address is in use; pick another --port (0 picks a free one)`,
      );
    }
    throw error;
  }
  const boundPort = listener.addr.port;
  const server = serveHttp(listener, app, options);
  controller.signal.addEventListener("abort", () => server.close());
  const children: Deno.ChildProcess[] = [];
  const stop = () => {
    for (const child of children) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
    }
    controller.abort();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, stop);
  if (worker) {
    // Tell the parent we listen; exit when the parent goes away (our stdin closes).
    await writeLine(Deno.stdout, `ready ${Deno.pid}`);
    (async () => {
      try {
        for await (const _ of Deno.stdin.readable) { /* parent keeps it open */ }
      } catch { /* closed */ }
      stop();
    })();
  } else {
    try {
      for (let i = 1; i < workers; i++) {
        children.push(await startWorker({ ...options, host, port: boundPort }));
      }
    } catch (error) {
      stop();
      await server.finished;
      throw error;
    }
    for (const child of children) {
      child.status.then((status) => {
        if (!controller.signal.aborted) {
          console.error(`model server: worker ${child.pid} exited (code ${status.code})`);
        }
      });
    }
    const event: ListeningEvent = {
      event: "listening",
      url: `http://${urlHost(host)}:${boundPort}`,
      host,
      port: boundPort,
      pids: [Deno.pid, ...children.map((c) => c.pid)],
    };
    console.error(
      `model server: ${model.objective} model with ${model.treeCount} trees and ${model.numFeature} features from '${modelDir}', listening on ${event.url} with ${workers} process(es)`,
    );
    await writeLine(Deno.stdout, JSON.stringify(event));
  }
  await server.finished;
  await Promise.allSettled(children.map((c) => c.status));
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(signal, stop);
}

/** The host to put in a URL for clients: wildcard addresses become loopback. */
export function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "[::1]";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

async function writeLine(stream: typeof Deno.stdout, line: string): Promise<void> {
  const bytes = new TextEncoder().encode(line + "\n");
  let written = 0;
  while (written < bytes.length) written += await stream.write(bytes.subarray(written));
}

/** Starts one worker process with the same narrow permissions, and waits until it listens. */
async function startWorker(options: RunModelServerOptions & { port: number; host: string }) {
  const script = new URL(import.meta.url);
  const config = new URL("../deno.json", import.meta.url);
  const args = [
    "run",
    "--no-prompt",
    "--unstable-net",
    `--config=${config.pathname}`,
    `--allow-net=${hostForPermission(options.host)}:${options.port}`,
    `--allow-read=${options.modelDir}`,
    script.pathname,
    "--worker",
    `--host=${options.host}`,
    `--port=${options.port}`,
    `--model-dir=${options.modelDir}`,
  ];
  args.push(...handlerFlags(options), `--workers=${options.workers ?? 1}`);
  if (options.allowRemote) args.push("--allow-remote");
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: denoChildEnv(),
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const timeout = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 30_000);
  try {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) {
        throw new Error(
          `Cannot start worker process ${child.pid}: it exited before listening (code ${
            (await child.status).code
          })`,
        );
      }
      buffered += value;
    }
  } finally {
    clearTimeout(timeout);
  }
  if (!buffered.startsWith("ready ")) {
    throw new Error(`Cannot start worker process ${child.pid}: it said '${buffered.trim()}'`);
  }
  // Keep draining its stdout so it never blocks on a full pipe.
  (async () => {
    try {
      while (!(await lines.read()).done) { /* discard */ }
    } catch { /* closed */ }
  })();
  return child;
}

/**
 * The host as `--allow-net` takes it: an IPv6 address in brackets.
 *
 * @example Usage
 * ```ts
 * import { hostForPermission } from "./server.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hostForPermission("::1"), "[::1]");
 * assert.equal(hostForPermission("127.0.0.1"), "127.0.0.1");
 * ```
 */
export function hostForPermission(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** The numeric limit flags, with the option each sets and its range. */
const LIMIT_FLAGS = [
  ["max-body-bytes", "maxBodyBytes", 1, Number.MAX_SAFE_INTEGER],
  ["max-in-flight", "maxInFlight", 1, 1_000_000],
  ["max-queue-ms", "maxQueueMs", 1, 3_600_000],
  ["max-buffered-bytes", "maxBufferedBytes", 1, Number.MAX_SAFE_INTEGER],
  ["max-connections", "maxConnections", 1, 1_000_000],
  ["max-header-bytes", "maxHeaderBytes", 256, 1024 * 1024],
  ["header-timeout-ms", "headerTimeoutMs", 1, 3_600_000],
  ["body-timeout-ms", "bodyTimeoutMs", 1, 3_600_000],
  ["idle-timeout-ms", "idleTimeoutMs", 1, 3_600_000],
] as const;

/** The limits a server process takes as flags. */
export type ServerLimits =
  & Pick<ModelHandlerOptions, "maxBodyBytes" | "batchOutput">
  & HttpServerOptions;

/** `--help` of the model server (`deno task serve` adds `--cpus`). */
export const SERVER_HELP = `Serve an XGBoost model with the SageMaker container contract
(GET /ping, POST /invocations with text/csv rows).

  --model-dir PATH          model directory, model.tar.gz or model file (env SM_MODEL_DIR)
  --host H                  address to listen on (127.0.0.1); an address other than loopback
                            needs --allow-remote
  --allow-remote            allow --host to be reachable from other machines
  --port N                  port (8080; env SAGEMAKER_BIND_TO_PORT); 0 picks a free one
  --workers N               server processes sharing the port (1)
  --batch-output            one prediction per line (env SAGEMAKER_BATCH)
  --max-body-bytes N        largest body, 413 past it (6291456; env MAX_CONTENT_LENGTH, <= 20 MiB)
  --max-in-flight N         requests read and queued for scoring; 503 + Retry-After past it (128)
  --max-queue-ms MS         longest wait in that queue before a 503 (1000)
  --max-buffered-bytes N    request-body bytes held at once; 503 past it (67108864)
  --max-connections N       open connections; 503 and closed past it (1024)
  --max-header-bytes N      largest request head; 431 past it (16384)
  --header-timeout-ms MS    time for a request head to arrive; 408 and closed (10000)
  --body-timeout-ms MS      time for a body to arrive once its head is in; 408 and closed (60000)
  --idle-timeout-ms MS      time a keep-alive connection may wait for its next request (15000)
  --help                    this text
`;

/**
 * The server flags (see {@linkcode parseServerArgs}) that give a server process these limits;
 * unset limits are left out.
 *
 * @example Usage
 * ```ts
 * import { handlerFlags } from "./server.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(handlerFlags({ maxInFlight: 4, idleTimeoutMs: 500, batchOutput: true }), [
 *   "--max-in-flight=4",
 *   "--idle-timeout-ms=500",
 *   "--batch-output",
 * ]);
 * ```
 */
export function handlerFlags(options: ServerLimits): string[] {
  const flags: string[] = [];
  for (const [flag, key] of LIMIT_FLAGS) {
    const value = options[key];
    if (value !== undefined) flags.push(`--${flag}=${value}`);
  }
  if (options.batchOutput) flags.push("--batch-output");
  return flags;
}

/** The server would listen beyond this machine without `--allow-remote`. */
export class RemoteBindError extends Error {
  override name = "RemoteBindError";
}

/**
 * Throws a {@linkcode RemoteBindError} when `host` is not loopback (`isLoopbackHost` of the load
 * generator's target rule: `127.0.0.0/8`, `::1`, `localhost`) and `allowRemote` is not set.
 *
 * @example Usage
 * ```ts
 * import { requireLoopback } from "./server.ts";
 * import assert from "node:assert/strict";
 * requireLoopback("127.0.0.1");
 * requireLoopback("0.0.0.0", { allowRemote: true });
 * assert.throws(() => requireLoopback("0.0.0.0"), /--allow-remote/);
 * assert.throws(() => requireLoopback("evil.localhost"), /not a loopback address/);
 * ```
 */
export function requireLoopback(host: string, options: { allowRemote?: boolean } = {}): void {
  if (options.allowRemote || isLoopbackHost(host)) return;
  throw new RemoteBindError(
    `Refusing to listen on ${host}: it is not a loopback address, so other machines could reach the model server; pass --allow-remote to allow it`,
  );
}

/** Parses the server's command line (see the module doc); `--help` is {@linkcode SERVER_HELP}. */
export function parseServerArgs(args: string[]): RunModelServerOptions {
  const options: Record<string, { type: "string" | "boolean" }> = {
    "model-dir": { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
    workers: { type: "string" },
    "batch-output": { type: "boolean" },
    "allow-remote": { type: "boolean" },
    worker: { type: "boolean" },
  };
  for (const [flag] of LIMIT_FLAGS) options[flag] = { type: "string" };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new RangeError(
      `Cannot start the model server: ${(error as Error).message.split("\n")[0]}; see --help`,
    );
  }
  const str = (flag: string) => values[flag] as string | undefined;
  const int = (flag: string, value: string | undefined, min: number, max: number) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new RangeError(
        `Cannot start the model server: --${flag} (${value}) must be an integer in ${min}..${max}`,
      );
    }
    return n;
  };
  const modelDir = str("model-dir") ?? envIfPermitted("SM_MODEL_DIR");
  if (!modelDir) {
    throw new RangeError(
      "Cannot start the model server: no model; pass --model-dir with a model directory, model.tar.gz or model file",
    );
  }
  const limits: Record<string, number | undefined> = {};
  for (const [flag, key, min, max] of LIMIT_FLAGS) limits[key] = int(flag, str(flag), min, max);
  const maxBody = int(
    "max-body-bytes",
    str("max-body-bytes") ?? envIfPermitted("MAX_CONTENT_LENGTH"),
    1,
    Number.MAX_SAFE_INTEGER,
  );
  const parsed: RunModelServerOptions = {
    ...limits,
    modelDir,
    host: str("host") ?? "127.0.0.1",
    port: int("port", str("port") ?? envIfPermitted("SAGEMAKER_BIND_TO_PORT"), 0, 65535) ?? 8080,
    workers: int("workers", str("workers"), 1, 256) ?? 1,
    // Like the container, MAX_CONTENT_LENGTH is capped at 20 MiB.
    maxBodyBytes: maxBody === undefined ? undefined : Math.min(maxBody, MAX_BODY_CAP),
    batchOutput: (values["batch-output"] as boolean | undefined) ??
      Boolean(envIfPermitted("SAGEMAKER_BATCH")),
    allowRemote: (values["allow-remote"] as boolean | undefined) ?? false,
    worker: (values.worker as boolean | undefined) ?? false,
  };
  return parsed;
}

if (import.meta.main) {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(SERVER_HELP);
    Deno.exit(0);
  }
  try {
    await runModelServer(parseServerArgs(Deno.args));
    Deno.exit(0); // a worker's pending stdin read would keep the process alive
  } catch (error) {
    console.error((error as Error)?.message ?? String(error));
    // A wrong flag or a refused --host is the user's to fix: exit 2, like the scripts.
    Deno.exit(error instanceof RangeError || error instanceof RemoteBindError ? 2 : 1);
  }
}
