/**
 * IANA time zones and the calendar for schedule expressions: checking a zone name, wall-clock
 * time to instant and back (DST handled), days of months and weeks. Pure functions.
 *
 * @module
 */
/**
 * A time zone name that is not an IANA time zone known to this runtime.
 *
 * @example Usage
 * ```ts
 * import { InvalidTimezoneError, validateTimezone } from "./timezone.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => validateTimezone("Moon/Base"), InvalidTimezoneError);
 * ```
 */
export class InvalidTimezoneError extends Error {
  /** The time zone as given. */
  readonly timezone: string;
  constructor(timezone: string) {
    super(
      `Invalid time zone "${timezone}": use an IANA time zone name such as "UTC", "America/New_York" or "Etc/GMT+9"`,
    );
    this.name = "InvalidTimezoneError";
    this.timezone = timezone;
  }
}

/**
 * Checks an IANA time zone name (Intl knows the same names as the Joda-Time list AWS uses).
 *
 * @example Usage
 * ```ts
 * import { validateTimezone } from "./timezone.ts";
 * import assert from "node:assert/strict";
 * validateTimezone("America/New_York");
 * assert.throws(() => validateTimezone("Mars/Olympus"), /Invalid time zone "Mars\/Olympus"/);
 * ```
 */
export function validateTimezone(timezone: string): void {
  formatterFor(timezone);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: timezone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch {
      throw new InvalidTimezoneError(timezone);
    }
    formatters.set(timezone, f);
  }
  return f;
}

/** Offset of `timezone` from UTC at instant `t`, in ms (east positive: New York in winter is -5 h). */
export function offsetAt(timezone: string, t: number): number {
  if (timezone === "UTC" || timezone === "Etc/UTC") return 0;
  const parts = formatterFor(timezone).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return asUtc - (t - (((t % 1000) + 1000) % 1000));
}

/** A wall-clock time in some time zone (month 1–12). */
export interface WallClockTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * The instant of a wall-clock time in `timezone`. A time that falls in a spring-forward gap is
 * moved later by the gap (02:30 becomes 03:30 in New York); a time that occurs twice at a
 * fall-back uses the earlier instant — java.time's rule, and AWS names Joda-Time zones. [INF]
 *
 * @example Usage
 * ```ts
 * import { localToInstant } from "./timezone.ts";
 * import assert from "node:assert/strict";
 * const t = localToInstant({ year: 2026, month: 7, day: 1, hour: 9, minute: 0, second: 0 }, "America/New_York");
 * assert.equal(new Date(t).toISOString(), "2026-07-01T13:00:00.000Z");
 * ```
 */
export function localToInstant(
  wall: WallClockTime,
  timezone: string,
): number {
  const { year, month, day, hour, minute, second } = wall;
  const naive = Date.UTC(year, month - 1, day, hour, minute, second);
  if (timezone === "UTC" || timezone === "Etc/UTC") return naive;
  const before = offsetAt(timezone, naive - 86_400_000);
  const after = offsetAt(timezone, naive + 86_400_000);
  const tb = naive - before;
  const ta = naive - after;
  const bValid = offsetAt(timezone, tb) === before;
  const aValid = offsetAt(timezone, ta) === after;
  if (bValid && aValid) return Math.min(tb, ta);
  if (bValid) return tb;
  if (aValid) return ta;
  return tb; // in the gap: the offset in force before the transition moves it later
}

/** The wall-clock fields of instant `t` in `timezone`. */
export function instantToLocal(t: number, timezone: string) {
  const d = new Date(t + offsetAt(timezone, t));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
  };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday ... 7 = Saturday. */
export function dayOfWeek(
  date: { year: number; month: number; day: number },
): number {
  const { year, month, day } = date;
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

export function isWeekday(
  date: { year: number; month: number; day: number },
): boolean {
  const { year, month, day } = date;
  const d = dayOfWeek({ year, month, day });
  return d >= 2 && d <= 6;
}

/** The weekday nearest to `day` within the month (Quartz/EventBridge `W`). */
export function nearestWeekday(
  date: { year: number; month: number; day: number },
): number {
  const { year, month, day } = date;
  const last = daysInMonth(year, month);
  const d = Math.min(day, last);
  const dow = dayOfWeek({ year, month, day: d });
  if (dow === 7) return d === 1 ? 3 : d - 1; // Saturday: Friday, or Monday if that leaves the month
  if (dow === 1) return d === last ? d - 2 : d + 1; // Sunday: Monday, or Friday
  return d;
}
