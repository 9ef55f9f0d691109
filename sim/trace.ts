/**
 * A real traffic trace, replayed: a CSV of `timestamp,invocations` rows (per minute or per
 * second; ISO 8601 or epoch timestamps in seconds or milliseconds) becomes invocations per
 * minute on a regular minute grid. Pure: the caller reads the file.
 *
 * Rules:
 * - the first line is a header naming the two columns (`timestamp,invocations`, any case);
 * - each further line is `timestamp,count`; blank lines are skipped; a bad row is an error that
 *   names its line number in the file (the header is line 1);
 * - rows are summed into the UTC minute they fall in; minutes with no row count 0, so the
 *   replayed total always equals the file's total;
 * - timestamps must not go backwards (a trace is a time series, not a bag of rows);
 * - a trace spans at most {@linkcode MAX_TRACE_DAYS} days (every minute of the span is held: a
 *   wrong timestamp decades away would otherwise take the memory of millions of minutes).
 *
 * @module
 */

/** One minute of a replayed trace. */
export interface TraceMinute {
  /** Start of the minute, epoch milliseconds (UTC). */
  minute: number;
  /** Invocations in that minute. */
  invocations: number;
}

/** A parsed trace. */
export interface Trace {
  /** Consecutive minutes from the first row's minute to the last row's. */
  minutes: TraceMinute[];
  /** Sum of every row's invocations. */
  total: number;
  /** Largest minute. */
  peakPerMinute: number;
  /** `minute` when consecutive rows are a minute apart or more, else `second`. */
  resolution: "minute" | "second";
}

/** A row of a trace file that cannot be read. */
export class TraceError extends Error {
  /** Line of the file (1-based; the header is line 1). */
  readonly line: number;
  /** @param line the file's line number @param message what is wrong and what to do */
  constructor(line: number, message: string) {
    super(message);
    this.name = "TraceError";
    this.line = line;
  }
}

const MINUTE = 60_000;

/** The longest span a trace may cover, in days (a leap year). */
export const MAX_TRACE_DAYS = 366;

/**
 * Reads a timestamp: ISO 8601 with a time zone (or `Z`), or epoch seconds / milliseconds
 * (a number above 10^11 is taken as milliseconds). Returns epoch milliseconds or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { parseTimestamp } from "./trace.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseTimestamp("2024-01-01T00:01:00Z"), Date.UTC(2024, 0, 1, 0, 1));
 * assert.equal(parseTimestamp("1704067260"), Date.UTC(2024, 0, 1, 0, 1));
 * assert.equal(parseTimestamp("1704067260000"), Date.UTC(2024, 0, 1, 0, 1));
 * assert.equal(parseTimestamp("yesterday"), undefined);
 * ```
 */
export function parseTimestamp(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return n > 1e11 ? Math.round(n) : Math.round(n * 1000);
  }
  // An ISO date-time must say its zone: a local time would replay differently on each machine.
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(t)) {
    return undefined;
  }
  const ms = Date.parse(t.replace(" ", "T"));
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Parses a trace CSV into invocations per minute.
 *
 * @example Per-second rows summed into minutes
 * ```ts
 * import { parseTrace } from "./trace.ts";
 * import assert from "node:assert/strict";
 * const csv = "timestamp,invocations\n" +
 *   "2024-01-01T00:00:10Z,5\n2024-01-01T00:00:50Z,7\n2024-01-01T00:02:00Z,1\n";
 * const trace = parseTrace(csv);
 * assert.deepEqual(trace.minutes.map((m) => m.invocations), [12, 0, 1]);
 * assert.equal(trace.total, 13);
 * ```
 */
export function parseTrace(csv: string): Trace {
  const lines = csv.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = lines[0]?.split(",").map((c) => c.trim().toLowerCase());
  if (header?.length !== 2 || header[0] !== "timestamp" || header[1] !== "invocations") {
    throw new TraceError(
      1,
      `line 1: the header must be "timestamp,invocations", found "${lines[0] ?? ""}"`,
    );
  }
  const rows: { at: number; count: number; line: number }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === "") continue;
    const line = i + 1;
    const cells = text.split(",");
    if (cells.length !== 2) {
      throw new TraceError(line, `line ${line}: expected "timestamp,invocations", found "${text}"`);
    }
    const at = parseTimestamp(cells[0]);
    if (at === undefined) {
      throw new TraceError(
        line,
        `line ${line}: "${
          cells[0].trim()
        }" is not a timestamp; use ISO 8601 with a zone (2024-01-01T00:00:00Z) or epoch seconds`,
      );
    }
    const raw = cells[1].trim();
    const count = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isFinite(count)) {
      throw new TraceError(
        line,
        `line ${line}: "${raw}" is not a number of invocations (a count of 0 or more)`,
      );
    }
    const previous = rows.at(-1);
    if (previous !== undefined && at < previous.at) {
      throw new TraceError(
        line,
        `line ${line}: the timestamp goes back in time from line ${previous.line}; sort the trace by time`,
      );
    }
    if (rows.length > 0 && at - rows[0].at >= MAX_TRACE_DAYS * 24 * 60 * MINUTE) {
      throw new TraceError(
        line,
        `line ${line}: the timestamp is ${
          Math.floor((at - rows[0].at) / (24 * 60 * MINUTE))
        } days after line ${
          rows[0].line
        }; a trace spans at most ${MAX_TRACE_DAYS} days, so check the timestamps (seconds or milliseconds?) or split the trace`,
      );
    }
    rows.push({ at, count, line });
  }
  if (rows.length === 0) throw new TraceError(2, "line 2: the trace has no rows after its header");
  const first = Math.floor(rows[0].at / MINUTE) * MINUTE;
  const last = Math.floor(rows.at(-1)!.at / MINUTE) * MINUTE;
  const minutes: TraceMinute[] = [];
  for (let m = first; m <= last; m += MINUTE) minutes.push({ minute: m, invocations: 0 });
  let total = 0;
  let smallestGap = Infinity;
  for (let i = 0; i < rows.length; i++) {
    minutes[(Math.floor(rows[i].at / MINUTE) * MINUTE - first) / MINUTE].invocations +=
      rows[i].count;
    total += rows[i].count;
    if (i > 0 && rows[i].at > rows[i - 1].at) {
      smallestGap = Math.min(smallestGap, rows[i].at - rows[i - 1].at);
    }
  }
  // A loop, not Math.max(...minutes): a trace of a few months has more minutes than a call
  // takes arguments (RangeError).
  let peakPerMinute = 0;
  for (const m of minutes) peakPerMinute = Math.max(peakPerMinute, m.invocations);
  return {
    minutes,
    total,
    peakPerMinute,
    resolution: smallestGap >= MINUTE ? "minute" : "second",
  };
}
