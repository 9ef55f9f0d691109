/**
 * The one pagination codec of the local backend: a `NextToken` is the base64 of a small JSON
 * document holding the position in the full answer (an offset, or one offset per query for
 * GetMetricData) and, when the operation needs one, a scope that ties the token to what produced
 * it (the operation, or a fingerprint of the request). Tokens are opaque to callers, as AWS's are;
 * each service turns an unreadable token into its own error.
 *
 * @module
 */

/** Options of {@linkcode encodePageToken} and the decoders. */
export interface PageTokenOptions {
  /**
   * What the token belongs to (an operation name, a request fingerprint): a token decodes only
   * with the scope it was made with.
   * @default {undefined} (no scope)
   */
  scope?: string;
}

interface PageTokenBody {
  s?: string;
  o: number | number[];
}

/**
 * A `NextToken` for a position in a paged answer.
 *
 * @example Usage
 * ```ts
 * import { decodePageOffset, encodePageToken } from "./paging.ts";
 * import assert from "node:assert/strict";
 * const token = encodePageToken(20, { scope: "ListModels" });
 * assert.equal(decodePageOffset(token, { scope: "ListModels" }), 20);
 * assert.equal(decodePageOffset(token, { scope: "ListEndpoints" }), undefined);
 * ```
 */
export function encodePageToken(
  position: number | readonly number[],
  options: PageTokenOptions = {},
): string {
  const body: PageTokenBody = { o: typeof position === "number" ? position : [...position] };
  if (options.scope !== undefined) body.s = options.scope;
  return btoa(JSON.stringify(body));
}

/**
 * The offset a token made by {@linkcode encodePageToken} holds, or undefined when it is not such
 * a token (garbage, another scope, not a whole number ≥ 0).
 *
 * @example Usage
 * ```ts
 * import { decodePageOffset, encodePageToken } from "./paging.ts";
 * import assert from "node:assert/strict";
 * assert.equal(decodePageOffset(encodePageToken(3)), 3);
 * assert.equal(decodePageOffset("garbage"), undefined);
 * ```
 */
export function decodePageOffset(
  token: string,
  options: PageTokenOptions = {},
): number | undefined {
  const o = decodeBody(token, options)?.o;
  return isOffset(o) ? o : undefined;
}

/**
 * The per-query offsets a token holds (`count` of them), or undefined when it is not such a
 * token.
 *
 * @example Usage
 * ```ts
 * import { decodePageOffsets, encodePageToken } from "./paging.ts";
 * import assert from "node:assert/strict";
 * const token = encodePageToken([4, 0], { scope: "f00d" });
 * assert.deepEqual(decodePageOffsets(token, 2, { scope: "f00d" }), [4, 0]);
 * assert.equal(decodePageOffsets(token, 3, { scope: "f00d" }), undefined);
 * ```
 */
export function decodePageOffsets(
  token: string,
  count: number,
  options: PageTokenOptions = {},
): number[] | undefined {
  const o = decodeBody(token, options)?.o;
  return Array.isArray(o) && o.length === count && o.every(isOffset) ? o : undefined;
}

/** Where a page starts in the full answer and how long it is, for {@linkcode pageOf}. */
export interface PagePosition {
  /** Index of the page's first item in the full answer. */
  offset: number;
  /** Most items the page holds. */
  size: number;
}

/**
 * One page of a full answer: its `items` from `offset`, at most `size` of them, and the
 * `NextToken` of the page after it, present only when more items follow.
 *
 * @example Usage
 * ```ts
 * import { decodePageOffset, pageOf } from "./paging.ts";
 * import assert from "node:assert/strict";
 * const first = pageOf(["a", "b", "c"], { offset: 0, size: 2 });
 * assert.deepEqual(first.items, ["a", "b"]);
 * assert.equal(decodePageOffset(first.NextToken!), 2);
 * assert.deepEqual(pageOf(["a", "b", "c"], { offset: 2, size: 2 }), { items: ["c"] });
 * ```
 */
export function pageOf<T>(
  items: readonly T[],
  position: PagePosition,
  options: PageTokenOptions = {},
): { items: T[]; NextToken?: string } {
  const end = position.offset + position.size;
  const page: { items: T[]; NextToken?: string } = { items: items.slice(position.offset, end) };
  if (end < items.length) page.NextToken = encodePageToken(end, options);
  return page;
}

function decodeBody(token: string, options: PageTokenOptions): PageTokenBody | undefined {
  let body: unknown;
  try {
    body = JSON.parse(atob(token));
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null) return undefined;
  const { s, o } = body as Partial<PageTokenBody>;
  if (s !== options.scope || o === undefined) return undefined;
  return { s, o };
}

function isOffset(o: unknown): o is number {
  return Number.isInteger(o) && (o as number) >= 0;
}
