/**
 * What the model server's app answers ({@linkcode HttpAnswer}) and how an answer becomes bytes on
 * the wire.
 *
 * @module
 */

import { serializeResponse } from "./http1.ts";

/** What the app answers. */
export interface HttpAnswer {
  /** Status code. */
  status: number;
  /** Header fields (lower-case names); `content-length` is added. */
  headers?: Record<string, string>;
  /** Body. */
  body?: Uint8Array | string;
}

const encoder = new TextEncoder();

/**
 * A one-line `text/plain` answer (line breaks in the message become spaces).
 *
 * @example Usage
 * ```ts
 * import { plainAnswer } from "./http_answer.ts";
 * import assert from "node:assert/strict";
 * const answer = plainAnswer(503, "Server is busy;\nretry later", { "retry-after": "1" });
 * assert.equal(answer.body, "Server is busy; retry later\n");
 * assert.equal(answer.headers!["retry-after"], "1");
 * ```
 */
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

/**
 * An answer as response bytes (status line, `content-length`, its header fields, body).
 *
 * @example Usage
 * ```ts
 * import { answerBytes } from "./http_answer.ts";
 * import assert from "node:assert/strict";
 * const bytes = answerBytes({ status: 200, body: "0.5" });
 * assert.equal(new TextDecoder().decode(bytes), "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n0.5");
 * ```
 */
export function answerBytes(answer: HttpAnswer): Uint8Array {
  const body = typeof answer.body === "string"
    ? encoder.encode(answer.body)
    : answer.body ?? new Uint8Array(0);
  return serializeResponse(answer.status, body, { headers: answer.headers });
}
