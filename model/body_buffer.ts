/**
 * The buffer a request body is read into: it grows as bytes arrive, and each growth is reserved
 * from a budget shared by every request of the server (`maxBufferedBytes`), so that the server
 * holds only the bytes clients have sent and never more than the budget.
 *
 * @module
 */

import { ProtocolError } from "./http1.ts";

/** The bytes held by every body buffer of a server; each buffer adds and removes its own. */
export interface BodyBudget {
  /** Request-body bytes held now. */
  bufferedBytes: number;
}

/** Options of {@linkcode BodyBuffer}. */
export interface BodyBufferOptions {
  /**
   * The body's declared length (`content-length`), or 0 when unknown (chunked).
   * @default {0}
   */
  expected?: number;
  /**
   * Most bytes the budget may hold; past it {@linkcode BodyBuffer.ensure} throws a 503.
   * @default {67108864}
   */
  maxBufferedBytes?: number;
  /**
   * Largest body (bytes): a body of unknown length grows up to this.
   * @default {6291456}
   */
  maxBodyBytes?: number;
}

/**
 * A growing body buffer whose bytes are reserved from a {@linkcode BodyBudget}. A small declared
 * body is allocated at once; a large or chunked one doubles as it arrives.
 *
 * @example Usage
 * ```ts
 * import { BodyBuffer } from "./body_buffer.ts";
 * import assert from "node:assert/strict";
 * const budget = { bufferedBytes: 0 };
 * const body = new BodyBuffer(budget, { expected: 3, maxBufferedBytes: 10 });
 * body.ensure(3);
 * assert.equal(budget.bufferedBytes, 3);
 * assert.throws(() => new BodyBuffer(budget, { maxBufferedBytes: 10 }).ensure(8), /Server is busy/);
 * body.release();
 * assert.equal(budget.bufferedBytes, 0);
 * ```
 */
export class BodyBuffer {
  readonly #budget: BodyBudget;
  readonly #expected: number;
  readonly #maxBufferedBytes: number;
  readonly #maxBodyBytes: number;
  #data = new Uint8Array(0);
  #reserved = 0;

  /** Creates an empty buffer that reserves from `budget`. */
  constructor(budget: BodyBudget, options: BodyBufferOptions = {}) {
    const { expected = 0, maxBufferedBytes = 64 * 1024 * 1024, maxBodyBytes = 6 * 1024 * 1024 } =
      options;
    this.#budget = budget;
    this.#expected = expected;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#maxBodyBytes = maxBodyBytes;
  }

  /** The bytes so far (its length is the capacity, not the bytes received). */
  get data(): Uint8Array {
    return this.#data;
  }

  /** Bytes reserved from the budget. */
  get reserved(): number {
    return this.#reserved;
  }

  /**
   * Makes room for `size` bytes in total; throws a {@linkcode ProtocolError} 503 when the
   * budget would pass `maxBufferedBytes`.
   */
  ensure(size: number): void {
    const data = this.#data;
    if (size <= data.length) return;
    const expected = this.#expected;
    // A small declared body at once; a large or chunked one doubling as it arrives.
    const capacity = expected > 0 && expected <= 256 * 1024 ? Math.max(expected, size) : Math.min(
      Math.max(size, data.length * 2, 65536),
      Math.max(size, expected > 0 ? expected : this.#maxBodyBytes),
    );
    const extra = capacity - data.length;
    if (this.#budget.bufferedBytes + extra > this.#maxBufferedBytes) {
      throw new ProtocolError(
        503,
        `Server is busy: ${this.#budget.bufferedBytes} bytes of request bodies buffered (limit ${this.#maxBufferedBytes}); retry later`,
      );
    }
    this.#budget.bufferedBytes += extra;
    this.#reserved += extra;
    const grown = new Uint8Array(capacity);
    grown.set(data);
    this.#data = grown;
  }

  /** Gives the reserved bytes back to the budget (again: no effect). */
  release(): void {
    this.#budget.bufferedBytes -= this.#reserved;
    this.#reserved = 0;
  }
}
