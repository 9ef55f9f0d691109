/**
 * Raw SQL reads of a local store, for tests that check what reaches SQLite (the store itself
 * offers no raw SQL to the local services).
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import { RAW_SQL_READ, type Store } from "../kernel/store/mod.ts";

/**
 * Runs a `SELECT` on the store's database and returns its rows (objects without a prototype, as
 * `node:sqlite` gives them); inside a transaction it sees the clock, events, documents and metric rows as they stand.
 *
 * @example Usage
 * ```ts
 * import { storeQuery } from "./store_query.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * store.tx(() => {
 *   store.putDoc("k", "a", { v: 1 });
 *   const rows = storeQuery(store, "SELECT id FROM docs WHERE kind = ?", "k");
 *   assert.deepEqual(rows.map((r) => ({ ...r as object })), [{ id: "a" }]);
 * });
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function storeQuery(store: Store, sql: string, ...params: SQLInputValue[]): unknown[] {
  return store[RAW_SQL_READ](sql, params);
}
