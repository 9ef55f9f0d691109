/**
 * The engine that sends requests, behind one interface with two transports:
 *
 * - `epoll` (Linux, needs `--allow-ffi`): a worker thread drives non-blocking sockets through
 *   libc's epoll (like `wrk`): one `send` and one `read` system call per request and no promise
 *   or event-loop turn per request. About a fifth more requests per second than `socket` when
 *   the load generator is the bottleneck.
 * - `socket`: `Deno.connect` sockets on the main thread, one async read and write per request.
 *   Used for `https:`, host names other than IP literals, and where FFI is not allowed.
 *
 * Both send requests the same way (prepared bytes, one request in flight per connection, no
 * pipelining), parse responses with the same code, and report the same 1 s intervals.
 *
 * This file is the interface only: `epoll_engine.ts` and `socket_engine.ts` implement it and
 * `select_engine.ts` picks one, so no implementation imports the file that selects it.
 *
 * @module
 */

import type { ClosedInterval } from "./interval_recorder.ts";
import type { Target } from "./target.ts";

/** How requests travel: libc epoll in a worker, or `Deno.connect` sockets. */
export type Transport = "epoll" | "socket";

/** Options shared by both engines. */
export interface EngineOptions {
  /** Where requests go. */
  target: Target;
  /** Complete request bytes, used round-robin. */
  requests: Uint8Array[];
  /** Per-request timeout, ms. @default 60000 */
  timeoutMs?: number;
  /** Send no more than this many requests in total. @default no limit */
  maxRequests?: number;
  /** Processes whose CPU and memory each interval samples. @default [] */
  pids?: number[];
  /** Receives each 1 s interval as it closes (also the last, partial one, during `stop`). */
  onInterval: (interval: ClosedInterval) => void;
  /** Called once when `maxRequests` requests have completed. @default none */
  onRequestsDone?: () => void;
  /** Called if the engine breaks down mid-run (the run should end with this error). @default none */
  onError?: (error: Error) => void;
}

/**
 * Sends requests as closed-loop users or at an open-loop rate and reports 1 s intervals.
 * Call `start` first, then `setUsers` or `startOpenLoop`, and always `stop`.
 */
export interface Engine {
  /** The transport in use. */
  readonly transport: Transport;
  /** Starts the first interval at `startMs` (`performance.now()` of the calling thread). */
  start(startMs: number): void;
  /** Sets the number of closed-loop users (new ones start at once, surplus ones stop). */
  setUsers(n: number): void;
  /** Starts an open-loop arrival rate; connections grow up to `maxConnections`. */
  startOpenLoop(requestsPerSecond: number, maxConnections: number): void;
  /** Closed-loop users asked for. */
  readonly users: number;
  /** Message of the last request that failed without an HTTP status (`null` if none). */
  readonly lastFailure: string | null;
  /**
   * Stops at `endMs`: completions after it are not counted, in-flight requests are abandoned,
   * every interval up to `endMs` (and the partial last one) is delivered and every connection
   * is closed when the promise resolves.
   */
  stop(endMs: number): Promise<void>;
}

/** Which transport to use: `auto` picks `epoll` when it can. */
export type TransportChoice = "auto" | Transport;
