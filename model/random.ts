/**
 * A small seeded pseudo-random generator (xoshiro128**, seeded through splitmix32), so that
 * the random dataset, the train/test split and anything else "random" in the model step is
 * the same on every run and every machine.
 *
 * @module
 */

/** A seeded source of random numbers. */
export interface Random {
  /** A uniform unsigned 32-bit integer. */
  nextUint32(): number;
  /** A uniform float in [0, 1) with 53 random bits. */
  next(): number;
  /** A uniform float32 in [0, 1) (24 random bits, every value exactly a float32). */
  nextFloat32(): number;
  /** A uniform integer in [0, bound). */
  nextInt(bound: number): number;
}

/**
 * Creates a generator from an integer seed; equal seeds give equal sequences.
 *
 * @example Usage
 * ```ts
 * import { createRandom } from "./random.ts";
 * import assert from "node:assert/strict";
 * const a = createRandom(7);
 * const b = createRandom(7);
 * assert.equal(a.next(), b.next());
 * const x = a.nextFloat32();
 * assert.ok(x >= 0 && x < 1 && Math.fround(x) === x);
 * assert.ok(a.nextInt(10) < 10);
 * ```
 */
export function createRandom(seed: number): Random {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Cannot seed the random generator: seed (${seed}) must be an integer`);
  }
  // splitmix32 expands the seed into the four words of state.
  let s = (seed ^ Math.floor(seed / 2 ** 32)) >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  if ((a | b | c | d) === 0) a = 1;
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  return {
    nextUint32,
    next: () => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992,
    nextFloat32: () => (nextUint32() >>> 8) / 16777216,
    nextInt(bound: number): number {
      if (!Number.isInteger(bound) || bound <= 0 || bound > 2 ** 32) {
        throw new RangeError(`Cannot draw an integer: bound (${bound}) must be in 1..2^32`);
      }
      // Rejection sampling keeps every value equally likely.
      const limit = 2 ** 32 - (2 ** 32 % bound);
      let x = nextUint32();
      while (x >= limit) x = nextUint32();
      return x % bound;
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
