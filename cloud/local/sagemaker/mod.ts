/**
 * The local SageMaker stand-in: one handler table for the SageMaker sender (models, endpoint
 * configurations, endpoints, the model registry), the endpoint life-cycle events, and the two
 * functions other local services use (`describeEndpointRecord`, `setVariantDesiredCount`).
 * The Inference Recommender operations live in `../recommender/` and are merged by the assembly.
 * The errors of models, the model registry and list paging, with the sources of their wording,
 * are in `messages.ts`.
 *
 * @module
 */
import type { LocalRuntime } from "../kernel/context.ts";
import { endpointConfigHandlers } from "./endpoint_configs.ts";
import { endpointHandlers, registerEndpointEvents } from "./endpoints.ts";
import { modelHandlers } from "./models.ts";
import { modelPackageHandlers } from "./packages.ts";
import { registerEndpointClock } from "./endpoint_clock.ts";
import type { HandlerMap } from "../kernel/dispatch.ts";

export {
  applyVariantChanges,
  describeEndpointRecord,
  ENDPOINT_PHASE_EVENT,
  type LocalVariantRecord,
  setVariantDesiredCount,
  type VariantChange,
} from "./endpoints.ts";
export { type EndpointConfigRecord, findEndpointConfig } from "./endpoint_configs.ts";
export {
  ENDPOINT_TICK_EVENT,
  type EndpointSimState,
  registerTrafficSource,
  simulateEndpoint,
  type TrafficSource,
} from "./endpoint_clock.ts";
export {
  recordedTraffic,
  recordInvocations,
  type RecordInvocationsInput,
  type TrafficMinute,
} from "./endpoint_traffic.ts";
export { type EndpointRecord, instancesInService, KIND } from "./records.ts";
export { listPage } from "./list.ts";
// The SageMaker API's request checks and error shapes, which the Inference Recommender
// operations (SageMaker operations too) share.
export {
  checkString,
  compact,
  findByName,
  InputChecks,
  NAME,
  REQUIRED_NAME,
  ROLE_ARN_PATTERN,
  sageMakerArn,
  sageMakerError,
  type StringCheckOptions,
  validationError,
} from "./validation.ts";
export {
  findModel,
  modelPrimaryContainer,
  type ModelRecord,
  type PrimaryContainerRef,
} from "./models.ts";
export {
  findModelPackage,
  findModelPackageGroup,
  type ModelPackageGroupRecord,
  type ModelPackageRecord,
} from "./packages.ts";

/**
 * Every SageMaker operation of this module, by operation name, for `localSender(ctx, { service: "SageMaker", handlers })`.
 *
 * @example Usage
 * ```ts
 * import { sageMakerHandlers, registerSageMakerEvents } from "./mod.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { localSender } from "../kernel/dispatch.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import { CreateModelPackageGroupCommand, DescribeModelPackageGroupCommand } from "@aws-sdk/client-sagemaker";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const runtime = new LocalRuntime();
 * registerSageMakerEvents(runtime);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000", runtime };
 * const sm = localSender(ctx, { service: "SageMaker", handlers: sageMakerHandlers });
 * await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "xgb" }));
 * const group = await sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: "xgb" }));
 * assert.equal(group.ModelPackageGroupStatus, "Completed");
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export const sageMakerHandlers: HandlerMap = {
  ...modelPackageHandlers,
  ...modelHandlers,
  ...endpointConfigHandlers,
  ...endpointHandlers,
};

/** Registers the SageMaker simulation event handlers (endpoint phase ends, endpoint ticks). */
export function registerSageMakerEvents(runtime: LocalRuntime): void {
  registerEndpointEvents(runtime);
  registerEndpointClock(runtime);
}
