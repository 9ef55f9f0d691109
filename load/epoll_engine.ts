/**
 * The main-thread side of the `epoll` transport (see `engine.ts`): starts the worker of
 * `epoll_worker.ts`, steers it through a shared control block and turns its messages back into
 * closed intervals.
 *
 * @module
 */

import type { Engine, EngineOptions } from "./engine.ts";
import { CONTROL, type EpollWorkerConfig, type EpollWorkerMessage } from "./epoll_worker.ts";
import { LatencyHistogram } from "./histogram.ts";
import { ProcessSampler } from "./process_stats.ts";

/**
 * The `epoll` engine (see {@linkcode Engine}); create it with `EpollEngine.create`.
 *
 * @example Usage
 * ```ts
 * import { EpollEngine } from "./epoll_engine.ts";
 * import { buildRequest } from "./http_connection.ts";
 * import { parseTarget } from "./target.ts";
 * import assert from "node:assert/strict";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
 * const target = parseTarget(`http://127.0.0.1:${server.addr.port}/`);
 * let successes = 0;
 * const done = Promise.withResolvers<void>();
 * const engine = await EpollEngine.create({
 *   target, requests: [buildRequest(target)], maxRequests: 500,
 *   onInterval: (i) => (successes += i.stats.successes), onRequestsDone: done.resolve,
 * });
 * try {
 *   engine.start(performance.now());
 *   engine.setUsers(4);
 *   await done.promise;
 * } finally {
 *   await engine.stop(performance.now());
 *   await server.shutdown();
 * }
 * assert.equal(successes, 500);
 * ```
 */
export class EpollEngine implements Engine {
  /** Always `epoll`. */
  readonly transport = "epoll" as const;
  readonly #worker: Worker;
  readonly #ints: Int32Array;
  readonly #floats: Float64Array;
  readonly #options: EngineOptions;
  #users = 0;
  #lastFailure: string | null = null;
  #stopped = Promise.withResolvers<void>();
  #failure: Error | null = null;
  #stopping = false;

  private constructor(worker: Worker, control: SharedArrayBuffer, options: EngineOptions) {
    this.#worker = worker;
    this.#ints = new Int32Array(control, 0, 8);
    this.#floats = new Float64Array(control, 32, 4);
    this.#options = options;
  }

  /** Starts the worker and resolves once it is ready to send (or rejects with its error). */
  static async create(options: EngineOptions): Promise<EpollEngine> {
    if (options.requests.length === 0) {
      throw new RangeError("Cannot run a load test without a request");
    }
    // Checked here so that a bad process id is the caller's error, before anything starts.
    if (options.pids && options.pids.length > 0) new ProcessSampler(options.pids);
    const control = new SharedArrayBuffer(CONTROL.bytes);
    const worker = new Worker(new URL("./epoll_worker.ts", import.meta.url), { type: "module" });
    const engine = new EpollEngine(worker, control, options);
    const ready = Promise.withResolvers<void>();
    worker.onmessage = (event: MessageEvent<EpollWorkerMessage>) => {
      const m = event.data;
      if (m.type === "ready") ready.resolve();
      else engine.#onMessage(m, ready.reject);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      engine.#fatal(new Error(`The load worker failed: ${event.message}`), ready.reject);
    };
    const config: EpollWorkerConfig = {
      hostname: options.target.hostname,
      port: options.target.port,
      requests: options.requests,
      timeoutMs: options.timeoutMs ?? 60_000,
      maxRequests: options.maxRequests ?? null,
      pids: options.pids ?? [],
      control,
      mainTimeOrigin: performance.timeOrigin,
    };
    worker.postMessage(config);
    try {
      await ready.promise;
    } catch (error) {
      worker.terminate();
      throw error;
    }
    return engine;
  }

  #onMessage(m: EpollWorkerMessage, reject: (e: Error) => void): void {
    switch (m.type) {
      case "interval":
        this.#lastFailure = m.lastFailure ?? this.#lastFailure;
        this.#options.onInterval({
          stats: m.stats,
          histogram: LatencyHistogram.fromTransfer(m.histogram),
        });
        break;
      case "requestsDone":
        this.#options.onRequestsDone?.();
        break;
      case "stopped":
        this.#stopped.resolve();
        break;
      case "error": {
        const error = new Error(`The load worker failed: ${m.message}`);
        if (m.stack) error.stack = m.stack;
        this.#fatal(error, reject);
        break;
      }
    }
  }

  #fatal(error: Error, reject: (e: Error) => void): void {
    this.#failure ??= error;
    reject(error);
    this.#stopped.reject(error);
    this.#stopped.promise.catch(() => {});
    if (!this.#stopping) this.#options.onError?.(error);
  }

  /** Closed-loop users asked for. */
  get users(): number {
    return this.#users;
  }

  /** Message of the last request that failed without an HTTP status (`null` if none). */
  get lastFailure(): string | null {
    return this.#lastFailure;
  }

  /** Starts the first interval at `startMs`. */
  start(startMs: number): void {
    this.#floats[CONTROL.START_MS] = startMs;
    Atomics.store(this.#ints, CONTROL.STATE, 1);
    Atomics.notify(this.#ints, CONTROL.STATE);
  }

  /** Sets the closed-loop users (the worker picks it up within 5 ms). */
  setUsers(n: number): void {
    this.#users = n;
    Atomics.store(this.#ints, CONTROL.USERS, n);
  }

  /** Starts the open-loop rate. */
  startOpenLoop(requestsPerSecond: number, maxConnections: number): void {
    if (!(requestsPerSecond > 0)) {
      throw new RangeError(
        `Invalid rate ${requestsPerSecond}: give a positive number of requests per second`,
      );
    }
    this.#floats[CONTROL.RATE] = requestsPerSecond;
    this.#floats[CONTROL.MAX_CONNECTIONS] = maxConnections;
    Atomics.store(this.#ints, CONTROL.OPEN_LOOP, 1);
  }

  /** Stops at `endMs` and resolves once the worker delivered its last interval and ended. */
  async stop(endMs: number): Promise<void> {
    this.#stopping = true;
    this.#floats[CONTROL.END_MS] = endMs;
    Atomics.store(this.#ints, CONTROL.STATE, 2);
    Atomics.notify(this.#ints, CONTROL.STATE);
    try {
      await this.#stopped.promise;
    } finally {
      this.#worker.terminate();
    }
  }
}
