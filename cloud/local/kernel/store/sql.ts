/**
 * What each part of the store (documents, events, metrics) asks of the transaction it runs in:
 * prepared statements, the savepoints to create before a write, and whether a transaction is open.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/** A prepared statement of the store's database. */
export type Statement = ReturnType<DatabaseSync["prepare"]>;

/** The store's database as its parts use it. */
export interface StoreSql {
  /** A prepared statement, cached per SQL text. */
  prep(sql: string): Statement;
  /** Creates the savepoints not created yet: called before anything is written to SQLite. */
  writing(): void;
  /** Whether a transaction is open (its parts then keep what they read and write in memory). */
  inTransaction(): boolean;
}
