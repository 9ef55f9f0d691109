/**
 * A stub HTTP server for tests and benchmarks of the load generator. It answers every request
 * with a fixed body after a fixed service time, serving at most `--concurrency` requests at a
 * time (the rest wait in FIFO order), so its throughput saturates at
 * `concurrency / service time`, like a model server with a fixed number of workers.
 *
 * `deno run --allow-net load/testdata/stub_server.ts [--port 0] [--delay-ms 0] [--concurrency 0]`
 * prints `{"port":N}` on stdout once listening; `--concurrency 0` means no limit. With no delay
 * and no limit it is the minimal fixed-response `Deno.serve` server of the benchmark.
 *
 * @module
 */

import { denoChildEnv } from "../../machine/children.ts";

/** Options of {@linkcode startStubServer}. */
export interface StubServerOptions {
  /** Port; 0 picks a free one. @default 0 */
  port?: number;
  /** Service time per request, ms. @default 0 */
  delayMs?: number;
  /** Requests served at once; 0 means no limit. @default 0 */
  concurrency?: number;
  /** Response body. @default "ok" */
  body?: string;
}

/**
 * Starts the stub server in this process.
 *
 * @example Usage
 * ```ts
 * import { startStubServer } from "./stub_server.ts";
 * import assert from "node:assert/strict";
 * const server = startStubServer({ delayMs: 1 });
 * try {
 *   const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 *   assert.equal(await res.text(), "ok");
 * } finally {
 *   await server.shutdown();
 * }
 * ```
 */
export function startStubServer(options: StubServerOptions = {}): Deno.HttpServer<Deno.NetAddr> {
  const delayMs = options.delayMs ?? 0;
  const concurrency = options.concurrency ?? 0;
  const body = options.body ?? "ok";
  let busy = 0;
  const waiting: Array<() => void> = [];
  const serve = async (request: Request): Promise<Response> => {
    await request.arrayBuffer();
    if (concurrency > 0) {
      if (busy >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
      else busy++;
    }
    try {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return new Response(body);
    } finally {
      if (concurrency > 0) {
        const next = waiting.shift();
        if (next) next(); // hand the slot over
        else busy--;
      }
    }
  };
  const handler = delayMs === 0 && concurrency === 0 ? () => new Response(body) : serve;
  return Deno.serve({ hostname: "127.0.0.1", port: options.port ?? 0, onListen() {} }, handler);
}

/** The stub server running in a child process, from {@linkcode spawnStubServer}. */
export interface SpawnedStubServer {
  /** Process id of the server (to sample its CPU and memory). */
  pid: number;
  /** Port it listens on, on 127.0.0.1. */
  port: number;
  /** Sends SIGTERM and waits for the process to end. */
  stop(): Promise<Deno.CommandStatus>;
}

/**
 * Starts the stub server as a separate `deno run` process and waits until it listens.
 *
 * @example Usage
 * ```ts
 * import { spawnStubServer } from "./stub_server.ts";
 * import assert from "node:assert/strict";
 * const server = await spawnStubServer({ delayMs: 1 });
 * try {
 *   const res = await fetch(`http://127.0.0.1:${server.port}/`);
 *   assert.equal(await res.text(), "ok");
 * } finally {
 *   await server.stop();
 * }
 * ```
 */
export async function spawnStubServer(
  options: Omit<StubServerOptions, "body"> = {},
): Promise<SpawnedStubServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      new URL(import.meta.url).pathname,
      "--port",
      String(options.port ?? 0),
      "--delay-ms",
      String(options.delayMs ?? 0),
      "--concurrency",
      String(options.concurrency ?? 0),
    ],
    env: denoChildEnv(),
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("The stub server exited before listening");
    text += value;
  }
  return {
    pid: child.pid,
    port: JSON.parse(text.split("\n")[0]).port as number,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already ended
      }
      await reader.cancel();
      return await child.status;
    },
  };
}

function flag(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(Deno.args[i + 1]);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`Invalid --${name} "${Deno.args[i + 1]}": give a number of 0 or more`);
    Deno.exit(2);
  }
  return n;
}

if (import.meta.main) {
  const server = startStubServer({
    port: flag("port", 0),
    delayMs: flag("delay-ms", 0),
    concurrency: flag("concurrency", 0),
  });
  console.log(JSON.stringify({ port: server.addr.port }));
  const stop = () => server.shutdown();
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  await server.finished;
}
