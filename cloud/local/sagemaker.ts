/**
 * The local SageMaker stand-in: one handler table for the SageMaker sender (models, endpoint
 * configurations, endpoints, the model registry), the endpoint life-cycle events, and the two
 * functions other local services use (`describeEndpointRecord`, `setVariantDesiredCount`).
 * The Inference Recommender operations live in `recommender.ts` and are merged by the assembly.
 *
 * @module
 */
import type { LocalRuntime } from "./context.ts";
import { endpointConfigHandlers } from "./sagemaker_endpoint_configs.ts";
import { endpointHandlers, registerEndpointEvents } from "./sagemaker_endpoints.ts";
import { modelHandlers } from "./sagemaker_models.ts";
import { modelPackageHandlers } from "./sagemaker_packages.ts";
import type { OperationHandler } from "./service.ts";

export {
  applyVariantChanges,
  describeEndpointRecord,
  ENDPOINT_PHASE_EVENT,
  type LocalVariantRecord,
  setVariantDesiredCount,
  type VariantChange,
} from "./sagemaker_endpoints.ts";
export { type EndpointConfigRecord, findEndpointConfig } from "./sagemaker_endpoint_configs.ts";
export {
  findModel,
  modelPrimaryContainer,
  type ModelRecord,
  type PrimaryContainerRef,
} from "./sagemaker_models.ts";
export {
  findModelPackage,
  findModelPackageGroup,
  type ModelPackageGroupRecord,
  type ModelPackageRecord,
} from "./sagemaker_packages.ts";

/**
 * Every SageMaker operation of this module, by operation name, for `localSender("SageMaker", …)`.
 *
 * @example Usage
 * ```ts
 * import { sageMakerHandlers, registerSageMakerEvents } from "./sagemaker.ts";
 * import { LocalRuntime } from "./context.ts";
 * import { localSender } from "./service.ts";
 * import { Store } from "./store.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "./settings.ts";
 * import { CreateModelPackageGroupCommand, DescribeModelPackageGroupCommand } from "@aws-sdk/client-sagemaker";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const runtime = new LocalRuntime();
 * registerSageMakerEvents(runtime);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000", runtime };
 * const sm = localSender("SageMaker", ctx, sageMakerHandlers);
 * await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "xgb" }));
 * const group = await sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: "xgb" }));
 * assert.equal(group.ModelPackageGroupStatus, "Completed");
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export const sageMakerHandlers: Record<string, OperationHandler> = {
  ...modelPackageHandlers,
  ...modelHandlers,
  ...endpointConfigHandlers,
  ...endpointHandlers,
};

/** Registers the SageMaker simulation event handlers (endpoint phase ends). */
export function registerSageMakerEvents(runtime: LocalRuntime): void {
  registerEndpointEvents(runtime);
}
