/**
 * SageMaker endpoint auto-scaling lab: choose and prove the auto-scaling policy of a SageMaker
 * real-time endpoint, on AWS or offline on an embedded local backend.
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
export { DEFAULT_LOCAL_SETTINGS, type LocalSettings } from "./cloud/local/settings.ts";
export type { CapacityProfile, LatencyMs, ProfileLevel } from "./cloud/local/profile.ts";
export { planCapacity, type PlanOptions, renderPlan } from "./steps/plan.ts";
export { InputError, StepError } from "./steps/errors.ts";
export type * from "./steps/types.ts";
