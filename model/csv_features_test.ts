import assert from "node:assert/strict";
import { CsvParseError, FeatureCountError, parseCsvFeatures } from "./csv_features.ts";
import { formatScientific } from "./float_format.ts";
import { runPython } from "./_python.ts";
import { skipWithout } from "../scripts/packages.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const one = (text: string) => parseCsvFeatures(encode(text)).values[0];

/** Number texts that stress float64-then-float32 rounding, in every spelling Python accepts. */
function numberTexts(): string[] {
  const texts = [
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    ".5",
    "5.",
    "+1",
    "1E5",
    "1e+5",
    "-7.25e3",
    "000.000123000",
    "3.4028234e38",
    "3.4028235e38",
    "1e-50",
    "1.401298464324817e-45",
    "7e-46",
    "123456789012345",
    "1234567890123456789012345",
    "0.1234567890123456789012345678",
    "9007199254740993",
    "1e22",
    "1e23",
    "4.35e-310",
    "2.5e-45",
  ];
  let state = 99;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  for (let i = 0; i < 300; i++) texts.push(formatScientific(Math.fround(next())));
  for (let i = 0; i < 200; i++) {
    const v = Math.fround((next() - 0.5) * 10 ** Math.floor(next() * 30 - 15));
    texts.push(formatScientific(v, Math.floor(next() * 20)));
  }
  // Exact float32 midpoints, and a hair above and below them: double rounding decides these.
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < 150; i++) {
    f[0] = Math.fround(next() * 4);
    const low = f[0];
    u[0] += 1;
    const mid = (low + f[0]) / 2; // exact in float64
    texts.push(formatScientific(mid, 40));
    texts.push(formatScientific(mid, 40).replace(/e/, "1e").replace(/^(\d)\.(\d+)1e/, "$1.$21e"));
    texts.push(formatScientific(mid, 16));
    const exact = formatScientific(mid, 60).replace(/0+e/, "e");
    texts.push(exact.replace(/5e/, "50000000000000000000001e"));
    texts.push(exact.replace(/5e/, "49999999999999999999999e"));
  }
  return texts;
}

Deno.test("numbers narrow to float32 exactly as numpy's float64-then-float32 does", {
  ignore: await skipWithout("python3", "python3-numpy"),
}, async () => {
  const texts = numberTexts();
  const out = await runPython(
    "import sys, numpy as np\n" +
      "t = sys.stdin.read().split('\\n')\n" +
      "with np.errstate(over='ignore'):\n" +
      "    v = np.array(t).astype(np.float64).astype(np.float32)\n" +
      "print('\\n'.join('inf' if np.isinf(x) else '%08x' % x for x in v.view(np.uint32)))",
    texts.join("\n"),
    ["numpy"],
  );
  if (out === null) return;
  const expected = out.trim().split("\n");
  assert.equal(expected.length, texts.length);
  const bits = new Uint32Array(1);
  const view = new Float32Array(bits.buffer);
  texts.forEach((text, i) => {
    if (expected[i] === "inf") {
      assert.throws(() => one(text), CsvParseError, text);
      return;
    }
    view[0] = one(text);
    assert.equal(bits[0].toString(16).padStart(8, "0"), expected[i], `'${text}'`);
  });
});

Deno.test("fixed number cases without Python", () => {
  assert.equal(one("0.1"), Math.fround(0.1));
  assert.equal(one("  -2.5e-3 "), Math.fround(-0.0025));
  assert.equal(one("1.000000014901161194e-01"), Math.fround(0.1));
  assert.ok(Object.is(one("-0"), -0));
  // 1 + 2^-24 is the exact midpoint of 1 and the next float32: ties to even (1).
  assert.equal(one("1.000000059604644775390625"), 1);
  // A hair above it is the midpoint again as a float64, so it still ties to 1 (double rounding,
  // as numpy does); a float64 clearly above the midpoint rounds up.
  assert.equal(one("1.00000005960464477539063"), 1);
  assert.equal(one("1.0000000596046452"), 1 + 2 ** -23);
});

Deno.test("rows, missing values and the container's stripping", () => {
  const parsed = parseCsvFeatures(encode("\r\n 1,,nan\r\n-2,NaN, 3 \n\n"));
  assert.equal(parsed.rows, 2);
  assert.equal(parsed.columns, 3);
  const v = Array.from(parsed.values);
  assert.deepEqual([v[0], v[3], v[5]], [1, -2, 3]);
  assert.ok([v[1], v[2], v[4]].every(Number.isNaN));
});

Deno.test("payload errors say what is wrong and where", () => {
  assert.throws(() => parseCsvFeatures(encode(" \n ")), /it has no rows/);
  assert.throws(
    () => parseCsvFeatures(encode("1,2\n3,abc")),
    (e: Error) =>
      e instanceof CsvParseError &&
      /value 'abc' at row 2, column 2 is not a number/.test(e.message),
  );
  assert.throws(() => parseCsvFeatures(encode("1,2\n3")), /row 2 has 1 values but row 1 has 2/);
  assert.throws(() => parseCsvFeatures(encode("1,2\n3,4,5")), /row 2 has more values/);
  assert.throws(() => parseCsvFeatures(encode("1,inf")), /infinite/);
  assert.throws(() => parseCsvFeatures(encode("1e39")), /infinite after conversion to float32/);
  assert.throws(() => parseCsvFeatures(encode("1_000")), CsvParseError);
  assert.throws(() => parseCsvFeatures(encode("1e")), CsvParseError);
  assert.throws(() => parseCsvFeatures(encode("--1")), CsvParseError);
  assert.throws(() => parseCsvFeatures(encode("0x10")), CsvParseError);
  assert.throws(() => parseCsvFeatures(encode("1;2")), /value '1;2'/);
  assert.throws(
    () => parseCsvFeatures(new Uint8Array([0x31, 0x2c, 0xff, 0xfe])),
    /value '\?\?' at row 1, column 2/,
  );
  assert.throws(
    () => parseCsvFeatures(encode("1,2,3"), 2),
    (e: Error) =>
      e instanceof FeatureCountError && /rows have 3 values but the model takes 2/.test(e.message),
  );
  assert.equal(parseCsvFeatures(encode("1,2"), 2).rows, 1);
  // A wide first row followed by many empty lines is refused before any large allocation.
  const hostile = encode(",".repeat(100000) + "\n".repeat(1000000) + "1");
  assert.throws(() => parseCsvFeatures(hostile), /1000001 rows cannot all have the 100001 values/);
});
