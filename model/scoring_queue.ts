/**
 * The queue of read requests waiting for the model: drained one request at a time by the app's
 * handler (the CPU work), with a bound on how long a request may wait (`maxQueueMs`, then it is
 * answered busy instead of handled). Between two requests the queue gives the event loop a turn
 * (until the previous response is written, at most 20 ms), so connections keep being read while
 * the model works.
 *
 * How many requests may queue is the server's decision (`maxInFlight` in `http_server.ts`).
 *
 * @module
 */

import type { RequestHead } from "./http1.ts";
import { type HttpAnswer, plainAnswer } from "./http_answer.ts";

/** Options of {@linkcode ScoringQueue}. */
export interface ScoringQueueOptions {
  /**
   * Longest a request may wait in the queue (ms); it is then answered `busy(...)` instead of
   * handled.
   * @default {1000}
   */
  maxQueueMs?: number;
  /**
   * The answer to a request that is not handled, from the reason.
   * @default {a 503 with `Retry-After: 1`}
   */
  busy?: (why: string) => HttpAnswer;
}

/** A request in the queue. */
export interface QueuedRequest {
  /** Settles with the handler's answer, or the busy answer. */
  readonly answer: Promise<HttpAnswer>;
  /** Says that the answer is written (or will not be), so the next request may be handled. */
  written(): void;
}

interface Job {
  head: RequestHead;
  body: Uint8Array;
  at: number;
  answer: PromiseWithResolvers<HttpAnswer>;
  written: PromiseWithResolvers<void>;
}

/**
 * Requests handled one at a time, in order, each within `maxQueueMs` of its arrival or answered
 * busy.
 *
 * @example Usage
 * ```ts
 * import { ScoringQueue } from "./scoring_queue.ts";
 * import { parseRequestHead } from "./http1.ts";
 * import assert from "node:assert/strict";
 * const queue = new ScoringQueue((_head, body) => ({ status: 200, body: `${body.length}` }));
 * const head = parseRequestHead(new TextEncoder().encode("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2"));
 * const request = queue.submit(head, new Uint8Array(2));
 * assert.equal((await request.answer).body, "2");
 * request.written();
 * ```
 */
export class ScoringQueue {
  readonly #handle: (head: RequestHead, body: Uint8Array) => HttpAnswer;
  readonly #maxQueueMs: number;
  readonly #busy: (why: string) => HttpAnswer;
  readonly #queue: Job[] = [];
  #draining = false;

  /** Creates an empty queue whose requests `handle` answers. */
  constructor(
    handle: (head: RequestHead, body: Uint8Array) => HttpAnswer,
    options: ScoringQueueOptions = {},
  ) {
    const {
      maxQueueMs = 1000,
      busy = (why: string) =>
        plainAnswer(503, `Server is busy: ${why}; retry later`, { "retry-after": "1" }),
    } = options;
    this.#handle = handle;
    this.#maxQueueMs = maxQueueMs;
    this.#busy = busy;
  }

  /** Queues a request; the first of an idle queue is handled before this returns. */
  submit(head: RequestHead, body: Uint8Array): QueuedRequest {
    const job: Job = {
      head,
      body,
      at: performance.now(),
      answer: Promise.withResolvers(),
      written: Promise.withResolvers(),
    };
    this.#queue.push(job);
    if (!this.#draining) this.#drain();
    return { answer: job.answer.promise, written: () => job.written.resolve() };
  }

  /** Answers every waiting request `busy(why)` at once (the server is stopping, say). */
  clear(why: string): void {
    for (const job of this.#queue.splice(0)) job.answer.resolve(this.#busy(why));
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const job = this.#queue.shift()!;
        const waited = performance.now() - job.at;
        let answer: HttpAnswer;
        if (waited > this.#maxQueueMs) {
          answer = this.#busy(
            `request waited ${Math.round(waited)} ms in the queue (limit ${this.#maxQueueMs})`,
          );
        } else {
          try {
            answer = this.#handle(job.head, job.body);
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
      this.#draining = false;
    }
  }
}
