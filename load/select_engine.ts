/**
 * Picks the engine for a target: `chooseTransport` says which transport can work and
 * `createEngine` builds it (the interface is in `engine.ts`), once `assertNetAllowed` has checked
 * that Deno's `--allow-net` lets this program reach the target.
 *
 * @module
 */

import type { Engine, EngineOptions, Transport, TransportChoice } from "./engine.ts";
import { EpollEngine } from "./epoll_engine.ts";
import { libcUnavailableReason, socketAddress } from "./libc.ts";
import { SocketEngine } from "./socket_engine.ts";
import type { Target } from "./target.ts";

/**
 * The transport for a target: `auto` gives `epoll` for `http:` to an IP literal on Linux with FFI
 * allowed, else `socket`; asking for `epoll` where it cannot work throws a RangeError saying why.
 *
 * @example Usage
 * ```ts
 * import { chooseTransport } from "./select_engine.ts";
 * import { parseTarget } from "./target.ts";
 * import assert from "node:assert/strict";
 * assert.equal(chooseTransport(parseTarget("https://127.0.0.1/"), "auto"), "socket");
 * assert.equal(chooseTransport(parseTarget("http://localhost/"), "auto"), "socket");
 * assert.throws(() => chooseTransport(parseTarget("http://localhost/"), "epoll"), /IP address/);
 * ```
 */
export function chooseTransport(target: Target, choice: TransportChoice = "auto"): Transport {
  if (choice === "socket") return "socket";
  if (choice !== "auto" && choice !== "epoll") {
    throw new RangeError(`Unknown transport "${choice}": use auto, epoll or socket`);
  }
  let why: string | null = null;
  if (target.tls) why = "it speaks plain http: only";
  else if (socketAddress(target.hostname, target.port) === null) {
    why = `it needs an IP address, not the host name "${target.hostname}"`;
  } else why = libcUnavailableReason();
  if (why === null) return "epoll";
  if (choice === "epoll") throw new RangeError(`Cannot use the epoll transport: ${why}`);
  return "socket";
}

/**
 * Throws a RangeError unless Deno's net permission lets this program connect to the target. The
 * epoll transport's sockets are libc's and meet no Deno permission check, so the engine checks
 * here, for both transports: a run reaches only what `--allow-net` names.
 *
 * @example Usage
 * ```ts
 * import { assertNetAllowed } from "./select_engine.ts";
 * import { parseTarget } from "./target.ts";
 * // The doc tests run with --allow-all.
 * assertNetAllowed(parseTarget("http://[::1]:8080/"));
 * ```
 */
export function assertNetAllowed(target: Target): void {
  const host = target.hostname.includes(":")
    ? `[${target.hostname}]:${target.port}`
    : `${target.hostname}:${target.port}`;
  if (Deno.permissions.querySync({ name: "net", host }).state !== "granted") {
    throw new RangeError(
      `Cannot connect to ${host}: Deno's --allow-net does not include it; grant --allow-net=${host}`,
    );
  }
}

/**
 * Creates the engine for a transport choice (the epoll engine's worker is ready when this
 * resolves), once {@linkcode assertNetAllowed} passes. With `auto`, a failure to set up the epoll
 * engine (no glibc, say) falls back to the socket engine.
 *
 * @example Usage
 * ```ts
 * import { createEngine } from "./select_engine.ts";
 * import { buildRequest } from "./http_connection.ts";
 * import { parseTarget } from "./target.ts";
 * import type { ClosedInterval } from "./interval_recorder.ts";
 * import assert from "node:assert/strict";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
 * const target = parseTarget(`http://127.0.0.1:${server.addr.port}/`);
 * const intervals: ClosedInterval[] = [];
 * const done = Promise.withResolvers<void>();
 * const engine = await createEngine({
 *   target, requests: [buildRequest(target)], maxRequests: 50,
 *   onInterval: (i) => intervals.push(i), onRequestsDone: done.resolve,
 * });
 * try {
 *   engine.start(performance.now());
 *   engine.setUsers(4);
 *   await done.promise;
 * } finally {
 *   await engine.stop(performance.now());
 *   await server.shutdown();
 * }
 * assert.equal(intervals.reduce((n, i) => n + i.stats.successes, 0), 50);
 * ```
 */
export async function createEngine(
  options: EngineOptions & { transport?: TransportChoice },
): Promise<Engine> {
  assertNetAllowed(options.target);
  const choice = options.transport ?? "auto";
  if (chooseTransport(options.target, choice) === "epoll") {
    try {
      return await EpollEngine.create(options);
    } catch (error) {
      // `auto` falls back to sockets when libc or the worker cannot be set up; a caller's own
      // mistake (a bad process id, no request) is reported either way.
      if (choice === "epoll" || error instanceof RangeError) throw error;
    }
  }
  return new SocketEngine(options);
}
