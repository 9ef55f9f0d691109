/**
 * XGBoost models in XGBoost's JSON format (as written by XGBoost 1.7 `save_model("x.json")`):
 * loading, and prediction that gives the same float32 numbers as XGBoost 1.7's CPU predictor.
 *
 * XGBoost works in float32: the features (a `DMatrix` holds float32), the split conditions and
 * leaf values (stored as float32), and the running sum of leaf values per row (a float32 that
 * each tree's leaf is added to, in tree order, starting from the base margin). So every step
 * here is narrowed with `Math.fround`; a plain float64 sum drifts by 1e-7 and more.
 *
 * Traversal rule (XGBoost `RegTree::GetNext`): a missing value (NaN) goes to the default child
 * (`default_left`), otherwise `value < split_condition` goes left, else right.
 *
 * For speed the trees are flattened into typed arrays with the two children of a node stored
 * next to each other, so a step is one comparison and one array read.
 *
 * @module
 */

import { formatFloat32 } from "./float_format.ts";

/** One tree in XGBoost's JSON model format (1.7), the fields this module reads and writes. */
export interface XGBoostTreeJson {
  base_weights: number[];
  categories: number[];
  categories_nodes: number[];
  categories_segments: number[];
  categories_sizes: number[];
  default_left: number[];
  id: number;
  left_children: number[];
  loss_changes: number[];
  parents: number[];
  right_children: number[];
  split_conditions: number[];
  split_indices: number[];
  split_type: number[];
  sum_hessian: number[];
  tree_param: {
    num_deleted: string;
    num_feature: string;
    num_nodes: string;
    size_leaf_vector: string;
  };
}

/** XGBoost's JSON model format (1.7): `{ learner: {...}, version: [1, 7, x] }`. */
export interface XGBoostModelJson {
  learner: {
    attributes: Record<string, string>;
    feature_names: string[];
    feature_types: string[];
    gradient_booster: {
      model: {
        gbtree_model_param: {
          num_parallel_tree: string;
          num_trees: string;
          size_leaf_vector: string;
        };
        tree_info: number[];
        trees: XGBoostTreeJson[];
      };
      name: string;
    };
    learner_model_param: {
      base_score: string;
      boost_from_average: string;
      num_class: string;
      num_feature: string;
      num_target?: string;
    };
    objective: { name: string; [parameter: string]: unknown };
  };
  version: number[];
}

/** The model file is not an XGBoost JSON model this scorer can evaluate. */
export class XGBoostModelError extends Error {
  override name = "XGBoostModelError";
}

/** How an objective turns the summed margin into a prediction (XGBoost `PredTransform`). */
type Transform = "identity" | "sigmoid" | "exp" | "hinge" | "softprob" | "softmax";
/** How an objective turns `base_score` into the starting margin (XGBoost `ProbToMargin`). */
type BaseToMargin = "identity" | "logit" | "log";

const OBJECTIVES: Record<string, { transform: Transform; base: BaseToMargin }> = {
  "reg:squarederror": { transform: "identity", base: "identity" },
  "reg:linear": { transform: "identity", base: "identity" },
  "reg:squaredlogerror": { transform: "identity", base: "identity" },
  "reg:pseudohubererror": { transform: "identity", base: "identity" },
  "reg:absoluteerror": { transform: "identity", base: "identity" },
  "reg:logistic": { transform: "sigmoid", base: "logit" },
  "binary:logistic": { transform: "sigmoid", base: "logit" },
  "binary:logitraw": { transform: "identity", base: "identity" },
  "binary:hinge": { transform: "hinge", base: "identity" },
  "count:poisson": { transform: "exp", base: "log" },
  "reg:gamma": { transform: "exp", base: "log" },
  "reg:tweedie": { transform: "exp", base: "log" },
  "multi:softprob": { transform: "softprob", base: "identity" },
  "multi:softmax": { transform: "softmax", base: "identity" },
  "rank:pairwise": { transform: "identity", base: "identity" },
  "rank:ndcg": { transform: "identity", base: "identity" },
  "rank:map": { transform: "identity", base: "identity" },
};

/** The objectives {@linkcode loadXGBoostModel} can score. */
export const SUPPORTED_OBJECTIVES: readonly string[] = Object.keys(OBJECTIVES);

/** A loaded model, flattened for fast scoring. Build it with {@linkcode loadXGBoostModel}. */
export interface XGBoostModel {
  /** Objective name, e.g. `binary:logistic`. */
  readonly objective: string;
  /** Number of features a row must have. */
  readonly numFeature: number;
  /** Number of classes (0 unless multi-class). */
  readonly numClass: number;
  /** Margin outputs per row: `numClass` for multi-class models, else 1. */
  readonly numGroup: number;
  /** Predictions per row: `numClass` for `multi:softprob`, else 1. */
  readonly outputsPerRow: number;
  /** Number of trees. */
  readonly treeCount: number;
  /** `base_score` as stored in the model (float32). */
  readonly baseScore: number;
  /** The starting margin of every output: `base_score` through the objective's link (float32). */
  readonly baseMargin: number;
  /** Root node of each tree in the flat arrays. */
  readonly roots: Int32Array;
  /** Output group (class) of each tree. */
  readonly groups: Int32Array;
  /** Split feature of each node, -1 for a leaf. */
  readonly features: Int32Array;
  /** Split condition of an inner node, leaf value of a leaf (float32). */
  readonly values: Float32Array;
  /** Left child of an inner node; the right child is the next node. */
  readonly children: Int32Array;
  /** 1 when a missing value goes left. */
  readonly defaultLeft: Uint8Array;
  /** Number of nodes of each tree, before flattening (for checks and tooling). */
  readonly nodeCounts: Int32Array;
}

/**
 * Loads an XGBoost JSON model from its text, bytes or parsed object, checking its structure.
 * Only `gbtree` boosters with numerical splits are supported; anything else is an
 * {@linkcode XGBoostModelError} that says so.
 *
 * @example Usage
 * ```ts
 * import { loadXGBoostModel, predict } from "./xgboost_json.ts";
 * import assert from "node:assert/strict";
 * const text = await Deno.readTextFile(
 *   new URL("../tests/fixtures/xgboost/binary_depth3_missing.model.json", import.meta.url),
 * );
 * const model = loadXGBoostModel(text);
 * assert.equal(model.objective, "binary:logistic");
 * assert.equal(model.numFeature, 8);
 * const [p] = predict(model, new Float32Array(8).fill(NaN));
 * assert.ok(p > 0 && p < 1);
 * ```
 */
export function loadXGBoostModel(source: string | Uint8Array | XGBoostModelJson): XGBoostModel {
  let json: unknown = source;
  if (typeof source === "string" || source instanceof Uint8Array) {
    const text = typeof source === "string" ? source : new TextDecoder().decode(source);
    const trimmed = text.trimStart();
    if (!trimmed.startsWith("{")) {
      throw new XGBoostModelError(
        "Cannot load the model: it is not XGBoost JSON (binary and UBJSON models are not supported); save it with save_model('model.json')",
      );
    }
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new XGBoostModelError(
        `Cannot load the model: invalid JSON (${(error as Error).message})`,
      );
    }
  }
  const learner = field(json, "learner", "object") as XGBoostModelJson["learner"];
  const params = field(learner, "learner_model_param", "object") as Record<string, unknown>;
  const objective = field(field(learner, "objective", "object"), "name", "string") as string;
  const link = OBJECTIVES[objective];
  if (!link) {
    throw new XGBoostModelError(
      `Cannot load the model: objective '${objective}' is not supported; use one of ${
        SUPPORTED_OBJECTIVES.join(", ")
      }`,
    );
  }
  const booster = field(learner, "gradient_booster", "object") as Record<string, unknown>;
  const boosterName = field(booster, "name", "string");
  if (boosterName !== "gbtree") {
    throw new XGBoostModelError(
      `Cannot load the model: booster '${boosterName}' is not supported; only 'gbtree' is`,
    );
  }
  const numFeature = intParam(params, "num_feature");
  const numClass = intParam(params, "num_class");
  const baseScore = Math.fround(Number(field(params, "base_score", "string")));
  if (!Number.isFinite(baseScore)) {
    throw new XGBoostModelError(
      `Cannot load the model: base_score '${params.base_score}' is not a number`,
    );
  }
  const numGroup = numClass > 0 ? numClass : 1;
  const gbtree = field(booster, "model", "object") as Record<string, unknown>;
  const trees = field(gbtree, "trees", "array") as XGBoostTreeJson[];
  const treeInfo = field(gbtree, "tree_info", "array") as number[];
  if (treeInfo.length !== trees.length) {
    throw new XGBoostModelError(
      `Cannot load the model: tree_info has ${treeInfo.length} entries for ${trees.length} trees`,
    );
  }
  let totalNodes = 0;
  const nodeCounts = new Int32Array(trees.length);
  trees.forEach((tree, t) => {
    const count = checkTree(tree, t, numFeature);
    nodeCounts[t] = count;
    totalNodes += count;
  });
  const roots = new Int32Array(trees.length);
  const groups = new Int32Array(trees.length);
  const features = new Int32Array(totalNodes);
  const values = new Float32Array(totalNodes);
  const children = new Int32Array(totalNodes);
  const defaultLeft = new Uint8Array(totalNodes);
  let next = 0;
  trees.forEach((tree, t) => {
    const group = treeInfo[t];
    if (!Number.isInteger(group) || group < 0 || group >= numGroup) {
      throw new XGBoostModelError(
        `Cannot load the model: tree ${t} belongs to output group ${group} but the model has ${numGroup}`,
      );
    }
    groups[t] = group;
    roots[t] = next;
    // Breadth-first renumbering: siblings get consecutive slots.
    const queue: number[] = [0];
    const slotOf: number[] = [next++];
    const seen = new Uint8Array(nodeCounts[t]);
    for (let q = 0; q < queue.length; q++) {
      const node = queue[q];
      const slot = slotOf[q];
      if (seen[node]) {
        throw new XGBoostModelError(
          `Cannot load the model: tree ${t} node ${node} is reached twice`,
        );
      }
      seen[node] = 1;
      const left = tree.left_children[node];
      if (left === -1) {
        features[slot] = -1;
        values[slot] = tree.split_conditions[node];
        continue;
      }
      features[slot] = tree.split_indices[node];
      values[slot] = tree.split_conditions[node];
      defaultLeft[slot] = tree.default_left[node] ? 1 : 0;
      children[slot] = next;
      queue.push(left, tree.right_children[node]);
      slotOf.push(next, next + 1);
      next += 2;
    }
    if (queue.length !== nodeCounts[t] - Number(tree.tree_param.num_deleted ?? 0)) {
      throw new XGBoostModelError(
        `Cannot load the model: tree ${t} has ${
          nodeCounts[t]
        } nodes but ${queue.length} are reachable`,
      );
    }
  });
  return {
    objective,
    numFeature,
    numClass,
    numGroup,
    outputsPerRow: link.transform === "softprob" ? numClass : 1,
    treeCount: trees.length,
    baseScore,
    baseMargin: baseToMargin(link.base, baseScore),
    roots,
    groups,
    features: features.subarray(0, next),
    values: values.subarray(0, next),
    children: children.subarray(0, next),
    defaultLeft: defaultLeft.subarray(0, next),
    nodeCounts,
  };
}

/** XGBoost `ProbToMargin` in float32. */
function baseToMargin(kind: BaseToMargin, base: number): number {
  if (kind === "logit") {
    if (!(base > 0 && base < 1)) {
      throw new XGBoostModelError(
        `Cannot load the model: base_score (${base}) must be in (0, 1) for a logistic objective`,
      );
    }
    return Math.fround(-Math.fround(Math.log(Math.fround(Math.fround(1 / base) - 1))));
  }
  if (kind === "log") {
    if (!(base > 0)) {
      throw new XGBoostModelError(
        `Cannot load the model: base_score (${base}) must be positive for a log-link objective`,
      );
    }
    return Math.fround(Math.log(base));
  }
  return base;
}

/**
 * Margins (raw scores before the objective's transform): `rows * numGroup` float32 values,
 * row-major, like XGBoost's `predict(output_margin=True)`.
 *
 * `features` is row-major, `numFeature` values per row, `NaN` for a missing value; values are
 * used as float32.
 *
 * @example Usage
 * ```ts
 * import { loadXGBoostModel, predictMargin } from "./xgboost_json.ts";
 * import assert from "node:assert/strict";
 * const model = loadXGBoostModel(await Deno.readTextFile(
 *   new URL("../tests/fixtures/xgboost/regression_depth4.model.json", import.meta.url),
 * ));
 * const margins = predictMargin(model, new Float32Array(model.numFeature * 2));
 * assert.equal(margins.length, 2);
 * assert.equal(margins[0], margins[1]);
 * ```
 */
export function predictMargin(model: XGBoostModel, features: Float32Array): Float32Array {
  const nf = model.numFeature;
  if (nf === 0 || features.length % nf !== 0) {
    throw new RangeError(
      `Cannot score: ${features.length} feature values is not a whole number of rows of ${nf}`,
    );
  }
  const rows = features.length / nf;
  const numGroup = model.numGroup;
  const out = new Float32Array(rows * numGroup).fill(model.baseMargin);
  const { roots, groups, features: split, values, children, defaultLeft } = model;
  // Rows without missing values take a branch-free step; the others check each value.
  const missing = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const rowEnd = (r + 1) * nf;
    for (let i = r * nf; i < rowEnd; i++) {
      if (features[i] !== features[i]) {
        missing[r] = 1;
        break;
      }
    }
  }
  // Tree by tree over all rows (faster than row by row); each row still adds its leaves in
  // tree order, and a Float32Array store rounds every sum to float32, as XGBoost's += does.
  for (let t = 0; t < roots.length; t++) {
    const root = roots[t];
    const group = groups[t];
    for (let r = 0; r < rows; r++) {
      const offset = r * nf;
      let node = root;
      let f = split[node];
      if (missing[r] === 0) {
        while (f >= 0) {
          node = children[node] + (features[offset + f] < values[node] ? 0 : 1);
          f = split[node];
        }
      } else {
        while (f >= 0) {
          const x = features[offset + f];
          if (x !== x) node = defaultLeft[node] ? children[node] : children[node] + 1;
          else node = x < values[node] ? children[node] : children[node] + 1;
          f = split[node];
        }
      }
      out[r * numGroup + group] += values[node];
    }
  }
  return out;
}

/**
 * Predictions like XGBoost 1.7's `Booster.predict`: probabilities for `binary:logistic`,
 * values for regression, `numClass` probabilities per row for `multi:softprob`, the class
 * index for `multi:softmax`. Float32 values, `rows * outputsPerRow` long.
 *
 * @example Usage
 * ```ts
 * import { loadXGBoostModel, predict } from "./xgboost_json.ts";
 * import assert from "node:assert/strict";
 * const model = loadXGBoostModel(await Deno.readTextFile(
 *   new URL("../tests/fixtures/xgboost/softprob_3class_depth3.model.json", import.meta.url),
 * ));
 * const p = predict(model, new Float32Array(model.numFeature));
 * assert.equal(p.length, 3);
 * assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-6);
 * ```
 */
export function predict(model: XGBoostModel, features: Float32Array): Float32Array {
  const margins = predictMargin(model, features);
  const transform = OBJECTIVES[model.objective].transform;
  switch (transform) {
    case "identity":
      return margins;
    case "sigmoid":
      for (let i = 0; i < margins.length; i++) {
        // XGBoost 1.7 common::Sigmoid: 1.0f / (1.0f + expf(-x))
        margins[i] = 1 / Math.fround(1 + Math.fround(Math.exp(-margins[i])));
      }
      return margins;
    case "exp":
      for (let i = 0; i < margins.length; i++) margins[i] = Math.exp(margins[i]);
      return margins;
    case "hinge":
      for (let i = 0; i < margins.length; i++) margins[i] = margins[i] > 0 ? 1 : 0;
      return margins;
    case "softprob":
      for (let o = 0; o < margins.length; o += model.numGroup) softmax(margins, o, model.numGroup);
      return margins;
    case "softmax": {
      const k = model.numGroup;
      const out = new Float32Array(margins.length / k);
      for (let r = 0; r < out.length; r++) {
        let best = 0;
        for (let g = 1; g < k; g++) if (margins[r * k + g] > margins[r * k + best]) best = g;
        out[r] = best;
      }
      return out;
    }
  }
}

/** XGBoost 1.7 common::Softmax: float32 exponentials, float64 sum, float32 division. */
function softmax(x: Float32Array, offset: number, k: number): void {
  let max = x[offset];
  for (let i = 1; i < k; i++) max = Math.max(max, x[offset + i]);
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const e = Math.fround(Math.exp(Math.fround(x[offset + i] - max)));
    x[offset + i] = e;
    sum += e;
  }
  const total = Math.fround(sum);
  for (let i = 0; i < k; i++) x[offset + i] = x[offset + i] / total;
}

/**
 * Packs rows of numbers into the row-major float32 matrix {@linkcode predict} takes;
 * `null`, `undefined` and `NaN` are missing values.
 *
 * @example Usage
 * ```ts
 * import { featureMatrix } from "./xgboost_json.ts";
 * import assert from "node:assert/strict";
 * const m = featureMatrix([[1, null], [0.1, 2]], 2);
 * assert.ok(Number.isNaN(m[1]));
 * assert.equal(m[2], Math.fround(0.1));
 * ```
 */
export function featureMatrix(
  rows: ReadonlyArray<ReadonlyArray<number | null | undefined>>,
  numFeature: number,
): Float32Array {
  const out = new Float32Array(rows.length * numFeature);
  rows.forEach((row, r) => {
    if (row.length !== numFeature) {
      throw new RangeError(
        `Cannot build the feature matrix: row ${
          r + 1
        } has ${row.length} values, expected ${numFeature}`,
      );
    }
    for (let f = 0; f < numFeature; f++) out[r * numFeature + f] = row[f] ?? NaN;
  });
  return out;
}

function field(object: unknown, key: string, kind: "object" | "string" | "array"): unknown {
  const value = (object as Record<string, unknown> | null)?.[key];
  const ok = kind === "array"
    ? Array.isArray(value)
    : kind === "object"
    ? typeof value === "object" && value !== null && !Array.isArray(value)
    : typeof value === "string";
  if (!ok) {
    throw new XGBoostModelError(
      `Cannot load the model: field '${key}' is missing or not a${
        kind === "array" ? "n array" : ` ${kind}`
      }; is this an XGBoost JSON model?`,
    );
  }
  return value;
}

function intParam(params: Record<string, unknown>, key: string): number {
  const value = Number(field(params, key, "string"));
  if (!Number.isInteger(value) || value < 0) {
    throw new XGBoostModelError(
      `Cannot load the model: ${key} '${params[key]}' is not a non-negative integer`,
    );
  }
  return value;
}

const TREE_ARRAYS = [
  "left_children",
  "right_children",
  "split_indices",
  "split_conditions",
  "default_left",
] as const;

/** Checks one tree's arrays and returns its node count. */
function checkTree(tree: XGBoostTreeJson, t: number, numFeature: number): number {
  const param = field(tree, "tree_param", "object") as Record<string, unknown>;
  const count = intParam(param, "num_nodes");
  if (count === 0) throw new XGBoostModelError(`Cannot load the model: tree ${t} has no nodes`);
  for (const key of TREE_ARRAYS) {
    const array = field(tree, key, "array") as unknown[];
    if (array.length !== count) {
      throw new XGBoostModelError(
        `Cannot load the model: tree ${t} has ${array.length} ${key} for ${count} nodes`,
      );
    }
  }
  if (Array.isArray(tree.split_type) && tree.split_type.some((s) => s !== 0)) {
    throw new XGBoostModelError(
      `Cannot load the model: tree ${t} has categorical splits, which are not supported`,
    );
  }
  for (let n = 0; n < count; n++) {
    const left = tree.left_children[n];
    const right = tree.right_children[n];
    if (typeof tree.split_conditions[n] !== "number") {
      throw new XGBoostModelError(`Cannot load the model: tree ${t} node ${n} has no value`);
    }
    if (left === -1 && right === -1) continue;
    const inRange = (c: number) => Number.isInteger(c) && c > 0 && c < count;
    if (!inRange(left) || !inRange(right)) {
      throw new XGBoostModelError(
        `Cannot load the model: tree ${t} node ${n} has children ${left} and ${right} outside 1..${
          count - 1
        }`,
      );
    }
    const f = tree.split_indices[n];
    if (!Number.isInteger(f) || f < 0 || f >= numFeature) {
      throw new XGBoostModelError(
        `Cannot load the model: tree ${t} node ${n} splits on feature ${f} but the model has ${numFeature}`,
      );
    }
  }
  return count;
}

/** Fields of a tree that hold float32 values (written with a decimal point, like XGBoost). */
const FLOAT_FIELDS = new Set(["base_weights", "loss_changes", "split_conditions", "sum_hessian"]);

/**
 * Writes a model as XGBoost JSON text: float32 values in their shortest round-trip form, always
 * with a decimal point (XGBoost's reader types `2` as an integer and `2.0` as a float).
 *
 * @example Usage
 * ```ts
 * import { loadXGBoostModel, stringifyXGBoostModel } from "./xgboost_json.ts";
 * import assert from "node:assert/strict";
 * const text = await Deno.readTextFile(
 *   new URL("../tests/fixtures/xgboost/regression_depth4.model.json", import.meta.url),
 * );
 * const again = stringifyXGBoostModel(JSON.parse(text));
 * assert.deepEqual(loadXGBoostModel(again), loadXGBoostModel(text));
 * ```
 */
export function stringifyXGBoostModel(model: XGBoostModelJson): string {
  return write(model, "");
}

function write(value: unknown, key: string): string {
  if (Array.isArray(value)) {
    if (FLOAT_FIELDS.has(key)) return `[${value.map(jsonFloat32).join(",")}]`;
    return `[${value.map((v) => write(v, "")).join(",")}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${write(v, k)}`);
    return `{${entries.join(",")}}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new RangeError(`Cannot write the model: field '${key}' is ${value}`);
  }
  return JSON.stringify(value);
}

function jsonFloat32(value: number): string {
  const text = formatFloat32(value);
  if (/[.e]/.test(text)) return text.includes(".") ? text : text.replace("e", ".0e");
  return text + ".0";
}
