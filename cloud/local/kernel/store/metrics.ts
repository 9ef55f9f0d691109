/**
 * The metric rows of the store (the `metrics` table), as PutMetricData and the simulation store
 * them and the local CloudWatch reads them. Inside a transaction, stored rows wait in memory
 * with the rowids SQLite will give them and are inserted in one run (when it commits, or before
 * SQLite is asked about metrics); a log of them lets readers that follow new rows (the alarms,
 * every evaluation) read them from memory.
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import type { MetricRow } from "../../../../sim/metric_row.ts";
import type { StoreSql } from "./sql.ts";

/** A metric row a transaction inserted: its rowid and insert parameters. */
interface LoggedMetricRow {
  rowid: number;
  params: SQLInputValue[];
}

/** See {@linkcode MetricTable}'s log. */
interface MetricLog {
  since: number;
  last: number;
  rows: LoggedMetricRow[];
}

/** What a savepoint puts back of the metrics when it rolls back. */
export interface MetricSnapshot {
  /** The metric rows pending when the savepoint started. */
  pendingMetrics: LoggedMetricRow[];
  /** The metric log when the savepoint started, and its length and last rowid then. */
  metricLog: { log: MetricLog; rows: number; last: number } | undefined;
}

/** How many inserted metric rows a transaction keeps in memory for readers of new rows. */
const METRIC_LOG_LIMIT = 100_000;

const INSERT_METRIC =
  "INSERT INTO metrics (namespace, name, dims, ts, unit, n, sum, min, max, dist, res) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/** The metric rows as a store writes and reads them. */
export class MetricTable {
  #sql: StoreSql;
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
   * {@linkcode MetricTable.lastRowid}; pending rows exist only while it does.
   */
  #metricLog: MetricLog | undefined;

  constructor(sql: StoreSql) {
    this.#sql = sql;
  }

  /** Stores metric datapoints. */
  put(rows: readonly MetricRow[]): void {
    if (rows.length === 0) return;
    // Rows of one call usually share their dimensions array: its key is computed once.
    let lastDimensions: MetricRow["dimensions"] | undefined;
    let lastKey = "";
    const log = this.#sql.inTransaction() ? this.#log() : undefined;
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
    if (log !== undefined && log.rows.length > METRIC_LOG_LIMIT) this.endLog();
    if (direct.length === 0) return;
    const st = this.#sql.prep(INSERT_METRIC);
    for (const params of direct) st.run(...params);
  }

  /**
   * Reads datapoints of one metric (exact dimension set) with `start <= timestamp < end`.
   */
  query(
    namespace: string,
    metricName: string,
    dimensions: readonly { Name: string; Value: string }[],
    start: number,
    end: number,
  ): MetricRow[] {
    return this.#select(namespace, metricName, dimensions, start, end).map((r) => toMetricRow(r));
  }

  /**
   * Rows of one metric (exact dimension set) with `start <= timestamp < end`, stored at or before
   * position `throughRowid` (all rows when undefined), in timestamp order, each with its position.
   */
  queryRows(
    namespace: string,
    metricName: string,
    dimensions: readonly { Name: string; Value: string }[],
    start: number,
    end: number,
    throughRowid?: number,
  ): StoredMetricRow[] {
    return toStoredMetricRows(
      this.#select(namespace, metricName, dimensions, start, end, throughRowid),
    );
  }

  /** The columns of {@linkcode MetricTable.queryRows}'s rows, as SQLite gives them. */
  #select(
    namespace: string,
    metricName: string,
    dimensions: readonly { Name: string; Value: string }[],
    start: number,
    end: number,
    throughRowid = Number.MAX_SAFE_INTEGER,
  ): (MetricDbRow & { rowid: number })[] {
    this.flush();
    return this.#sql.prep(
      "SELECT rowid, * FROM metrics WHERE namespace = ? AND name = ? AND dims = ? AND ts >= ? AND ts < ? AND rowid <= ? ORDER BY ts",
    ).all(
      namespace,
      metricName,
      dimensionsKey(dimensions),
      start,
      end,
      throughRowid,
    ) as unknown as (MetricDbRow & { rowid: number })[];
  }

  /**
   * Rows of one metric (exact dimension set) stored after position `afterRowid` and at or before
   * `throughRowid`, in storage order. Rows are only ever appended, so a reader that remembers
   * the last position it read reads each row once (the local alarms follow their metrics so).
   */
  rowsSince(
    namespace: string,
    metricName: string,
    dimensions: readonly { Name: string; Value: string }[],
    afterRowid: number,
    throughRowid = Number.MAX_SAFE_INTEGER,
  ): StoredMetricRow[] {
    const log = this.#sql.inTransaction() ? this.#metricLog : undefined;
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
    this.flush();
    const rows = this.#sql.prep(
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
  lastRowid(): number {
    return this.#sql.inTransaction() ? this.#log().last : this.#maxMetricRowid();
  }

  #maxMetricRowid(): number {
    const row = this.#sql.prep("SELECT MAX(rowid) AS m FROM metrics").get() as { m: number | null };
    return row.m ?? 0;
  }

  /** Distinct metrics (namespace, name, dimensions), optionally filtered. */
  list(namespace?: string, metricName?: string): {
    namespace: string;
    metricName: string;
    dimensions: { Name: string; Value: string }[];
  }[] {
    this.flush();
    const rows = this.#sql.prep(
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

  /** Inserts the pending metric rows. */
  flush(): void {
    if (this.#pendingMetrics.length === 0) return;
    this.#sql.writing();
    const st = this.#sql.prep(INSERT_METRIC);
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

  /** Inserts the pending metric rows and stops the log (before SQLite rows change otherwise). */
  endLog(): void {
    this.flush();
    this.#metricLog = undefined;
  }

  /** What a savepoint starting now would put back. */
  snapshot(): MetricSnapshot {
    const log = this.#metricLog;
    return {
      pendingMetrics: this.#pendingMetrics.length === 0 ? [] : [...this.#pendingMetrics],
      metricLog: log === undefined ? undefined : { log, rows: log.rows.length, last: log.last },
    };
  }

  /**
   * Puts back the metric rows and log a savepoint started with; true when rows a reader may have
   * seen are gone.
   */
  restore(level: MetricSnapshot): boolean {
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
  clear(): void {
    this.#pendingMetrics = [];
    this.#metricLog = undefined;
  }

  /** The metric log of the open transaction, started when needed. */
  #log(): MetricLog {
    if (this.#metricLog === undefined) {
      this.flush();
      const last = this.#maxMetricRowid();
      this.#metricLog = { since: last, last, rows: [] };
    }
    return this.#metricLog;
  }
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
