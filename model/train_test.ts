// Proves the trainer: real XGBoost 1.7 (Debian python3-xgboost) loads the JSON we write and
// predicts exactly what our scorer predicts; the trees follow XGBClassifier's defaults; and the
// algorithm actually learns (a learnable dataset is fitted, missing values get a direction).
import assert from "node:assert/strict";
import { type Dataset, randomDataset, trainTestSplit } from "./dataset.ts";
import { trainClassifier } from "./train.ts";
import { loadXGBoostModel, predict, predictMargin, stringifyXGBoostModel } from "./xgboost_json.ts";
import { runPython } from "./_python.ts";
import { createRandom } from "./random.ts";
import { skipWithout } from "../scripts/packages.ts";

/** XGBoost's predictions (float32) for `features` with the model at `modelPath`. */
async function xgboostPredict(
  modelText: string,
  features: Float32Array,
  numFeature: number,
): Promise<{ predictions: Float32Array; margins: Float32Array; sklearn: Float32Array } | null> {
  const dir = await Deno.makeTempDir({ prefix: "train_test_" });
  try {
    const model = `${dir}/xgboost-model`;
    const input = `${dir}/x.f32`;
    await Deno.writeTextFile(model, modelText);
    await Deno.writeFile(
      input,
      new Uint8Array(features.buffer, features.byteOffset, features.byteLength),
    );
    const out = await runPython(
      [
        "import sys, numpy as np, xgboost as xgb, sklearn",
        `x = np.fromfile(${JSON.stringify(input)}, dtype=np.float32).reshape(-1, ${numFeature})`,
        "b = xgb.Booster()",
        `b.load_model(${JSON.stringify(model)})`,
        "d = xgb.DMatrix(x)",
        "p = b.predict(d, validate_features=False).astype(np.float32)",
        "m = b.predict(d, output_margin=True, validate_features=False).astype(np.float32)",
        "c = xgb.XGBClassifier()",
        `c.load_model(${JSON.stringify(model)})`,
        "s = c.predict_proba(x)[:, 1].astype(np.float32)",
        "sys.stdout.write(np.concatenate([p, m, s]).tobytes().hex())",
      ].join("\n"),
      "",
      ["numpy", "xgboost", "sklearn"],
    );
    if (out === null) return null;
    const bytes = new Uint8Array(out.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(out.slice(2 * i, 2 * i + 2), 16);
    const all = new Float32Array(bytes.buffer);
    const n = features.length / numFeature;
    return {
      predictions: all.slice(0, n),
      margins: all.slice(n, 2 * n),
      sklearn: all.slice(2 * n, 3 * n),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a model trained like the original loads in real XGBoost with identical predictions", {
  ignore: await skipWithout("python3-xgboost", "python3-numpy", "python3-sklearn"),
}, async () => {
  const { train, test } = trainTestSplit(randomDataset({ samples: 10000, features: 50, seed: 7 }));
  assert.equal(train.rows, 9000);
  const { model } = trainClassifier(train);
  const text = stringifyXGBoostModel(model);
  const ours = loadXGBoostModel(text);
  const expected = predict(ours, test.features);
  const margins = predictMargin(ours, test.features);
  const real = await xgboostPredict(text, test.features, 50);
  if (real === null) return;
  assert.deepEqual(real.margins, margins, "margins differ from XGBoost");
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(real.predictions[i] - expected[i]) <= 1e-6, `row ${i}`);
    assert.ok(Math.abs(real.sklearn[i] - expected[i]) <= 1e-6, `XGBClassifier row ${i}`);
  }
});

Deno.test("trees follow XGBClassifier's defaults", () => {
  const data = randomDataset({ samples: 2000, features: 10, seed: 11 });
  const { model, trainMargins } = trainClassifier(data);
  const { trees } = model.learner.gradient_booster.model;
  assert.equal(trees.length, 100);
  assert.equal(model.learner.objective.name, "binary:logistic");
  assert.equal(Number(model.learner.learner_model_param.base_score), 0.5);
  let deepest = 0;
  for (const tree of trees) {
    const depth = new Array<number>(tree.left_children.length).fill(0);
    tree.left_children.forEach((left, n) => {
      if (left === -1) {
        // leaf value = eta * weight, in float32
        const value = Math.fround(Math.fround(0.3) * tree.base_weights[n]);
        assert.equal(tree.split_conditions[n], value);
        return;
      }
      depth[left] = depth[tree.right_children[n]] = depth[n] + 1;
      // every split keeps at least min_child_weight (1) of hessian on each side
      assert.ok(tree.sum_hessian[left] >= 1 && tree.sum_hessian[tree.right_children[n]] >= 1);
      assert.ok(tree.loss_changes[n] > 0);
    });
    deepest = Math.max(deepest, ...depth);
  }
  assert.equal(deepest, 6); // random labels: trees grow to the depth limit, never beyond
  // The margins seen during training are exactly what the written model predicts.
  const scored = predictMargin(loadXGBoostModel(stringifyXGBoostModel(model)), data.features);
  assert.deepEqual(scored, trainMargins);
});

/** Labels that depend on the features (with NaNs in feature 1), so there is something to learn. */
function learnable(rows: number, seed: number): Dataset {
  const random = createRandom(seed);
  const features = new Float32Array(rows * 3);
  const labels = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = random.nextFloat32();
    const b = random.next() < 0.3 ? NaN : random.nextFloat32();
    features.set([a, b, random.nextFloat32()], i * 3);
    // missing b behaves like a large b
    labels[i] = a + (Number.isNaN(b) ? 1 : b) > 1 ? 1 : 0;
  }
  return { features, labels, rows, columns: 3 };
}

Deno.test("it learns, and missing values take the side where they belong", async () => {
  const train = learnable(3000, 1);
  const test = learnable(1000, 2);
  const { model } = trainClassifier(train, { rounds: 30, maxDepth: 4 });
  const text = stringifyXGBoostModel(model);
  const p = predict(loadXGBoostModel(text), test.features);
  let correct = 0;
  for (let i = 0; i < test.rows; i++) if ((p[i] > 0.5 ? 1 : 0) === test.labels[i]) correct++;
  assert.ok(correct / test.rows > 0.95, `accuracy ${correct / test.rows}`);
  // A row with b missing and a = 0.3 behaves like b = 1: class 1.
  const [missing] = predict(loadXGBoostModel(text), new Float32Array([0.3, NaN, 0.5]));
  assert.ok(missing > 0.5, `P(1 | b missing) = ${missing}`);
  const real = await xgboostPredict(text, test.features, 3);
  if (real === null) return;
  assert.deepEqual(real.margins, predictMargin(loadXGBoostModel(text), test.features));
});

Deno.test("training is deterministic and checks its arguments", () => {
  const data = randomDataset({ samples: 500, features: 5, seed: 3 });
  const a = stringifyXGBoostModel(trainClassifier(data, { rounds: 5 }).model);
  const b = stringifyXGBoostModel(trainClassifier(data, { rounds: 5 }).model);
  assert.equal(a, b);
  assert.throws(() => trainClassifier(data, { rounds: 0 }), /rounds \(0\) must be an integer/);
  assert.throws(() => trainClassifier(data, { learningRate: 2 }), /learningRate \(2\)/);
  assert.throws(() => trainClassifier(data, { maxBin: 256 }), /maxBin \(256\)/);
  const bad = { ...data, labels: data.labels.map((y, i) => (i === 4 ? 2 : y)) };
  assert.throws(() => trainClassifier(bad), /label of row 5 is 2; labels must be 0 or 1/);
  const rounds: number[] = [];
  trainClassifier(data, { rounds: 3, onRound: (r) => rounds.push(r) });
  assert.deepEqual(rounds, [1, 2, 3]);
});

Deno.test("randomDataset and trainTestSplit match the original's shapes", () => {
  const data = randomDataset();
  assert.equal(data.rows, 10000);
  assert.equal(data.columns, 50);
  assert.ok(data.features.every((x) => x >= 0 && x < 1));
  const ones = data.labels.reduce((s, y) => s + y, 0);
  assert.ok(ones > 4800 && ones < 5200, `${ones} ones`);
  const { train, test } = trainTestSplit(data, { testSize: 0.1, seed: 7 });
  assert.equal(train.rows + test.rows, 10000);
  assert.equal(test.rows, 1000);
  // every row lands in exactly one side
  const key = (d: Dataset, i: number) => d.features.subarray(i * 50, i * 50 + 50).join();
  const seen = new Set<string>();
  for (let i = 0; i < train.rows; i++) seen.add(key(train, i));
  for (let i = 0; i < test.rows; i++) seen.add(key(test, i));
  assert.equal(seen.size, 10000);
  assert.throws(() => trainTestSplit(data, { testSize: 1 }), RangeError);
  assert.throws(() => randomDataset({ samples: 0 }), /samples \(0\) must be a positive integer/);
});
