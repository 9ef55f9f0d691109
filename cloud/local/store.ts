/**
 * The local backend's state: one SQLite database (`node:sqlite`) in a folder, plus object files.
 *
 * Every write happens in a transaction (`BEGIN IMMEDIATE`), so a process killed half-way leaves
 * the previous state; WAL mode and a busy timeout let several processes share one folder.
 *
 * @module
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The folder the local backend uses when none is given: `.sagemaker-local/` in the working directory. */
export const DEFAULT_LOCAL_DIR = ".sagemaker-local";

/** One stored document. */
export interface StoredDoc<T> {
  /** Its id within its kind. */
  id: string;
  /** The document. */
  doc: T;
}

/** A scheduled simulation event. */
export interface SimEvent {
  /** Row id (insertion order breaks ties between events due at the same time). */
  id: number;
  /** Due time, epoch milliseconds of the simulated clock. */
  due: number;
  /** Which handler runs it. */
  kind: string;
  /** What it is about (an endpoint name, a job name...), used to cancel it. */
  ref: string;
  /** Handler data. */
  payload: unknown;
}

/** A metric datapoint as stored (one PutMetricData datum, or one simulated period). */
export interface MetricRow {
  namespace: string;
  metricName: string;
  /** Dimensions, in any order (stored sorted by name). */
  dimensions: { Name: string; Value: string }[];
  /** Epoch milliseconds. */
  timestamp: number;
  unit: string;
  sampleCount: number;
  sum: number;
  min: number;
  max: number;
  /** Distribution of values (PutMetricData `Values`/`Counts`), kept for percentiles. */
  values?: number[];
  counts?: number[];
  /** Storage resolution in seconds: 60 (standard) or 1 (high resolution). */
  storageResolution?: number;
}

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
 * import { Store } from "./store.ts";
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
  #statements = new Map<string, ReturnType<DatabaseSync["prepare"]>>();
  /**
   * The simulated clock as last read or written inside the current transaction. A transaction
   * holds the write lock (`BEGIN IMMEDIATE`), so no other process can move the clock meanwhile;
   * outside transactions, and after any rollback, the clock is read from the database.
   */
  #clock: number | undefined;
  #rollbacks = 0;

  private constructor(dir: string, db: DatabaseSync) {
    this.dir = dir;
    this.#db = db;
  }

  /** Opens (creating when needed) the store in `dir`. */
  static open(dir: string = DEFAULT_LOCAL_DIR): Store {
    const abs = resolve(dir);
    try {
      mkdirSync(join(abs, "objects"), { recursive: true });
    } catch (error) {
      throw new Error(
        `Cannot open the local backend in "${abs}": ${
          (error as Error).message
        }. Choose another folder with --local-dir`,
      );
    }
    const db = new DatabaseSync(join(abs, "state.sqlite"));
    db.exec("PRAGMA busy_timeout = 10000");
    db.exec("PRAGMA journal_mode = WAL");
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

  #prep(sql: string) {
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
    const outer = this.#depth === 0;
    const savepoint = `sp${this.#depth}`;
    if (outer) this.#clock = undefined;
    this.#db.exec(outer ? "BEGIN IMMEDIATE" : `SAVEPOINT ${savepoint}`);
    this.#depth++;
    try {
      const result = fn();
      if (result instanceof Promise) {
        throw new Error("Cannot run an async function in a store transaction: keep it synchronous");
      }
      this.#depth--;
      this.#db.exec(outer ? "COMMIT" : `RELEASE ${savepoint}`);
      if (outer) this.#clock = undefined;
      return result;
    } catch (error) {
      this.#depth--;
      this.#clock = undefined;
      this.#rollbacks++;
      this.#db.exec(outer ? "ROLLBACK" : `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
      throw error;
    }
  }

  /** Reads a metadata value. */
  getMeta(key: string): string | undefined {
    const row = this.#prep("SELECT value FROM meta WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  /** Writes a metadata value. */
  setMeta(key: string, value: string): void {
    if (key === "clock") this.#clock = undefined;
    this.#prep(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )
      .run(key, value);
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
    if (ms > this.now()) {
      this.setMeta("clock", String(ms));
      if (this.#depth > 0) this.#clock = ms;
    }
  }

  /** Reads a document. */
  getDoc<T>(kind: string, id: string): T | undefined {
    const row = this.#prep("SELECT doc FROM docs WHERE kind = ? AND id = ?").get(kind, id) as
      | { doc: string }
      | undefined;
    return row === undefined ? undefined : JSON.parse(row.doc) as T;
  }

  /** Writes (creates or replaces) a document. */
  putDoc(kind: string, id: string, doc: unknown): void {
    this.#prep(
      "INSERT INTO docs (kind, id, doc) VALUES (?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET doc = excluded.doc",
    ).run(kind, id, JSON.stringify(doc));
  }

  /** Deletes a document; true when it existed. */
  deleteDoc(kind: string, id: string): boolean {
    return Number(this.#prep("DELETE FROM docs WHERE kind = ? AND id = ?").run(kind, id).changes) >
      0;
  }

  /** Lists the documents of a kind in id order, optionally only ids starting with `prefix`. */
  listDocs<T>(kind: string, prefix = ""): StoredDoc<T>[] {
    const rows = this.#prep(
      "SELECT id, doc FROM docs WHERE kind = ? AND substr(id, 1, ?) = ? ORDER BY id",
    ).all(kind, prefix.length, prefix) as { id: string; doc: string }[];
    return rows.map((r) => ({ id: r.id, doc: JSON.parse(r.doc) as T }));
  }

  /** Adds an event to the simulation queue. */
  schedule(due: number, kind: string, ref: string, payload: unknown = null): void {
    this.#prep("INSERT INTO events (due, kind, ref, payload) VALUES (?, ?, ?, ?)").run(
      Math.round(due),
      kind,
      ref,
      JSON.stringify(payload),
    );
  }

  /** Removes queued events of a kind (and ref, when given); returns how many. */
  cancelEvents(kind: string, ref?: string): number {
    const result = ref === undefined
      ? this.#prep("DELETE FROM events WHERE kind = ?").run(kind)
      : this.#prep("DELETE FROM events WHERE kind = ? AND ref = ?").run(kind, ref);
    return Number(result.changes);
  }

  /** Lists queued events of a kind (and ref), earliest first. */
  listEvents(kind: string, ref?: string): SimEvent[] {
    const rows =
      (ref === undefined
        ? this.#prep("SELECT * FROM events WHERE kind = ? ORDER BY due, id").all(kind)
        : this.#prep("SELECT * FROM events WHERE kind = ? AND ref = ? ORDER BY due, id").all(
          kind,
          ref,
        )) as unknown as EventRow[];
    return rows.map(toEvent);
  }

  /** The earliest event due at or before `upTo`, if any. */
  nextEvent(upTo: number): SimEvent | undefined {
    const row = this.#prep("SELECT * FROM events WHERE due <= ? ORDER BY due, id LIMIT 1").get(
      upTo,
    ) as
      | EventRow
      | undefined;
    return row === undefined ? undefined : toEvent(row);
  }

  /** Removes one event by id. */
  deleteEvent(id: number): void {
    this.#prep("DELETE FROM events WHERE id = ?").run(id);
  }

  /**
   * Removes and returns the earliest event due at or before `upTo` (in (due, insertion) order),
   * if any: {@linkcode nextEvent} and {@linkcode deleteEvent} in one statement.
   */
  takeNextEvent(upTo: number): SimEvent | undefined {
    const row = this.#prep(
      "DELETE FROM events WHERE id = (SELECT id FROM events WHERE due <= ? ORDER BY due, id LIMIT 1) RETURNING *",
    ).get(upTo) as EventRow | undefined;
    return row === undefined ? undefined : toEvent(row);
  }

  /** Stores metric datapoints. */
  putMetrics(rows: readonly MetricRow[]): void {
    const st = this.#prep(
      "INSERT INTO metrics (namespace, name, dims, ts, unit, n, sum, min, max, dist, res) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    // Rows of one call usually share their dimensions array: its key is computed once.
    let lastDimensions: MetricRow["dimensions"] | undefined;
    let lastKey = "";
    for (const r of rows) {
      const dist = r.values && r.values.length > 0
        ? JSON.stringify({ values: r.values, counts: r.counts ?? r.values.map(() => 1) })
        : null;
      if (r.dimensions !== lastDimensions) {
        lastDimensions = r.dimensions;
        lastKey = dimensionsKey(r.dimensions);
      }
      st.run(
        r.namespace,
        r.metricName,
        lastKey,
        Math.round(r.timestamp),
        r.unit,
        r.sampleCount,
        r.sum,
        r.min,
        r.max,
        dist,
        r.storageResolution ?? 60,
      );
    }
  }

  /**
   * Reads datapoints of one metric (exact dimension set) with `start <= timestamp < end`.
   */
  queryMetrics(
    namespace: string,
    metricName: string,
    dimensions: readonly { Name: string; Value: string }[],
    start: number,
    end: number,
  ): MetricRow[] {
    const key = dimensionsKey(dimensions);
    const rows = this.#prep(
      "SELECT * FROM metrics WHERE namespace = ? AND name = ? AND dims = ? AND ts >= ? AND ts < ? ORDER BY ts",
    ).all(namespace, metricName, key, start, end) as unknown as MetricDbRow[];
    return rows.map(toMetricRow);
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
    const key = dimensionsKey(dimensions);
    const rows = this.#prep(
      "SELECT rowid, * FROM metrics WHERE namespace = ? AND name = ? AND dims = ? AND ts >= ? AND ts < ? AND rowid <= ? ORDER BY ts",
    ).all(
      namespace,
      metricName,
      key,
      start,
      end,
      throughRowid ?? Number.MAX_SAFE_INTEGER,
    ) as unknown as (MetricDbRow & { rowid: number })[];
    return toStoredMetricRows(rows);
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
    const rows = this.#prep(
      "SELECT rowid, * FROM metrics WHERE rowid > ? AND rowid <= ? AND namespace = ? AND name = ? AND dims = ? ORDER BY rowid",
    ).all(
      afterRowid,
      throughRowid,
      namespace,
      metricName,
      dimensionsKey(dimensions),
    ) as unknown as (MetricDbRow & { rowid: number })[];
    return toStoredMetricRows(rows);
  }

  /** The position of the newest metric row (0 when there is none). */
  lastMetricRowid(): number {
    const row = this.#prep("SELECT MAX(rowid) AS m FROM metrics").get() as { m: number | null };
    return row.m ?? 0;
  }

  /** Distinct metrics (namespace, name, dimensions), optionally filtered. */
  listMetrics(namespace?: string, metricName?: string): {
    namespace: string;
    metricName: string;
    dimensions: { Name: string; Value: string }[];
  }[] {
    const rows = this.#prep(
      "SELECT DISTINCT namespace, name, dims FROM metrics WHERE (?1 IS NULL OR namespace = ?1) AND (?2 IS NULL OR name = ?2) ORDER BY namespace, name, dims",
    ).all(namespace ?? null, metricName ?? null) as {
      namespace: string;
      name: string;
      dims: string;
    }[];
    return rows.map((r) => ({
      namespace: r.namespace,
      metricName: r.name,
      dimensions: JSON.parse(r.dims),
    }));
  }

  /** Deletes metric datapoints older than `before` (retention). */
  pruneMetrics(before: number): void {
    this.#prep("DELETE FROM metrics WHERE ts < ?").run(before);
  }

  /**
   * Writes bytes to a new object file atomically (temp file + rename) and returns its file name.
   * Call it before the transaction that records the object; an interrupted write leaves at most
   * an unreferenced file, never a half-written referenced one.
   */
  writeObjectFile(bytes: Uint8Array): string {
    const name = crypto.randomUUID();
    const path = join(this.dir, "objects", name);
    writeFileSync(`${path}.tmp`, bytes);
    renameSync(`${path}.tmp`, path);
    return name;
  }

  /** Absolute path of an object file. */
  objectPath(file: string): string {
    return join(this.dir, "objects", file);
  }

  /** Deletes an object file (missing files are fine). */
  removeObjectFile(file: string): void {
    rmSync(this.objectPath(file), { force: true });
  }

  /** Runs raw SQL values through a prepared statement (for tests and diagnostics). */
  query(sql: string, ...params: SQLInputValue[]): unknown[] {
    return this.#prep(sql).all(...params);
  }
}

interface EventRow {
  id: number;
  due: number;
  kind: string;
  ref: string;
  payload: string;
}

function toEvent(r: EventRow): SimEvent {
  return { id: r.id, due: r.due, kind: r.kind, ref: r.ref, payload: JSON.parse(r.payload) };
}

interface MetricDbRow {
  namespace: string;
  name: string;
  dims: string;
  ts: number;
  unit: string;
  n: number;
  sum: number;
  min: number;
  max: number;
  dist: string | null;
  res: number;
}

/** A stored metric row with its position in the metrics table and its dimensions' key. */
export interface StoredMetricRow extends MetricRow {
  /** Position in the metrics table: rows are only appended, so later rows have larger ones. */
  rowid: number;
  /** {@linkcode dimensionsKey} of `dimensions`. */
  dimensionsKey: string;
}

function toStoredMetricRows(rows: readonly (MetricDbRow & { rowid: number })[]): StoredMetricRow[] {
  // Rows of one metric share their dimensions: each distinct key is parsed once.
  const parsed = new Map<string, { Name: string; Value: string }[]>();
  return rows.map((r) => {
    let dimensions = parsed.get(r.dims);
    if (dimensions === undefined) {
      dimensions = JSON.parse(r.dims) as { Name: string; Value: string }[];
      parsed.set(r.dims, dimensions);
    }
    const dist = r.dist ? JSON.parse(r.dist) as { values: number[]; counts: number[] } : undefined;
    return {
      rowid: r.rowid,
      dimensionsKey: r.dims,
      namespace: r.namespace,
      metricName: r.name,
      dimensions,
      timestamp: r.ts,
      unit: r.unit,
      sampleCount: r.n,
      sum: r.sum,
      min: r.min,
      max: r.max,
      values: dist?.values,
      counts: dist?.counts,
      storageResolution: r.res,
    };
  });
}

function toMetricRow(r: MetricDbRow): MetricRow {
  const dist = r.dist ? JSON.parse(r.dist) as { values: number[]; counts: number[] } : undefined;
  return {
    namespace: r.namespace,
    metricName: r.name,
    dimensions: JSON.parse(r.dims),
    timestamp: r.ts,
    unit: r.unit,
    sampleCount: r.n,
    sum: r.sum,
    min: r.min,
    max: r.max,
    values: dist?.values,
    counts: dist?.counts,
    storageResolution: r.res,
  };
}

/** Canonical text of a dimension set: sorted by name, as JSON. */
export function dimensionsKey(dimensions: readonly { Name: string; Value: string }[]): string {
  const sorted = [...dimensions].map((d) => ({ Name: d.Name, Value: d.Value })).sort((a, b) =>
    a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0
  );
  return JSON.stringify(sorted);
}
