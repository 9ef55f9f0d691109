// Proves the scorer against real XGBoost 1.7.4: the fixtures under tests/fixtures/xgboost/ were
// written by tests/fixtures/make_xgboost_fixtures.py (Debian python3-xgboost), each with the
// inputs as CSV and XGBoost's own predictions and margins.
import assert from "node:assert/strict";
import { parseCsvFeatures } from "./csv_features.ts";
import {
  featureMatrix,
  loadXGBoostModel,
  predict,
  predictMargin,
  XGBoostModelError,
  type XGBoostModelJson,
  type XGBoostTreeJson,
} from "./xgboost_json.ts";

const FIXTURES = new URL("../tests/fixtures/xgboost/", import.meta.url);

interface Expected {
  xgboost: string;
  objective: string;
  rows: number;
  features: number;
  predictions: number[];
  margins: number[];
}

const index = JSON.parse(await Deno.readTextFile(new URL("index.json", FIXTURES))) as {
  xgboost: string;
  cases: string[];
};

Deno.test("fixtures come from XGBoost 1.7 and cover the required objectives", () => {
  assert.match(index.xgboost, /^1\.7\./);
  const objectives = new Set<string>();
  for (const name of index.cases) {
    const model = JSON.parse(Deno.readTextFileSync(new URL(`${name}.model.json`, FIXTURES)));
    objectives.add(model.learner.objective.name);
  }
  for (const required of ["binary:logistic", "reg:squarederror"]) {
    assert.ok(objectives.has(required), `no fixture for ${required}`);
  }
  assert.ok(index.cases.length >= 8);
});

for (const name of index.cases) {
  Deno.test(`predictions match XGBoost 1.7 to 1e-6: ${name}`, async () => {
    const model = loadXGBoostModel(
      await Deno.readTextFile(new URL(`${name}.model.json`, FIXTURES)),
    );
    const expected = JSON.parse(
      await Deno.readTextFile(new URL(`${name}.expected.json`, FIXTURES)),
    ) as Expected;
    const csv = await Deno.readFile(new URL(`${name}.csv`, FIXTURES));
    const parsed = parseCsvFeatures(csv, model.numFeature);
    assert.equal(parsed.rows, expected.rows);
    const margins = predictMargin(model, parsed.values);
    const predictions = predict(model, parsed.values);
    assert.equal(margins.length, expected.margins.length);
    assert.equal(predictions.length, expected.predictions.length);
    let worst = 0;
    for (let i = 0; i < margins.length; i++) {
      worst = Math.max(worst, Math.abs(margins[i] - expected.margins[i]));
      assert.ok(
        Math.abs(margins[i] - expected.margins[i]) <= 1e-6,
        `margin ${i}: ${margins[i]} vs XGBoost ${expected.margins[i]}`,
      );
    }
    for (let i = 0; i < predictions.length; i++) {
      worst = Math.max(worst, Math.abs(predictions[i] - expected.predictions[i]));
      assert.ok(
        Math.abs(predictions[i] - expected.predictions[i]) <= 1e-6,
        `prediction ${i}: ${predictions[i]} vs XGBoost ${expected.predictions[i]}`,
      );
    }
    // Margins are sums of float32 leaves in XGBoost's order: they must be bit-identical.
    assert.deepEqual(Array.from(margins), expected.margins);
  });
}

Deno.test("missing values follow default_left and values on a threshold go right", () => {
  const model = loadXGBoostModel(
    regressionModel([stump(0, 0.5, true, -1, 1), stump(1, 0.25, false, -10, 10)], "5E-1", 2),
  );
  const margins = predictMargin(
    model,
    featureMatrix([[0.4, 0.3], [0.5, 0.25], [null, null], [0.9, 0.1]], 2),
  );
  // base 0.5; tree 1: x0 < 0.5 left (-1), missing left; tree 2: x1 < 0.25 left, missing right.
  assert.deepEqual(Array.from(margins), [0.5 - 1 + 10, 0.5 + 1 + 10, 0.5 - 1 + 10, 0.5 + 1 - 10]);
});

Deno.test("leaf values are summed in float32 like XGBoost", () => {
  const leaves = [0.1, 0.2, 0.3, 1e-8, 1e-8, 1e-8, 1e-8];
  const model = loadXGBoostModel(regressionModel(leaves.map((v) => leaf(v)), "1E0", 1));
  let expected = Math.fround(1);
  for (const v of leaves) expected = Math.fround(expected + Math.fround(v));
  let float64 = 1;
  for (const v of leaves) float64 += Math.fround(v);
  assert.notEqual(expected, float64); // the test would not notice a float64 sum otherwise
  assert.equal(predictMargin(model, new Float32Array(1))[0], expected);
});

Deno.test("bad models get a clear error", () => {
  assert.throws(() => loadXGBoostModel("binf\u0000\u0001"), XGBoostModelError);
  assert.throws(() => loadXGBoostModel("{"), /invalid JSON/);
  assert.throws(() => loadXGBoostModel("{}"), /field 'learner' is missing/);
  const text = Deno.readTextFileSync(new URL("regression_depth4.model.json", FIXTURES));
  const json = JSON.parse(text);
  json.learner.objective.name = "survival:aft";
  assert.throws(() => loadXGBoostModel(json), /objective 'survival:aft' is not supported/);
  const cyclic = JSON.parse(text);
  cyclic.learner.gradient_booster.model.trees[0].split_indices[0] = 99;
  assert.throws(() => loadXGBoostModel(cyclic), /splits on feature 99 but the model has 6/);
  const dart = JSON.parse(text);
  dart.learner.gradient_booster.name = "dart";
  assert.throws(() => loadXGBoostModel(dart), /booster 'dart' is not supported/);
});

Deno.test("predictMargin refuses a matrix that is not whole rows", () => {
  const model = loadXGBoostModel(
    Deno.readTextFileSync(new URL("regression_depth4.model.json", FIXTURES)),
  );
  assert.throws(() => predictMargin(model, new Float32Array(7)), RangeError);
});

Deno.test("loading rejects unreachable or doubly-reached nodes", () => {
  const tree = stump(0, 0.5, true, -1, 1);
  tree.right_children[0] = 1; // both children point at node 1
  assert.throws(
    () => loadXGBoostModel(regressionModel([tree], "5E-1", 1)),
    /reached twice/,
  );
});

/** A `reg:squarederror` model in XGBoost 1.7's JSON with these trees. */
function regressionModel(
  trees: XGBoostTreeJson[],
  baseScore: string,
  numFeature: number,
): XGBoostModelJson {
  return {
    learner: {
      attributes: {},
      feature_names: [],
      feature_types: [],
      gradient_booster: {
        name: "gbtree",
        model: {
          gbtree_model_param: {
            num_parallel_tree: "1",
            num_trees: String(trees.length),
            size_leaf_vector: "0",
          },
          tree_info: trees.map(() => 0),
          trees,
        },
      },
      learner_model_param: {
        base_score: baseScore,
        boost_from_average: "1",
        num_class: "0",
        num_feature: String(numFeature),
        num_target: "1",
      },
      objective: { name: "reg:squarederror" },
    },
    version: [1, 7, 4],
  };
}

function stump(feature: number, threshold: number, defaultLeft: boolean, l: number, r: number) {
  return {
    base_weights: [0, l, r],
    categories: [],
    categories_nodes: [],
    categories_segments: [],
    categories_sizes: [],
    default_left: [defaultLeft ? 1 : 0, 0, 0],
    id: 0,
    left_children: [1, -1, -1],
    loss_changes: [1, 0, 0],
    parents: [2147483647, 0, 0],
    right_children: [2, -1, -1],
    split_conditions: [threshold, l, r],
    split_indices: [feature, 0, 0],
    split_type: [0, 0, 0],
    sum_hessian: [2, 1, 1],
    tree_param: { num_deleted: "0", num_feature: "2", num_nodes: "3", size_leaf_vector: "0" },
  };
}

function leaf(value: number) {
  return {
    base_weights: [value],
    categories: [],
    categories_nodes: [],
    categories_segments: [],
    categories_sizes: [],
    default_left: [0],
    id: 0,
    left_children: [-1],
    loss_changes: [0],
    parents: [2147483647],
    right_children: [-1],
    split_conditions: [value],
    split_indices: [0],
    split_type: [0],
    sum_hessian: [1],
    tree_param: { num_deleted: "0", num_feature: "1", num_nodes: "1", size_leaf_vector: "0" },
  };
}
