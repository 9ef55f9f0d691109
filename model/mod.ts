/**
 * The model side of the walkthrough: an XGBoost classifier trained in TypeScript on random
 * data like the original (XGBoost 1.7 JSON, loadable by real XGBoost), the sample payload,
 * the `model.tar.gz` / `payload.tar.gz` archives, the XGBoost container image URI, and a real
 * model server speaking the SageMaker container contract.
 *
 * @example Usage
 * ```ts
 * import {
 *   loadXGBoostModel,
 *   predict,
 *   randomDataset,
 *   samplePayloadCsv,
 *   stringifyXGBoostModel,
 *   trainClassifier,
 *   trainTestSplit,
 *   xgboostImageUri,
 * } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const { train, test } = trainTestSplit(randomDataset({ samples: 1000, features: 5 }));
 * const { model } = trainClassifier(train, { rounds: 3 });
 * const scorer = loadXGBoostModel(stringifyXGBoostModel(model));
 * assert.equal(predict(scorer, test.features).length, 100);
 * assert.equal(samplePayloadCsv(test).split("\n").length, 101);
 * assert.match(xgboostImageUri("us-east-1"), /sagemaker-xgboost:1\.7-1$/);
 * ```
 *
 * @module
 */

export {
  featureMatrix,
  loadXGBoostModel,
  predict,
  predictMargin,
  stringifyXGBoostModel,
  SUPPORTED_OBJECTIVES,
  type XGBoostModel,
  XGBoostModelError,
  type XGBoostModelJson,
  type XGBoostTreeJson,
} from "./xgboost_json.ts";
export {
  type CsvFeatures,
  CsvParseError,
  FeatureCountError,
  parseCsvFeatures,
} from "./csv_features.ts";
export {
  type Dataset,
  randomDataset,
  type RandomDatasetOptions,
  trainTestSplit,
  type TrainTestSplitOptions,
} from "./dataset.ts";
export { trainClassifier, type TrainOptions, type TrainResult } from "./train.ts";
export { samplePayloadCsv, type SamplePayloadOptions } from "./payload.ts";
export {
  ArchiveError,
  createTarGz,
  MODEL_FILE_NAME,
  type ModelArtifact,
  modelArtifactOf,
  type ModelArtifactOfOptions,
  modelTarball,
  PAYLOAD_FILE_NAME,
  payloadTarball,
  readModelArtifact,
  readTar,
  readTarGz,
  type ReadTarGzOptions,
  type ReadTarOptions,
  type TarEntry,
  type TarGzOptions,
} from "./tarball.ts";
export {
  DEFAULT_XGBOOST_VERSION,
  ImageUriError,
  XGBOOST_FRAMEWORK_VERSIONS,
  type XGBoostFrameworkVersion,
  xgboostImageRegions,
  xgboostImageUri,
} from "./image_uri.ts";
export {
  createModelHandler,
  loadModelFrom,
  type ModelHandler,
  type ModelHandlerOptions,
} from "./server.ts";
export {
  type ModelServerHandle,
  ModelServerStartError,
  startModelServer,
  type StartModelServerOptions,
} from "./spawn_server.ts";
export { createRandom, type Random } from "./random.ts";
