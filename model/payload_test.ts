// Proves sample.csv is byte for byte what the original writes with
// np.savetxt("sample.csv", X_test[0:100, :], delimiter=",") for the same float32 rows.
import assert from "node:assert/strict";
import { randomDataset, trainTestSplit } from "./dataset.ts";
import { samplePayloadCsv } from "./payload.ts";
import { parseCsvFeatures } from "./csv_features.ts";
import { runPython } from "./_python.ts";
import { skipWithout } from "../scripts/packages.ts";

Deno.test("sample.csv matches numpy.savetxt byte for byte", {
  ignore: await skipWithout("python3", "python3-numpy"),
}, async () => {
  const { test } = trainTestSplit(randomDataset({ samples: 10000, features: 50, seed: 7 }));
  const csv = samplePayloadCsv(test);
  const first = test.features.subarray(0, 100 * 50);
  const out = await runPython(
    [
      "import sys, io, numpy as np",
      "x = np.frombuffer(bytes.fromhex(sys.stdin.read()), dtype=np.float32).reshape(100, 50)",
      "buf = io.BytesIO()",
      "np.savetxt(buf, x, delimiter=',')",
      "sys.stdout.write(buf.getvalue().decode())",
    ].join("\n"),
    Array.from(
      new Uint8Array(first.buffer, first.byteOffset, first.byteLength),
      (b) => b.toString(16).padStart(2, "0"),
    ).join(""),
    ["numpy"],
  );
  if (out !== null) assert.equal(csv, out);
  // Shape and round trip, with or without numpy.
  const lines = csv.split("\n");
  assert.equal(lines.length, 101);
  assert.equal(lines[100], "");
  assert.ok(lines.slice(0, 100).every((l) => l.split(",").length === 50));
  assert.match(lines[0], /^\d\.\d{18}e[-+]\d\d(,\d\.\d{18}e[-+]\d\d){49}$/);
  const parsed = parseCsvFeatures(new TextEncoder().encode(csv), 50);
  assert.deepEqual(parsed.values, first);
});

Deno.test("samplePayloadCsv checks the row count", () => {
  const data = randomDataset({ samples: 10, features: 2 });
  assert.throws(() => samplePayloadCsv(data), /needs 100 rows but the dataset has 10/);
  assert.throws(() => samplePayloadCsv(data, { rows: 0 }), RangeError);
  assert.equal(samplePayloadCsv(data, { rows: 3 }).split("\n").length, 4);
});
