/**
 * One load test per endpoint: a second Inference Recommender job on an endpoint that an
 * unfinished job already load-tests would measure the endpoint under both jobs' traffic. AWS
 * refuses such a CreateInferenceRecommendationsJob with `ResourceInUse` ("Resource being accessed
 * is in use", HTTP 400), the error the SageMaker API reference lists for the operation; the exact
 * wording AWS uses for this case is not documented, so the message below says what is busy and
 * what to do.
 *
 * @module
 */
import type { LocalContext } from "../kernel/context.ts";
import { KIND, sageMakerError } from "../sagemaker/mod.ts";
import { type RecommendationJobRecord, TERMINAL_STATUSES } from "./job.ts";

/**
 * Throws `ResourceInUse` when an unfinished (PENDING, IN_PROGRESS or STOPPING) job already names
 * one of `endpointNames` in its `InputConfig.Endpoints`.
 *
 * @example Usage
 * ```ts ignore
 * refuseEndpointsInUse(ctx, ["my-endpoint"]); // inside CreateInferenceRecommendationsJob's transaction
 * ```
 */
export function refuseEndpointsInUse(ctx: LocalContext, endpointNames: readonly string[]): void {
  if (endpointNames.length === 0) return;
  for (const { doc: job } of ctx.store.listDocs<RecommendationJobRecord>(KIND.recommendationJob)) {
    if (TERMINAL_STATUSES.has(job.Status)) continue;
    const busy = (job.InputConfig?.Endpoints ?? [])
      .map((e) => e.EndpointName)
      .find((name) => name !== undefined && endpointNames.includes(name));
    if (busy !== undefined) {
      throw sageMakerError(
        "ResourceInUse",
        `Endpoint "${busy}" is in use by Inference Recommender job "${job.JobName}" (${job.Status}): one job at a time can load-test an endpoint; wait for that job to finish or stop it with StopInferenceRecommendationsJob`,
        400,
      );
    }
  }
}
