/**
 * The `socket` transport: closed-loop users (each sends, waits for the answer, sends the next,
 * with no think time) and an open-loop constant arrival rate over `Deno.connect` sockets on the
 * main thread. Each user, or each open-loop worker, owns one keep-alive connection with one
 * request in flight.
 *
 * Timeouts are enforced by one watchdog timer that closes connections whose request is too old
 * (no timer per request). In open loop, latency and timeouts are measured from the *scheduled*
 * send time, so a server that falls behind cannot hide its delay (no coordinated omission).
 *
 * @module
 */

import type { Engine, EngineOptions } from "./engine.ts";
import { HttpConnection, RequestFailure } from "./http_connection.ts";
import { IntervalRecorder } from "./interval_recorder.ts";
import { DueQueue, EARLY_MS } from "./open_loop.ts";
import { ProcessSampler } from "./process_stats.ts";
import { nextBackoffMs } from "./reconnect_backoff.ts";
import type { Target } from "./target.ts";

interface Worker {
  connection: HttpConnection;
  /** `performance.now()` the pending request counts from (0 when idle). */
  since: number;
  retired: boolean;
  done: Promise<void>;
}

const RETIRED = -1;

/**
 * The `socket` engine (see the module doc and {@linkcode Engine}).
 *
 * @example Usage
 * ```ts
 * import { SocketEngine } from "./socket_engine.ts";
 * import { buildRequest } from "./http_connection.ts";
 * import { parseTarget } from "./target.ts";
 * import assert from "node:assert/strict";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
 * const target = parseTarget(`http://127.0.0.1:${server.addr.port}/`);
 * let successes = 0;
 * const done = Promise.withResolvers<void>();
 * const engine = new SocketEngine({
 *   target, requests: [buildRequest(target)], maxRequests: 50,
 *   onInterval: (i) => (successes += i.stats.successes), onRequestsDone: done.resolve,
 * });
 * engine.start(performance.now());
 * engine.setUsers(4);
 * await done.promise;
 * await engine.stop(performance.now());
 * await server.shutdown();
 * assert.equal(successes, 50);
 * ```
 */
export class SocketEngine implements Engine {
  /** Always `socket`. */
  readonly transport = "socket" as const;
  readonly #target: Target;
  readonly #requests: Uint8Array[];
  readonly #options: EngineOptions;
  #recorder: IntervalRecorder | null = null;
  #tick: ReturnType<typeof setTimeout> | undefined;
  #openLoop = false;
  readonly #timeoutMs: number;
  readonly #maxRequests: number;
  readonly #onRequestsDone?: () => void;
  readonly #users: Worker[] = [];
  readonly #workers: Worker[] = [];
  readonly #sleepers = new Set<() => void>();
  #rr = 0;
  #issued = 0;
  #completed = 0;
  #stopped = false;
  #lastFailure: string | null = null;
  readonly #sampler: ProcessSampler | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  // open loop
  #rate = 0;
  #openStart = 0;
  #scheduled = 0;
  readonly #queue = new DueQueue();
  #idle: Array<(due: number) => void> = [];
  #busy = 0;
  #maxConnections = 0;
  #dispatchTimer: ReturnType<typeof setTimeout> | undefined;

  /** Creates an engine; nothing is sent until `start` and `setUsers` or `startOpenLoop`. */
  constructor(options: EngineOptions) {
    if (options.requests.length === 0) {
      throw new RangeError("Cannot run a load test without a request");
    }
    this.#target = options.target;
    this.#requests = options.requests;
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#maxRequests = options.maxRequests ?? Infinity;
    this.#onRequestsDone = options.onRequestsDone;
    // Checked here so that a bad process id fails before anything starts.
    this.#sampler = options.pids && options.pids.length > 0
      ? new ProcessSampler(options.pids)
      : undefined;
  }

  /** Starts the first interval at `startMs`, the watchdog and the interval clock. */
  start(startMs: number): void {
    if (this.#recorder) throw new Error("The engine was started already");
    const sampler = this.#sampler;
    this.#recorder = new IntervalRecorder({
      startMs,
      onInterval: this.#options.onInterval,
      sample: sampler ? () => sampler.sample() : undefined,
      users: () => (this.#openLoop ? this.openLoopBacklog : this.#users.length),
    });
    const tick = Math.max(5, Math.min(250, this.#timeoutMs / 4));
    this.#watchdog = setInterval(() => this.#checkTimeouts(), tick);
    // Close intervals on time even when nothing completes.
    const roll = () => {
      const recorder = this.#recorder!;
      recorder.roll(performance.now());
      const next = startMs + (recorder.currentIndex + 1) * 1000 + 1;
      this.#tick = setTimeout(roll, Math.max(0, next - performance.now()));
    };
    this.#tick = setTimeout(roll, Math.max(0, startMs + 1001 - performance.now()));
  }

  #requireStarted(): void {
    if (!this.#recorder) throw new Error("Call start() before sending requests");
  }

  get #rec(): IntervalRecorder {
    this.#requireStarted();
    return this.#recorder!;
  }

  /** Active closed-loop users. */
  get users(): number {
    return this.#users.length;
  }

  /** Open loop: requests in flight plus requests waiting for a connection. */
  get openLoopBacklog(): number {
    return this.#busy + this.#queue.length;
  }

  /** Requests sent so far. */
  get issued(): number {
    return this.#issued;
  }

  /** Requests completed so far (successes and failures). */
  get completed(): number {
    return this.#completed;
  }

  /** The message of the last request that failed without an HTTP status (`null` if none). */
  get lastFailure(): string | null {
    return this.#lastFailure;
  }

  /** Whether `stop()` was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Sets the number of closed-loop users: new users start at once; surplus users (the newest
   * first) stop after their current request.
   */
  setUsers(n: number): void {
    if (this.#stopped) return;
    this.#requireStarted();
    while (this.#users.length < n) this.#users.push(this.#addWorker((w) => this.#runUser(w)));
    while (this.#users.length > n) this.#users.pop()!.retired = true;
  }

  /**
   * Starts an open-loop arrival rate: request `i` is due at `start + i / rate`; it goes to an
   * idle connection, or waits for one (new connections open while fewer than
   * `maxConnections` exist).
   */
  startOpenLoop(requestsPerSecond: number, maxConnections = 1024): void {
    if (!(requestsPerSecond > 0)) {
      throw new RangeError(
        `Invalid rate ${requestsPerSecond}: give a positive number of requests per second`,
      );
    }
    this.#requireStarted();
    this.#openLoop = true;
    this.#rate = requestsPerSecond;
    this.#maxConnections = maxConnections;
    this.#openStart = performance.now();
    this.#dispatch();
  }

  /**
   * Stops at `endMs` (completions after it are not counted) and waits until every loop has
   * ended and every connection is closed.
   */
  async stop(endMs: number): Promise<void> {
    this.#stopped = true;
    this.#recorder?.finish(endMs);
    clearTimeout(this.#tick);
    clearInterval(this.#watchdog);
    clearTimeout(this.#dispatchTimer);
    for (const wake of this.#sleepers) wake();
    this.#sleepers.clear();
    for (const resolve of this.#idle.splice(0)) resolve(RETIRED);
    for (const w of this.#workers) w.connection.close();
    await Promise.all(this.#workers.map((w) => w.done));
    for (const w of this.#workers) w.connection.close();
    this.#users.length = 0;
  }

  #nextRequest(): Uint8Array {
    const r = this.#requests;
    if (r.length === 1) return r[0];
    const i = this.#rr;
    this.#rr = i + 1 === r.length ? 0 : i + 1;
    return r[i];
  }

  /** Opens a connection and starts `run` on it. */
  #addWorker(run: (w: Worker) => Promise<void>): Worker {
    const worker: Worker = {
      connection: new HttpConnection(this.#target),
      since: 0,
      retired: false,
      done: Promise.resolve(),
    };
    worker.done = run(worker);
    this.#workers.push(worker);
    return worker;
  }

  #completedOne(): void {
    this.#completed++;
    if (this.#completed === this.#maxRequests) this.#onRequestsDone?.();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  #checkTimeouts(): void {
    const limit = performance.now() - this.#timeoutMs;
    for (const w of this.#workers) {
      if (w.since !== 0 && w.since < limit) w.connection.abort();
    }
  }

  /** Records the outcome of one answered request that completed at `now`. */
  #record(
    status: number,
    startedAt: number,
    now: number,
    request: Uint8Array,
    connection: HttpConnection,
  ): void {
    if (status >= 200 && status < 300) {
      this.#rec.success(now - startedAt, request.length, connection.bytesReceived, now);
    } else {
      this.#rec.failure(`http-${status}`, request.length, connection.bytesReceived, now);
    }
    this.#completedOne();
  }

  /**
   * Records a request that failed without an answer; returns whether it was a connection error
   * (which the caller backs off from).
   */
  #failed(error: unknown, request: Uint8Array): boolean {
    const kind = error instanceof RequestFailure ? error.kind : "connection";
    this.#lastFailure = error instanceof Error ? error.message : String(error);
    this.#rec.failure(kind, request.length, 0, performance.now());
    this.#completedOne();
    return kind === "connection";
  }

  async #runUser(w: Worker): Promise<void> {
    let backoff = 0;
    const connection = w.connection;
    // A user sends its next request as soon as the previous answer is recorded, so the end time
    // of one request serves as the start time of the next (one clock read per request; the
    // bookkeeping between them, well under a microsecond, counts as latency).
    let now = performance.now();
    while (!w.retired && !this.#stopped && this.#issued < this.#maxRequests) {
      this.#issued++;
      const request = this.#nextRequest();
      const startedAt = now;
      w.since = startedAt;
      let status: number;
      try {
        status = await connection.send(request);
      } catch (error) {
        w.since = 0;
        if (this.#stopped) break;
        if (this.#failed(error, request)) {
          // A refusing server must not turn users into a busy loop.
          backoff = nextBackoffMs(backoff);
          await this.#sleep(backoff);
        }
        now = performance.now();
        continue;
      }
      now = performance.now();
      w.since = 0;
      if (this.#stopped) break;
      backoff = 0;
      this.#record(status, startedAt, now, request, connection);
    }
    connection.close();
  }

  #dispatch(): void {
    this.#dispatchTimer = undefined;
    if (this.#stopped) return;
    const now = performance.now();
    const gap = 1000 / this.#rate;
    while (this.#scheduled < this.#maxRequests) {
      const due = this.#openStart + this.#scheduled * gap;
      if (due > now + EARLY_MS) break;
      this.#scheduled++;
      const idle = this.#idle.pop();
      if (idle) idle(due);
      else this.#queue.push(due);
    }
    this.#grow(now);
    if (this.#scheduled < this.#maxRequests) {
      const next = this.#openStart + this.#scheduled * gap;
      this.#dispatchTimer = setTimeout(
        () => this.#dispatch(),
        Math.max(0, next - EARLY_MS - performance.now()),
      );
    }
  }

  /** Opens connections for requests that waited too long (see `DueQueue.connectionsToOpen`). */
  #grow(now: number): void {
    const open = this.#queue.connectionsToOpen(now, this.#workers.length, this.#maxConnections);
    for (let k = 0; k < open; k++) this.#addWorker((w) => this.#runOpenWorker(w));
  }

  async #runOpenWorker(w: Worker): Promise<void> {
    const connection = w.connection;
    let backoff = 0;
    while (!this.#stopped) {
      let due = this.#queue.take();
      if (due === undefined) {
        due = await new Promise<number>((resolve) => this.#idle.push(resolve));
        if (due === RETIRED) break;
      }
      this.#issued++;
      this.#busy++;
      const request = this.#nextRequest();
      const now = performance.now();
      // Latency counts from the due time, or from now if it leaves early (see EARLY_MS).
      const from = due < now ? due : now;
      if (now - from > this.#timeoutMs) {
        // It waited for a connection past its timeout.
        this.#busy--;
        this.#rec.failure("timeout", 0, 0, now);
        this.#completedOne();
        continue;
      }
      w.since = from;
      let status: number;
      try {
        status = await connection.send(request);
      } catch (error) {
        w.since = 0;
        this.#busy--;
        if (this.#stopped) break;
        if (this.#failed(error, request)) {
          backoff = nextBackoffMs(backoff);
          await this.#sleep(backoff);
        }
        continue;
      }
      w.since = 0;
      this.#busy--;
      if (this.#stopped) break;
      backoff = 0;
      this.#record(status, from, performance.now(), request, connection);
    }
    connection.close();
  }
}
