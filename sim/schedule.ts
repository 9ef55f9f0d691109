/**
 * Schedule expressions of Application Auto Scaling scheduled actions (spec autoscaling.md §4):
 * `at(yyyy-mm-ddThh:mm:ss)`, `rate(N minute|minutes|hour|hours|day|days)` and
 * `cron(Minutes Hours Day-of-month Month Day-of-week Year)` in EventBridge syntax, evaluated in an
 * IANA time zone (DST handled) between an optional StartTime and EndTime.
 *
 * Pure functions: no clock, no store. The local Application Auto Scaling asks
 * {@linkcode nextFireTime} when a scheduled action fires next and queues one event for it.
 * Time zones and the calendar are in `timezone.ts`.
 *
 * @module
 */
import {
  dayOfWeek,
  daysInMonth,
  instantToLocal,
  isWeekday,
  localToInstant,
  nearestWeekday,
  offsetAt,
  validateTimezone,
  type WallClockTime,
} from "./timezone.ts";

/**
 * A schedule expression that Application Auto Scaling would reject (its `ValidationException`).
 *
 * @example Usage
 * ```ts
 * import { InvalidScheduleError, parseSchedule } from "./schedule.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => parseSchedule("rate(5 weeks)"), InvalidScheduleError);
 * ```
 */
export class InvalidScheduleError extends Error {
  /** The expression as given. */
  readonly expression: string;
  constructor(expression: string, reason: string) {
    super(`Invalid schedule expression "${expression}": ${reason}`);
    this.name = "InvalidScheduleError";
    this.expression = expression;
  }
}

/** `at(yyyy-mm-ddThh:mm:ss)`: once, at that wall-clock time of the action's time zone. */
export interface AtSchedule extends WallClockTime {
  kind: "at";
  /** The expression as given. */
  expression: string;
}

/** `rate(N unit)`: every N minutes, hours or days. */
export interface RateSchedule {
  kind: "rate";
  /** The expression as given. */
  expression: string;
  /** N, a positive integer. */
  value: number;
  unit: "minute" | "hour" | "day";
  /** N units in milliseconds. */
  intervalMs: number;
}

/** Day-of-month field of a cron expression. */
export interface DayOfMonthField {
  /** `?`: the day-of-week field decides. */
  any: boolean;
  /** Listed days 1-31. */
  days: number[];
  /** `L`: the last day of the month. */
  last: boolean;
  /** `LW`: the last weekday (Monday-Friday) of the month. */
  lastWeekday: boolean;
  /** `nW`: the weekday nearest to day n, within the same month. */
  nearestWeekday: number[];
}

/** Day-of-week field of a cron expression (1 = Sunday ... 7 = Saturday, as in EventBridge). */
export interface DayOfWeekField {
  /** `?`: the day-of-month field decides. */
  any: boolean;
  /** Listed days of week 1-7. */
  days: number[];
  /** `nL`: the last such day of week in the month. */
  lastOfMonth: number[];
  /** `n#k`: the k-th such day of week in the month, as `[n, k]`. */
  nth: [number, number][];
}

/** `cron(...)`: six fields (an optional leading seconds field makes seven). */
export interface CronSchedule {
  kind: "cron";
  /** The expression as given. */
  expression: string;
  /** Seconds 0-59 ([0] unless a seven-field expression names them). */
  seconds: number[];
  /** Minutes 0-59. */
  minutes: number[];
  /** Hours 0-23. */
  hours: number[];
  dayOfMonth: DayOfMonthField;
  /** Months 1-12. */
  months: number[];
  dayOfWeek: DayOfWeekField;
  /** Years 1970-2199. */
  years: number[];
}

/** A parsed schedule expression. */
export type Schedule = AtSchedule | RateSchedule | CronSchedule;

const MONTH_NAMES = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

/**
 * Parses an Application Auto Scaling schedule expression.
 *
 * @example Usage
 * ```ts
 * import { parseSchedule } from "./schedule.ts";
 * import assert from "node:assert/strict";
 * const s = parseSchedule("cron(0 9 ? * MON-FRI *)");
 * assert.equal(s.kind, "cron");
 * if (s.kind === "cron") assert.deepEqual(s.dayOfWeek.days, [2, 3, 4, 5, 6]);
 * assert.equal(parseSchedule("rate(5 minutes)").kind, "rate");
 * assert.throws(() => parseSchedule("cron(0 25 * * ? *)"), /hours value "25" is out of range 0-23/);
 * ```
 */
export function parseSchedule(expression: string): Schedule {
  if (typeof expression !== "string") {
    throw new InvalidScheduleError(String(expression), "give a string");
  }
  const text = expression.trim();
  const match = /^(at|rate|cron)\((.*)\)$/s.exec(text);
  if (!match) {
    throw new InvalidScheduleError(
      expression,
      "use at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)",
    );
  }
  const [, kind, body] = match;
  if (kind === "at") return parseAt(expression, body.trim());
  if (kind === "rate") return parseRate(expression, body.trim());
  return parseCron(expression, body.trim());
}

function parseAt(expression: string, body: string): AtSchedule {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!m) throw new InvalidScheduleError(expression, "at() takes yyyy-mm-ddThh:mm:ss");
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  if (
    month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 ||
    minute > 59 || second > 59
  ) {
    throw new InvalidScheduleError(expression, `"${body}" is not a valid date and time`);
  }
  return { kind: "at", expression, year, month, day, hour, minute, second };
}

function parseRate(expression: string, body: string): RateSchedule {
  const m = /^(\d+)\s+(minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!m) {
    throw new InvalidScheduleError(
      expression,
      "rate() takes a positive integer and minute(s), hour(s) or day(s), e.g. rate(5 minutes)",
    );
  }
  const value = Number(m[1]);
  if (!(value >= 1)) {
    throw new InvalidScheduleError(expression, "the rate value must be at least 1");
  }
  const unit = m[2].replace(/s$/, "") as RateSchedule["unit"];
  const unitMs = unit === "minute" ? 60_000 : unit === "hour" ? 3_600_000 : 86_400_000;
  return { kind: "rate", expression, value, unit, intervalMs: value * unitMs };
}

function parseCron(expression: string, body: string): CronSchedule {
  const fields = body.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 6 && fields.length !== 7) {
    throw new InvalidScheduleError(
      expression,
      `cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const withSeconds = fields.length === 7;
  const [sec, min, hour, dom, month, dow, year] = withSeconds ? fields : ["0", ...fields];
  const domAny = dom === "?";
  const dowAny = dow === "?";
  if (domAny === dowAny) {
    throw new InvalidScheduleError(
      expression,
      "give either day-of-month or day-of-week and put ? in the other",
    );
  }
  const err = (reason: string) => new InvalidScheduleError(expression, reason);
  return {
    kind: "cron",
    expression,
    seconds: withSeconds ? parseNumericField(sec, "seconds", 0, 59, err) : [0],
    minutes: parseNumericField(min, "minutes", 0, 59, err),
    hours: parseNumericField(hour, "hours", 0, 23, err),
    dayOfMonth: domAny ? emptyDom(true) : parseDayOfMonth(dom, err),
    months: parseNumericField(month, "month", 1, 12, err, MONTH_NAMES),
    dayOfWeek: dowAny ? emptyDow(true) : parseDayOfWeek(dow, err),
    years: parseNumericField(year, "year", MIN_YEAR, MAX_YEAR, err),
  };
}

function emptyDom(any: boolean): DayOfMonthField {
  return { any, days: [], last: false, lastWeekday: false, nearestWeekday: [] };
}

function emptyDow(any: boolean): DayOfWeekField {
  return { any, days: [], lastOfMonth: [], nth: [] };
}

type ErrorMaker = (reason: string) => InvalidScheduleError;

/** Parses `*`, `a`, `a-b`, `a/s`, `a-b/s`, `*\/s` and comma lists into sorted unique values. */
function parseNumericField(
  field: string,
  label: string,
  lo: number,
  hi: number,
  err: ErrorMaker,
  names?: string[],
): number[] {
  const values = new Set<number>();
  for (const item of field.split(",")) {
    for (const v of parseItem(item, label, lo, hi, err, names)) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function parseItem(
  item: string,
  label: string,
  lo: number,
  hi: number,
  err: ErrorMaker,
  names?: string[],
): number[] {
  if (item === "") throw err(`the ${label} field has an empty list item`);
  const [rangePart, stepPart, extra] = item.split("/");
  if (extra !== undefined) throw err(`${label} item "${item}" has more than one /`);
  let step = 1;
  if (stepPart !== undefined) {
    if (!/^\d+$/.test(stepPart) || Number(stepPart) < 1) {
      throw err(`${label} item "${item}" needs a positive whole step after /`);
    }
    step = Number(stepPart);
  }
  let from: number;
  let to: number;
  if (rangePart === "*") {
    from = lo;
    to = hi;
  } else if (rangePart.includes("-")) {
    const [a, b, more] = rangePart.split("-");
    if (more !== undefined) throw err(`${label} item "${item}" is not a range a-b`);
    from = fieldValue(a, label, lo, hi, err, names);
    to = fieldValue(b, label, lo, hi, err, names);
    if (from > to) {
      throw err(
        `${label} range "${rangePart}" starts after it ends: write the smaller value first`,
      );
    }
  } else {
    from = fieldValue(rangePart, label, lo, hi, err, names);
    // `a/s` runs from a to the end of the field's range.
    to = stepPart === undefined ? from : hi;
  }
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

function fieldValue(
  text: string,
  label: string,
  lo: number,
  hi: number,
  err: ErrorMaker,
  names?: string[],
): number {
  const upper = text.toUpperCase();
  if (names) {
    const i = names.indexOf(upper);
    if (i >= 0) return lo + i;
  }
  if (!/^\d+$/.test(text)) throw err(`${label} value "${text}" is not a number`);
  const v = Number(text);
  if (v < lo || v > hi) throw err(`${label} value "${text}" is out of range ${lo}-${hi}`);
  return v;
}

function parseDayOfMonth(field: string, err: ErrorMaker): DayOfMonthField {
  const out = emptyDom(false);
  const days = new Set<number>();
  for (const item of field.split(",")) {
    const upper = item.toUpperCase();
    if (upper === "L") out.last = true;
    else if (upper === "LW") out.lastWeekday = true;
    else if (/^\d+W$/.test(upper)) {
      out.nearestWeekday.push(fieldValue(upper.slice(0, -1), "day-of-month", 1, 31, err));
    } else {
      for (const v of parseItem(item, "day-of-month", 1, 31, err)) days.add(v);
    }
  }
  out.days = [...days].sort((a, b) => a - b);
  return out;
}

function parseDayOfWeek(field: string, err: ErrorMaker): DayOfWeekField {
  const out = emptyDow(false);
  const days = new Set<number>();
  for (const item of field.split(",")) {
    const upper = item.toUpperCase();
    if (upper === "L") {
      days.add(7); // `L` alone: the last day of the week, Saturday.
    } else if (/^[A-Z0-9]+L$/.test(upper)) {
      out.lastOfMonth.push(fieldValue(upper.slice(0, -1), "day-of-week", 1, 7, err, DAY_NAMES));
    } else if (upper.includes("#")) {
      const [d, k, more] = upper.split("#");
      if (more !== undefined || !/^[1-5]$/.test(k ?? "")) {
        throw err(`day-of-week item "${item}" must be day#n with n from 1 to 5`);
      }
      out.nth.push([fieldValue(d, "day-of-week", 1, 7, err, DAY_NAMES), Number(k)]);
    } else {
      for (const v of parseItem(item, "day-of-week", 1, 7, err, DAY_NAMES)) days.add(v);
    }
  }
  out.days = [...days].sort((a, b) => a - b);
  return out;
}

function dayMatches(s: CronSchedule, year: number, month: number, day: number): boolean {
  const dom = s.dayOfMonth;
  if (!dom.any) {
    const last = daysInMonth(year, month);
    if (dom.days.includes(day)) return true;
    if (dom.last && day === last) return true;
    if (dom.lastWeekday) {
      let d = last;
      while (!isWeekday({ year, month, day: d })) d--;
      if (day === d) return true;
    }
    for (const n of dom.nearestWeekday) {
      if (n <= last && nearestWeekday({ year, month, day: n }) === day) return true;
    }
    return false;
  }
  const dow = s.dayOfWeek;
  const wd = dayOfWeek({ year, month, day });
  if (dow.days.includes(wd)) return true;
  const last = daysInMonth(year, month);
  for (const n of dow.lastOfMonth) {
    if (wd === n && day + 7 > last) return true;
  }
  for (const [n, k] of dow.nth) {
    if (wd === n && Math.ceil(day / 7) === k) return true;
  }
  return false;
}

/**
 * When a schedule fires next: the first fire time strictly after `after`, not before `start`
 * and not after `end`; `undefined` when it never fires again.
 *
 * - `at(...)` fires once at that wall-clock time of `timezone`.
 * - `rate(N unit)` fires every N units counted from `start` when given (`start`, `start` + N, ...),
 *   otherwise N units after `after` — so chaining `nextFireTime(s, previous)` from the time the
 *   action was created gives creation + N, + 2N, ... [INF]: AWS documents no anchor.
 * - `cron(...)` fires at the wall-clock times of `timezone` that match every field.
 *
 * @param schedule an expression or a parsed {@linkcode Schedule}
 * @param after epoch ms (or Date); the result is strictly later
 * @param timezone IANA time zone of `at` and `cron` wall-clock times
 * @param start StartTime: no fire time before it
 * @param end EndTime: no fire time after it
 *
 * @example Usage
 * ```ts
 * import { nextFireTime } from "./schedule.ts";
 * import assert from "node:assert/strict";
 * // 09:00 on weekdays in New York; after Friday 2026-03-06 10:00 local comes Monday 09:00 local.
 * const after = Date.parse("2026-03-06T15:00:00Z");
 * const next = nextFireTime("cron(0 9 ? * MON-FRI *)", after, "America/New_York");
 * assert.equal(new Date(next!).toISOString(), "2026-03-09T13:00:00.000Z"); // EDT began on the 8th
 * ```
 */
export function nextFireTime(
  schedule: string | Schedule,
  after: number | Date,
  timezone = "UTC",
  start?: number | Date,
  end?: number | Date,
): number | undefined {
  const s = typeof schedule === "string" ? parseSchedule(schedule) : schedule;
  validateTimezone(timezone);
  const afterMs = +after;
  const startMs = start === undefined ? undefined : +start;
  const endMs = end === undefined ? undefined : +end;
  let result: number | undefined;
  if (s.kind === "at") {
    const t = localToInstant(s, timezone);
    result = t > afterMs && (startMs === undefined || t >= startMs) ? t : undefined;
  } else if (s.kind === "rate") {
    if (startMs !== undefined) {
      const k = afterMs < startMs ? 0 : Math.floor((afterMs - startMs) / s.intervalMs) + 1;
      result = startMs + k * s.intervalMs;
    } else {
      result = afterMs + s.intervalMs;
    }
  } else {
    const lower = Math.max(afterMs + 1, startMs ?? -Infinity);
    result = nextCronTime(s, lower, timezone);
  }
  if (result === undefined || (endMs !== undefined && result > endMs)) return undefined;
  return result;
}

/** The first cron fire time at or after `lower`. */
function nextCronTime(s: CronSchedule, lower: number, timezone: string): number | undefined {
  // Start a day early in local terms so a DST shift near midnight cannot skip a candidate.
  const from = instantToLocal(lower - 86_400_000, timezone);
  for (const year of s.years) {
    if (year < from.year) continue;
    for (const month of s.months) {
      if (year === from.year && month < from.month) continue;
      const last = daysInMonth(year, month);
      const firstDay = year === from.year && month === from.month ? from.day : 1;
      for (let day = firstDay; day <= last; day++) {
        if (!dayMatches(s, year, month, day)) continue;
        const best = earliestOnDay(s, year, month, day, lower, timezone);
        if (best !== undefined) return best;
      }
    }
  }
  return undefined;
}

/** The earliest instant >= `lower` among the day's matching wall-clock times. */
function earliestOnDay(
  s: CronSchedule,
  year: number,
  month: number,
  day: number,
  lower: number,
  timezone: string,
): number | undefined {
  const dayStartNaive = Date.UTC(year, month - 1, day);
  // Every instant of this local day lies within a day and a half of its naive UTC reading.
  if (dayStartNaive + 2 * 86_400_000 < lower) return undefined;
  // The day's instants lie within [start - 14 h, start + 24 h + 14 h] (offsets never pass 14 h).
  const offsetBefore = offsetAt(timezone, dayStartNaive - 14 * 3_600_000);
  const steady = offsetBefore === offsetAt(timezone, dayStartNaive + 38 * 3_600_000);
  let best: number | undefined;
  for (const hour of s.hours) {
    for (const minute of s.minutes) {
      for (const second of s.seconds) {
        const naive = dayStartNaive + ((hour * 60 + minute) * 60 + second) * 1000;
        if (steady) {
          // No offset change around this day: wall-clock order is instant order.
          if (naive - offsetBefore >= lower) return naive - offsetBefore;
          continue;
        }
        // A DST change today: a later wall-clock time can map to an earlier instant (the gap
        // moves times forward), so keep the smallest instant; offsets never exceed 14 h.
        if (best !== undefined && naive > best + 17 * 3_600_000) return best;
        const t = localToInstant({ year, month, day, hour, minute, second }, timezone);
        if (t >= lower && (best === undefined || t < best)) best = t;
      }
    }
  }
  return best;
}
