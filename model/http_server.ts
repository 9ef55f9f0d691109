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

import {
  parseChunkSize,
  parseRequestHead,
  ProtocolError,
  type RequestHead,
  serializeResponse,
} from "./http1.ts";

/** What the app answers. */
export interface HttpAnswer {
  /** Status code. */
  status: number;
  /** Header fields (lower-case names); `content-length` is added. */
  headers?: Record<string, string>;
  /** Body. */
  body?: Uint8Array | string;
}

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

const encoder = new TextEncoder();
/** Where discarded body bytes go; shared, as nothing reads them. */
const scratch = new Uint8Array(65536);
const CRLFCRLF = [13, 10, 13, 10];
const CRLF = [13, 10];

/** A one-line `text/plain` answer. */
export function plainAnswer(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): HttpAnswer {
  return {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
    body: message.replace(/[\r\n]+/g, " ") + "\n",
  };
}

/** The connection ended or timed out while reading; the loop stops. */
class ConnectionGone extends Error {}

interface Connection {
  conn: Deno.Conn;
  buf: Uint8Array;
  start: number;
  end: number;
  /** When the current phase times out (performance.now()), or Infinity. */
  deadline: number;
  /** What to answer when the deadline passes (null: close silently). */
  onTimeout: (() => string) | null;
  timedOut: boolean;
  closed: boolean;
}

interface Job {
  head: RequestHead;
  body: Uint8Array;
  at: number;
  answer: PromiseWithResolvers<HttpAnswer>;
  written: PromiseWithResolvers<void>;
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
  const stats: HttpServerStats = {
    connections: 0,
    queued: 0,
    bufferedBytes: 0,
    rejected: 0,
    timedOut: 0,
  };
  const connections = new Set<Connection>();
  const loops = new Set<Promise<void>>();
  const queue: Job[] = [];
  let draining = false;
  let closing = false;

  const busy = (why: string): HttpAnswer => {
    stats.rejected++;
    return plainAnswer(503, `Server is busy: ${why}; retry later`, { "retry-after": "1" });
  };

  const close = (c: Connection) => {
    if (c.closed) return;
    c.closed = true;
    try {
      c.conn.close();
    } catch { /* already closed */ }
  };

  // One sweep over the connections enforces every deadline (no timer per request).
  const tick = Math.max(10, Math.min(1000, Math.min(headerTimeoutMs, idleTimeoutMs) / 4));
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const c of connections) {
      if (c.closed || now < c.deadline) continue;
      c.timedOut = true;
      c.deadline = Infinity;
      stats.timedOut++;
      const message = c.onTimeout?.();
      if (message === undefined) {
        close(c);
        continue;
      }
      closeAfterWriting(c.conn, toBytes(plainAnswer(408, message, { connection: "close" })))
        .finally(() => close(c));
    }
  }, tick);

  const phase = (c: Connection, ms: number, onTimeout: (() => string) | null) => {
    c.deadline = performance.now() + ms;
    c.onTimeout = onTimeout;
  };

  /** Reads more bytes into the connection buffer (growing it up to `limit`); false at EOF. */
  const fill = async (c: Connection, limit: number): Promise<boolean> => {
    if (c.start === c.end) c.start = c.end = 0;
    if (c.end === c.buf.length) {
      if (c.start > 0) {
        c.buf.copyWithin(0, c.start, c.end);
        c.end -= c.start;
        c.start = 0;
      } else if (c.buf.length < limit) {
        const grown = new Uint8Array(Math.min(limit, c.buf.length * 2));
        grown.set(c.buf.subarray(0, c.end));
        c.buf = grown;
      } else {
        return true; // full: the caller sees no progress and refuses
      }
    }
    let n: number | null;
    try {
      n = await c.conn.read(c.buf.subarray(c.end));
    } catch {
      throw new ConnectionGone();
    }
    if (c.timedOut || c.closed) throw new ConnectionGone();
    if (n === null) return false;
    c.end += n;
    return true;
  };

  const headerPhase = (c: Connection) =>
    phase(c, headerTimeoutMs, () => `Request header not received within ${headerTimeoutMs} ms`);

  /**
   * Reads up to the end of a request head; the head's bytes, or null at a clean EOF between
   * requests. A keep-alive connection waits `idleTimeoutMs` for the first byte of a request.
   */
  const readHead = async (c: Connection, first: boolean): Promise<Uint8Array | null> => {
    if (first || c.start < c.end) headerPhase(c);
    else phase(c, idleTimeoutMs, null);
    let scanned = 0; // bytes after c.start already searched
    while (true) {
      const at = indexOf(c.buf, CRLFCRLF, c.start + Math.max(0, scanned - 3), c.end);
      if (at >= 0) {
        const head = c.buf.subarray(c.start, at);
        c.start = at + 4;
        return head;
      }
      scanned = c.end - c.start;
      if (scanned > maxHeaderBytes) {
        throw new ProtocolError(431, `Request header is larger than ${maxHeaderBytes} bytes`);
      }
      const idle = scanned === 0 && !first;
      if (!await fill(c, maxHeaderBytes + 4)) {
        if (c.start === c.end) return null;
        throw new ProtocolError(400, "The connection closed in the middle of the request header");
      }
      if (c.end - c.start === scanned) {
        throw new ProtocolError(431, `Request header is larger than ${maxHeaderBytes} bytes`);
      }
      if (idle) headerPhase(c); // the next request has begun
    }
  };

  /** A body buffer that grows as bytes arrive, each growth reserved from the memory budget. */
  const bodyBuffer = (expected: number) => {
    let data = new Uint8Array(0);
    let reserved = 0;
    return {
      get data() {
        return data;
      },
      get reserved() {
        return reserved;
      },
      /** Makes room for `size` bytes in total. */
      ensure(size: number) {
        if (size <= data.length) return;
        // A small declared body at once; a large or chunked one doubling as it arrives.
        const capacity = expected > 0 && expected <= 256 * 1024
          ? Math.max(expected, size)
          : Math.min(
            Math.max(size, data.length * 2, 65536),
            Math.max(size, expected > 0 ? expected : maxBodyBytes),
          );
        const extra = capacity - data.length;
        if (stats.bufferedBytes + extra > maxBufferedBytes) {
          throw new ProtocolError(
            503,
            `Server is busy: ${stats.bufferedBytes} bytes of request bodies buffered (limit ${maxBufferedBytes}); retry later`,
          );
        }
        stats.bufferedBytes += extra;
        reserved += extra;
        const grown = new Uint8Array(capacity);
        grown.set(data);
        data = grown;
      },
      release() {
        stats.bufferedBytes -= reserved;
        reserved = 0;
      },
    };
  };

  const tooLarge = () =>
    new ProtocolError(
      413,
      `Request body is larger than the limit of ${maxBodyBytes} bytes; send at most 6 MB per request`,
    );

  /** Reads the body the head announces, within the size, memory and time limits. */
  const readBody = async (
    c: Connection,
    head: RequestHead,
    body: ReturnType<typeof bodyBuffer>,
  ) => {
    let got = 0;
    const declared = head.framing.kind === "length" ? head.framing.length : -1;
    phase(
      c,
      bodyTimeoutMs,
      () => `Request body not received within ${bodyTimeoutMs} ms (got ${got} bytes)`,
    );
    const cutOff = () =>
      new ProtocolError(
        400,
        `Request body was cut off after ${got}${
          declared >= 0 ? ` of ${declared}` : ""
        } bytes; the client closed the connection before sending all of it`,
      );
    if (head.framing.kind === "length") {
      const length = head.framing.length;
      while (got < length) {
        if (c.start < c.end) {
          const n = Math.min(length - got, c.end - c.start);
          body.ensure(got + n);
          body.data.set(c.buf.subarray(c.start, c.start + n), got);
          c.start += n;
          got += n;
          continue;
        }
        body.ensure(Math.min(length, got + 1));
        let n: number | null;
        try {
          n = await c.conn.read(body.data.subarray(got, Math.min(length, body.data.length)));
        } catch {
          throw new ConnectionGone();
        }
        if (c.timedOut || c.closed) throw new ConnectionGone();
        if (n === null) throw cutOff();
        got += n;
      }
      return body.data.subarray(0, got);
    }
    // chunked: size line, data, CRLF, ..., a zero size, trailer fields, blank line
    const line = async (): Promise<string> => {
      let scanned = 0;
      while (true) {
        const at = indexOf(c.buf, CRLF, c.start + Math.max(0, scanned - 1), c.end);
        if (at >= 0) {
          const text = String.fromCharCode(...c.buf.subarray(c.start, at));
          c.start = at + 2;
          return text;
        }
        scanned = c.end - c.start;
        if (scanned > maxHeaderBytes) {
          throw new ProtocolError(400, "A chunk size or trailer line is too long");
        }
        if (!await fill(c, maxHeaderBytes + 4)) throw cutOff();
      }
    };
    while (true) {
      const size = parseChunkSize(await line());
      if (size === 0) break;
      if (got + size > maxBodyBytes) throw tooLarge();
      body.ensure(got + size);
      let left = size;
      while (left > 0) {
        if (c.start < c.end) {
          const n = Math.min(left, c.end - c.start);
          body.data.set(c.buf.subarray(c.start, c.start + n), got);
          c.start += n;
          got += n;
          left -= n;
          continue;
        }
        let n: number | null;
        try {
          n = await c.conn.read(body.data.subarray(got, got + left));
        } catch {
          throw new ConnectionGone();
        }
        if (c.timedOut || c.closed) throw new ConnectionGone();
        if (n === null) throw cutOff();
        got += n;
        left -= n;
      }
      if ((await line()) !== "") throw new ProtocolError(400, "A chunk is longer than its size");
    }
    while ((await line()) !== "") { /* trailer fields are ignored */ }
    return body.data.subarray(0, got);
  };

  const write = async (c: Connection, answer: HttpAnswer, keepAlive: boolean) => {
    const headers = !keepAlive
      ? { ...answer.headers, connection: "close" }
      : idleTimeoutMs >= 1000
      ? { ...answer.headers, "keep-alive": `timeout=${Math.floor(idleTimeoutMs / 1000)}` }
      : answer.headers ?? {};
    phase(c, idleTimeoutMs, null);
    await send(c, toBytes({ ...answer, headers }));
  };

  const send = async (c: Connection, bytes: Uint8Array) => {
    let written = 0;
    try {
      while (written < bytes.length) written += await c.conn.write(bytes.subarray(written));
    } catch {
      throw new ConnectionGone();
    }
  };

  const drain = async () => {
    draining = true;
    try {
      while (queue.length > 0) {
        const job = queue.shift()!;
        const waited = performance.now() - job.at;
        let answer: HttpAnswer;
        if (waited > maxQueueMs) {
          answer = busy(
            `request waited ${Math.round(waited)} ms in the queue (limit ${maxQueueMs})`,
          );
        } else {
          try {
            answer = app.handle(job.head, job.body);
          } catch (error) {
            console.error(`model server: unexpected error: ${(error as Error)?.stack ?? error}`);
            answer = plainAnswer(500, `Internal error: ${(error as Error)?.message ?? error}`);
          }
        }
        job.answer.resolve(answer);
        // Back to the event loop (the response's write polls every socket) before the next.
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          job.written.promise,
          new Promise<void>((resolve) => timer = setTimeout(resolve, 20)),
        ]);
        clearTimeout(timer);
      }
    } finally {
      draining = false;
    }
  };

  const submit = (head: RequestHead, body: Uint8Array): Job => {
    const job: Job = {
      head,
      body,
      at: performance.now(),
      answer: Promise.withResolvers(),
      written: Promise.withResolvers(),
    };
    queue.push(job);
    if (!draining) drain();
    return job;
  };

  /** Reads and drops `length` body bytes (within the body timeout). */
  const discard = async (c: Connection, length: number) => {
    let got = 0;
    phase(
      c,
      bodyTimeoutMs,
      () => `Request body not received within ${bodyTimeoutMs} ms (got ${got} bytes)`,
    );
    const fromBuffer = Math.min(length, c.end - c.start);
    c.start += fromBuffer;
    got += fromBuffer;
    while (got < length) {
      let n: number | null;
      try {
        n = await c.conn.read(scratch.subarray(0, Math.min(scratch.length, length - got)));
      } catch {
        throw new ConnectionGone();
      }
      if (n === null || c.timedOut || c.closed) throw new ConnectionGone();
      got += n;
    }
  };

  /** Answers a refused request and closes, reading what the client still sends for a while. */
  const refuseRequest = async (c: Connection, error: ProtocolError) => {
    if (error.status === 503) stats.rejected++;
    const headers: Record<string, string> = error.status === 503 ? { "retry-after": "1" } : {};
    await write(c, plainAnswer(error.status, error.message, headers), false);
    // Closing with unread bytes would reset the connection and lose the answer: half-close,
    // then discard the rest of the upload until the client closes or 2 s pass.
    phase(c, 2000, null);
    try {
      await c.conn.closeWrite();
      while (!c.closed && (await c.conn.read(scratch)) !== null) { /* discard */ }
    } catch { /* closed */ }
  };

  /** Reads, queues and answers one request; false when the connection is to close. */
  const serveRequest = async (c: Connection, first: boolean): Promise<boolean> => {
    let head: RequestHead;
    try {
      const headBytes = await readHead(c, first);
      if (headBytes === null) return false;
      head = parseRequestHead(headBytes);
      const early = app.early(head);
      if (early !== undefined) {
        // An unread body would be taken for the next request: close after answering.
        const keepAlive = head.keepAlive && head.framing.kind === "none";
        await write(c, early, keepAlive);
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
          await write(c, answer, false);
          return false;
        }
        if (head.framing.kind === "length") await discard(c, head.framing.length);
        await write(c, answer, head.keepAlive);
        return head.keepAlive;
      }
      if (head.expectContinue && head.framing.kind !== "none") {
        await send(c, encoder.encode("HTTP/1.1 100 Continue\r\n\r\n"));
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      await refuseRequest(c, error);
      return false;
    }
    const body = bodyBuffer(head.framing.kind === "length" ? head.framing.length : 0);
    try {
      let data: Uint8Array;
      try {
        data = head.framing.kind === "none" ? new Uint8Array(0) : await readBody(c, head, body);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        body.release();
        await refuseRequest(c, error);
        return false;
      }
      phase(c, Infinity, null);
      if (stats.queued >= maxInFlight) {
        body.release();
        await write(
          c,
          busy(`${stats.queued} requests queued (limit ${maxInFlight})`),
          head.keepAlive,
        );
        return head.keepAlive;
      }
      stats.queued++;
      const job = submit(head, data);
      let answer: HttpAnswer;
      try {
        answer = await job.answer.promise;
      } finally {
        stats.queued--;
        body.release();
      }
      try {
        await write(c, answer, head.keepAlive);
      } finally {
        job.written.resolve();
      }
      return head.keepAlive;
    } finally {
      body.release();
    }
  };

  const serveConnection = async (c: Connection) => {
    try {
      let first = true;
      while (!closing && await serveRequest(c, first)) first = false;
    } catch (error) {
      if (!(error instanceof ConnectionGone)) {
        console.error(`model server: unexpected error: ${(error as Error)?.stack ?? error}`);
      }
    } finally {
      // A timed-out connection is closed once its 408 is written.
      if (!c.timedOut) close(c);
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
    closeAfterWriting(conn, toBytes(answer));
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
      const c: Connection = {
        conn,
        buf: new Uint8Array(4096),
        start: 0,
        end: 0,
        deadline: Infinity,
        onTimeout: null,
        timedOut: false,
        closed: false,
      };
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
        for (const c of connections) close(c);
        for (const job of queue.splice(0)) job.answer.resolve(busy("the server is stopping"));
      }
      return finished;
    },
  };
}

/** Writes a last answer and closes, at most 1 s later even if the client reads nothing. */
function closeAfterWriting(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  const shut = () => {
    try {
      conn.close();
    } catch { /* closed */ }
  };
  const timer = setTimeout(shut, 1000);
  return conn.write(bytes).then(() => {}, () => {}).finally(() => {
    clearTimeout(timer);
    shut();
  });
}

function toBytes(answer: HttpAnswer): Uint8Array {
  const body = typeof answer.body === "string"
    ? encoder.encode(answer.body)
    : answer.body ?? new Uint8Array(0);
  return serializeResponse(answer.status, body, { headers: answer.headers });
}

/** Index of `needle` in `haystack[from, to)`, or -1. */
function indexOf(haystack: Uint8Array, needle: number[], from: number, to: number): number {
  const last = to - needle.length;
  const first = needle[0];
  outer: for (let i = from; i <= last; i++) {
    if (haystack[i] !== first) continue;
    for (let k = 1; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}
