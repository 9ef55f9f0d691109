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
 * container: a body cut off by the client → 400, a body that stalls past the timeout → 408,
 * more requests in flight (or bytes buffered) than the limits → 503 with `Retry-After`, so
 * memory stays bounded under overload. Every error answer is one line of `text/plain`.
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
 * Flags: `--model-dir` (directory, `model.tar.gz` or model file; env `SM_MODEL_DIR` if
 * readable), `--host` (127.0.0.1), `--port` (8080; env `SAGEMAKER_BIND_TO_PORT` if readable),
 * `--workers N` (processes sharing the port with `SO_REUSEPORT`; needs `--unstable-net` and
 * `--allow-run=<deno>`; the children get the same narrow net/read permissions and exit when this
 * process goes away), `--max-in-flight` (128), `--max-buffered-bytes` (64 MiB),
 * `--body-timeout-ms` (60000), `--batch-output` (env `SAGEMAKER_BATCH`), `--max-body-bytes`
 * (env `MAX_CONTENT_LENGTH`, 6 MiB, capped at 20 MiB like the container).
 * When it listens it prints one JSON line to stdout:
 * `{"event":"listening","url":...,"port":...,"pids":[...]}`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { CsvParseError, FeatureCountError, parseCsvFeatures } from "./csv_features.ts";
import { formatPythonFloat } from "./float_format.ts";
import { readModelArtifact } from "./tarball.ts";
import { loadXGBoostModel, predict, type XGBoostModel } from "./xgboost_json.ts";

/** The container's default `MAX_CONTENT_LENGTH`: 6 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;
/** The container caps `MAX_CONTENT_LENGTH` at 20 MiB. */
const MAX_BODY_CAP = 20 * 1024 * 1024;

/** Options of {@linkcode createModelHandler}. */
export interface ModelHandlerOptions {
  /**
   * Largest request body (bytes); larger → 413.
   * @default {6291456}
   */
  maxBodyBytes?: number;
  /**
   * Most requests handled at once by this process; more → 503.
   * @default {128}
   */
  maxInFlight?: number;
  /**
   * Most request-body bytes held at once by this process; more → 503.
   * @default {67108864}
   */
  maxBufferedBytes?: number;
  /**
   * Longest time to receive a request body (ms); slower → 408. SageMaker gives a container 60 s.
   * @default {60000}
   */
  bodyTimeoutMs?: number;
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

/** Counters of a handler, for tests and diagnostics. */
export interface ModelHandlerStats {
  /** Requests being handled now. */
  inFlight: number;
  /** Request-body bytes held now. */
  bufferedBytes: number;
  /** Requests refused with 503 so far. */
  rejected: number;
}

/** An HTTP handler for the container contract, with its live counters. */
export interface ModelHandler {
  (request: Request): Promise<Response>;
  /** Live counters. */
  readonly stats: ModelHandlerStats;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const CSV_HEADERS = { "content-type": "text/csv; charset=utf-8" };

/** A one-line `text/plain` answer. */
function reply(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(message.replace(/[\r\n]+/g, " ") + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** The path of a request URL without building a `URL` object (hot path). */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start < 0) return "/";
  let end = url.length;
  const q = url.indexOf("?", start);
  if (q >= 0) end = q;
  const h = url.indexOf("#", start);
  if (h >= 0 && h < end) end = h;
  return url.slice(start, end);
}

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
 * Makes the request handler of the container contract for a loaded model. It never throws:
 * every failure becomes a status and a one-line reason.
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
 * const bad = await handle(new Request("http://x/invocations", {
 *   method: "POST", headers: { "content-type": "text/csv" }, body: "1,2",
 * }));
 * assert.equal(bad.status, 400);
 * ```
 */
export function createModelHandler(
  model: XGBoostModel,
  options: ModelHandlerOptions = {},
): ModelHandler {
  const {
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    maxInFlight = 128,
    maxBufferedBytes = 64 * 1024 * 1024,
    bodyTimeoutMs = 60_000,
    batchOutput = false,
    workers = 1,
  } = options;
  const stats: ModelHandlerStats = { inFlight: 0, bufferedBytes: 0, rejected: 0 };

  const busy = (request: Request, why: string): Response => {
    stats.rejected++;
    request.body?.cancel().catch(() => {});
    return reply(503, `Server is busy: ${why}; retry later`, {
      "retry-after": "1",
      connection: "close",
    });
  };

  /** Reads the body within the size, memory and time limits. */
  const readBody = async (request: Request, declared: number): Promise<Uint8Array> => {
    const body = request.body;
    if (!body) return new Uint8Array(0);
    const reader = body.getReader();
    let reserved = 0;
    const reserve = (bytes: number) => {
      if (stats.bufferedBytes + bytes > maxBufferedBytes) {
        throw new HttpError(
          503,
          `Server is busy: ${stats.bufferedBytes} bytes of request bodies buffered (limit ${maxBufferedBytes}); retry later`,
        );
      }
      stats.bufferedBytes += bytes;
      reserved += bytes;
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reader.cancel().catch(() => {});
    }, bodyTimeoutMs);
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      if (declared > 0) reserve(declared);
      while (true) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch {
          if (timedOut) {
            throw new HttpError(
              408,
              `Request body not received within ${bodyTimeoutMs} ms (got ${total} bytes)`,
            );
          }
          throw new HttpError(
            400,
            `Request body was cut off after ${total}${
              declared >= 0 ? ` of ${declared}` : ""
            } bytes; the client closed the connection before sending all of it`,
          );
        }
        if (result.done) break;
        if (timedOut) break;
        const chunk = result.value;
        total += chunk.length;
        if (total > maxBodyBytes) {
          throw new HttpError(
            413,
            `Request body is larger than the limit of ${maxBodyBytes} bytes; send at most 6 MB per request`,
          );
        }
        if (total > reserved) reserve(total - reserved);
        chunks.push(chunk);
      }
      if (timedOut) {
        throw new HttpError(
          408,
          `Request body not received within ${bodyTimeoutMs} ms (got ${total} bytes)`,
        );
      }
      if (declared >= 0 && total < declared) {
        throw new HttpError(400, `Request body was cut off after ${total} of ${declared} bytes`);
      }
    } catch (error) {
      reader.cancel().catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
      stats.bufferedBytes -= reserved;
    }
    if (chunks.length === 1) return chunks[0];
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  };

  const invocations = async (request: Request): Promise<Response> => {
    const lengthHeader = request.headers.get("content-length");
    let declared = -1;
    if (lengthHeader !== null) {
      declared = /^\d{1,15}$/.test(lengthHeader.trim()) ? Number(lengthHeader) : NaN;
      if (!Number.isFinite(declared)) {
        return reply(400, `Content-Length '${lengthHeader}' is not a byte count`);
      }
      if (declared > maxBodyBytes) {
        request.body?.cancel().catch(() => {});
        return reply(
          413,
          `Request body of ${declared} bytes is larger than the limit of ${maxBodyBytes} bytes; send at most 6 MB per request`,
          { connection: "close" },
        );
      }
      if (stats.bufferedBytes + declared > maxBufferedBytes) {
        return busy(
          request,
          `${stats.bufferedBytes} bytes of request bodies buffered (limit ${maxBufferedBytes})`,
        );
      }
    }
    let body: Uint8Array;
    try {
      body = await readBody(request, declared);
    } catch (error) {
      if (error instanceof HttpError) {
        if (error.status === 503) stats.rejected++;
        return reply(error.status, error.message, { connection: "close" });
      }
      throw error;
    }
    if (body.length === 0) return new Response(null, { status: 204 });
    const contentType = request.headers.get("content-type");
    const mediaType = contentType?.split(";", 1)[0].trim().toLowerCase() ?? "";
    if (mediaType !== "text/csv") {
      return reply(
        415,
        contentType === null
          ? "Content-Type is missing; send text/csv (CSV rows of numbers, no header)"
          : `Content-Type '${contentType}' is not supported; send text/csv (CSV rows of numbers, no header)`,
      );
    }
    let rows;
    try {
      rows = parseCsvFeatures(body, model.numFeature);
    } catch (error) {
      if (error instanceof CsvParseError) return reply(415, error.message);
      if (error instanceof FeatureCountError) return reply(400, error.message);
      throw error;
    }
    const predictions = predict(model, rows.values);
    return new Response(formatPredictions(predictions, model.outputsPerRow, { batchOutput }), {
      headers: CSV_HEADERS,
    });
  };

  const handler = async (request: Request): Promise<Response> => {
    try {
      const path = pathOf(request.url);
      if (path === "/invocations") {
        if (request.method !== "POST") {
          request.body?.cancel().catch(() => {});
          return reply(405, `Method ${request.method} is not allowed on /invocations; use POST`, {
            allow: "POST",
          });
        }
        if (stats.inFlight >= maxInFlight) {
          return busy(request, `${stats.inFlight} requests in flight (limit ${maxInFlight})`);
        }
        stats.inFlight++;
        try {
          return await invocations(request);
        } finally {
          stats.inFlight--;
        }
      }
      if (path === "/ping") {
        if (request.method !== "GET" && request.method !== "HEAD") {
          return reply(405, `Method ${request.method} is not allowed on /ping; use GET`, {
            allow: "GET, HEAD",
          });
        }
        return new Response(null, { status: 200 });
      }
      if (path === "/execution-parameters" && request.method === "GET") {
        return Response.json({
          MaxConcurrentTransforms: workers,
          BatchStrategy: "MULTI_RECORD",
          MaxPayloadInMB: Math.floor(maxBodyBytes / (1024 * 1024)),
        });
      }
      request.body?.cancel().catch(() => {});
      return reply(
        404,
        `No route for ${request.method} ${path.slice(0, 100)}; use GET /ping or POST /invocations`,
      );
    } catch (error) {
      console.error(`model server: unexpected error: ${(error as Error)?.stack ?? error}`);
      return reply(500, `Internal error: ${(error as Error)?.message ?? error}`);
    }
  };
  return Object.assign(handler, { stats });
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
export interface RunModelServerOptions extends ModelHandlerOptions {
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
  const model = await loadModelFrom(modelDir);
  const handler = createModelHandler(model, options);
  const controller = new AbortController();
  let boundPort = port;
  const listening = Promise.withResolvers<void>();
  const shared = workers > 1 || worker;
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: host,
      port,
      reusePort: shared,
      signal: controller.signal,
      onListen: (addr) => {
        boundPort = (addr as Deno.NetAddr).port;
        listening.resolve();
      },
      onError: (error) => {
        console.error(`model server: unexpected error: ${error}`);
        return reply(500, `Internal error: ${(error as Error)?.message ?? error}`);
      },
    }, handler);
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
  await listening.promise;
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
  const child = new Deno.Command(Deno.execPath(), {
    args,
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

/**
 * The server flags (see {@linkcode parseServerArgs}) that give a server process these handler
 * limits; unset limits are left out.
 *
 * @example Usage
 * ```ts
 * import { handlerFlags } from "./server.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(handlerFlags({ maxInFlight: 4, batchOutput: true }), [
 *   "--max-in-flight=4",
 *   "--batch-output",
 * ]);
 * ```
 */
export function handlerFlags(options: ModelHandlerOptions): string[] {
  const flags: string[] = [];
  for (
    const [flag, value] of [
      ["max-body-bytes", options.maxBodyBytes],
      ["max-in-flight", options.maxInFlight],
      ["max-buffered-bytes", options.maxBufferedBytes],
      ["body-timeout-ms", options.bodyTimeoutMs],
    ] as const
  ) {
    if (value !== undefined) flags.push(`--${flag}=${value}`);
  }
  if (options.batchOutput) flags.push("--batch-output");
  return flags;
}

/** Parses the server's command line (see the module doc). */
export function parseServerArgs(args: string[]): RunModelServerOptions {
  const { values } = parseArgs({
    args,
    options: {
      "model-dir": { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      workers: { type: "string" },
      "max-body-bytes": { type: "string" },
      "max-in-flight": { type: "string" },
      "max-buffered-bytes": { type: "string" },
      "body-timeout-ms": { type: "string" },
      "batch-output": { type: "boolean" },
      worker: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
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
  const modelDir = values["model-dir"] ?? envIfPermitted("SM_MODEL_DIR");
  if (!modelDir) {
    throw new RangeError(
      "Cannot start the model server: no model; pass --model-dir with a model directory, model.tar.gz or model file",
    );
  }
  const envPort = envIfPermitted("SAGEMAKER_BIND_TO_PORT");
  const envMax = envIfPermitted("MAX_CONTENT_LENGTH");
  const maxBody = int(
    "max-body-bytes",
    values["max-body-bytes"] ?? envMax,
    1,
    Number.MAX_SAFE_INTEGER,
  );
  return {
    modelDir,
    host: values.host ?? "127.0.0.1",
    port: int("port", values.port ?? envPort, 0, 65535) ?? 8080,
    workers: int("workers", values.workers, 1, 256) ?? 1,
    // Like the container, MAX_CONTENT_LENGTH is capped at 20 MiB.
    maxBodyBytes: maxBody === undefined ? undefined : Math.min(maxBody, MAX_BODY_CAP),
    maxInFlight: int("max-in-flight", values["max-in-flight"], 1, 1_000_000),
    maxBufferedBytes: int(
      "max-buffered-bytes",
      values["max-buffered-bytes"],
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    bodyTimeoutMs: int("body-timeout-ms", values["body-timeout-ms"], 1, 3_600_000),
    batchOutput: values["batch-output"] ?? Boolean(envIfPermitted("SAGEMAKER_BATCH")),
    worker: values.worker ?? false,
  };
}

if (import.meta.main) {
  try {
    await runModelServer(parseServerArgs(Deno.args));
    Deno.exit(0); // a worker's pending stdin read would keep the process alive
  } catch (error) {
    console.error((error as Error)?.message ?? String(error));
    Deno.exit(1);
  }
}
