/**
 * The model an endpoint's variant serves, loaded once per model artifact the way the container
 * loads it: the variant's model → its primary container's `ModelDataUrl` → the `model.tar.gz` in
 * the local S3 → its one model file → the XGBoost scorer, wrapped in the container contract of
 * `model/server.ts` (the same code the model server runs, so the answers are the same bytes).
 *
 * Kept in this runtime's memory, keyed by the artifact's URL and ETag: an object written again
 * under the same key is loaded again.
 *
 * @module
 */
import type { LocalContext } from "../kernel/context.ts";
import { findModel, type LocalVariantRecord, modelPrimaryContainer } from "../sagemaker/mod.ts";
import { readLocalObject, s3Handlers } from "../s3/mod.ts";
import { modelArtifactOf } from "../../../model/tarball.ts";
import { loadXGBoostModel } from "../../../model/xgboost_json.ts";
import { createModelApp } from "../../../model/server.ts";
import type { HttpApp } from "../../../model/http_server.ts";

/** The container contract of a variant's model, ready to answer `/invocations`. */
export type ModelContainer = HttpApp;

/** Thrown when a variant's model cannot be loaded (the container would not start). */
export class ModelLoadError extends Error {
  override name = "ModelLoadError";
}

/**
 * The container of a variant's model, loaded at first use and kept for this runtime.
 *
 * @example Usage
 * ```ts ignore
 * const container = await modelContainer(ctx, endpoint.ProductionVariants[0]);
 * const answer = container.handle(head, new TextEncoder().encode("1,2,3"));
 * ```
 */
export async function modelContainer(
  ctx: LocalContext,
  variant: Pick<LocalVariantRecord, "VariantName" | "ModelName">,
): Promise<ModelContainer> {
  let url: string;
  try {
    url = modelPrimaryContainer(ctx, findModel(ctx, variant.ModelName)).modelDataUrl;
  } catch (error) {
    throw new ModelLoadError(
      `Cannot score on variant ${variant.VariantName}: its model ${variant.ModelName} is gone (${
        (error as Error).message
      }); create the endpoint again from an existing model`,
    );
  }
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (match === null || url.endsWith("/")) {
    throw new ModelLoadError(
      `Cannot score on variant ${variant.VariantName}: the local backend loads a model from one s3://bucket/key object (model.tar.gz), not '${url}'`,
    );
  }
  let etag: string | undefined;
  try {
    etag = (s3Handlers.HeadObject({ Bucket: match[1], Key: match[2] }, ctx) as { ETag?: string })
      .ETag;
  } catch (error) {
    throw new ModelLoadError(`Cannot load the model at ${url}: ${(error as Error).message}`);
  }
  const key = `${url}\u0000${etag ?? ""}`;
  const cache = ctx.runtime.memo(
    "runtime-model-containers",
    () => new Map<string, Promise<HttpApp>>(),
  );
  let loading = cache.get(key);
  if (loading === undefined) {
    loading = load(ctx, url);
    cache.set(key, loading);
    loading.catch(() => cache.delete(key));
  }
  return await loading;
}

async function load(ctx: LocalContext, url: string): Promise<HttpApp> {
  try {
    const artifact = await modelArtifactOf(readLocalObject(ctx, url), { source: url });
    return createModelApp(loadXGBoostModel(artifact.data));
  } catch (error) {
    throw new ModelLoadError(`Cannot load the model at ${url}: ${(error as Error).message}`);
  }
}
