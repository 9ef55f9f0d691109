/**
 * Reading every page of an AWS listing (the `NextToken` loop of List* and Describe* calls).
 *
 * @module
 */

/**
 * Every item of a paged listing: calls `page` with each next token (none first) until a page
 * has no next token.
 *
 * @example Usage
 * ```ts
 * import { allPages } from "./pages.ts";
 * import assert from "node:assert/strict";
 * const pages: Record<string, { items: number[]; next?: string }> = {
 *   first: { items: [1, 2], next: "b" },
 *   b: { items: [3] },
 * };
 * assert.deepEqual(await allPages((token) => Promise.resolve(pages[token ?? "first"])), [1, 2, 3]);
 * ```
 */
export async function allPages<T>(
  page: (token?: string) => Promise<{ items: readonly T[]; next?: string }>,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    out.push(...p.items);
    token = p.next;
  } while (token);
  return out;
}
