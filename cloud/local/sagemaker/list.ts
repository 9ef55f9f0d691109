/**
 * The shared mechanics of SageMaker's `List*` operations: name and time filters, sorting, and
 * `MaxResults` + `NextToken` pagination.
 *
 * @module
 */
import { decodePageOffset, pageOf } from "../kernel/paging.ts";
import { invalidPageToken } from "./messages.ts";
import { InputChecks } from "./validation.ts";

/** One listable resource, reduced to what filters and sort keys need. */
export interface Listable {
  /** Resource name (`NameContains`, `SortBy: Name`). */
  name: string;
  /** Creation time, epoch ms. */
  creationTime: number;
  /** Last modification, epoch ms (endpoints' `LastModifiedTime*` filters). */
  lastModifiedTime?: number;
  /** Status (`StatusEquals`, `SortBy: Status`). */
  status?: string;
}

/** The request members of a SageMaker `List*` call this helper understands. */
export interface ListRequest {
  NameContains?: string;
  CreationTimeAfter?: Date;
  CreationTimeBefore?: Date;
  LastModifiedTimeAfter?: Date;
  LastModifiedTimeBefore?: Date;
  StatusEquals?: string;
  SortBy?: string;
  SortOrder?: string;
  MaxResults?: number;
  NextToken?: string;
}

/** Options of {@linkcode listPage}: what the operation allows. */
export interface ListPageOptions {
  /** Operation name, scopes the `NextToken`. */
  operation: string;
  /** Sort keys the operation accepts (`CreationTime`, `Name`, `Status`). */
  sortKeys: readonly string[];
  /** Sort orders the operation accepts (`Ascending`, `Descending`). */
  sortOrders?: readonly string[];
  /**
   * Sort order when the request gives none.
   * @default {"Descending"}
   */
  defaultOrder?: "Ascending" | "Descending";
  /**
   * Page size when the request gives no `MaxResults`.
   * @default {10}
   */
  defaultMaxResults?: number;
  /**
   * Largest `MaxResults` accepted.
   * @default {100}
   */
  maxMaxResults?: number;
  /** Statuses `StatusEquals` accepts, when the operation has that filter. */
  statuses?: readonly string[];
}

function decodeToken(raw: string, operation: string): number {
  const offset = decodePageOffset(raw, { scope: operation });
  if (offset !== undefined) return offset;
  throw invalidPageToken(raw, operation);
}

function compareBy(key: string): (a: Listable, b: Listable) => number {
  return (a, b) => {
    if (key === "Name") {
      return a.name < b.name ? -1 : a.name > b.name ? 1 : a.creationTime - b.creationTime;
    }
    if (key === "Status") {
      const sa = a.status ?? "";
      const sb = b.status ?? "";
      return sa < sb ? -1 : sa > sb ? 1 : a.creationTime - b.creationTime;
    }
    return a.creationTime - b.creationTime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  };
}

/**
 * Validates the list request, filters, sorts and cuts one page. SageMaker's `List*` pages hold
 * 10 items unless `MaxResults` (1–100) says otherwise; `NameContains` matches case-insensitively
 * (names are case-insensitive in SageMaker); `CreationTimeAfter` is inclusive
 * ("greater than or equal to", API reference of `ListEndpoints`), `CreationTimeBefore` exclusive.
 *
 * @example Usage
 * ```ts
 * import { listPage } from "./list.ts";
 * import assert from "node:assert/strict";
 * const items = [1, 2, 3].map((i) => ({ name: `ep-${i}`, creationTime: i }));
 * const options = { operation: "ListEndpoints", sortKeys: ["CreationTime", "Name"] };
 * const first = listPage(items, { MaxResults: 2 }, options);
 * assert.deepEqual(first.items.map((x) => x.name), ["ep-3", "ep-2"]);
 * const second = listPage(items, { MaxResults: 2, NextToken: first.nextToken }, options);
 * assert.deepEqual(second.items.map((x) => x.name), ["ep-1"]);
 * assert.equal(second.nextToken, undefined);
 * ```
 */
export function listPage<T extends Listable>(
  items: readonly T[],
  request: ListRequest,
  options: ListPageOptions,
): { items: T[]; nextToken?: string } {
  const checks = new InputChecks();
  const maxMax = options.maxMaxResults ?? 100;
  checks.number(request.MaxResults, "maxResults", { min: 1, max: maxMax, integer: true });
  checks.enumValue(request.SortBy, "sortBy", options.sortKeys);
  checks.enumValue(
    request.SortOrder,
    "sortOrder",
    options.sortOrders ?? ["Ascending", "Descending"],
  );
  checks.string(request.NameContains, "nameContains", { max: 63, pattern: "[a-zA-Z0-9\\-]+" });
  if (options.statuses) checks.enumValue(request.StatusEquals, "statusEquals", options.statuses);
  checks.string(request.NextToken, "nextToken", { max: 8192 });
  checks.done();

  const contains = request.NameContains?.toLowerCase();
  const after = request.CreationTimeAfter?.getTime();
  const before = request.CreationTimeBefore?.getTime();
  const modAfter = request.LastModifiedTimeAfter?.getTime();
  const modBefore = request.LastModifiedTimeBefore?.getTime();
  const filtered = items.filter((item) =>
    (contains === undefined || item.name.toLowerCase().includes(contains)) &&
    (after === undefined || item.creationTime >= after) &&
    (before === undefined || item.creationTime < before) &&
    (modAfter === undefined || (item.lastModifiedTime ?? item.creationTime) >= modAfter) &&
    (modBefore === undefined || (item.lastModifiedTime ?? item.creationTime) < modBefore) &&
    (request.StatusEquals === undefined || item.status === request.StatusEquals)
  );
  const order = request.SortOrder ?? options.defaultOrder ?? "Descending";
  const compare = compareBy(request.SortBy ?? "CreationTime");
  const sorted = filtered.sort((a, b) => order === "Ascending" ? compare(a, b) : compare(b, a));
  const offset = request.NextToken === undefined
    ? 0
    : decodeToken(request.NextToken, options.operation);
  const size = request.MaxResults ?? options.defaultMaxResults ?? 10;
  const page = pageOf(sorted, { offset, size }, { scope: options.operation });
  return { items: page.items, nextToken: page.NextToken };
}
