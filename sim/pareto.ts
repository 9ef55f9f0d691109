/**
 * The Pareto front of cost against availability: a candidate policy is on the front when no
 * other candidate is at most as expensive AND at least as available, and strictly better in one
 * of the two. Pure.
 *
 * @module
 */

/** What the front compares: lower cost is better, higher availability is better. */
export interface CostAvailability {
  /** Dollars over the pattern. */
  cost: number;
  /** Share of requests served within the SLO, 0 to 1. */
  availability: number;
}

/**
 * Whether `a` dominates `b`: no worse in both, better in at least one.
 *
 * @example Usage
 * ```ts
 * import { dominates } from "./pareto.ts";
 * import assert from "node:assert/strict";
 * assert.equal(dominates({ cost: 1, availability: 0.99 }, { cost: 2, availability: 0.99 }), true);
 * assert.equal(dominates({ cost: 1, availability: 0.9 }, { cost: 2, availability: 0.99 }), false);
 * assert.equal(dominates({ cost: 1, availability: 0.9 }, { cost: 1, availability: 0.9 }), false);
 * ```
 */
export function dominates(a: CostAvailability, b: CostAvailability): boolean {
  return a.cost <= b.cost && a.availability >= b.availability &&
    (a.cost < b.cost || a.availability > b.availability);
}

/**
 * The indices of the points on the Pareto front, cheapest first (ties in cost: more available
 * first). Equal points are all on the front. O(n log n).
 *
 * @example Usage
 * ```ts
 * import { paretoFront } from "./pareto.ts";
 * import assert from "node:assert/strict";
 * const points = [
 *   { cost: 10, availability: 0.999 }, // on the front
 *   { cost: 4, availability: 0.95 },   // on the front (cheapest)
 *   { cost: 12, availability: 0.99 },  // dominated by the first
 *   { cost: 6, availability: 0.99 },   // on the front
 * ];
 * assert.deepEqual(paretoFront(points), [1, 3, 0]);
 * ```
 */
export function paretoFront(points: readonly CostAvailability[]): number[] {
  const order = points.map((_, i) => i).sort((i, j) =>
    points[i].cost - points[j].cost || points[j].availability - points[i].availability
  );
  const front: number[] = [];
  let best = -Infinity;
  let last: CostAvailability | undefined;
  for (const i of order) {
    const p = points[i];
    const sameAsLast = last !== undefined && p.cost === last.cost &&
      p.availability === last.availability;
    if (p.availability > best || (sameAsLast && front.length > 0)) {
      front.push(i);
      best = Math.max(best, p.availability);
      last = p;
    }
  }
  return front;
}
