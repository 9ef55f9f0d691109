/**
 * The local backend's state: one SQLite database (`node:sqlite`) in a folder, plus object files.
 *
 * Every write happens in a transaction (`BEGIN IMMEDIATE`), so a process killed half-way leaves
 * the previous state; WAL mode and a busy timeout let several processes share one folder.
 *
 * A transaction holds the write lock, so nothing else changes the database while it runs: it
 * keeps the simulated clock, the event queue and the documents it writes in memory and writes
 * them to SQLite when it commits; metric rows reach SQLite between simulation events (or before
 * anything reads metrics). Readers inside the transaction see everything at once, other
 * connections see it when it commits — as if every write had gone to SQLite at once — and a
 * savepoint (a nested `tx`) that fails puts back what it changed. An hour of simulation (a few
 * hundred events, each in its own savepoint) so costs a few hundred SQLite statements, not
 * thousands.
 *
 * The parts: documents (`docs.ts`), the event queue (`events.ts`), metric rows (`metrics.ts`)
 * and object files (`objects.ts`); this file opens the store and runs transactions over them.
 *
 * @module
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { join, resolve } from "node:path";
import type { MetricRow } from "../../../../sim/metric_row.ts";
import { type DocJournal, DocTable, type StoredDoc } from "./docs.ts";
import { type EventQueueSnapshot, EventTable, type SimEvent } from "./events.ts";
import { type MetricSnapshot, MetricTable, type StoredMetricRow } from "./metrics.ts";
import { ensureObjectFolder, objectPath, removeObjectFile, writeObjectFile } from "./objects.ts";
import type { Statement, StoreSql } from "./sql.ts";

export type { StoredDoc } from "./docs.ts";
export type { SimEvent } from "./events.ts";
export { dimensionsKey, type StoredMetricRow } from "./metrics.ts";

/**
 * Key of the store's raw SQL read, for test support only (`cloud/local/testdata/store_query.ts`):
 * production code reads and writes the store through its methods, never through raw SQL.
 */
export const RAW_SQL_READ: unique symbol = Symbol("Store raw SQL read");

/** The folder the local backend uses when none is given: `.sagemaker-local/` in the working directory. */
export const DEFAULT_LOCAL_DIR = ".sagemaker-local";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (kind, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, due INTEGER NOT NULL,
  kind TEXT NOT NULL, ref TEXT NOT NULL, payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_due ON events (due, id);
CREATE INDEX IF NOT EXISTS events_ref ON events (kind, ref);
CREATE TABLE IF NOT EXISTS metrics (namespace TEXT NOT NULL, name TEXT NOT NULL, dims TEXT NOT NULL,
  ts INTEGER NOT NULL, unit TEXT NOT NULL, n REAL NOT NULL, sum REAL NOT NULL, min REAL NOT NULL,
  max REAL NOT NULL, dist TEXT, res INTEGER NOT NULL DEFAULT 60);
CREATE INDEX IF NOT EXISTS metrics_key ON metrics (namespace, name, dims, ts);
`;

/**
 * The local backend's store.
 *
 * @example Usage
 * ```ts
 * import { Store } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * store.tx(() => store.putDoc("endpoint", "e1", { status: "Creating" }));
 * assert.deepEqual(store.getDoc("endpoint", "e1"), { status: "Creating" });
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Store {
  /** Absolute path of the folder. */
  readonly dir: string;
  #db: DatabaseSync;
  #depth = 0;
  #statements = new Map<string, Statement>();
  #rollbacks = 0;
  // What a transaction keeps in memory. A transaction holds the write lock (`BEGIN IMMEDIATE`),
  // so no other process can change the database meanwhile; all of it is dropped when the
  // transaction ends, and what a savepoint changed is put back when the savepoint rolls back.
  /**
   * The simulated clock as read or set in the transaction; a clock moved by {@linkcode setNow}
   * (`#clockDirty`) is written once, when the transaction commits.
   */
  #clock: number | undefined;
  #clockDirty = false;
  /** Documents (kept in memory in a transaction). */
  #docs: DocTable;
  /** The event queue (loaded at its first use in a transaction). */
  #events: EventTable;
  /** Metric rows (pending in memory in a transaction). */
  #metrics: MetricTable;
  /**
   * The open savepoints (nested `tx` calls), innermost last. A savepoint is created in SQLite
   * only when something is written inside it (`#writing`); the first `#opened` are created.
   */
  #levels: Level[] = [];
  #opened = 0;

  private constructor(dir: string, db: DatabaseSync) {
    this.dir = dir;
    this.#db = db;
    const sql: StoreSql = {
      prep: (text) => this.#prep(text),
      writing: () => this.#writing(),
      inTransaction: () => this.#depth > 0,
    };
    this.#docs = new DocTable(sql, () => this.#levels.at(-1)?.docs);
    this.#events = new EventTable(sql);
    this.#metrics = new MetricTable(sql);
  }

  /** Opens (creating when needed) the store in `dir`. */
  static open(dir: string = DEFAULT_LOCAL_DIR): Store {
    const abs = resolve(dir);
    try {
      ensureObjectFolder(abs);
    } catch (error) {
      throw new Error(
        `Cannot open the local backend in "${abs}": ${
          (error as Error).message
        }. Choose another folder with --local-dir`,
      );
    }
    const file = join(abs, "state.sqlite");
    const db = new DatabaseSync(file);
    db.exec("PRAGMA busy_timeout = 10000");
    try {
      db.exec("PRAGMA journal_mode = WAL"); // the first statement that reads the file
    } catch (error) {
      db.close();
      throw new Error(
        `Cannot open the local backend's state "${file}": ${
          (error as Error).message
        }. Move that file away (or delete the folder "${abs}") to start with an empty local backend, or give another --local-dir`,
      );
    }
    db.exec("PRAGMA synchronous = NORMAL");
    // Savepoint journals (every simulation event runs in one) in memory, not in temp files.
    db.exec("PRAGMA temp_store = MEMORY");
    const store = new Store(abs, db);
    store.tx(() => {
      db.exec(SCHEMA);
      if (store.getMeta("createdAt") === undefined) {
        const now = Date.now();
        store.setMeta("createdAt", String(now));
        // The simulated clock starts at the store's creation, rounded down to the minute (DESIGN.md).
        store.setMeta("clock", String(Math.floor(now / 60_000) * 60_000));
      }
    });
    return store;
  }

  /**
   * How many transactions and savepoints this store has rolled back. What a process keeps in
   * memory about the database (the alarms' metric series) starts afresh when it changes, as a
   * rollback may have undone rows it had read.
   */
  get rollbacks(): number {
    return this.#rollbacks;
  }

  /** Whether the database is still open. */
  get isOpen(): boolean {
    return this.#db.isOpen;
  }

  /** Closes the database. */
  close(): void {
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  #prep(sql: string): Statement {
    let st = this.#statements.get(sql);
    if (!st) {
      st = this.#db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }

  /**
   * Runs `fn` in one transaction: all of its writes land, or none do. Nested calls join the
   * outer transaction (as savepoints, so an inner failure that the caller catches rolls back
   * only the inner part).
   */
  tx<T>(fn: () => T): T {
    if (this.#depth === 0) return this.#outer(fn);
    const level: Level = {
      clock: this.#clock,
      clockDirty: this.#clockDirty,
      events: this.#events.snapshot(),
      docs: new Map(),
      metrics: this.#metrics.snapshot(),
    };
    this.#levels.push(level);
    this.#depth++;
    try {
      const result = fn();
      if (result instanceof Promise) {
        throw new Error("Cannot run an async function in a store transaction: keep it synchronous");
      }
      this.#depth--;
      this.#endLevel(true);
      const parent = this.#levels.at(-1);
      if (parent !== undefined) {
        for (const [key, prior] of level.docs) {
          if (!parent.docs.has(key)) parent.docs.set(key, prior);
        }
      }
      return result;
    } catch (error) {
      this.#depth--;
      const rolledBack = this.#endLevel(false);
      this.#clock = level.clock;
      this.#clockDirty = level.clockDirty;
      this.#events.restore(level.events);
      this.#docs.restore(level.docs, rolledBack);
      const metricsUndone = this.#metrics.restore(level.metrics);
      if (rolledBack || metricsUndone) this.#rollbacks++;
      throw error;
    }
  }

  #outer<T>(fn: () => T): T {
    this.#forget();
    this.#db.exec("BEGIN IMMEDIATE");
    this.#depth++;
    try {
      const result = fn();
      if (result instanceof Promise) {
        throw new Error("Cannot run an async function in a store transaction: keep it synchronous");
      }
      this.#flush();
      this.#depth--;
      this.#db.exec("COMMIT");
      this.#forget();
      return result;
    } catch (error) {
      this.#depth--;
      this.#forget();
      this.#rollbacks++;
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Ends the innermost savepoint; true when one was created in SQLite and is now rolled back. */
  #endLevel(release: boolean): boolean {
    const index = this.#levels.length - 1;
    this.#levels.pop();
    if (index >= this.#opened) return false;
    this.#opened = index;
    const name = `sp${index + 1}`;
    this.#db.exec(release ? `RELEASE ${name}` : `ROLLBACK TO ${name}; RELEASE ${name}`);
    return !release;
  }

  /** Creates the savepoints not created yet: called before anything is written to SQLite. */
  #writing(): void {
    while (this.#opened < this.#levels.length) {
      this.#opened++;
      this.#db.exec(`SAVEPOINT sp${this.#opened}`);
    }
  }

  /** Writes what the transaction kept in memory (clock, events, documents, metrics) to SQLite. */
  #flush(): void {
    this.#metrics.flush();
    this.#docs.flush();
    if (this.#clockDirty) {
      this.#writing();
      this.#setMetaRow("clock", String(this.#clock));
      this.#clockDirty = false;
    }
    this.#events.flush();
  }

  /** Drops what the transaction kept in memory. */
  #forget(): void {
    this.#metrics.clear();
    this.#clock = undefined;
    this.#clockDirty = false;
    this.#docs.clear();
    this.#events.clear();
    this.#levels = [];
    this.#opened = 0;
  }

  /** Reads a metadata value. */
  getMeta(key: string): string | undefined {
    if (key === "clock" && this.#clockDirty) return String(this.#clock);
    const row = this.#prep("SELECT value FROM meta WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  /** Writes a metadata value. */
  setMeta(key: string, value: string): void {
    this.#writing();
    this.#setMetaRow(key, value);
    if (key === "clock") {
      this.#clock = this.#depth > 0 ? Number(value) : undefined;
      this.#clockDirty = false;
    }
  }

  #setMetaRow(key: string, value: string): void {
    this.#prep(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    ).run(key, value);
  }

  /** The simulated clock, epoch milliseconds. */
  now(): number {
    if (this.#clock !== undefined) return this.#clock;
    const now = Number(this.getMeta("clock"));
    if (this.#depth > 0) this.#clock = now;
    return now;
  }

  /** Moves the simulated clock; it never goes backwards. */
  setNow(ms: number): void {
    if (!(ms > this.now())) return;
    if (this.#depth === 0) {
      this.setMeta("clock", String(ms));
      return;
    }
    this.#clock = ms;
    this.#clockDirty = true;
  }

  /** Reads a document. */
  getDoc<T>(kind: string, id: string): T | undefined {
    return this.#docs.get<T>(kind, id);
  }

  /** Writes (creates or replaces) a document. */
  putDoc(kind: string, id: string, doc: unknown): void {
    this.#docs.put(kind, id, doc);
  }

  /** Deletes a document; true when it existed. */
  deleteDoc(kind: string, id: string): boolean {
    return this.#docs.delete(kind, id);
  }

  /** Lists the documents of a kind in id order, optionally only ids starting with `prefix`. */
  listDocs<T>(kind: string, prefix = ""): StoredDoc<T>[] {
    return this.#docs.list<T>(kind, prefix);
  }

  /**
   * Reads a document that the caller only reads: a deeply frozen object, the same one for as
   * long as the document does not change in the transaction (so reading it again costs
   * nothing). Use {@linkcode getDoc} to get a copy to change.
   */
  peekDoc<T>(kind: string, id: string): Readonly<T> | undefined {
    return this.#docs.peek<T>(kind, id);
  }

  /** {@linkcode listDocs} for a caller that only reads: deeply frozen documents (see {@linkcode peekDoc}). */
  peekDocs<T>(kind: string, prefix = ""): StoredDoc<Readonly<T>>[] {
    return this.#docs.peekList<T>(kind, prefix);
  }

  /** Adds an event to the simulation queue. */
  schedule(due: number, kind: string, ref: string, payload: unknown = null): void {
    this.#events.schedule(due, kind, ref, payload);
  }

  /** Removes queued events of a kind (and ref, when given); returns how many. */
  cancelEvents(kind: string, ref?: string): number {
    return this.#events.cancel(kind, ref);
  }

  /** Lists queued events of a kind (and ref), earliest first. */
  listEvents(kind: string, ref?: string): SimEvent[] {
    return this.#events.list(kind, ref);
  }

  /** The earliest event due at or before `upTo`, if any. */
  nextEvent(upTo: number): SimEvent | undefined {
    return this.#events.next(upTo);
  }

  /** Removes one event by id. */
  deleteEvent(id: number): void {
    this.#events.delete(id);
  }

  /**
   * Removes and returns the earliest event due at or before `upTo` (in (due, insertion) order),
   * if any: {@linkcode nextEvent} and {@linkcode deleteEvent} in one.
   */
  takeNextEvent(upTo: number): SimEvent | undefined {
    return this.#events.takeNext(upTo);
  }

  /** Stores metric datapoints. */
  putMetrics(rows: readonly MetricRow[]): void {
    this.#metrics.put(rows);
  }

  /** Reads datapoints of one metric (exact dimension set) with `start <= timestamp < end`. */
  queryMetrics(
    namespace: string,
    metricName: string,
    dimensions: readonly { Name: string; Value: string }[],
    start: number,
    end: number,
  ): MetricRow[] {
    return this.#metrics.query(namespace, metricName, dimensions, start, end);
  }

  /**
   * Rows of one metric (exact dimension set) with `start <= timestamp < end`, stored at or before
   * position `throughRowid` (all rows when undefined), in timestamp order, each with its position.
   */
  queryMetricRows(
    namespace: string,
    metricName: string,
    dimensions: readonly { Name: string; Value: string }[],
    start: number,
    end: number,
    throughRowid?: number,
  ): StoredMetricRow[] {
    return this.#metrics.queryRows(namespace, metricName, dimensions, start, end, throughRowid);
  }

  /**
   * Rows of one metric (exact dimension set) stored after position `afterRowid` and at or before
   * `throughRowid`, in storage order. Rows are only ever appended, so a reader that remembers
   * the last position it read reads each row once (the local alarms follow their metrics so).
   */
  metricRowsSince(
    namespace: string,
    metricName: string,
    dimensions: readonly { Name: string; Value: string }[],
    afterRowid: number,
    throughRowid = Number.MAX_SAFE_INTEGER,
  ): StoredMetricRow[] {
    return this.#metrics.rowsSince(namespace, metricName, dimensions, afterRowid, throughRowid);
  }

  /** The position of the newest metric row (0 when there is none). */
  lastMetricRowid(): number {
    return this.#metrics.lastRowid();
  }

  /** Distinct metrics (namespace, name, dimensions), optionally filtered. */
  listMetrics(namespace?: string, metricName?: string): {
    namespace: string;
    metricName: string;
    dimensions: { Name: string; Value: string }[];
  }[] {
    return this.#metrics.list(namespace, metricName);
  }

  /**
   * Writes bytes to a new object file atomically (temp file + rename) and returns its file name.
   * Call it before the transaction that records the object; an interrupted write leaves at most
   * an unreferenced file, never a half-written referenced one.
   */
  writeObjectFile(bytes: Uint8Array): string {
    return writeObjectFile(this.dir, bytes);
  }

  /** Absolute path of an object file. */
  objectPath(file: string): string {
    return objectPath(this.dir, file);
  }

  /** Deletes an object file (missing files are fine). */
  removeObjectFile(file: string): void {
    removeObjectFile(this.dir, file);
  }

  /**
   * Runs a raw SQL read (`SELECT`) and returns its rows, seeing what a transaction keeps in
   * memory as it stands. Test support only: tests call it through `storeQuery` of
   * `cloud/local/testdata/store_query.ts`; the local services read through the methods above.
   */
  [RAW_SQL_READ](sql: string, params: readonly SQLInputValue[]): unknown[] {
    if (!/^\s*SELECT\b/i.test(sql)) {
      throw new Error(
        `Cannot run "${sql}" as a raw read: only SELECT is allowed; write through the store's methods`,
      );
    }
    // A read of the tables the transaction keeps in memory sees them as they stand.
    if (this.#depth > 0 && /\b(meta|events|sqlite_sequence|docs|metrics)\b/i.test(sql)) {
      this.#flush();
    }
    return this.#prep(sql).all(...params);
  }
}

/** What a savepoint puts back when it rolls back. */
interface Level {
  clock: number | undefined;
  clockDirty: boolean;
  events: EventQueueSnapshot | undefined;
  /** Documents changed in the savepoint: what the transaction's memory held before. */
  docs: DocJournal;
  /** The metric rows and log when the savepoint started. */
  metrics: MetricSnapshot;
}
