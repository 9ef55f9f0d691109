/**
 * Training benchmark (`deno task bench:train`): the original notebook's model — 9,000 training
 * rows x 50 random features, 100 trees of depth 6 (XGBClassifier's defaults) — trained by
 * `model/train.ts`. Runs it `--runs` times (default 3) and prints the times; the last line
 * states the median.
 *
 * @module
 */
import { randomDataset, trainTestSplit } from "../model/dataset.ts";
import { trainClassifier } from "../model/train.ts";
import { holdBenchMachine } from "./_machine.ts";

const runsFlag = Deno.args.indexOf("--runs");
const runs = runsFlag >= 0 ? Number(Deno.args[runsFlag + 1]) : 3;
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench:train: --runs (${Deno.args[runsFlag + 1]}) must be a positive integer`);
  Deno.exit(2);
}
const machine = await holdBenchMachine("bench:train", Deno.args);
const { train } = trainTestSplit(randomDataset({ samples: 10000, features: 50, seed: 7 }), {
  testSize: 0.1,
  seed: 7,
});
const times: number[] = [];
for (let run = 1; run <= runs; run++) {
  const start = performance.now();
  const { model } = trainClassifier(train);
  const ms = performance.now() - start;
  times.push(ms);
  const trees = model.learner.gradient_booster.model.trees;
  const nodes = trees.reduce((sum, t) => sum + t.left_children.length, 0);
  console.log(`run ${run}: ${(ms / 1000).toFixed(2)} s (${trees.length} trees, ${nodes} nodes)`);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(machine.line());
console.log(
  `train ${train.rows} x ${train.columns}, 100 trees, depth 6: median ${
    (median / 1000).toFixed(2)
  } s over ${runs} runs (min ${(times[0] / 1000).toFixed(2)} s)`,
);
