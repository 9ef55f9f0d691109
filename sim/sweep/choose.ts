/**
 * The sweep's choice: which candidate to apply, by an objective, saying why. Pure.
 *
 * - `availability`: the most available candidate (its worst pattern counts); ties go to the cheapest.
 * - `balanced`: the cheapest candidate at least 99.9 % available on every pattern.
 * - `cost`: the cheapest candidate at least 99 % available on every pattern.
 * - a `minAvailability` replaces the floor of `balanced` and `cost`.
 *
 * When no candidate meets the floor, the most available one is chosen and the reason says so.
 *
 * @module
 */

/** What the choice is made for. */
export type Objective = "availability" | "balanced" | "cost";

/** The floor of availability each objective asks for. */
export const OBJECTIVE_FLOORS: Readonly<Record<Objective, number | undefined>> = {
  availability: undefined,
  balanced: 0.999,
  cost: 0.99,
};

/** The choice among candidates for one pattern or for all of them. */
export interface Choice {
  /** Index of the chosen candidate. */
  candidate: number;
  /** Its total cost over the patterns considered, USD. */
  cost: number;
  /** Its lowest availability over those patterns. */
  availability: number;
  /** Why, in one sentence. */
  reason: string;
}

const pct = (x: number) => `${(x * 100).toFixed(x >= 0.9995 && x < 1 ? 3 : 2)} %`;

/**
 * Chooses a candidate from per-candidate costs and availabilities over some patterns: `cost[c]`
 * and `availability[c]` are lists over the patterns.
 *
 * @example Usage
 * ```ts
 * import { chooseCandidate } from "./choose.ts";
 * import assert from "node:assert/strict";
 * const rows = { labels: ["cheap", "middle", "safe"],
 *   cost: [[1], [2], [5]], availability: [[0.95], [0.9995], [1]] };
 * assert.equal(chooseCandidate(rows, { objective: "balanced" }).candidate, 1);
 * assert.equal(chooseCandidate(rows, { objective: "availability" }).candidate, 2);
 * assert.equal(chooseCandidate(rows, { objective: "cost", minAvailability: 0.9 }).candidate, 0);
 * ```
 */
export function chooseCandidate(
  rows: { labels: readonly string[]; cost: readonly number[][]; availability: readonly number[][] },
  options: {
    objective?: Objective;
    minAvailability?: number;
    /** What the availability is over, for the reason. @default {"every pattern"} */
    over?: string;
  } = {},
): Choice {
  const over = options.over ?? "every pattern";
  const objective = options.objective ?? "balanced";
  const floor = options.minAvailability ?? OBJECTIVE_FLOORS[objective];
  const n = rows.labels.length;
  if (n === 0) throw new RangeError("Cannot choose a policy: there are no candidates");
  const total = rows.cost.map((c) => c.reduce((a, b) => a + b, 0));
  const worst = rows.availability.map((a) => Math.min(...a));
  const byAvailability = () => {
    let best = 0;
    for (let c = 1; c < n; c++) {
      if (worst[c] > worst[best] || (worst[c] === worst[best] && total[c] < total[best])) best = c;
    }
    return best;
  };
  const money = (c: number) => `$${total[c].toFixed(4)}`;
  if (floor === undefined) {
    const c = byAvailability();
    return {
      candidate: c,
      cost: total[c],
      availability: worst[c],
      reason: `objective availability: "${rows.labels[c]}" is the most available candidate (${
        pct(worst[c])
      } on ${over}), the cheapest of those at ${money(c)}`,
    };
  }
  let best = -1;
  for (let c = 0; c < n; c++) {
    if (worst[c] < floor) continue;
    if (
      best < 0 || total[c] < total[best] || (total[c] === total[best] && worst[c] > worst[best])
    ) {
      best = c;
    }
  }
  if (best < 0) {
    const c = byAvailability();
    return {
      candidate: c,
      cost: total[c],
      availability: worst[c],
      reason: `no candidate reaches ${pct(floor)} availability on ${over}; "${
        rows.labels[c]
      }" comes closest (${pct(worst[c])}) at ${money(c)}`,
    };
  }
  return {
    candidate: best,
    cost: total[best],
    availability: worst[best],
    reason: `objective ${
      options.minAvailability === undefined ? objective : `--min-availability ${floor}`
    }: "${rows.labels[best]}" is the cheapest candidate at least ${
      pct(floor)
    } available on ${over} (${pct(worst[best])}, ${money(best)})`,
  };
}
