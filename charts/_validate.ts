// Input checks shared by the chart builders (private to charts/). They throw RangeError with a
// message that names the chart, the offending field and what to do.

/** Throws unless `value` is a finite number. */
export function requireFinite(chart: string, where: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(
      `Cannot chart ${chart}: ${where} is "${String(value)}": pass a finite number`,
    );
  }
}

/** Throws unless `value` is undefined or a finite number. */
export function requireOptionalFinite(chart: string, where: string, value: unknown): void {
  if (value !== undefined) requireFinite(chart, where, value);
}

/** Throws unless `value` is a string that `Date` parses (an ISO 8601 time). */
export function requireTime(chart: string, where: string, value: unknown): void {
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw new RangeError(
      `Cannot chart ${chart}: ${where} is "${String(value)}": pass an ISO 8601 time`,
    );
  }
}

/** Throws when the list is empty. */
export function requireNonEmpty(chart: string, where: string, list: readonly unknown[]): void {
  if (list.length === 0) {
    throw new RangeError(`Cannot chart ${chart}: ${where} is empty: pass at least one point`);
  }
}
