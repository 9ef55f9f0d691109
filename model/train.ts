/**
 * Trains a gradient-boosted tree classifier with `XGBClassifier()`'s defaults (XGBoost 1.7:
 * 100 trees, max depth 6, learning rate 0.3, L2 regularisation lambda 1, min child weight 1,
 * `binary:logistic`, base score 0.5) and returns it in XGBoost's JSON model format, so that
 * real XGBoost loads it and predicts exactly what {@linkcode predict} predicts.
 *
 * Splits are found on histograms (XGBoost's `tree_method="hist"` idea): every feature is cut
 * into at most `maxBin` quantile bins once, and each node's best split is the bin boundary with
 * the largest loss reduction `GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ)`. Missing values (NaN) are
 * tried on both sides and the better side becomes the node's default direction. Trees grow
 * depth-wise; a node is split only when both children keep a hessian sum of at least
 * `minChildWeight` and the loss reduction exceeds `gamma` (and XGBoost's 1e-6 epsilon). Leaf
 * value = `learningRate × −G/(H+λ)`, in float32. The thresholds are float32 values of the data,
 * and the training margins are updated with float32 sums, so the margins seen in training are
 * bit-identical to what the finished model predicts.
 *
 * It does not reproduce XGBoost's own trees (XGBoost 1.7's default for small data is the exact
 * greedy method, and its RNG differs); it reproduces the algorithm and the file format.
 *
 * @module
 */

import type { Dataset } from "./dataset.ts";
import type { XGBoostModelJson, XGBoostTreeJson } from "./xgboost_json.ts";
import { formatFloat32 } from "./float_format.ts";

/** Options of {@linkcode trainClassifier}; the defaults are `XGBClassifier()`'s (XGBoost 1.7). */
export interface TrainOptions {
  /**
   * Number of boosting rounds (trees), `n_estimators`.
   * @default {100}
   */
  rounds?: number;
  /**
   * Maximum tree depth, `max_depth`.
   * @default {6}
   */
  maxDepth?: number;
  /**
   * Shrinkage of each tree's leaves, `learning_rate` / `eta`.
   * @default {0.3}
   */
  learningRate?: number;
  /**
   * L2 regularisation of leaf weights, `reg_lambda`.
   * @default {1}
   */
  lambda?: number;
  /**
   * Minimum hessian sum in a child, `min_child_weight`.
   * @default {1}
   */
  minChildWeight?: number;
  /**
   * Minimum loss reduction to split, `gamma` / `min_split_loss`.
   * @default {0}
   */
  gamma?: number;
  /**
   * Maximum number of histogram bins per feature (XGBoost's `max_bin` is 256; one byte code is
   * kept here for missing values, so at most 255).
   * @default {255}
   */
  maxBin?: number;
  /**
   * Initial prediction (a probability), `base_score`.
   * @default {0.5}
   */
  baseScore?: number;
  /**
   * Called after each tree with the round number (1-based), for progress output.
   * @default {undefined}
   */
  onRound?: (round: number, rounds: number) => void;
}

/** A trained model: the XGBoost JSON and the training margins it produces. */
export interface TrainResult {
  /** The model in XGBoost's JSON format (write it with `stringifyXGBoostModel`). */
  model: XGBoostModelJson;
  /** Final margin of every training row (float32), as the model predicts them. */
  trainMargins: Float32Array;
}

const MISSING = 255;
const RT_EPS = 1e-6; // XGBoost kRtEps: a split must reduce the loss by more than this
const ROOT_PARENT = 2147483647;

/**
 * Trains a binary classifier (labels 0/1) with XGBClassifier's defaults.
 *
 * @example Usage
 * ```ts
 * import { randomDataset } from "./dataset.ts";
 * import { trainClassifier } from "./train.ts";
 * import { loadXGBoostModel, predictMargin } from "./xgboost_json.ts";
 * import assert from "node:assert/strict";
 * const data = randomDataset({ samples: 300, features: 4, seed: 3 });
 * const { model, trainMargins } = trainClassifier(data, { rounds: 5 });
 * assert.equal(model.learner.gradient_booster.model.trees.length, 5);
 * const scored = predictMargin(loadXGBoostModel(model), data.features);
 * assert.deepEqual(scored, trainMargins);
 * ```
 */
export function trainClassifier(data: Dataset, options: TrainOptions = {}): TrainResult {
  const {
    rounds = 100,
    maxDepth = 6,
    learningRate = 0.3,
    lambda = 1,
    minChildWeight = 1,
    gamma = 0,
    maxBin = 255,
    baseScore = 0.5,
    onRound,
  } = options;
  checkInteger("rounds", rounds, 1, 100000);
  checkInteger("maxDepth", maxDepth, 0, 30);
  checkInteger("maxBin", maxBin, 2, 255);
  if (!(learningRate > 0 && learningRate <= 1)) {
    throw new RangeError(`Cannot train: learningRate (${learningRate}) must be in (0, 1]`);
  }
  if (!(lambda >= 0) || !(minChildWeight >= 0) || !(gamma >= 0)) {
    throw new RangeError(
      `Cannot train: lambda (${lambda}), minChildWeight (${minChildWeight}) and gamma (${gamma}) must not be negative`,
    );
  }
  if (!(baseScore > 0 && baseScore < 1)) {
    throw new RangeError(`Cannot train: baseScore (${baseScore}) must be in (0, 1)`);
  }
  const n = data.rows;
  const nf = data.columns;
  if (n < 1 || nf < 1 || data.features.length !== n * nf || data.labels.length !== n) {
    throw new RangeError(
      `Cannot train: the dataset's arrays do not match ${n} rows x ${nf} features`,
    );
  }
  for (let i = 0; i < n; i++) {
    const y = data.labels[i];
    if (y !== 0 && y !== 1) {
      throw new RangeError(`Cannot train: label of row ${i + 1} is ${y}; labels must be 0 or 1`);
    }
  }
  const { thresholds, bins } = binFeatures(data, maxBin);
  const eta = Math.fround(learningRate);
  const base = Math.fround(baseScore);
  const baseMargin = Math.fround(-Math.fround(Math.log(Math.fround(Math.fround(1 / base) - 1))));
  const margins = new Float32Array(n).fill(baseMargin);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const grower = new TreeGrower({
    bins,
    thresholds,
    rows: n,
    columns: nf,
    grad,
    hess,
    maxDepth,
    lambda,
    minChildWeight,
    gamma,
    eta,
  });
  const trees: XGBoostTreeJson[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < n; i++) {
      // XGBoost 1.7 LogisticClassification in float32: g = p - y, h = max(p(1-p), 1e-16).
      const p = Math.fround(1 / Math.fround(1 + Math.fround(Math.exp(-margins[i]))));
      grad[i] = Math.fround(p - data.labels[i]);
      hess[i] = Math.max(Math.fround(p * Math.fround(1 - p)), 1e-16);
    }
    trees.push(grower.grow(round, margins));
    onRound?.(round + 1, rounds);
  }
  return {
    model: modelJson(trees, nf, base, {
      rounds,
      maxDepth,
      learningRate,
      lambda,
      minChildWeight,
      gamma,
      maxBin,
    }),
    trainMargins: margins,
  };
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Cannot train: ${name} (${value}) must be an integer in ${min}..${max}`);
  }
}

/**
 * Quantile thresholds per feature (float32 values of the data) and each row's bin: the number
 * of thresholds at or below the value, so `bin <= b` exactly when `value < thresholds[b]`;
 * `MISSING` for NaN.
 */
function binFeatures(
  data: Dataset,
  maxBin: number,
): { thresholds: Float32Array[]; bins: Uint8Array } {
  const { rows: n, columns: nf, features } = data;
  const bins = new Uint8Array(n * nf);
  const thresholds: Float32Array[] = [];
  const column = new Float32Array(n);
  for (let f = 0; f < nf; f++) {
    let present = 0;
    for (let i = 0; i < n; i++) {
      const x = features[i * nf + f];
      if (x === x) column[present++] = x;
    }
    const sorted = column.subarray(0, present).sort();
    const cuts: number[] = [];
    if (present > 0) {
      let unique = 1;
      for (let i = 1; i < present; i++) if (sorted[i] !== sorted[i - 1]) unique++;
      if (unique <= maxBin) {
        for (let i = 1; i < present; i++) {
          if (sorted[i] !== sorted[i - 1]) cuts.push(midpoint(sorted[i - 1], sorted[i]));
        }
      } else {
        for (let b = 1; b < maxBin; b++) {
          const i = Math.floor((b * present) / maxBin);
          let j = i;
          while (j > 0 && sorted[j - 1] === sorted[j]) j--; // first occurrence of this value
          if (j === 0) continue;
          const cut = midpoint(sorted[j - 1], sorted[j]);
          if (cuts.length === 0 || cut > cuts[cuts.length - 1]) cuts.push(cut);
        }
      }
    }
    const t = Float32Array.from(cuts);
    thresholds.push(t);
    for (let i = 0; i < n; i++) {
      const x = features[i * nf + f];
      if (x !== x) {
        bins[i * nf + f] = MISSING;
        continue;
      }
      let lo = 0;
      let hi = t.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (t[mid] <= x) lo = mid + 1;
        else hi = mid;
      }
      bins[i * nf + f] = lo;
    }
  }
  return { thresholds, bins };
}

/** A float32 threshold `t` with `a < t <= b`: the midpoint when it lies strictly above `a`. */
function midpoint(a: number, b: number): number {
  const m = Math.fround((a + b) / 2);
  return m > a && m <= b ? m : b;
}

interface GrowerConfig {
  bins: Uint8Array;
  thresholds: Float32Array[];
  rows: number;
  columns: number;
  grad: Float64Array;
  hess: Float64Array;
  maxDepth: number;
  lambda: number;
  minChildWeight: number;
  gamma: number;
  eta: number;
}

interface OpenNode {
  id: number;
  begin: number;
  end: number;
  g: number;
  h: number;
  hist: Float64Array | null;
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  defaultLeft: boolean;
  gl: number;
  hl: number;
}

/** Grows one tree at a time over a shared row partition and a pool of histograms. */
class TreeGrower {
  readonly #c: GrowerConfig;
  readonly #rowIndex: Int32Array;
  readonly #scratch: Int32Array;
  readonly #histSize: number;
  readonly #pool: Float64Array[] = [];

  constructor(config: GrowerConfig) {
    this.#c = config;
    this.#rowIndex = new Int32Array(config.rows);
    this.#scratch = new Int32Array(config.rows);
    this.#histSize = config.columns * 256 * 2;
  }

  grow(treeId: number, margins: Float32Array): XGBoostTreeJson {
    const c = this.#c;
    const rowIndex = this.#rowIndex;
    for (let i = 0; i < c.rows; i++) rowIndex[i] = i;
    const nodes = {
      left: [] as number[],
      right: [] as number[],
      parent: [] as number[],
      feature: [] as number[],
      condition: [] as number[],
      defaultLeft: [] as number[],
      loss: [] as number[],
      hess: [] as number[],
      weight: [] as number[],
    };
    const add = (parent: number, h: number, g: number): number => {
      nodes.left.push(-1);
      nodes.right.push(-1);
      nodes.parent.push(parent);
      nodes.feature.push(0);
      nodes.condition.push(0);
      nodes.defaultLeft.push(0);
      nodes.loss.push(0);
      nodes.hess.push(Math.fround(h));
      nodes.weight.push(Math.fround(-g / (h + c.lambda)));
      return nodes.left.length - 1;
    };
    let g = 0;
    let h = 0;
    for (let i = 0; i < c.rows; i++) {
      g += c.grad[i];
      h += c.hess[i];
    }
    const root: OpenNode = { id: add(ROOT_PARENT, h, g), begin: 0, end: c.rows, g, h, hist: null };
    if (c.maxDepth > 0 && this.#canSplit(h)) {
      root.hist = this.#build(root.begin, root.end);
    }
    let level: OpenNode[] = [root];
    const leaves: OpenNode[] = [];
    for (let depth = 0; level.length > 0; depth++) {
      const next: OpenNode[] = [];
      for (const node of level) {
        const split = node.hist && depth < c.maxDepth ? this.#bestSplit(node) : null;
        if (!split) {
          if (node.hist) this.#release(node.hist);
          leaves.push(node);
          continue;
        }
        const middle = this.#partition(node, split);
        const gr = node.g - split.gl;
        const hr = node.h - split.hl;
        const leftId = add(node.id, split.hl, split.gl);
        const rightId = add(node.id, hr, gr);
        nodes.left[node.id] = leftId;
        nodes.right[node.id] = rightId;
        nodes.feature[node.id] = split.feature;
        nodes.condition[node.id] = c.thresholds[split.feature][split.bin];
        nodes.defaultLeft[node.id] = split.defaultLeft ? 1 : 0;
        nodes.loss[node.id] = Math.fround(split.gain);
        const left: OpenNode = {
          id: leftId,
          begin: node.begin,
          end: middle,
          g: split.gl,
          h: split.hl,
          hist: null,
        };
        const right: OpenNode = {
          id: rightId,
          begin: middle,
          end: node.end,
          g: gr,
          h: hr,
          hist: null,
        };
        const childDepthSplits = depth + 1 < c.maxDepth;
        const leftNeeds = childDepthSplits && this.#canSplit(left.h);
        const rightNeeds = childDepthSplits && this.#canSplit(right.h);
        if (leftNeeds || rightNeeds) {
          // Build the smaller child's histogram; the larger one is parent minus smaller.
          const [small, large] = middle - node.begin <= node.end - middle
            ? [left, right]
            : [right, left];
          small.hist = this.#build(small.begin, small.end);
          const parent = node.hist!;
          const sh = small.hist;
          for (let k = 0; k < parent.length; k++) parent[k] -= sh[k];
          large.hist = parent;
          if (!(small === left ? leftNeeds : rightNeeds)) {
            this.#release(small.hist);
            small.hist = null;
          }
          if (!(large === left ? leftNeeds : rightNeeds)) {
            this.#release(large.hist);
            large.hist = null;
          }
        } else {
          this.#release(node.hist!);
        }
        node.hist = null;
        next.push(left, right);
      }
      level = next;
    }
    for (const leaf of leaves) {
      const value = Math.fround(c.eta * nodes.weight[leaf.id]);
      nodes.condition[leaf.id] = value;
      for (let i = leaf.begin; i < leaf.end; i++) {
        const r = rowIndex[i];
        margins[r] = Math.fround(margins[r] + value);
      }
    }
    const count = nodes.left.length;
    return {
      base_weights: nodes.weight,
      categories: [],
      categories_nodes: [],
      categories_segments: [],
      categories_sizes: [],
      default_left: nodes.defaultLeft,
      id: treeId,
      left_children: nodes.left,
      loss_changes: nodes.loss,
      parents: nodes.parent,
      right_children: nodes.right,
      split_conditions: nodes.condition,
      split_indices: nodes.feature,
      split_type: new Array(count).fill(0),
      sum_hessian: nodes.hess,
      tree_param: {
        num_deleted: "0",
        num_feature: String(c.columns),
        num_nodes: String(count),
        size_leaf_vector: "0",
      },
    };
  }

  #canSplit(h: number): boolean {
    return h >= 2 * this.#c.minChildWeight && h > 0;
  }

  #take(): Float64Array {
    const hist = this.#pool.pop();
    if (hist) {
      hist.fill(0);
      return hist;
    }
    return new Float64Array(this.#histSize);
  }

  #release(hist: Float64Array): void {
    this.#pool.push(hist);
  }

  /** Gradient and hessian sums per (feature, bin) over the node's rows; bin 255 is missing. */
  #build(begin: number, end: number): Float64Array {
    const { bins, grad, hess, columns } = this.#c;
    const rowIndex = this.#rowIndex;
    const hist = this.#take();
    for (let i = begin; i < end; i++) {
      const r = rowIndex[i];
      const g = grad[r];
      const h = hess[r];
      const base = r * columns;
      for (let f = 0; f < columns; f++) {
        const k = ((f << 8) | bins[base + f]) << 1;
        hist[k] += g;
        hist[k + 1] += h;
      }
    }
    return hist;
  }

  #bestSplit(node: OpenNode): Split | null {
    const { thresholds, lambda, minChildWeight, gamma, columns } = this.#c;
    const hist = node.hist!;
    const G = node.g;
    const H = node.h;
    const parentGain = (G * G) / (H + lambda);
    let best: Split | null = null;
    let bestGain = Math.max(RT_EPS, gamma);
    for (let f = 0; f < columns; f++) {
      const cuts = thresholds[f].length;
      if (cuts === 0) continue;
      const off = f << 9;
      const gm = hist[off + (MISSING << 1)];
      const hm = hist[off + (MISSING << 1) + 1];
      const hasMissing = hm > 0;
      let GL = 0;
      let HL = 0;
      for (let b = 0; b < cuts; b++) {
        GL += hist[off + (b << 1)];
        HL += hist[off + (b << 1) + 1];
        // Missing values to the left first; to the right only when strictly better.
        let gl = GL + gm;
        let hl = HL + hm;
        let gr = G - gl;
        let hr = H - hl;
        if (hl >= minChildWeight && hr >= minChildWeight) {
          const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentGain;
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: f, bin: b, defaultLeft: true, gl, hl };
          }
        }
        if (!hasMissing) continue;
        gl = GL;
        hl = HL;
        gr = G - gl;
        hr = H - hl;
        if (hl >= minChildWeight && hr >= minChildWeight) {
          const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentGain;
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: f, bin: b, defaultLeft: false, gl, hl };
          }
        }
      }
    }
    return best;
  }

  /** Stable in-place partition of the node's rows; returns where the right child starts. */
  #partition(node: OpenNode, split: Split): number {
    const { bins, columns } = this.#c;
    const rowIndex = this.#rowIndex;
    const scratch = this.#scratch;
    const f = split.feature;
    const limit = split.bin;
    const missingLeft = split.defaultLeft;
    let l = node.begin;
    let r = 0;
    for (let i = node.begin; i < node.end; i++) {
      const row = rowIndex[i];
      const b = bins[row * columns + f];
      if (b === MISSING ? missingLeft : b <= limit) rowIndex[l++] = row;
      else scratch[r++] = row;
    }
    rowIndex.set(scratch.subarray(0, r), l);
    return l;
  }
}

function modelJson(
  trees: XGBoostTreeJson[],
  numFeature: number,
  baseScore: number,
  params: Record<string, number>,
): XGBoostModelJson {
  // The metadata XGBClassifier.save_model stores, so XGBClassifier().load_model() restores
  // a classifier (classes 0 and 1) from our file.
  const sklearn = {
    n_estimators: params.rounds,
    objective: "binary:logistic",
    max_depth: params.maxDepth,
    learning_rate: params.learningRate,
    reg_lambda: params.lambda,
    min_child_weight: params.minChildWeight,
    gamma: params.gamma,
    max_bin: params.maxBin,
    tree_method: "hist",
    base_score: baseScore,
    classes_: [0, 1],
    n_classes_: 2,
    _estimator_type: "classifier",
  };
  return {
    learner: {
      attributes: {
        best_iteration: String(trees.length - 1),
        best_ntree_limit: String(trees.length),
        scikit_learn: JSON.stringify(sklearn),
      },
      feature_names: [],
      feature_types: [],
      gradient_booster: {
        model: {
          gbtree_model_param: {
            num_parallel_tree: "1",
            num_trees: String(trees.length),
            size_leaf_vector: "0",
          },
          tree_info: trees.map(() => 0),
          trees,
        },
        name: "gbtree",
      },
      learner_model_param: {
        base_score: formatFloat32(baseScore),
        boost_from_average: "1",
        num_class: "0",
        num_feature: String(numFeature),
        num_target: "1",
      },
      objective: { name: "binary:logistic", reg_loss_param: { scale_pos_weight: "1" } },
    },
    version: [1, 7, 4],
  };
}
