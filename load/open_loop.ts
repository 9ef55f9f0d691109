/**
 * The open-loop backlog both transports share: the due times of requests that wait for a free
 * connection, and the rule that grows the connection pool when they wait too long.
 *
 * @module
 */

/**
 * Open loop: a request may leave up to this many ms before it is due (timers wake about 1 ms
 * late); its latency then counts from when it left, since nobody waited.
 */
export const EARLY_MS = 1;
/** Open loop: a request that waited this long for a free connection makes the pool grow. */
export const GROW_AFTER_MS = 2;

/**
 * Due times (`performance.now()` ms) of open-loop requests waiting for a connection, oldest
 * first.
 *
 * @example Usage
 * ```ts
 * import { DueQueue } from "./open_loop.ts";
 * import assert from "node:assert/strict";
 * const queue = new DueQueue();
 * queue.push(10);
 * queue.push(11);
 * assert.equal(queue.length, 2);
 * assert.equal(queue.take(), 10);
 * // At 20 ms the waiting request is overdue: open one connection (the pool is empty).
 * assert.equal(queue.connectionsToOpen(20, 0, 8), 1);
 * assert.equal(queue.take(), 11);
 * assert.equal(queue.take(), undefined);
 * ```
 */
export class DueQueue {
  #due: number[] = [];
  #head = 0;

  /** Requests waiting. */
  get length(): number {
    return this.#due.length - this.#head;
  }

  /** Adds a request due at `dueMs`. */
  push(dueMs: number): void {
    this.#due.push(dueMs);
  }

  /** Removes and returns the oldest due time (`undefined` when none waits). */
  take(): number | undefined {
    if (this.#head === this.#due.length) return undefined;
    const due = this.#due[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#due.length) {
      this.#due = this.#due.slice(this.#head);
      this.#head = 0;
    }
    return due;
  }

  /**
   * How many connections to open at `nowMs` for requests that have waited more than
   * `GROW_AFTER_MS`: at most one eighth more than the `connections` open (at least one), up to
   * `maxConnections`; with no connection yet, one as soon as any request waits. Opening one per
   * queued request would turn a burst into hundreds of connections.
   */
  connectionsToOpen(nowMs: number, connections: number, maxConnections: number): number {
    const room = maxConnections - connections;
    if (room <= 0 || this.#head === this.#due.length) return 0;
    const allowed = Math.min(room, Math.max(1, Math.ceil(connections / 8)));
    if (connections === 0) return allowed;
    let overdue = 0;
    for (let i = this.#head; i < this.#due.length && overdue < allowed; i++) {
      if (nowMs - this.#due[i] <= GROW_AFTER_MS) break;
      overdue++;
    }
    return overdue;
  }
}
