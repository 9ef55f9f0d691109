import assert from "node:assert/strict";
import { formatFloat32, formatPythonFloat, formatScientific } from "./float_format.ts";
import { runPython } from "./_python.ts";
import { skipWithout } from "../scripts/packages.ts";

/** Deterministic float32 values across magnitudes, plus exact %.18e ties (m * 2^-20, m odd). */
function sampleFloat32s(): number[] {
  const values: number[] = [0, -0, 1, -1, 0.5, Math.fround(1e-45), 3.4028234663852886e38, 1e16];
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  for (let i = 0; i < 400; i++) values.push(Math.fround(next()));
  for (let i = 0; i < 200; i++) values.push(Math.fround((next() - 0.5) * 10 ** (next() * 40 - 20)));
  for (let m = 104857; m < 104857 + 400; m += 2) values.push(m / 2 ** 20); // 20 fraction digits
  return values;
}

Deno.test("formatScientific matches C printf %.18e (numpy.savetxt) including exact ties", {
  ignore: await skipWithout("python3"),
}, async () => {
  const values = sampleFloat32s();
  const out = await runPython(
    "import sys, struct\n" +
      "for line in sys.stdin.read().split():\n" +
      "    print('%.18e' % struct.unpack('<d', bytes.fromhex(line))[0])",
    values.map(hex).join("\n"),
  );
  if (out === null) return;
  assert.deepEqual(values.map((v) => formatScientific(v)), out.trim().split("\n"));
});

Deno.test("formatPythonFloat matches Python repr of float32 predictions", {
  ignore: await skipWithout("python3"),
}, async () => {
  const values = sampleFloat32s();
  const out = await runPython(
    "import sys, struct\n" +
      "for line in sys.stdin.read().split():\n" +
      "    print(str(struct.unpack('<d', bytes.fromhex(line))[0]))",
    values.map(hex).join("\n"),
  );
  if (out === null) return;
  assert.deepEqual(values.map(formatPythonFloat), out.trim().split("\n"));
});

Deno.test("formatScientific and formatPythonFloat without Python: fixed cases", () => {
  // 104859 / 2^20 = 0.10000133514404296875 exactly: a tie at the 19th digit, 7 rounds up to 8.
  assert.equal(formatScientific(104859 / 2 ** 20), "1.000013351440429688e-01");
  // 104861 / 2^20 = 0.10000324249267578125: a tie after an even digit stays (JS would round up).
  assert.equal(formatScientific(104861 / 2 ** 20), "1.000032424926757812e-01");
  assert.equal((104861 / 2 ** 20).toExponential(18), "1.000032424926757813e-1");
  assert.equal(formatScientific(0.12500762939453125, 16), "1.2500762939453125e-01");
  assert.equal(formatScientific(0.12500762939453125, 15), "1.250076293945312e-01"); // tie, even
  assert.equal(formatScientific(9.999999999999999e22, 2), "1.00e+23");
  assert.equal(formatScientific(-2.5e-300, 1), "-2.5e-300");
  assert.equal(formatScientific(NaN), "nan");
  assert.equal(formatPythonFloat(0.0001), "0.0001");
  assert.equal(formatPythonFloat(9.999e-5), "9.999e-05");
  assert.equal(formatPythonFloat(-1.5e300), "-1.5e+300");
  assert.equal(formatPythonFloat(1234567890123456), "1234567890123456.0");
  assert.equal(formatPythonFloat(-0), "-0.0");
  assert.throws(() => formatScientific(1, -1), RangeError);
});

Deno.test("formatFloat32 round-trips every sample through float32 with at most 9 digits", () => {
  for (const v of sampleFloat32s()) {
    if (Math.fround(v) !== v) continue; // not a float32 (1e16)
    const text = formatFloat32(v);
    assert.equal(Math.fround(Number(text)), v, text);
    assert.ok(text.replace(/^-|e.*$|\./g, "").replace(/^0+|0+$/g, "").length <= 9, text);
  }
  assert.throws(() => formatFloat32(Infinity), RangeError);
});

function hex(v: number): string {
  const bytes = new Uint8Array(new Float64Array([v]).buffer);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
