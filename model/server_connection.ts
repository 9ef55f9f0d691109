/**
 * One client connection of the model server: its read buffer, the deadline of the phase it is in
 * (request head, body, idle keep-alive), and reading request heads and bodies off it within the
 * size limits, writing answers to it, and closing it. Deadlines are enforced from outside, by the
 * server's sweep calling {@linkcode ServerConnection.expire}; a read that returns after its
 * connection timed out or closed throws {@linkcode ConnectionGone}.
 *
 * @module
 */

import { parseChunkSize, ProtocolError, type RequestHead } from "./http1.ts";
import { answerBytes, type HttpAnswer } from "./http_answer.ts";
import type { BodyBuffer } from "./body_buffer.ts";

/** The connection ended or timed out while reading or writing; its loop stops. */
export class ConnectionGone extends Error {
  override name = "ConnectionGone";
}

/** The limits a {@linkcode ServerConnection} reads and writes within (see `HttpServerOptions`). */
export interface ConnectionLimits {
  /**
   * Longest time for a request head to arrive (ms).
   * @default {10000}
   */
  headerTimeoutMs?: number;
  /**
   * Longest time to receive a request body once its head is read (ms).
   * @default {60000}
   */
  bodyTimeoutMs?: number;
  /**
   * Longest wait for the next request on a keep-alive connection, or for the client to take a
   * response (ms).
   * @default {15000}
   */
  idleTimeoutMs?: number;
  /**
   * Largest request head (bytes); larger → 431.
   * @default {16384}
   */
  maxHeaderBytes?: number;
  /**
   * Largest request body (bytes); larger → 413.
   * @default {6291456}
   */
  maxBodyBytes?: number;
}

const encoder = new TextEncoder();
/** Where discarded body bytes go; shared, as nothing reads them. */
const scratch = new Uint8Array(65536);
const CRLFCRLF = [13, 10, 13, 10];
const CRLF = [13, 10];

/**
 * A connection the server reads requests from and writes answers to.
 *
 * @example Usage
 * ```ts
 * import { ServerConnection } from "./server_connection.ts";
 * import { parseRequestHead } from "./http1.ts";
 * import assert from "node:assert/strict";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const c = new ServerConnection(await listener.accept());
 * await client.write(new TextEncoder().encode("GET /ping HTTP/1.1\r\nHost: a\r\n\r\n"));
 * const head = parseRequestHead((await c.readHead(true))!);
 * assert.equal(head.path, "/ping");
 * await c.write({ status: 200 }, false);
 * const reply = new Uint8Array(256);
 * const n = await client.read(reply);
 * assert.match(new TextDecoder().decode(reply.subarray(0, n!)), /^HTTP\/1\.1 200 OK\r\n/);
 * c.close();
 * client.close();
 * listener.close();
 * ```
 */
export class ServerConnection {
  /** The socket. */
  readonly conn: Deno.Conn;
  /** When the current phase times out (`performance.now()`), or Infinity. */
  deadline = Infinity;
  /** Whether a deadline passed (the sweep answers 408 or closes). */
  timedOut = false;
  /** Whether the socket is closed. */
  closed = false;
  readonly #headerTimeoutMs: number;
  readonly #bodyTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #maxHeaderBytes: number;
  readonly #maxBodyBytes: number;
  #buf = new Uint8Array(4096);
  #start = 0;
  #end = 0;
  /** What to answer when the deadline passes (null: close silently). */
  #onTimeout: (() => string) | null = null;

  /** Wraps an accepted socket. */
  constructor(conn: Deno.Conn, limits: ConnectionLimits = {}) {
    const {
      headerTimeoutMs = 10_000,
      bodyTimeoutMs = 60_000,
      idleTimeoutMs = 15_000,
      maxHeaderBytes = 16384,
      maxBodyBytes = 6 * 1024 * 1024,
    } = limits;
    this.conn = conn;
    this.#headerTimeoutMs = headerTimeoutMs;
    this.#bodyTimeoutMs = bodyTimeoutMs;
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#maxHeaderBytes = maxHeaderBytes;
    this.#maxBodyBytes = maxBodyBytes;
  }

  /** Starts a phase that times out `ms` from now, answering `onTimeout()` (null: closing). */
  phase(ms: number, onTimeout: (() => string) | null): void {
    this.deadline = performance.now() + ms;
    this.#onTimeout = onTimeout;
  }

  /**
   * Marks the connection timed out (its deadline passed) and returns the 408 message to write
   * before closing, or null to close silently (an idle keep-alive connection).
   */
  expire(): string | null {
    this.timedOut = true;
    this.deadline = Infinity;
    return this.#onTimeout?.() ?? null;
  }

  /** Closes the socket (again: no effect). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  /** Reads more bytes into the buffer (growing it up to `limit`); false at EOF. */
  async #fill(limit: number): Promise<boolean> {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end === this.#buf.length) {
      if (this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      } else if (this.#buf.length < limit) {
        const grown = new Uint8Array(Math.min(limit, this.#buf.length * 2));
        grown.set(this.#buf.subarray(0, this.#end));
        this.#buf = grown;
      } else {
        return true; // full: the caller sees no progress and refuses
      }
    }
    const n = await this.#read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** One read from the socket; throws {@linkcode ConnectionGone} once timed out or closed. */
  async #read(into: Uint8Array): Promise<number | null> {
    let n: number | null;
    try {
      n = await this.conn.read(into);
    } catch {
      throw new ConnectionGone();
    }
    if (this.timedOut || this.closed) throw new ConnectionGone();
    return n;
  }

  #headerPhase(): void {
    const ms = this.#headerTimeoutMs;
    this.phase(ms, () => `Request header not received within ${ms} ms`);
  }

  /**
   * Reads up to the end of a request head; the head's bytes (without the blank line), or null at
   * a clean EOF between requests. A keep-alive connection (not `first`) waits `idleTimeoutMs`
   * for the first byte of a request, then `headerTimeoutMs` for the rest of the head.
   */
  async readHead(first: boolean): Promise<Uint8Array | null> {
    const max = this.#maxHeaderBytes;
    if (first || this.#start < this.#end) this.#headerPhase();
    else this.phase(this.#idleTimeoutMs, null);
    let scanned = 0; // bytes after #start already searched
    while (true) {
      const at = indexOf(this.#buf, CRLFCRLF, this.#start + Math.max(0, scanned - 3), this.#end);
      if (at >= 0) {
        const head = this.#buf.subarray(this.#start, at);
        this.#start = at + 4;
        return head;
      }
      scanned = this.#end - this.#start;
      if (scanned > max) {
        throw new ProtocolError(431, `Request header is larger than ${max} bytes`);
      }
      const idle = scanned === 0 && !first;
      if (!await this.#fill(max + 4)) {
        if (this.#start === this.#end) return null;
        throw new ProtocolError(400, "The connection closed in the middle of the request header");
      }
      if (this.#end - this.#start === scanned) {
        throw new ProtocolError(431, `Request header is larger than ${max} bytes`);
      }
      if (idle) this.#headerPhase(); // the next request has begun
    }
  }

  /**
   * Reads the body the head announces into `body`, within the size, memory and time limits;
   * throws a {@linkcode ProtocolError} for a body too large, cut off or badly chunked.
   */
  async readBody(head: RequestHead, body: BodyBuffer): Promise<Uint8Array> {
    let got = 0;
    const declared = head.framing.kind === "length" ? head.framing.length : -1;
    const bodyTimeoutMs = this.#bodyTimeoutMs;
    this.phase(
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
        if (this.#start < this.#end) {
          const n = Math.min(length - got, this.#end - this.#start);
          body.ensure(got + n);
          body.data.set(this.#buf.subarray(this.#start, this.#start + n), got);
          this.#start += n;
          got += n;
          continue;
        }
        body.ensure(Math.min(length, got + 1));
        const n = await this.#read(body.data.subarray(got, Math.min(length, body.data.length)));
        if (n === null) throw cutOff();
        got += n;
      }
      return body.data.subarray(0, got);
    }
    // chunked: size line, data, CRLF, ..., a zero size, trailer fields, blank line
    const line = async (): Promise<string> => {
      let scanned = 0;
      while (true) {
        const at = indexOf(this.#buf, CRLF, this.#start + Math.max(0, scanned - 1), this.#end);
        if (at >= 0) {
          const text = String.fromCharCode(...this.#buf.subarray(this.#start, at));
          this.#start = at + 2;
          return text;
        }
        scanned = this.#end - this.#start;
        if (scanned > this.#maxHeaderBytes) {
          throw new ProtocolError(400, "A chunk size or trailer line is too long");
        }
        if (!await this.#fill(this.#maxHeaderBytes + 4)) throw cutOff();
      }
    };
    while (true) {
      const size = parseChunkSize(await line());
      if (size === 0) break;
      if (got + size > this.#maxBodyBytes) {
        throw new ProtocolError(
          413,
          `Request body is larger than the limit of ${this.#maxBodyBytes} bytes; send at most 6 MB per request`,
        );
      }
      body.ensure(got + size);
      let left = size;
      while (left > 0) {
        if (this.#start < this.#end) {
          const n = Math.min(left, this.#end - this.#start);
          body.data.set(this.#buf.subarray(this.#start, this.#start + n), got);
          this.#start += n;
          got += n;
          left -= n;
          continue;
        }
        const n = await this.#read(body.data.subarray(got, got + left));
        if (n === null) throw cutOff();
        got += n;
        left -= n;
      }
      if ((await line()) !== "") throw new ProtocolError(400, "A chunk is longer than its size");
    }
    while ((await line()) !== "") { /* trailer fields are ignored */ }
    return body.data.subarray(0, got);
  }

  /** Reads and drops `length` body bytes (within the body timeout). */
  async discard(length: number): Promise<void> {
    let got = 0;
    const bodyTimeoutMs = this.#bodyTimeoutMs;
    this.phase(
      bodyTimeoutMs,
      () => `Request body not received within ${bodyTimeoutMs} ms (got ${got} bytes)`,
    );
    const fromBuffer = Math.min(length, this.#end - this.#start);
    this.#start += fromBuffer;
    got += fromBuffer;
    while (got < length) {
      let n: number | null;
      try {
        n = await this.conn.read(scratch.subarray(0, Math.min(scratch.length, length - got)));
      } catch {
        throw new ConnectionGone();
      }
      if (n === null || this.timedOut || this.closed) throw new ConnectionGone();
      got += n;
    }
  }

  /** Writes an answer, saying whether the connection stays open, within the idle timeout. */
  async write(answer: HttpAnswer, keepAlive: boolean): Promise<void> {
    const idleTimeoutMs = this.#idleTimeoutMs;
    const headers = !keepAlive
      ? { ...answer.headers, connection: "close" }
      : idleTimeoutMs >= 1000
      ? { ...answer.headers, "keep-alive": `timeout=${Math.floor(idleTimeoutMs / 1000)}` }
      : answer.headers ?? {};
    this.phase(idleTimeoutMs, null);
    await this.send(answerBytes({ ...answer, headers }));
  }

  /** Writes bytes as they are (`100 Continue`, say). */
  async send(bytes: Uint8Array): Promise<void> {
    let written = 0;
    try {
      while (written < bytes.length) written += await this.conn.write(bytes.subarray(written));
    } catch {
      throw new ConnectionGone();
    }
  }

  /** Sends `100 Continue`. */
  sendContinue(): Promise<void> {
    return this.send(encoder.encode("HTTP/1.1 100 Continue\r\n\r\n"));
  }

  /**
   * Writes a last answer (`connection: close`), then half-closes and discards what the client
   * still sends until it closes or 2 s pass: closing with unread bytes would reset the
   * connection and lose the answer.
   */
  async answerAndClose(answer: HttpAnswer): Promise<void> {
    await this.write(answer, false);
    this.phase(2000, null);
    try {
      await this.conn.closeWrite();
      while (!this.closed && (await this.conn.read(scratch)) !== null) { /* discard */ }
    } catch { /* closed */ }
  }
}

/**
 * Writes a last answer and closes, at most 1 s later even if the client reads nothing (for
 * connections beyond the bound and those that timed out).
 *
 * @example Usage
 * ```ts
 * import { closeAfterWriting } from "./server_connection.ts";
 * import assert from "node:assert/strict";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * await closeAfterWriting(await listener.accept(), new TextEncoder().encode("bye"));
 * assert.equal(await new Response(client.readable).text(), "bye");
 * listener.close();
 * ```
 */
export function closeAfterWriting(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
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
