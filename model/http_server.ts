/**
 * An HTTP/1.1 server over `Deno.listen` for a CPU-bound handler, built to stay healthy under slow
 * and greedy clients (`Deno.serve` has no header, body or idle timeout and no connection bound):
 *
 * - **Connections** are bounded (`maxConnections`); one more is answered 503 and closed.
 * - **Timeouts** per connection, each counting against that connection only: the request head
 *   must arrive within `headerTimeoutMs` (408, closed), the body within `bodyTimeoutMs` (408,
 *   closed), and a keep-alive connection with no new request is closed after `idleTimeoutMs`.
 * - **The body is read before the request takes a place in the queue**, within the per-request
 *   `maxBodyBytes` (413) and the process-wide `maxBufferedBytes` (503), holding only the bytes a
 *   client has sent: a slow sender costs its own connection and bytes, never the queue's places.
 * - **The queue** of read requests is bounded (`maxInFlight`) and drained one request at a time by
 *   the app's `handle`; past the bound, or after waiting `maxQueueMs`, a request is answered 503
 *   with `Retry-After` at once, so latency and memory stay bounded under CPU overload. Between two
 *   requests the server returns to the event loop, so connections keep being read meanwhile.
 * - Protocol errors are answered with their status (400, 417, 431, 501, 505) and a one-line
 *   reason from {@linkcode ProtocolError}.
 *
 * @module
 */

import { parseRequestHead, ProtocolError, type RequestHead } from "./http1.ts";
import { answerBytes, type HttpAnswer, plainAnswer } from "./http_answer.ts";
import { BodyBuffer } from "./body_buffer.ts";
import { ScoringQueue } from "./scoring_queue.ts";
import { closeAfterWriting, ConnectionGone, ServerConnection } from "./server_connection.ts";

export { type HttpAnswer, plainAnswer } from "./http_answer.ts";

/** The application a {@linkcode serveHttp} server runs. */
export interface HttpApp {
  /**
   * Answers from the head alone (health checks, wrong routes), not queued; `undefined` reads the
   * body and queues the request for {@linkcode HttpApp.handle}.
   */
  early(head: RequestHead): HttpAnswer | undefined;
  /** Answers a request with its body: the CPU work, run one request at a time. */
  handle(head: RequestHead, body: Uint8Array): HttpAnswer;
}

/** Options of {@linkcode serveHttp}. */
export interface HttpServerOptions {
  /**
   * Longest time for a request head to arrive (ms): from the connection's start, or from the
   * first byte of a later request on a keep-alive connection; slower → 408 and closed.
   * @default {10000}
   */
  headerTimeoutMs?: number;
  /**
   * Longest time to receive a request body once its head is read (ms); slower → 408 and closed.
   * SageMaker gives a container 60 s for a whole invocation.
   * @default {60000}
   */
  bodyTimeoutMs?: number;
  /**
   * Longest time a keep-alive connection may wait for its next request (ms), and for the client
   * to take a response; then it is closed.
   * @default {15000}
   */
  idleTimeoutMs?: number;
  /**
   * Most open connections; one more is answered 503 and closed.
   * @default {1024}
   */
  maxConnections?: number;
  /**
   * Largest request head (request line and header fields, bytes); larger → 431.
   * @default {16384}
   */
  maxHeaderBytes?: number;
  /**
   * Largest request body (bytes); larger → 413.
   * @default {6291456}
   */
  maxBodyBytes?: number;
  /**
   * Most request-body bytes held at once by this process; more → 503.
   * @default {67108864}
   */
  maxBufferedBytes?: number;
  /**
   * Most requests read and waiting for (or in) `handle`; more → 503 with `Retry-After`.
   * @default {128}
   */
  maxInFlight?: number;
  /**
   * Longest a request may wait in the queue (ms); it is then answered 503 instead of handled.
   * @default {1000}
   */
  maxQueueMs?: number;
}

/** Live counters of a server. */
export interface HttpServerStats {
  /** Open connections. */
  connections: number;
  /** Requests queued or being handled. */
  queued: number;
  /** Request-body bytes held. */
  bufferedBytes: number;
  /** Requests answered 503 (queue, memory or connection bound) so far. */
  rejected: number;
  /** Connections closed by a timeout so far. */
  timedOut: number;
}

/** A running server. */
export interface HttpServer {
  /** Live counters. */
  readonly stats: HttpServerStats;
  /** Settles once the server is closed and every connection has ended. */
  readonly finished: Promise<void>;
  /** Stops accepting, closes every connection; resolves with `finished`. */
  close(): Promise<void>;
}

/**
 * Serves `app` on `listener` until {@linkcode HttpServer.close} (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { serveHttp } from "./http_server.ts";
 * import assert from "node:assert/strict";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const server = serveHttp(listener, {
 *   early: (head) => head.path === "/ping" ? { status: 200 } : undefined,
 *   handle: (_head, body) => ({ status: 200, body: `${body.length} bytes` }),
 * });
 * const url = `http://127.0.0.1:${listener.addr.port}`;
 * assert.equal((await fetch(`${url}/ping`)).status, 200);
 * const response = await fetch(`${url}/x`, { method: "POST", body: "abc" });
 * assert.equal(await response.text(), "3 bytes");
 * await server.close();
 * ```
 */
export function serveHttp(
  listener: Deno.Listener<Deno.Conn, Deno.NetAddr>,
  app: HttpApp,
  options: HttpServerOptions = {},
): HttpServer {
  const {
    headerTimeoutMs = 10_000,
    bodyTimeoutMs = 60_000,
    idleTimeoutMs = 15_000,
    maxConnections = 1024,
    maxHeaderBytes = 16384,
    maxBodyBytes = 6 * 1024 * 1024,
    maxBufferedBytes = 64 * 1024 * 1024,
    maxInFlight = 128,
    maxQueueMs = 1000,
  } = options;
  const limits = { headerTimeoutMs, bodyTimeoutMs, idleTimeoutMs, maxHeaderBytes, maxBodyBytes };
  const stats: HttpServerStats = {
    connections: 0,
    queued: 0,
    bufferedBytes: 0,
    rejected: 0,
    timedOut: 0,
  };
  const connections = new Set<ServerConnection>();
  const loops = new Set<Promise<void>>();
  let closing = false;

  const busy = (why: string): HttpAnswer => {
    stats.rejected++;
    return plainAnswer(503, `Server is busy: ${why}; retry later`, { "retry-after": "1" });
  };
  const queue = new ScoringQueue((head, body) => app.handle(head, body), { maxQueueMs, busy });

  // One sweep over the connections enforces every deadline (no timer per request).
  const tick = Math.max(10, Math.min(1000, Math.min(headerTimeoutMs, idleTimeoutMs) / 4));
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const c of connections) {
      if (c.closed || now < c.deadline) continue;
      stats.timedOut++;
      const message = c.expire();
      if (message === null) {
        c.close();
        continue;
      }
      closeAfterWriting(c.conn, answerBytes(plainAnswer(408, message, { connection: "close" })))
        .finally(() => c.close());
    }
  }, tick);

  /** Answers a refused request and closes, reading what the client still sends for a while. */
  const refuseRequest = async (c: ServerConnection, error: ProtocolError) => {
    if (error.status === 503) stats.rejected++;
    const headers: Record<string, string> = error.status === 503 ? { "retry-after": "1" } : {};
    await c.answerAndClose(plainAnswer(error.status, error.message, headers));
  };

  /** Reads, queues and answers one request; false when the connection is to close. */
  const serveRequest = async (c: ServerConnection, first: boolean): Promise<boolean> => {
    let head: RequestHead;
    try {
      const headBytes = await c.readHead(first);
      if (headBytes === null) return false;
      head = parseRequestHead(headBytes);
      const early = app.early(head);
      if (early !== undefined) {
        // An unread body would be taken for the next request: close after answering.
        const keepAlive = head.keepAlive && head.framing.kind === "none";
        await c.write(early, keepAlive);
        return keepAlive;
      }
      if (head.framing.kind === "length" && head.framing.length > maxBodyBytes) {
        throw new ProtocolError(
          413,
          `Request body of ${head.framing.length} bytes is larger than the limit of ${maxBodyBytes} bytes; send at most 6 MB per request`,
        );
      }
      if (stats.queued >= maxInFlight && head.framing.kind !== "chunked") {
        // Shed before reading: the body goes to a shared scratch buffer, nothing is allocated.
        const answer = busy(`${stats.queued} requests queued (limit ${maxInFlight})`);
        if (head.expectContinue) {
          await c.write(answer, false);
          return false;
        }
        if (head.framing.kind === "length") await c.discard(head.framing.length);
        await c.write(answer, head.keepAlive);
        return head.keepAlive;
      }
      if (head.expectContinue && head.framing.kind !== "none") await c.sendContinue();
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      await refuseRequest(c, error);
      return false;
    }
    const body = new BodyBuffer(stats, {
      expected: head.framing.kind === "length" ? head.framing.length : 0,
      maxBufferedBytes,
      maxBodyBytes,
    });
    try {
      let data: Uint8Array;
      try {
        data = head.framing.kind === "none" ? new Uint8Array(0) : await c.readBody(head, body);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        body.release();
        await refuseRequest(c, error);
        return false;
      }
      c.phase(Infinity, null);
      if (stats.queued >= maxInFlight) {
        body.release();
        await c.write(
          busy(`${stats.queued} requests queued (limit ${maxInFlight})`),
          head.keepAlive,
        );
        return head.keepAlive;
      }
      stats.queued++;
      const request = queue.submit(head, data);
      let answer: HttpAnswer;
      try {
        answer = await request.answer;
      } finally {
        stats.queued--;
        body.release();
      }
      try {
        await c.write(answer, head.keepAlive);
      } finally {
        request.written();
      }
      return head.keepAlive;
    } finally {
      body.release();
    }
  };

  const serveConnection = async (c: ServerConnection) => {
    try {
      let first = true;
      while (!closing && await serveRequest(c, first)) first = false;
    } catch (error) {
      if (!(error instanceof ConnectionGone)) {
        console.error(`model server: unexpected error: ${(error as Error)?.stack ?? error}`);
      }
    } finally {
      // A timed-out connection is closed once its 408 is written.
      if (!c.timedOut) c.close();
      connections.delete(c);
      stats.connections = connections.size;
    }
  };

  const refuse = (conn: Deno.Conn) => {
    stats.rejected++;
    const answer = plainAnswer(
      503,
      `Server is busy: ${connections.size} connections open (limit ${maxConnections}); retry later`,
      { "retry-after": "1", connection: "close" },
    );
    closeAfterWriting(conn, answerBytes(answer));
  };

  const accepting = (async () => {
    while (!closing) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (closing || error instanceof Deno.errors.BadResource) return;
        console.error(`model server: cannot accept a connection: ${(error as Error)?.message}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (connections.size >= maxConnections) {
        refuse(conn);
        continue;
      }
      try {
        (conn as Deno.TcpConn).setNoDelay?.(true);
      } catch { /* not TCP */ }
      const c = new ServerConnection(conn, limits);
      connections.add(c);
      stats.connections = connections.size;
      const loop = serveConnection(c);
      loops.add(loop);
      loop.finally(() => loops.delete(loop));
    }
  })();

  const finished = (async () => {
    await accepting;
    while (loops.size > 0) await Promise.allSettled([...loops]);
    clearInterval(sweeper);
  })();

  return {
    stats,
    finished,
    close() {
      if (!closing) {
        closing = true;
        try {
          listener.close();
        } catch { /* closed */ }
        for (const c of connections) c.close();
        queue.clear("the server is stopping");
      }
      return finished;
    },
  };
}
