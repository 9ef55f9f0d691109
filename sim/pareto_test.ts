// Proves the Pareto front: on random candidates it is exactly the set that no other candidate
// dominates (checked against the brute-force definition), ordered cheapest first; ties are kept.
import assert from "node:assert/strict";
import { type CostAvailability, dominates, paretoFront } from "./pareto.ts";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

Deno.test("the front is exactly the undominated candidates, cheapest first", () => {
  for (let seed = 1; seed <= 50; seed++) {
    const random = lcg(seed);
    const points: CostAvailability[] = Array.from(
      { length: 1 + Math.floor(random() * 60) },
      () => ({
        // coarse values so that ties in cost, availability and whole points occur
        cost: Math.round(random() * 20),
        availability: Math.round(random() * 10) / 10,
      }),
    );
    const front = paretoFront(points);
    const expected = points.map((_, i) => i).filter((i) =>
      !points.some((q, j) => j !== i && dominates(q, points[i]))
    );
    assert.deepEqual([...front].sort((a, b) => a - b), expected, `seed ${seed}`);
    for (let k = 1; k < front.length; k++) {
      assert.ok(points[front[k - 1]].cost <= points[front[k]].cost, `seed ${seed}: order`);
    }
  }
});

Deno.test("dominance needs no worse in both and better in one", () => {
  const a = { cost: 5, availability: 0.99 };
  assert.equal(dominates(a, a), false);
  assert.equal(dominates(a, { cost: 5, availability: 0.98 }), true);
  assert.equal(dominates(a, { cost: 4, availability: 0.98 }), false);
  assert.deepEqual(paretoFront([]), []);
  assert.deepEqual(paretoFront([a, { ...a }]), [0, 1]);
});
