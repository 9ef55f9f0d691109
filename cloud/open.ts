/**
 * `openCloud`: the one entry point to a backend. Each backend is loaded with a lazy `import()`
 * when it is opened: an AWS run never loads the local backend (its store, services and model
 * server), a local run never builds the AWS SDK clients and their credential chain.
 *
 * @module
 */
import type { LocalOptions } from "./local/mod.ts";
import type { Backend, Cloud } from "./types.ts";

/** Options of {@linkcode openCloud}; every field is optional. */
export interface OpenCloudOptions {
  /**
   * `"local"` (the embedded backend) or `"aws"`.
   * @default {"local"}
   */
  backend?: Backend;
  /**
   * AWS region. On AWS, the SDK's resolution applies when absent; locally `AWS_REGION` or us-east-1.
   */
  region?: string;
  /** AWS named profile (AWS backend only). */
  profile?: string;
  /** Endpoint URL for every service (AWS backend only; `AWS_ENDPOINT_URL` also works). */
  endpointUrl?: string;
  /**
   * Folder of the local backend's store (env `SCALING_LOCAL_DIR` when not given).
   * @default {".sagemaker-local"}
   */
  localDir?: string;
  /**
   * Local backend settings (simulation defaults, benchmark length, noise seed) and capacity
   * profiles per instance type (`profile`: simulate *your* endpoint, not this machine), persisted
   * in the store.
   */
  local?: LocalOptions;
}

/**
 * Opens a {@linkcode Cloud}. Close it when done.
 *
 * @example Usage
 * ```ts
 * import { openCloud } from "./open.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const cloud = await openCloud({ localDir: dir });
 * assert.equal(cloud.backend, "local");
 * await cloud.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openCloud(options: OpenCloudOptions = {}): Promise<Cloud> {
  const backend = options.backend ?? "local";
  if (backend === "aws") {
    const { openAwsCloud } = await import("./aws.ts");
    return await openAwsCloud({
      region: options.region,
      profile: options.profile,
      endpointUrl: options.endpointUrl,
    });
  }
  if (backend !== "local") {
    throw new RangeError(`Cannot open backend "${backend}": use "local" or "aws"`);
  }
  const { openLocalCloud } = await import("./local/mod.ts");
  return openLocalCloud({
    localDir: options.localDir ?? env("SCALING_LOCAL_DIR"),
    region: options.region ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? "us-east-1",
    local: options.local,
  });
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no --allow-env: the default applies
  }
}
