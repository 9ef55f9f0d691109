/**
 * The original notebook's training data: `X = np.random.rand(samples, features).astype("float32")`,
 * `Y = np.random.randint(2, size=samples)`, split with
 * `train_test_split(X, Y, test_size=0.1, random_state=seed)`. Here the same shapes and the same
 * split sizes come from a seeded generator, so every run gives the same data.
 *
 * @module
 */

import { createRandom } from "./random.ts";

/** A feature matrix with one label per row. */
export interface Dataset {
  /** Row-major float32 features, `rows * columns` long, `NaN` for missing. */
  features: Float32Array;
  /** One label per row (0 or 1 for classification). */
  labels: Float32Array;
  /** Number of rows (samples). */
  rows: number;
  /** Number of features per row. */
  columns: number;
}

/** Options of {@linkcode randomDataset}. */
export interface RandomDatasetOptions {
  /**
   * Number of rows.
   * @default {10000}
   */
  samples?: number;
  /**
   * Number of features per row.
   * @default {50}
   */
  features?: number;
  /**
   * Seed of the generator.
   * @default {7}
   */
  seed?: number;
}

/**
 * Random features uniform in [0, 1) as float32 and random 0/1 labels, like the original.
 *
 * @example Usage
 * ```ts
 * import { randomDataset } from "./dataset.ts";
 * import assert from "node:assert/strict";
 * const data = randomDataset({ samples: 100, features: 5, seed: 1 });
 * assert.equal(data.features.length, 500);
 * assert.ok(data.labels.every((y) => y === 0 || y === 1));
 * assert.deepEqual(randomDataset({ samples: 100, features: 5, seed: 1 }), data);
 * ```
 */
export function randomDataset(options: RandomDatasetOptions = {}): Dataset {
  const { samples = 10000, features = 50, seed = 7 } = options;
  for (const [name, value] of [["samples", samples], ["features", features]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot make the dataset: ${name} (${value}) must be a positive integer`,
      );
    }
  }
  const random = createRandom(seed);
  const x = new Float32Array(samples * features);
  for (let i = 0; i < x.length; i++) x[i] = random.nextFloat32();
  const y = new Float32Array(samples);
  for (let i = 0; i < samples; i++) y[i] = random.nextInt(2);
  return { features: x, labels: y, rows: samples, columns: features };
}

/** Options of {@linkcode trainTestSplit}. */
export interface TrainTestSplitOptions {
  /**
   * Fraction of the rows that go to the test set (rounded up, like scikit-learn).
   * @default {0.1}
   */
  testSize?: number;
  /**
   * Seed of the shuffle.
   * @default {7}
   */
  seed?: number;
}

/**
 * Shuffles the rows and splits them like scikit-learn's `train_test_split`: the test set has
 * `ceil(testSize * rows)` rows, the training set the rest (10,000 rows → 9,000 + 1,000).
 *
 * @example Usage
 * ```ts
 * import { randomDataset, trainTestSplit } from "./dataset.ts";
 * import assert from "node:assert/strict";
 * const { train, test } = trainTestSplit(randomDataset({ samples: 10000, features: 2 }));
 * assert.equal(train.rows, 9000);
 * assert.equal(test.rows, 1000);
 * ```
 */
export function trainTestSplit(
  data: Dataset,
  options: TrainTestSplitOptions = {},
): { train: Dataset; test: Dataset } {
  const { testSize = 0.1, seed = 7 } = options;
  if (!(testSize > 0 && testSize < 1)) {
    throw new RangeError(`Cannot split the dataset: test size (${testSize}) must be in (0, 1)`);
  }
  const testRows = Math.ceil(testSize * data.rows);
  if (testRows >= data.rows) {
    throw new RangeError(
      `Cannot split the dataset: ${data.rows} rows leave none for training at test size ${testSize}`,
    );
  }
  const order = Array.from({ length: data.rows }, (_, i) => i);
  const random = createRandom(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const take = (rows: number[]): Dataset => {
    const c = data.columns;
    const features = new Float32Array(rows.length * c);
    const labels = new Float32Array(rows.length);
    rows.forEach((row, i) => {
      features.set(data.features.subarray(row * c, row * c + c), i * c);
      labels[i] = data.labels[row];
    });
    return { features, labels, rows: rows.length, columns: c };
  };
  return { test: take(order.slice(0, testRows)), train: take(order.slice(testRows)) };
}
