/**
 * A minimal keep-alive HTTP/1.1 client over `Deno.connect`: one request in flight per connection
 * (no pipelining), requests written as prepared bytes, responses parsed just enough to find their
 * end (`Content-Length`, `chunked`, or connection close). This is what lets one core drive a
 * server at close to `wrk`'s rate; `fetch` spends most of its time outside the socket.
 *
 * @module
 */

import type { Target } from "./target.ts";

/** How a request failed without an HTTP status. */
export type FailureKind = "timeout" | "connection";

/**
 * A request that ended without an HTTP response: timed out, or the connection failed.
 *
 * @example Usage
 * ```ts
 * import { RequestFailure } from "./http_connection.ts";
 * import assert from "node:assert/strict";
 * const failure = new RequestFailure("timeout", "The request timed out");
 * assert.equal(failure.kind, "timeout");
 * ```
 */
export class RequestFailure extends Error {
  /** `timeout` or `connection`. */
  readonly kind: FailureKind;
  /** Creates a failure of a kind with a message. */
  constructor(kind: FailureKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RequestFailure";
    this.kind = kind;
  }
}

/** What to send: method, body, content type and extra headers. */
export interface BuildRequestOptions {
  /** HTTP method. @default "POST" when there is a body, else "GET" */
  method?: string;
  /** Request body. @default no body */
  body?: Uint8Array;
  /** `Content-Type` of the body. @default "application/octet-stream" */
  contentType?: string;
  /** More headers, as name → value. @default {} */
  headers?: Record<string, string>;
}

const encoder = new TextEncoder();

/**
 * The bytes of one HTTP/1.1 request to a target (built once, sent many times).
 *
 * @example Usage
 * ```ts
 * import { buildRequest } from "./http_connection.ts";
 * import { parseTarget } from "./target.ts";
 * import assert from "node:assert/strict";
 * const bytes = buildRequest(parseTarget("http://127.0.0.1:8080/invocations"), {
 *   body: new TextEncoder().encode("1,2"), contentType: "text/csv",
 * });
 * assert.equal(
 *   new TextDecoder().decode(bytes),
 *   "POST /invocations HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: text/csv\r\nContent-Length: 3\r\n\r\n1,2",
 * );
 * ```
 */
export function buildRequest(target: Target, options: BuildRequestOptions = {}): Uint8Array {
  const body = options.body;
  const method = options.method ?? (body ? "POST" : "GET");
  let head = `${method} ${target.path || "/"} HTTP/1.1\r\nHost: ${target.hostHeader}\r\n`;
  if (body) {
    head += `Content-Type: ${options.contentType ?? "application/octet-stream"}\r\n`;
    head += `Content-Length: ${body.length}\r\n`;
  } else if (method === "POST" || method === "PUT") {
    head += "Content-Length: 0\r\n";
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (/[\r\n:]/.test(name) || /[\r\n]/.test(value)) {
      throw new RangeError(`Invalid header "${name}": names and values cannot hold line breaks`);
    }
    head += `${name}: ${value}\r\n`;
  }
  head += "\r\n";
  const headBytes = encoder.encode(head);
  if (!body) return headBytes;
  const out = new Uint8Array(headBytes.length + body.length);
  out.set(headBytes, 0);
  out.set(body, headBytes.length);
  return out;
}

/** What the head of a response says about the response's end. */
export interface ResponseHead {
  /** HTTP status code. */
  status: number;
  /** `Content-Length`, or -1 when absent. */
  contentLength: number;
  /** Whether `Transfer-Encoding` ends in `chunked`. */
  chunked: boolean;
  /** Whether the server will close the connection after this response. */
  close: boolean;
}

const CR = 13;
const LF = 10;

/**
 * The offset just past the `\r\n\r\n` that ends a response head within `buf[0, to)`, searching
 * from `from` (bytes before it were searched already), or -1. `from` is positional, not an
 * options object: this runs once per read on the hot path of both engines.
 *
 * @example Usage
 * ```ts
 * import { findHeadEnd } from "./http_connection.ts";
 * import assert from "node:assert/strict";
 * const b = new TextEncoder().encode("HTTP/1.1 200 OK\r\n\r\nbody");
 * assert.equal(findHeadEnd(b, b.length), 19);
 * ```
 *
 * @param buf The bytes read so far.
 * @param to End of the bytes read (exclusive).
 * @param from Where to resume the search. @default 0
 */
export function findHeadEnd(buf: Uint8Array, to: number, from = 0): number {
  for (let i = from < 3 ? 3 : from; i < to; i++) {
    if (buf[i] === LF && buf[i - 1] === CR && buf[i - 2] === LF && buf[i - 3] === CR) return i + 1;
  }
  return -1;
}

const NAME_CONTENT_LENGTH = encoder.encode("content-length");
const NAME_TRANSFER_ENCODING = encoder.encode("transfer-encoding");
const NAME_CONNECTION = encoder.encode("connection");

function nameIs(buf: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    if ((buf[start + i] | 0x20) !== name[i]) return false;
  }
  return true;
}

function lowerText(buf: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i] | 0x20);
  return s;
}

/**
 * Parses a response head `buf[0, end)` (as found by {@linkcode findHeadEnd}); throws a
 * `RequestFailure` of kind `connection` when it is not HTTP/1.x.
 *
 * @example Usage
 * ```ts
 * import { parseResponseHead } from "./http_connection.ts";
 * import assert from "node:assert/strict";
 * const b = new TextEncoder().encode("HTTP/1.1 503 Busy\r\ncontent-length: 12\r\nConnection: close\r\n\r\n");
 * assert.deepEqual(parseResponseHead(b, b.length), { status: 503, contentLength: 12, chunked: false, close: true });
 * ```
 */
export function parseResponseHead(buf: Uint8Array, end: number, into?: ResponseHead): ResponseHead {
  // "HTTP/1.x SSS"
  if (
    end < 12 || buf[0] !== 72 || buf[1] !== 84 || buf[2] !== 84 || buf[3] !== 80 || buf[4] !== 47 ||
    buf[5] !== 49 || buf[6] !== 46 || buf[8] !== 32
  ) {
    throw new RequestFailure("connection", "The server did not answer with an HTTP/1.x response");
  }
  const d0 = buf[9] - 48;
  const d1 = buf[10] - 48;
  const d2 = buf[11] - 48;
  if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
    throw new RequestFailure("connection", "The server sent an invalid HTTP status line");
  }
  const head = into ?? { status: 0, contentLength: -1, chunked: false, close: false };
  head.status = d0 * 100 + d1 * 10 + d2;
  head.contentLength = -1;
  head.chunked = false;
  head.close = buf[7] === 48; // HTTP/1.0 closes unless it says keep-alive
  let i = 12;
  while (i < end && buf[i] !== LF) i++;
  i++;
  while (i < end) {
    const lineStart = i;
    while (i < end && buf[i] !== LF) i++;
    let lineEnd = i;
    i++;
    if (lineEnd > lineStart && buf[lineEnd - 1] === CR) lineEnd--;
    if (lineEnd === lineStart) continue;
    let colon = lineStart;
    while (colon < lineEnd && buf[colon] !== 58) colon++;
    if (colon === lineEnd) continue;
    let v = colon + 1;
    while (v < lineEnd && (buf[v] === 32 || buf[v] === 9)) v++;
    let ve = lineEnd;
    while (ve > v && (buf[ve - 1] === 32 || buf[ve - 1] === 9)) ve--;
    const first = buf[lineStart] | 0x20;
    if (first === 99 /* c */) {
      if (nameIs(buf, lineStart, colon, NAME_CONTENT_LENGTH)) {
        let n = 0;
        if (v === ve) {
          throw new RequestFailure("connection", "The server sent an empty Content-Length");
        }
        for (let j = v; j < ve; j++) {
          const digit = buf[j] - 48;
          if (digit < 0 || digit > 9) {
            throw new RequestFailure("connection", "The server sent an invalid Content-Length");
          }
          n = n * 10 + digit;
        }
        head.contentLength = n;
      } else if (nameIs(buf, lineStart, colon, NAME_CONNECTION)) {
        const value = lowerText(buf, v, ve);
        if (value.includes("close")) head.close = true;
        else if (value.includes("keep-alive")) head.close = false;
      }
    } else if (first === 116 /* t */ && nameIs(buf, lineStart, colon, NAME_TRANSFER_ENCODING)) {
      head.chunked = lowerText(buf, v, ve).trimEnd().endsWith("chunked");
    }
  }
  return head;
}

/** States of the chunked-body scanner. */
const ChunkState = { Size: 0, Extension: 1, Data: 2, DataEnd: 3, Trailer: 4, Done: 5 } as const;

/**
 * A streaming decoder of a `chunked` body that only finds where it ends (the data is skipped).
 *
 * @example Usage
 * ```ts
 * import { ChunkedBodyEnd } from "./http_connection.ts";
 * import assert from "node:assert/strict";
 * const d = new ChunkedBodyEnd();
 * const b = new TextEncoder().encode("3\r\nabc\r\n0\r\n\r\n");
 * assert.equal(d.feed(b, 0, 5), false);
 * assert.equal(d.feed(b, 5, b.length), true);
 * ```
 */
export class ChunkedBodyEnd {
  #state: number = ChunkState.Size;
  #size = 0;
  #digits = 0;
  #lineLength = 0;

  /** Starts over for a new body. */
  reset(): void {
    this.#state = ChunkState.Size;
    this.#size = 0;
    this.#digits = 0;
    this.#lineLength = 0;
  }

  /** Consumes `buf[from, to)`; true once the whole body (with trailers) has been seen. */
  feed(buf: Uint8Array, from: number, to: number): boolean {
    let i = from;
    while (i < to) {
      switch (this.#state) {
        case ChunkState.Size: {
          const c = buf[i++];
          let digit = -1;
          if (c >= 48 && c <= 57) digit = c - 48;
          else if ((c | 0x20) >= 97 && (c | 0x20) <= 102) digit = (c | 0x20) - 87;
          if (digit >= 0) {
            this.#size = this.#size * 16 + digit;
            this.#digits++;
          } else if (c === LF) {
            this.#endSizeLine();
          } else if (c === 59 /* ; */) {
            this.#state = ChunkState.Extension;
          } else if (c !== CR && c !== 32 && c !== 9) {
            throw new RequestFailure("connection", "The server sent an invalid chunk size");
          }
          break;
        }
        case ChunkState.Extension:
          if (buf[i++] === LF) this.#endSizeLine();
          break;
        case ChunkState.Data: {
          const take = Math.min(this.#size, to - i);
          i += take;
          this.#size -= take;
          if (this.#size === 0) this.#state = ChunkState.DataEnd;
          break;
        }
        case ChunkState.DataEnd:
          if (buf[i++] === LF) {
            this.#state = ChunkState.Size;
            this.#size = 0;
            this.#digits = 0;
          }
          break;
        case ChunkState.Trailer: {
          const c = buf[i++];
          if (c === LF) {
            if (this.#lineLength === 0) {
              this.#state = ChunkState.Done;
              return true;
            }
            this.#lineLength = 0;
          } else if (c !== CR) {
            this.#lineLength++;
          }
          break;
        }
        case ChunkState.Done:
          return true;
      }
    }
    return this.#state === ChunkState.Done;
  }

  #endSizeLine(): void {
    if (this.#digits === 0) {
      throw new RequestFailure("connection", "The server sent an empty chunk size");
    }
    this.#state = this.#size === 0 ? ChunkState.Trailer : ChunkState.Data;
    this.#lineLength = 0;
  }
}

/** Options of an {@linkcode HttpConnection}. */
export interface HttpConnectionOptions {
  /** Size of the read buffer; a response head must fit in it. @default 65536 */
  bufferSize?: number;
}

/**
 * One keep-alive connection that carries one request at a time. `send` returns the HTTP status;
 * it throws a {@linkcode RequestFailure} when there is no response (`abort()` from a watchdog
 * turns the pending request into a `timeout`). A keep-alive connection that the server closed
 * while idle is reopened and the request sent again once, as browsers and `wrk` do.
 *
 * @example Usage
 * ```ts
 * import { buildRequest, HttpConnection } from "./http_connection.ts";
 * import { parseTarget } from "./target.ts";
 * import assert from "node:assert/strict";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
 * const target = parseTarget(`http://127.0.0.1:${server.addr.port}/`);
 * const connection = new HttpConnection(target);
 * try {
 *   assert.equal(await connection.send(buildRequest(target)), 200);
 *   assert.equal(await connection.send(buildRequest(target)), 200);
 *   assert.ok(connection.bytesReceived > 0);
 * } finally {
 *   connection.close();
 *   await server.shutdown();
 * }
 * ```
 */
export class HttpConnection {
  readonly #target: Target;
  readonly #buf: Uint8Array;
  readonly #head: ResponseHead = { status: 0, contentLength: -1, chunked: false, close: false };
  readonly #chunked = new ChunkedBodyEnd();
  #conn: Deno.Conn | null = null;
  #connecting: AbortController | null = null;
  #aborted = false;
  /** Bytes of the last response (head and body). */
  bytesReceived = 0;
  /** Connections opened so far (the first, and reconnections). */
  connectionsOpened = 0;

  /** Creates a connection to a target; it connects on the first `send`. */
  constructor(target: Target, options: HttpConnectionOptions = {}) {
    this.#target = target;
    this.#buf = new Uint8Array(options.bufferSize ?? 65536);
  }

  /** Whether a socket is open. */
  get isOpen(): boolean {
    return this.#conn !== null;
  }

  /** Sends one request (complete bytes) and reads the whole response; returns its status. */
  send(request: Uint8Array): Promise<number> {
    this.#aborted = false;
    const conn = this.#conn;
    return conn === null ? this.#openAndExchange(request) : this.#exchange(conn, request, true);
  }

  /** Ends the pending request (it fails as `timeout`) and closes the socket. */
  abort(): void {
    this.#aborted = true;
    this.#connecting?.abort();
    this.#drop();
  }

  /** Closes the socket (a pending request fails). */
  close(): void {
    this.#connecting?.abort();
    this.#drop();
  }

  #drop(): void {
    const conn = this.#conn;
    this.#conn = null;
    if (conn) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }

  async #open(): Promise<void> {
    const t = this.#target;
    const controller = new AbortController();
    this.#connecting = controller;
    try {
      const tcp = await Deno.connect({
        hostname: t.hostname,
        port: t.port,
        signal: controller.signal,
      });
      tcp.setNoDelay(true);
      if (t.tls) {
        // The handshake cannot take a signal: closing the TCP connection ends it.
        const onAbort = () => tcp.close();
        controller.signal.addEventListener("abort", onAbort, { once: true });
        try {
          const tls = await Deno.startTls(tcp, { hostname: t.hostname });
          this.#conn = tls;
          await tls.handshake(); // certificate errors surface here, with their message
        } finally {
          controller.signal.removeEventListener("abort", onAbort);
        }
      } else {
        this.#conn = tcp;
      }
      this.connectionsOpened++;
    } finally {
      this.#connecting = null;
    }
    if (controller.signal.aborted) {
      this.#drop();
      throw new RequestFailure("connection", "The connection was closed while opening");
    }
  }

  /** Opens a connection and sends; used for the first request and after a stale connection. */
  async #openAndExchange(request: Uint8Array): Promise<number> {
    try {
      await this.#open();
    } catch (error) {
      this.#drop();
      if (this.#aborted) throw new RequestFailure("timeout", "The request timed out");
      throw asFailure(error);
    }
    return this.#exchange(this.#conn!, request, false);
  }

  /**
   * Sends a request on an open connection and reads the response (one async function on the
   * hot path). A reused connection that the server had closed gets one more try on a new one.
   */
  async #exchange(conn: Deno.Conn, request: Uint8Array, reused: boolean): Promise<number> {
    try {
      let written = 0;
      try {
        written = await conn.write(request);
      } catch (error) {
        if (!this.#aborted) throw new StaleConnection(error);
        throw error;
      }
      while (written < request.length) written += await conn.write(request.subarray(written));
      const buf = this.#buf;
      const head = this.#head;
      let got = 0;
      let total = 0;
      let headEnd = -1;
      for (;;) {
        let n: number | null;
        try {
          n = await conn.read(got === 0 ? buf : buf.subarray(got));
        } catch (error) {
          if (total === 0 && !this.#aborted) throw new StaleConnection(error);
          throw error;
        }
        if (n === null) {
          if (total === 0) throw new StaleConnection();
          throw new RequestFailure("connection", "The server closed the connection mid-response");
        }
        let searchFrom = got;
        got += n;
        total += n;
        for (;;) {
          headEnd = findHeadEnd(buf, got, searchFrom);
          if (headEnd < 0) break;
          parseResponseHead(buf, headEnd, head);
          if (head.status >= 200 || head.status === 101) break;
          // An interim 1xx response: drop it and look for the final one.
          buf.copyWithin(0, headEnd, got);
          got -= headEnd;
          headEnd = -1;
          searchFrom = 0;
        }
        if (headEnd >= 0) break;
        if (got === buf.length) {
          throw new RequestFailure(
            "connection",
            `The response head is larger than ${buf.length} bytes`,
          );
        }
      }
      const status = head.status;
      if (status === 204 || status === 304 || status === 101) {
        // no body
      } else if (head.chunked) {
        const chunked = this.#chunked;
        chunked.reset();
        let done = chunked.feed(buf, headEnd, got);
        while (!done) {
          const n = await conn.read(buf);
          if (n === null) {
            throw new RequestFailure("connection", "The server closed the connection mid-response");
          }
          total += n;
          done = chunked.feed(buf, 0, n);
        }
      } else if (head.contentLength >= 0) {
        let remaining = head.contentLength - (got - headEnd);
        while (remaining > 0) {
          const n = await conn.read(buf);
          if (n === null) {
            throw new RequestFailure("connection", "The server closed the connection mid-response");
          }
          total += n;
          remaining -= n;
        }
      } else {
        // No length: the body runs to the end of the connection.
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) break;
          total += n;
        }
        head.close = true;
      }
      this.bytesReceived = total;
      if (head.close) this.#drop();
      return status;
    } catch (error) {
      this.#drop();
      if (this.#aborted) throw new RequestFailure("timeout", "The request timed out");
      if (reused && error instanceof StaleConnection) return this.#openAndExchange(request);
      throw asFailure(error);
    }
  }
}

/** A reused connection that failed before any response byte: the server closed it while idle. */
class StaleConnection extends Error {
  constructor(cause?: unknown) {
    super("The keep-alive connection was closed by the server", { cause });
  }
}

function asFailure(error: unknown): RequestFailure {
  if (error instanceof RequestFailure) return error;
  if (error instanceof StaleConnection) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return new RequestFailure(
      "connection",
      `The server closed the connection before answering${cause}`,
      {
        cause: error.cause,
      },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new RequestFailure("connection", message, { cause: error });
}
