import assert from "node:assert/strict";
import { InputError } from "./errors.ts";
import { planCapacity } from "./plan.ts";

Deno.test("planCapacity() reproduces section 7 of the original on its numbers", () => {
  const plan = planCapacity({ maxTps: 500, minTps: 70, upperLimit: 3300 });
  assert.equal(plan.tpsSingleInstance, 55);
  assert.equal(plan.maxCapacity, 11); // ceil(500 / 55 x 1.2) = ceil(10.909...)
  assert.equal(plan.minCapacity, 2); // ceil(70 / 55) = ceil(1.27...)
  assert.equal(plan.invocationsPerInstance, 3300);
  assert.equal(plan.growthFactor, 1.2);
  assert.equal(plan.costPerHourAtMax, undefined);
});

Deno.test("planCapacity() is not fooled by floating point at exact integers", () => {
  // 100 x 60 x 1.1 / 600 is 11 exactly; in binary floating point it is 11.000000000000002.
  assert.equal(Math.ceil(100 * 60 * 1.1 / 600), 12, "the float trap is real");
  assert.equal(
    planCapacity({ maxTps: 100, minTps: 10, upperLimit: 600, growthFactor: 1.1 }).maxCapacity,
    11,
  );
  // 2.1 / (42 / 60) is 3 exactly; the original's formula in floats gives 3.0000000000000004.
  assert.equal(Math.ceil(2.1 / (42 / 60)), 4, "the float trap is real");
  assert.equal(planCapacity({ maxTps: 5, minTps: 2.1, upperLimit: 42 }).minCapacity, 3);
});

Deno.test("planCapacity() gives the hourly cost at min and max capacity", () => {
  const plan = planCapacity({ maxTps: 500, minTps: 70, upperLimit: 3300, pricePerHour: 0.119 });
  assert.equal(plan.costPerHourAtMin, 0.238);
  assert.equal(plan.costPerHourAtMax, 1.309);
});

Deno.test("planCapacity() rejects inputs that make no plan", () => {
  const base = { maxTps: 500, minTps: 70, upperLimit: 3300 };
  const cases: [Partial<typeof base> & { growthFactor?: number; pricePerHour?: number }, RegExp][] =
    [
      [{ maxTps: -5 }, /max TPS must be a finite number above 0, current value is -5/],
      [{ minTps: 0 }, /min TPS must be a finite number above 0/],
      [{ upperLimit: Number.NaN }, /upper limit .* current value is NaN/],
      [{ maxTps: Infinity }, /max TPS must be a finite number/],
      [
        { minTps: 90, maxTps: 70 },
        /^Cannot plan capacity: min TPS \(90\) is above max TPS \(70\)$/,
      ],
      [{ growthFactor: 0.9 }, /growth factor must be a finite number >= 1, current value is 0.9/],
      [{ pricePerHour: -1 }, /price per hour must be a finite number above 0/],
    ];
  for (const [override, message] of cases) {
    assert.throws(() => planCapacity({ ...base, ...override }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, message);
      return true;
    });
  }
});

/** A small seeded generator (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random decimal with up to `places` decimals, as its exact parts and as the number typed. */
function decimal(next: () => number, maxInt: number, places: number) {
  const scale = 10n ** BigInt(Math.floor(next() * (places + 1)));
  const units = BigInt(1 + Math.floor(next() * maxInt * Number(scale)));
  return { num: units, den: scale, value: Number(units) / Number(scale) };
}

function ceilDiv(num: bigint, den: bigint): number {
  return Number((num + den - 1n) / den);
}

Deno.test("planCapacity() capacities equal exact rational arithmetic on 20,000 random inputs", () => {
  const next = random(20261125);
  for (let i = 0; i < 20_000; i++) {
    const a = decimal(next, 2000, 3);
    const b = decimal(next, 2000, 3);
    const [min, max] = a.value <= b.value ? [a, b] : [b, a];
    const upper = decimal(next, 20_000, 2);
    const growth = { num: 10n + BigInt(Math.floor(next() * 20)), den: 10n }; // 1.0 ... 2.9
    const growthValue = Number(growth.num) / 10;
    const plan = planCapacity({
      maxTps: max.value,
      minTps: min.value,
      upperLimit: upper.value,
      growthFactor: growthValue,
    });
    // max capacity = ceil(max x 60 x growth / upper), min capacity = ceil(min x 60 / upper)
    const expectMax = ceilDiv(
      max.num * 60n * growth.num * upper.den,
      max.den * growth.den * upper.num,
    );
    const expectMin = ceilDiv(min.num * 60n * upper.den, min.den * upper.num);
    assert.equal(
      plan.maxCapacity,
      expectMax,
      `max for ${JSON.stringify({ max: max.value, upper: upper.value, growthValue })}`,
    );
    assert.equal(
      plan.minCapacity,
      expectMin,
      `min for ${JSON.stringify({ min: min.value, upper: upper.value })}`,
    );
    assert.ok(plan.minCapacity <= plan.maxCapacity);
  }
});

Deno.test("planCapacity() warns when one measured instance carries the original's 500 TPS", () => {
  // What a local Default job on a laptop measures: about 38,000 invocations/min at 55 %.
  const plan = planCapacity({ maxTps: 500, minTps: 70, upperLimit: 38000 });
  assert.equal(plan.minCapacity, 1);
  assert.equal(plan.maxCapacity, 1);
  assert.equal(plan.warnings?.length, 1, JSON.stringify(plan.warnings));
  assert.match(plan.warnings![0], /^The expected peak of 500 TPS is no more than the 633\.3 TPS/);
  assert.match(plan.warnings![0], /MinCapacity = 1, MaxCapacity = 1/);
  assert.match(plan.warnings![0], /minute 0 without scaling/);
  assert.match(
    plan.warnings![0],
    /pass --max-tps 5758 --min-tps 806 .* or add --scale-to-instance$/,
  );
});

Deno.test("planCapacity() warns when MinCapacity equals MaxCapacity above one instance", () => {
  const plan = planCapacity({ maxTps: 100, minTps: 100, upperLimit: 3300, growthFactor: 1 });
  assert.equal(plan.minCapacity, 2);
  assert.equal(plan.maxCapacity, 2);
  assert.deepEqual(plan.warnings, [
    "MinCapacity = MaxCapacity = 2: the endpoint cannot scale, so an evaluation tests no scaling " +
    "policy: pass --max-tps 500 --min-tps 70 (the original's 500 and 70 TPS in proportion to " +
    "this instance), or add --scale-to-instance",
  ]);
});

Deno.test("planCapacity() warns when the peak is far above what one instance carries", () => {
  const plan = planCapacity({ maxTps: 10_000, minTps: 70, upperLimit: 3300 });
  assert.equal(plan.maxCapacity, 219);
  assert.equal(plan.warnings?.length, 1);
  assert.match(plan.warnings![0], /^The expected peak of 10000 TPS is 182 times the 55 TPS/);
  assert.match(plan.warnings![0], /MaxCapacity is 219/);
});

Deno.test("planCapacity() gives no warning on the original's numbers", () => {
  assert.deepEqual(planCapacity({ maxTps: 500, minTps: 70, upperLimit: 3300 }).warnings, []);
});

Deno.test("planCapacity({ scaleToInstance }) gives the original's plan shape at any speed", () => {
  for (const upperLimit of [600, 3300, 38000, 123_456]) {
    const plan = planCapacity({ maxTps: 500, minTps: 70, upperLimit, scaleToInstance: true });
    assert.equal(plan.minCapacity, 2, `upper limit ${upperLimit}`);
    assert.equal(plan.maxCapacity, 11, `upper limit ${upperLimit}`);
    assert.deepEqual(plan.warnings, []);
    assert.deepEqual(plan.scaledFrom, { maxTps: 500, minTps: 70, upperLimit: 3300 });
    assert.deepEqual(
      { maxTps: plan.maxTps, minTps: plan.minTps },
      { maxTps: Math.round(500 * upperLimit / 3300), minTps: Math.round(70 * upperLimit / 3300) },
    );
  }
  assert.equal(planCapacity({ maxTps: 500, minTps: 70, upperLimit: 3300 }).scaledFrom, undefined);
});
