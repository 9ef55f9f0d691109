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
  /**
   * Documents as read or written in the transaction: a document read again (an Advanced job's
   * record every tick) costs no query, a write that changes nothing costs nothing, and written
   * documents reach SQLite when the transaction commits (or when many are pending).
   */
  #docs = new DocMemory();
  /**
   * The event queue, loaded at its first use in the transaction and written back when it
   * commits: a simulation pops and queues an event or two every simulated minute.
   */
  #events: EventQueue | undefined;
  /**
   * The open savepoints (nested `tx` calls), innermost last. A savepoint is created in SQLite
   * only when something is written inside it (`#writing`); the first `#opened` are created.
   */
  #levels: Level[] = [];
  #opened = 0;
  /**
   * Metric rows stored in the transaction, not yet in SQLite, each with the rowid SQLite will
   * give it: they are inserted when the transaction commits, in one run outside any savepoint,
   * or before SQLite is asked about metrics.
   */
  #pendingMetrics: LoggedMetricRow[] = [];
  /**
   * The metric rows the transaction stored (pending or inserted), with their rowids: every row
   * after `since` is in `rows`, so a reader that follows new rows (the alarms, every
   * evaluation) reads them from memory. Started at the transaction's first metric write or
   * {@linkcode lastMetricRowid}; pending rows exist only while it does.
   */
  #metricLog: MetricLog | undefined;

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
    if (this.#depth === 0) return this.#outer(fn);
    const log = this.#metricLog;
    const level: Level = {
      clock: this.#clock,
      clockDirty: this.#clockDirty,
      events: this.#events?.snapshot(),
      docs: new Map(),
      pendingMetrics: this.#pendingMetrics.length === 0 ? [] : [...this.#pendingMetrics],
      metricLog: log === undefined ? undefined : { log, rows: log.rows.length, last: log.last },
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
      this.#events = level.events?.restore();
      this.#docs.restore(level.docs, rolledBack);
      const metricsUndone = this.#restoreMetrics(level);
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
    this.#flushMetrics();
    this.#flushDocs();
    if (this.#clockDirty) {
      this.#writing();
      this.#setMetaRow("clock", String(this.#clock));
      this.#clockDirty = false;
    }
    if (this.#events?.dirty) {
      this.#writing();
      this.#events.write((sql, ...params) => this.#prep(sql).run(...params));
    }
  }

  /** Writes the documents written in the transaction to SQLite. */
  #flushDocs(): void {
    if (this.#docs.dirtyCount === 0) return;
    this.#writing();
    this.#docs.flush(this.#levels.at(-1)?.docs, (entry) => {
      if (entry.json === null) {
        this.#prep(DELETE_DOC).run(entry.kind, entry.id);
      } else {
        this.#prep(UPSERT_DOC).run(entry.kind, entry.id, entry.json);
      }
    });
  }

  /** Inserts the pending metric rows. */
  #flushMetrics(): void {
    if (this.#pendingMetrics.length === 0) return;
    this.#writing();
    const st = this.#prep(INSERT_METRIC);
    for (const { rowid, params: p } of this.#pendingMetrics) {
      const { lastInsertRowid } = st.run(
        p[0],
        p[1],
        p[2],
        p[3],
        p[4],
        p[5],
        p[6],
        p[7],
        p[8],
        p[9],
        p[10],
      );
      if (Number(lastInsertRowid) !== rowid) {
        // Not the rowid foreseen (cannot happen while the transaction holds the write lock):
        // trust SQLite from now on.
        this.#metricLog = undefined;
      }
    }
    this.#pendingMetrics = [];
  }

  /** The metric log of the open transaction, started when needed. */
  #log(): MetricLog {
    if (this.#metricLog === undefined) {
      this.#flushMetrics();
      const last = this.#maxMetricRowid();
      this.#metricLog = { since: last, last, rows: [] };
    }
    return this.#metricLog;
  }

  /** Inserts the pending metric rows and stops the log (before SQLite rows change otherwise). */
  #endMetricLog(): void {
    this.#flushMetrics();
    this.#metricLog = undefined;
  }

  /**
   * Puts back the metric rows and log a savepoint started with; true when rows a reader may have
   * seen are gone.
   */
  #restoreMetrics(level: Level): boolean {
    this.#pendingMetrics = level.pendingMetrics;
    const before = level.metricLog;
    const current = this.#metricLog;
    if (before === undefined) {
      this.#metricLog = undefined;
      return current !== undefined && current.rows.length > 0;
    }
    // The log object of the savepoint's start, cut back to what it held then (SQLite, rolled
    // back too, holds the inserted ones of those rows; the others are pending again).
    const undone = before.log.rows.length > before.rows || current !== before.log;
    before.log.rows.length = before.rows;
    before.log.last = before.last;
    this.#metricLog = before.log;
    return undone;
  }

  /** Drops what the transaction kept in memory. */
  #forget(): void {
    this.#pendingMetrics = [];
    this.#metricLog = undefined;
    this.#clock = undefined;
    this.#clockDirty = false;
    this.#docs.clear();
    this.#events = undefined;
    this.#levels = [];
    this.#opened = 0;
  }

  /** Changes a document in the transaction's memory (the innermost savepoint notes the change). */
  #setDoc(kind: string, id: string, key: string, json: string | null): void {
    this.#docs.set(key, { kind, id, json, dirty: true }, this.#levels.at(-1)?.docs);
    if (this.#docs.dirtyCount > DIRTY_DOC_LIMIT) this.#flushDocs();
  }

  /** The event queue of the open transaction (loaded at first use), or undefined outside one. */
  #queue(): EventQueue | undefined {
    if (this.#depth === 0) return undefined;
    if (this.#events === undefined) {
      const rows = this.#prep("SELECT * FROM events ORDER BY due, id")
        .all() as unknown as EventRow[];
      const seq = this.#prep(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) AS seq",
      ).get() as { seq: number };
      this.#events = EventQueue.load(rows, seq.seq);
    }
    return this.#events;
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

  /** The stored JSON of a document (null: none), read from the transaction's memory or SQLite. */
  #docJson(kind: string, id: string, key: string): string | null {
    const known = this.#depth > 0 ? this.#docs.get(key) : undefined;
    if (known !== undefined) return known.json;
    const row = this.#prep("SELECT doc FROM docs WHERE kind = ? AND id = ?").get(kind, id) as
      | { doc: string }
      | undefined;
    const json = row?.doc ?? null;
    if (this.#depth > 0) this.#docs.remember({ kind, id, json, dirty: false }, key);
    return json;
  }

  /** Reads a document. */
  getDoc<T>(kind: string, id: string): T | undefined {
    const json = this.#docJson(kind, id, docKey(kind, id));
    return json === null ? undefined : JSON.parse(json) as T;
  }

  /** Writes (creates or replaces) a document. */
  putDoc(kind: string, id: string, doc: unknown): void {
    const json = JSON.stringify(doc);
    if (this.#depth === 0) {
      this.#prep(UPSERT_DOC).run(kind, id, json);
      return;
    }
    const key = docKey(kind, id);
    if (this.#docs.get(key)?.json === json) return; // unchanged
    this.#setDoc(kind, id, key, json);
  }

  /** Deletes a document; true when it existed. */
  deleteDoc(kind: string, id: string): boolean {
    if (this.#depth === 0) {
      return Number(this.#prep(DELETE_DOC).run(kind, id).changes) > 0;
    }
    const key = docKey(kind, id);
    if (this.#docJson(kind, id, key) === null) return false;
    this.#setDoc(kind, id, key, null);
    return true;
  }

  /** Lists the documents of a kind in id order, optionally only ids starting with `prefix`. */
  listDocs<T>(kind: string, prefix = ""): StoredDoc<T>[] {
    return this.#listJson(kind, prefix).map((r) => ({ id: r.id, doc: JSON.parse(r.json) as T }));
  }

  /**
   * Reads a document that the caller only reads: a deeply frozen object, the same one for as
   * long as the document does not change in the transaction (so reading it again costs
   * nothing). Use {@linkcode getDoc} to get a copy to change.
   */
  peekDoc<T>(kind: string, id: string): Readonly<T> | undefined {
    const key = docKey(kind, id);
    const json = this.#docJson(kind, id, key);
    if (json === null) return undefined;
    return this.#frozen(kind, id, key, json) as Readonly<T>;
  }

  /** {@linkcode listDocs} for a caller that only reads: deeply frozen documents (see {@linkcode peekDoc}). */
  peekDocs<T>(kind: string, prefix = ""): StoredDoc<Readonly<T>>[] {
    return this.#listJson(kind, prefix).map((r) => ({
      id: r.id,
      doc: this.#frozen(kind, r.id, docKey(kind, r.id), r.json) as Readonly<T>,
    }));
  }

  /** The frozen parse of a document's JSON, kept with the transaction's memory of it. */
  #frozen(kind: string, id: string, key: string, json: string): unknown {
    if (this.#depth === 0) return deepFreeze(JSON.parse(json));
    const entry = this.#docs.get(key);
    if (entry?.json === json) return entry.frozen ??= deepFreeze(JSON.parse(json));
    const frozen = deepFreeze(JSON.parse(json));
    if (entry === undefined) this.#docs.remember({ kind, id, json, dirty: false, frozen }, key);
    return frozen;
  }

  /** The JSON of a kind's documents in id order: SQLite's, with the transaction's writes over it. */
  #listJson(kind: string, prefix: string): readonly { id: string; json: string }[] {
    if (this.#depth === 0) return this.#readListJson(kind, prefix);
    // Listed again while no document of the kind changed: the same list.
    let list = this.#docs.list(kind, prefix);
    if (list === undefined) {
      list = this.#readListJson(kind, prefix);
      this.#docs.setList(kind, prefix, list);
    }
    return list;
  }

  #readListJson(kind: string, prefix: string): { id: string; json: string }[] {
    const rows = this.#prep(
      "SELECT id, doc FROM docs WHERE kind = ? AND substr(id, 1, ?) = ? ORDER BY id",
    ).all(kind, prefix.length, prefix) as { id: string; doc: string }[];
    const written = this.#depth > 0 ? this.#docs.written(kind, prefix) : undefined;
    if (written === undefined) return rows.map((r) => ({ id: r.id, json: r.doc }));
    const merged = new Map<string, string | null>();
    for (const r of rows) merged.set(r.id, r.doc);
    let added = false;
    for (const entry of written) {
      if (!merged.has(entry.id)) added = true;
      merged.set(entry.id, entry.json);
    }
    const ids = [...merged.keys()];
    if (added) ids.sort(compareIds);
    const out: { id: string; json: string }[] = [];
    for (const id of ids) {
      const json = merged.get(id)!;
      if (json !== null) out.push({ id, json });
    }
    return out;
  }

  /** Adds an event to the simulation queue. */
  schedule(due: number, kind: string, ref: string, payload: unknown = null): void {
    const queue = this.#queue();
    if (queue !== undefined) {
      queue.add(Math.round(due), kind, ref, JSON.stringify(payload));
      return;
    }
    this.#prep("INSERT INTO events (due, kind, ref, payload) VALUES (?, ?, ?, ?)").run(
      Math.round(due),
      kind,
      ref,
      JSON.stringify(payload),
    );
  }

  /** Removes queued events of a kind (and ref, when given); returns how many. */
  cancelEvents(kind: string, ref?: string): number {
    const queue = this.#queue();
    if (queue !== undefined) {
      return queue.remove((e) => e.kind === kind && (ref === undefined || e.ref === ref));
    }
    const result = ref === undefined
      ? this.#prep("DELETE FROM events WHERE kind = ?").run(kind)
      : this.#prep("DELETE FROM events WHERE kind = ? AND ref = ?").run(kind, ref);
    return Number(result.changes);
  }

  /** Lists queued events of a kind (and ref), earliest first. */
  listEvents(kind: string, ref?: string): SimEvent[] {
    const queue = this.#queue();
    if (queue !== undefined) {
      return queue.rows.filter((e) => e.kind === kind && (ref === undefined || e.ref === ref))
        .map(toEvent);
    }
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
    const queue = this.#queue();
    if (queue !== undefined) {
      const first = queue.rows[0];
      return first !== undefined && first.due <= upTo ? toEvent(first) : undefined;
    }
    const row = this.#prep("SELECT * FROM events WHERE due <= ? ORDER BY due, id LIMIT 1").get(
      upTo,
    ) as
      | EventRow
      | undefined;
    return row === undefined ? undefined : toEvent(row);
  }

  /** Removes one event by id. */
  deleteEvent(id: number): void {
    const queue = this.#queue();
    if (queue !== undefined) {
      queue.remove((e) => e.id === id);
      return;
    }
    this.#prep("DELETE FROM events WHERE id = ?").run(id);
  }

  /**
   * Removes and returns the earliest event due at or before `upTo` (in (due, insertion) order),
   * if any: {@linkcode nextEvent} and {@linkcode deleteEvent} in one.
   */
  takeNextEvent(upTo: number): SimEvent | undefined {
    const queue = this.#queue();
    if (queue !== undefined) {
      const first = queue.rows[0];
      if (first === undefined || first.due > upTo) return undefined;
      queue.shift();
      return toEvent(first);
    }
    const row = this.#prep(
      "DELETE FROM events WHERE id = (SELECT id FROM events WHERE due <= ? ORDER BY due, id LIMIT 1) RETURNING *",
    ).get(upTo) as EventRow | undefined;
    return row === undefined ? undefined : toEvent(row);
  }

  /** Stores metric datapoints. */
  putMetrics(rows: readonly MetricRow[]): void {
    if (rows.length === 0) return;
    // Rows of one call usually share their dimensions array: its key is computed once.
    let lastDimensions: MetricRow["dimensions"] | undefined;
    let lastKey = "";
    const log = this.#depth > 0 ? this.#log() : undefined;
    const direct: SQLInputValue[][] = [];
    for (const r of rows) {
      const dist = r.values && r.values.length > 0
        ? JSON.stringify({ values: r.values, counts: r.counts ?? r.values.map(() => 1) })
        : null;
      if (r.dimensions !== lastDimensions) {
        lastDimensions = r.dimensions;
        lastKey = dimensionsKey(r.dimensions);
      }
      const params = [
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
      ];
      if (log === undefined) {
        direct.push(params);
        continue;
      }
      // SQLite gives the next rowid to each insert (no one else writes while the transaction
      // holds the lock, and nothing is deleted before the pending rows are inserted).
      const row = { rowid: ++log.last, params };
      log.rows.push(row);
      this.#pendingMetrics.push(row);
    }
    if (log !== undefined && log.rows.length > METRIC_LOG_LIMIT) this.#endMetricLog();
    if (direct.length === 0) return;
    const st = this.#prep(INSERT_METRIC);
    for (const params of direct) st.run(...params);
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
    this.#flushMetrics();
    const key = dimensionsKey(dimensions);
    const rows = this.#prep(
      "SELECT * FROM metrics WHERE namespace = ? AND name = ? AND dims = ? AND ts >= ? AND ts < ? ORDER BY ts",
    ).all(namespace, metricName, key, start, end) as unknown as MetricDbRow[];
    return rows.map((r) => toMetricRow(r));
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
    this.#flushMetrics();
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
    const log = this.#depth > 0 ? this.#metricLog : undefined;
    if (log !== undefined && afterRowid >= log.since) {
      const key = dimensionsKey(dimensions);
      const out: StoredMetricRow[] = [];
      for (let i = log.rows.length - 1; i >= 0 && log.rows[i].rowid > afterRowid; i--) {
        const { rowid, params } = log.rows[i];
        if (
          rowid <= throughRowid && params[1] === metricName && params[0] === namespace &&
          params[2] === key
        ) out.push(loggedMetricRow(log.rows[i]));
      }
      return out.reverse();
    }
    this.#flushMetrics();
    const rows = this.#prep(
      // "+" keeps SQLite on the rowid range (a few new rows) rather than the metric's index.
      "SELECT rowid, * FROM metrics WHERE rowid > ? AND rowid <= ? AND +namespace = ? AND +name = ? AND +dims = ? ORDER BY rowid",
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
    return this.#depth > 0 ? this.#log().last : this.#maxMetricRowid();
  }

  #maxMetricRowid(): number {
    const row = this.#prep("SELECT MAX(rowid) AS m FROM metrics").get() as { m: number | null };
    return row.m ?? 0;
  }

  /** Distinct metrics (namespace, name, dimensions), optionally filtered. */
  listMetrics(namespace?: string, metricName?: string): {
    namespace: string;
    metricName: string;
    dimensions: { Name: string; Value: string }[];
  }[] {
    this.#flushMetrics();
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
    if (this.#depth === 0) return this.#prep(sql).all(...params);
    if (/^\s*SELECT\b/i.test(sql)) {
      // A read of the tables the transaction keeps in memory sees them as they stand.
      if (/\b(meta|events|sqlite_sequence|docs|metrics)\b/i.test(sql)) this.#flush();
      return this.#prep(sql).all(...params);
    }
    // Anything else may change what the transaction keeps in memory: it is read afresh.
    this.#flush();
    this.#endMetricLog();
    this.#writing();
    const rows = this.#prep(sql).all(...params);
    this.#clock = undefined;
    this.#docs.clear();
    this.#events = undefined;
    return rows;
  }
}

/** What a savepoint puts back when it rolls back. */
interface Level {
  clock: number | undefined;
  clockDirty: boolean;
  events: EventQueueSnapshot | undefined;
  /** Documents changed in the savepoint: what the transaction's memory held before. */
  docs: Map<string, DocEntry | undefined>;
  /** The metric rows pending when the savepoint started. */
  pendingMetrics: LoggedMetricRow[];
  /** The metric log when the savepoint started, and its length and last rowid then. */
  metricLog: { log: MetricLog; rows: number; last: number } | undefined;
}

/** See `Store.#metricLog`. */
interface MetricLog {
  since: number;
  last: number;
  rows: LoggedMetricRow[];
}

/** A document in a transaction's memory. */
interface DocEntry {
  kind: string;
  id: string;
  /** Its JSON; null when there is no such document. */
  json: string | null;
  /** Written in the transaction and not yet in SQLite. */
  dirty: boolean;
  /** `json` parsed and deeply frozen, once a reader peeked at it. */
  frozen?: unknown;
}

/**
 * The documents a transaction read or wrote: written ones until they go to SQLite, and up to
 * {@linkcode DOC_MEMORY_LIMIT} read ones.
 */
class DocMemory {
  #entries = new Map<string, DocEntry>();
  /** Written documents by kind and id. */
  #dirty = new Map<string, Map<string, DocEntry>>();
  dirtyCount = 0;
  /** Lists of documents by kind and id prefix, dropped when a document of the kind changes. */
  #lists = new Map<string, Map<string, readonly { id: string; json: string }[]>>();

  list(kind: string, prefix: string): readonly { id: string; json: string }[] | undefined {
    return this.#lists.get(kind)?.get(prefix);
  }

  setList(kind: string, prefix: string, list: readonly { id: string; json: string }[]): void {
    let byPrefix = this.#lists.get(kind);
    if (byPrefix === undefined) {
      byPrefix = new Map();
      this.#lists.set(kind, byPrefix);
    }
    byPrefix.set(prefix, list);
  }

  get(key: string): DocEntry | undefined {
    return this.#entries.get(key);
  }

  /** Remembers a document as SQLite holds it (dropping read ones past the limit). */
  remember(entry: DocEntry, key: string): void {
    if (this.#entries.size - this.dirtyCount >= DOC_MEMORY_LIMIT) {
      for (const [k, e] of this.#entries) if (!e.dirty) this.#entries.delete(k);
    }
    this.#put(key, entry);
  }

  /** Changes a document; `journal` (the innermost savepoint's) keeps what it replaces. */
  set(key: string, entry: DocEntry, journal: Map<string, DocEntry | undefined> | undefined): void {
    if (journal !== undefined && !journal.has(key)) journal.set(key, this.#entries.get(key));
    this.#put(key, entry);
    this.#lists.delete(entry.kind);
  }

  #put(key: string, entry: DocEntry | undefined): void {
    const before = this.#entries.get(key);
    if (before?.dirty) {
      this.#dirty.get(before.kind)!.delete(before.id);
      this.dirtyCount--;
    }
    if (entry === undefined) {
      this.#entries.delete(key);
      return;
    }
    this.#entries.set(key, entry);
    if (entry.dirty) {
      let byId = this.#dirty.get(entry.kind);
      if (byId === undefined) {
        byId = new Map();
        this.#dirty.set(entry.kind, byId);
      }
      byId.set(entry.id, entry);
      this.dirtyCount++;
    }
  }

  /** Written documents of a kind whose ids start with `prefix`, or undefined when none. */
  written(kind: string, prefix: string): DocEntry[] | undefined {
    const byId = this.#dirty.get(kind);
    if (byId === undefined || byId.size === 0) return undefined;
    const out: DocEntry[] = [];
    for (const entry of byId.values()) if (entry.id.startsWith(prefix)) out.push(entry);
    return out.length === 0 ? undefined : out;
  }

  /**
   * Hands every written document to `write` and marks it stored; `journal` (the innermost
   * savepoint's, if any) keeps it as written, so that a rollback of that savepoint, which undoes
   * these SQLite writes, makes it pending again.
   */
  flush(
    journal: Map<string, DocEntry | undefined> | undefined,
    write: (entry: DocEntry) => void,
  ): void {
    for (const byId of this.#dirty.values()) {
      for (const entry of byId.values()) {
        write(entry);
        const key = docKey(entry.kind, entry.id);
        if (journal !== undefined && !journal.has(key)) journal.set(key, entry);
        this.#entries.set(key, { ...entry, dirty: false });
      }
    }
    this.#dirty.clear();
    this.dirtyCount = 0;
  }

  /**
   * Puts back what a savepoint changed. When SQLite rolled back too, documents read in the
   * meantime may have been read from writes it undid: they are forgotten.
   */
  restore(journal: Map<string, DocEntry | undefined>, sqliteRolledBack: boolean): void {
    if (journal.size > 0 || sqliteRolledBack) this.#lists.clear();
    for (const [key, prior] of journal) this.#put(key, prior);
    if (!sqliteRolledBack) return;
    for (const [key, entry] of this.#entries) {
      if (!entry.dirty && !journal.has(key)) this.#entries.delete(key);
    }
  }

  clear(): void {
    this.#lists.clear();
    if (this.#entries.size === 0) return;
    this.#entries.clear();
    this.#dirty.clear();
    this.dirtyCount = 0;
  }
}

/** Freezes a parsed JSON value and everything in it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * SQLite's order of ids (BINARY: UTF-8 bytes, i.e. code points), which differs from
 * JavaScript's UTF-16 order only for characters beyond U+FFFF.
 */
function compareIds(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

/** Surrogates (characters beyond U+FFFF) rank after U+E000–U+FFFF, as their code points do. */
function codeUnitRank(c: number): number {
  return c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c;
}

/** A metric row a transaction inserted: its rowid and insert parameters. */
interface LoggedMetricRow {
  rowid: number;
  params: SQLInputValue[];
}

/** How many inserted metric rows a transaction keeps in memory for readers of new rows. */
const METRIC_LOG_LIMIT = 100_000;

/** Statements run both inside and outside a transaction's memory. */
const UPSERT_DOC =
  "INSERT INTO docs (kind, id, doc) VALUES (?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET doc = excluded.doc";
const DELETE_DOC = "DELETE FROM docs WHERE kind = ? AND id = ?";
const INSERT_METRIC =
  "INSERT INTO metrics (namespace, name, dims, ts, unit, n, sum, min, max, dist, res) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/** How many written documents a transaction keeps before it writes them to SQLite. */
const DIRTY_DOC_LIMIT = 1024;

/** A copy of an {@linkcode EventQueue} taken when a savepoint starts. */
interface EventQueueSnapshot {
  restore(): EventQueue;
}

/**
 * The event queue of a transaction: the stored events plus what the transaction queued and
 * removed, written back by {@linkcode EventQueue.write}. New events get the ids SQLite's
 * AUTOINCREMENT would give them, so the (due, insertion) order is the same either way.
 */
class EventQueue {
  /** Queued events in (due, id) order. */
  rows: EventRow[];
  /** Ids of the events stored in SQLite. */
  #stored: Set<number>;
  /** The last id given (SQLite's `sqlite_sequence` for the table). */
  #lastId: number;
  /** The last id as stored in `sqlite_sequence`. */
  #storedLastId: number;
  /** Whether the queue differs from what SQLite holds. */
  dirty = false;

  private constructor(rows: EventRow[], stored: Set<number>, lastId: number, storedLastId: number) {
    this.rows = rows;
    this.#stored = stored;
    this.#lastId = lastId;
    this.#storedLastId = storedLastId;
  }

  static load(rows: EventRow[], sequence: number): EventQueue {
    const lastId = rows.reduce((m, r) => Math.max(m, r.id), sequence);
    return new EventQueue(rows, new Set(rows.map((r) => r.id)), lastId, sequence);
  }

  snapshot(): EventQueueSnapshot {
    const rows = [...this.rows];
    const stored = new Set(this.#stored);
    const { dirty } = this;
    const lastId = this.#lastId;
    const storedLastId = this.#storedLastId;
    return {
      restore: () => {
        const queue = new EventQueue(rows, stored, lastId, storedLastId);
        queue.dirty = dirty;
        return queue;
      },
    };
  }

  add(due: number, kind: string, ref: string, payload: string): void {
    const row: EventRow = { id: ++this.#lastId, due, kind, ref, payload };
    // After every event due at the same time or earlier (its id is the largest).
    let i = this.rows.length;
    while (i > 0 && this.rows[i - 1].due > due) i--;
    this.rows.splice(i, 0, row);
    this.dirty = true;
  }

  /** Removes the first event. */
  shift(): void {
    this.rows = this.rows.slice(1);
    this.dirty = true;
  }

  /** Removes the events that `match`; returns how many. */
  remove(match: (row: EventRow) => boolean): number {
    const kept = this.rows.filter((r) => !match(r));
    const removed = this.rows.length - kept.length;
    if (removed > 0) {
      this.rows = kept;
      this.dirty = true;
    }
    return removed;
  }

  /** Makes SQLite hold this queue. */
  write(run: (sql: string, ...params: SQLInputValue[]) => unknown): void {
    const ids = new Set(this.rows.map((r) => r.id));
    for (const id of this.#stored) {
      if (!ids.has(id)) run("DELETE FROM events WHERE id = ?", id);
    }
    for (const r of this.rows) {
      if (this.#stored.has(r.id)) continue;
      run(
        "INSERT INTO events (id, due, kind, ref, payload) VALUES (?, ?, ?, ?, ?)",
        r.id,
        r.due,
        r.kind,
        r.ref,
        r.payload,
      );
    }
    if (this.#lastId > this.#storedLastId) {
      // Ids of events queued and run within the transaction are not given again, as before.
      run(
        "INSERT OR REPLACE INTO sqlite_sequence (rowid, name, seq) VALUES ((SELECT rowid FROM sqlite_sequence WHERE name = 'events'), 'events', ?)",
        this.#lastId,
      );
    }
    this.#stored = ids;
    this.#storedLastId = this.#lastId;
    this.dirty = false;
  }
}

/** How many documents a transaction remembers at most (it starts afresh past that). */
const DOC_MEMORY_LIMIT = 256;

function docKey(kind: string, id: string): string {
  return `${kind}\u0000${id}`;
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
    return toStoredMetricRow(r, dimensions);
  });
}

function toStoredMetricRow(
  r: MetricDbRow & { rowid: number },
  dimensions?: { Name: string; Value: string }[],
): StoredMetricRow {
  return { rowid: r.rowid, dimensionsKey: r.dims, ...toMetricRow(r, dimensions) };
}

/** A row of a transaction's metric log (its insert parameters) as a stored metric row. */
function loggedMetricRow({ rowid, params }: LoggedMetricRow): StoredMetricRow {
  const [namespace, name, dims, ts, unit, n, sum, min, max, dist, res] = params as [
    string,
    string,
    string,
    number,
    string,
    number,
    number,
    number,
    number,
    string | null,
    number,
  ];
  return toStoredMetricRow({ rowid, namespace, name, dims, ts, unit, n, sum, min, max, dist, res });
}

/** A metric row from its columns; `dimensions` are parsed from `r.dims` when not given. */
function toMetricRow(
  r: MetricDbRow,
  dimensions: { Name: string; Value: string }[] = JSON.parse(r.dims),
): MetricRow {
  const dist = r.dist ? JSON.parse(r.dist) as { values: number[]; counts: number[] } : undefined;
  return {
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
}

/** Canonical text of a dimension set: sorted by name, as JSON. */
export function dimensionsKey(dimensions: readonly { Name: string; Value: string }[]): string {
  const sorted = [...dimensions].map((d) => ({ Name: d.Name, Value: d.Value })).sort((a, b) =>
    a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0
  );
  return JSON.stringify(sorted);
}
