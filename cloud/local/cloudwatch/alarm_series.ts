/**
 * What an alarm evaluation reads: its evaluation window, and the metric series of the alarms of
 * this runtime, kept in memory between evaluations (one read per watched metric of the rows
 * stored since the last one, `Store.metricRowsSince`) and started afresh after a rollback.
 *
 * @module
 */
import { evaluationRange } from "../../../sim/alarm_eval.ts";
import type { LocalContext } from "../kernel/context.ts";
import { dimensionsKey, type Store, type StoredMetricRow } from "../kernel/store/mod.ts";
import type { AlarmRecord } from "./alarm_records.ts";

/**
 * The evaluation range of an alarm at time `t`: N + `extraPeriods` periods (the setting
 * `alarmEvaluationRangeExtraPeriods`) ending with the newest period whose datapoint is visible at
 * `t` (published `Period` + the metric delay after it starts).
 *
 * @example Usage
 * ```ts
 * import { alarmWindow } from "./alarm_series.ts";
 * import assert from "node:assert/strict";
 * // 60 s periods, 60 s delay: at 10:04 the newest visible period is 10:02-10:03.
 * const t = Date.UTC(2026, 0, 1, 10, 4);
 * const w = alarmWindow(t, { periodSeconds: 60, evaluationPeriods: 3, delaySeconds: 60 });
 * assert.equal(w.newest, Date.UTC(2026, 0, 1, 10, 2));
 * assert.equal(w.periods, 5);
 * ```
 */
export function alarmWindow(
  t: number,
  alarm: {
    /** The alarm's Period, seconds. */
    periodSeconds: number;
    /** Its EvaluationPeriods. */
    evaluationPeriods: number;
    /** Seconds after a period closes until its datapoint is visible. */
    delaySeconds: number;
    /**
     * Periods read beyond EvaluationPeriods.
     * @default {2}
     */
    extraPeriods?: number;
  },
): { newest: number; periods: number; start: number; end: number } {
  const { periodSeconds, evaluationPeriods, delaySeconds, extraPeriods = 2 } = alarm;
  const p = periodSeconds * 1000;
  const newest = Math.floor((t - delaySeconds * 1000) / p) * p - p;
  const periods = evaluationRange(evaluationPeriods, extraPeriods);
  return { newest, periods, start: newest - (periods - 1) * p, end: newest + p };
}

/** One period of a metric series as an alarm sees it. */
interface Bucket {
  /** The period's rows, in (timestamp, storage) order. */
  rows: StoredMetricRow[];
  /** The alarm's statistic over `rows`, computed when first needed. */
  value?: number;
}

/** An alarm's metric series, kept in memory between evaluations (see {@linkcode MetricFeed}). */
interface SeriesCache {
  /** What the series is for: a change of metric, period, unit or statistic starts afresh. */
  key: string;
  /** Which metric rows it takes: {@linkcode metricIdentity}. */
  metric: string;
  /** Period, ms. */
  periodMs: number;
  /** Only rows of this unit, when the alarm has one. */
  unit?: string;
  /** Start of the latest window read: windows only move forward, so older rows are dropped. */
  floor: number;
  buckets: Map<number, Bucket>;
}

/**
 * The metric rows of one store as the alarms of this process follow them. Evaluations run every
 * 10 or 60 s over up to 92 periods, so rather than re-reading each alarm's range each time, each
 * alarm keeps its periods' rows and values in memory, and one read per watched metric and
 * evaluation — of its rows stored since the last one (`Store.metricRowsSince`; rows are only
 * ever appended) — hands every new row, including rows published late into periods already
 * read, to the series that watch that metric.
 */
export interface MetricFeed {
  /** Rows up to this position have been handed out. */
  position: number;
  /** The store's rollback count when the feed was made: a rollback may undo rows it handed out. */
  rollbacks: number;
  /** Series by alarm name. */
  series: Map<string, SeriesCache>;
  /** The watched metrics by {@linkcode metricIdentity}, with the series that watch them. */
  byMetric: Map<string, WatchedMetric>;
}

/** A metric some alarms watch. */
interface WatchedMetric {
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: string }[];
  series: Set<SeriesCache>;
}

/** The feed of this runtime, for the store it was made on (kept in the runtime, see `memo`). */
export function feedSlot(ctx: LocalContext): { store?: Store; feed?: MetricFeed } {
  const slot = ctx.runtime.memo<{ store?: Store; feed?: MetricFeed }>(
    "cloudwatch-alarm-feed",
    () => ({}),
  );
  if (slot.store !== ctx.store) {
    slot.store = ctx.store;
    slot.feed = undefined;
  }
  return slot;
}

function metricIdentity(namespace: string, metricName: string, dimensionsKey: string): string {
  return `${namespace}\u0000${metricName}\u0000${dimensionsKey}`;
}

/** The store's feed, brought up to date with every metric row stored so far. */
export function syncMetricFeed(ctx: LocalContext): MetricFeed {
  const { store } = ctx;
  const slot = feedSlot(ctx);
  let feed = slot.feed;
  if (feed === undefined || feed.rollbacks !== store.rollbacks) {
    feed = {
      position: store.lastMetricRowid(),
      rollbacks: store.rollbacks,
      series: new Map(),
      byMetric: new Map(),
    };
    slot.feed = feed;
    return feed;
  }
  const last = store.lastMetricRowid();
  if (last === feed.position) return feed;
  for (const watched of feed.byMetric.values()) {
    const rows = store.metricRowsSince(
      watched.namespace,
      watched.metricName,
      watched.dimensions,
      feed.position,
      last,
    );
    for (const row of rows) for (const series of watched.series) addRow(series, row);
  }
  feed.position = last;
  return feed;
}

/** Files a row into its period (rows older than the series' floor are of no window any more). */
function addRow(series: SeriesCache, row: StoredMetricRow): void {
  if (row.timestamp < series.floor) return;
  if (series.unit !== undefined && row.unit !== series.unit) return;
  const start = Math.floor(row.timestamp / series.periodMs) * series.periodMs;
  let bucket = series.buckets.get(start);
  if (bucket === undefined) {
    bucket = { rows: [] };
    series.buckets.set(start, bucket);
  }
  const rows = bucket.rows;
  let i = rows.length;
  while (
    i > 0 &&
    (rows[i - 1].timestamp > row.timestamp ||
      (rows[i - 1].timestamp === row.timestamp && rows[i - 1].rowid > row.rowid))
  ) i--;
  rows.splice(i, 0, row);
  delete bucket.value;
}

/** Forgets an alarm's series (the alarm was deleted, or its metric changed). */
export function dropSeries(feed: MetricFeed, alarmName: string): void {
  const series = feed.series.get(alarmName);
  if (series === undefined) return;
  feed.series.delete(alarmName);
  const watched = feed.byMetric.get(series.metric);
  watched?.series.delete(series);
  if (watched?.series.size === 0) feed.byMetric.delete(series.metric);
}

/**
 * The alarm's metric, period by period, for the window `[from, to)` (the feed must be in sync).
 * A new series reads its range once; afterwards the feed brings it every new row.
 */
export function metricSeries(
  feed: MetricFeed,
  read: { store: Store; alarm: AlarmRecord; from: number; to: number },
): SeriesCache {
  const { store, alarm, from, to } = read;
  const periodMs = alarm.Period * 1000;
  const dims = dimensionsKey(alarm.Dimensions);
  const stat = alarm.Statistic ?? alarm.ExtendedStatistic!;
  const key = JSON.stringify([
    alarm.Namespace,
    alarm.MetricName,
    dims,
    periodMs,
    alarm.Unit ?? null,
    stat,
  ]);
  let series = feed.series.get(alarm.AlarmName);
  if (series === undefined || series.key !== key || from < series.floor) {
    dropSeries(feed, alarm.AlarmName);
    series = {
      key,
      metric: metricIdentity(alarm.Namespace, alarm.MetricName, dims),
      periodMs,
      unit: alarm.Unit,
      floor: from,
      buckets: new Map(),
    };
    const rows = store.queryMetricRows(
      alarm.Namespace,
      alarm.MetricName,
      alarm.Dimensions,
      from,
      Number.MAX_SAFE_INTEGER,
      feed.position,
    );
    for (const row of rows) addRow(series, row);
    feed.series.set(alarm.AlarmName, series);
    let watched = feed.byMetric.get(series.metric);
    if (watched === undefined) {
      watched = {
        namespace: alarm.Namespace,
        metricName: alarm.MetricName,
        dimensions: alarm.Dimensions,
        series: new Set(),
      };
      feed.byMetric.set(series.metric, watched);
    }
    watched.series.add(series);
  }
  series.floor = from;
  if (series.buckets.size > 2 * (to - from) / periodMs + 8) {
    for (const start of series.buckets.keys()) if (start < from) series.buckets.delete(start);
  }
  return series;
}
