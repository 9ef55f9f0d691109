/**
 * SageMaker endpoint auto-scaling lab: choose and prove the auto-scaling policy of a SageMaker
 * real-time endpoint, on AWS or offline on an embedded local backend. The walkthrough's steps,
 * the charts and `openCloud`.
 *
 * @example Plan capacity from a measured upper limit
 * ```ts
 * import { planCapacity } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const plan = planCapacity({ maxTps: 500, minTps: 70, upperLimit: 3300 });
 * assert.deepEqual([plan.minCapacity, plan.maxCapacity], [2, 11]);
 * ```
 *
 * @module
 */
export { openCloud, type OpenCloudOptions } from "./cloud/open.ts";
export type { Backend, Clock, Cloud } from "./cloud/types.ts";
export { DEFAULT_LOCAL_SETTINGS, type LocalSettings } from "./cloud/local/kernel/settings.ts";
export {
  type CapacityProfile,
  checkCapacityProfile,
  type DefaultJobSeries,
  type GivenProfiles,
  type LatencyMs,
  profileFromMetrics,
  type ProfileLevel,
} from "./sim/profile.ts";
export { BUILT_IN_PROFILES, ORIGINAL_PROFILE } from "./sim/profiles/original.ts";
export { readLocalProfile } from "./steps/local_profile.ts";
export { INSTANCE_TYPES, type InstanceTypeInfo, instanceTypeInfo } from "./cloud/instance_types.ts";
export { prepare, type PrepareOptions, renderPrepare } from "./steps/prepare.ts";
export {
  pickRecommendation,
  recommend,
  type RecommendOptions,
  renderRecommendation,
} from "./steps/recommend.ts";
export { analyze, type AnalyzeOptions, renderAnalysis } from "./steps/analyze.ts";
export { analyzeSaturation, type AnalyzeSaturationOptions } from "./steps/saturation.ts";
export { planCapacity, type PlanOptions, renderPlan } from "./steps/plan.ts";
export {
  type JobProfileOptions,
  profileOfRecommendation,
  type RecommendationWindow,
} from "./steps/job_profile.ts";
export { renderSweep, sweep, type SweepStepOptions } from "./steps/sweep.ts";
export type { SweepReport } from "./steps/sweep_report.ts";
export { defaultCandidates, type GridCandidate } from "./steps/sweep_grid.ts";
export { sweepCharts } from "./steps/sweep_charts.ts";
export { sweepStory } from "./steps/sweep_story.ts";
export {
  type ExportFormat,
  type ExportOptions,
  type ExportResult,
  exportTemplate,
} from "./steps/export.ts";
export {
  createEndpoint,
  type CreateEndpointOptions,
  setInstanceCount,
  type SetInstanceCountOptions,
} from "./steps/endpoint.ts";
export {
  clearAndReset,
  type ClearAndResetOptions,
  cpuTargetValue,
  type ManifestOption,
  originalStepScaling,
  putScheduledAction,
  type PutScheduledActionOptions,
  putStepScaling,
  type PutStepScalingOptions,
  putTargetTracking,
  type PutTargetTrackingOptions,
  registerScalableTarget,
  type RegisterScalableTargetOptions,
  resourceIdOf,
  type ScheduledActionSpec,
  type StepScalingSpec,
  type TargetTrackingSpec,
  waitForQuietAlarms,
} from "./steps/policies.ts";
export {
  applyPolicies,
  type ApplyPoliciesOptions,
  type PolicySet,
  renderScale,
  resetAndApply,
  scale,
  type ScaleOptions,
  sweepChoice,
} from "./steps/scale.ts";
export {
  evaluate,
  type EvaluateOptions,
  judgeEvaluation,
  renderEvaluation,
} from "./steps/evaluate.ts";
export {
  MAX_OBSERVE_MINUTES,
  observe,
  type ObserveOptions,
  renderObserve,
} from "./steps/observe.ts";
export { verdictMargin, verdictText } from "./steps/verdict.ts";
export {
  formatProgress,
  type ProgressMode,
  type ProgressState,
  reportProgress,
  setProgressMode,
} from "./progress/mod.ts";
export {
  comparisonStory,
  evaluationStory,
  type Markdown,
  markdown,
  ORIGINAL_VERDICTS,
  originalComparisonStory,
  planStory,
} from "./steps/story.ts";
export { cleanup, collectCreated, renderCleanup } from "./steps/cleanup.ts";
export { deleteOrphans } from "./steps/deletion.ts";
export { Journal, JOURNAL_FILE, readJournal } from "./steps/journal.ts";
export { journaledCloud } from "./steps/journaled_cloud.ts";
export { findOrphans, type Orphan, renderOrphans } from "./steps/orphans.ts";
export {
  evaluationTable,
  expectedTps,
  LOCAL_EXPECTATION_SATURATED_INSTANCES,
  renderWalkthrough,
  walkthrough,
  type WalkthroughOptions,
  walkthroughPolicies,
} from "./steps/walkthrough.ts";
export { analysisCharts, evaluationCharts, observeCharts, showCharts } from "./steps/charts_out.ts";
export { InputError, StepError } from "./steps/errors.ts";
export type * from "./steps/types.ts";
export {
  MODEL_FILE_NAME,
  modelTarball,
  PAYLOAD_FILE_NAME,
  payloadTarball,
  randomDataset,
  readTarGz,
  samplePayloadCsv,
  stringifyXGBoostModel,
  trainClassifier,
  trainTestSplit,
  xgboostImageUri,
} from "./model/mod.ts";
