/**
 * The SageMaker XGBoost container image for a region and framework version — what the
 * original gets from `sagemaker.image_uris.retrieve("xgboost", region, "1.5-1")` — from a
 * table, so it works offline.
 *
 * Source: the SageMaker Python SDK's image config, `src/sagemaker/image_uri_config/xgboost.json`
 * in github.com/aws/sagemaker-python-sdk at commit 02ed3cbfd8f1c519f8a829b545bb78a47a538546
 * ("inference" scope, versions "1.5-1" and "1.7-1", repository "sagemaker-xgboost"; both versions
 * list the same registry accounts). The URI is built the way the SDK builds it for these
 * versions: `{account}.dkr.ecr.{region}.amazonaws.com/sagemaker-xgboost:{version}`. Only the
 * commercial `aws` partition is covered (China, GovCloud and ISO regions use other domains and
 * accounts).
 *
 * Default version: `1.7-1`, because the model this toolkit writes is XGBoost 1.7's JSON format,
 * which is what Debian's xgboost 1.7.4 verifies here. `1.5-1` (the original notebook's choice)
 * is selectable, but whether XGBoost 1.5 reads our JSON model cannot be verified offline.
 *
 * @module
 */

/** The XGBoost container versions this table covers. */
export const XGBOOST_FRAMEWORK_VERSIONS = ["1.7-1", "1.5-1"] as const;

/** An XGBoost container version of the table. */
export type XGBoostFrameworkVersion = typeof XGBOOST_FRAMEWORK_VERSIONS[number];

/** The default container version: our models are XGBoost 1.7 JSON. */
export const DEFAULT_XGBOOST_VERSION: XGBoostFrameworkVersion = "1.7-1";

/** ECR registry account of the sagemaker-xgboost images per commercial region (1.5-1 and 1.7-1). */
const REGISTRIES: Readonly<Record<string, string>> = {
  "af-south-1": "510948584623",
  "ap-east-1": "651117190479",
  "ap-northeast-1": "354813040037",
  "ap-northeast-2": "366743142698",
  "ap-northeast-3": "867004704886",
  "ap-south-1": "720646828776",
  "ap-south-2": "628508329040",
  "ap-southeast-1": "121021644041",
  "ap-southeast-2": "783357654285",
  "ap-southeast-3": "951798379941",
  "ap-southeast-4": "106583098589",
  "ca-central-1": "341280168497",
  "ca-west-1": "190319476487",
  "eu-central-1": "492215442770",
  "eu-central-2": "680994064768",
  "eu-north-1": "662702820516",
  "eu-south-1": "978288397137",
  "eu-south-2": "104374241257",
  "eu-west-1": "141502667606",
  "eu-west-2": "764974769150",
  "eu-west-3": "659782779980",
  "il-central-1": "898809789911",
  "me-central-1": "272398656194",
  "me-south-1": "801668240914",
  "sa-east-1": "737474898029",
  "us-east-1": "683313688378",
  "us-east-2": "257758044811",
  "us-west-1": "746614075791",
  "us-west-2": "246618743249",
};

/** The region or version is not in the table. */
export class ImageUriError extends Error {
  override name = "ImageUriError";
}

/**
 * The regions the table covers, sorted.
 *
 * @example Usage
 * ```ts
 * import { xgboostImageRegions } from "./image_uri.ts";
 * import assert from "node:assert/strict";
 * assert.ok(xgboostImageRegions().includes("us-east-1"));
 * ```
 */
export function xgboostImageRegions(): string[] {
  return Object.keys(REGISTRIES).sort();
}

/**
 * The XGBoost container image URI for a commercial region and framework version.
 * Throws {@linkcode ImageUriError} listing the valid values for an unknown region or version.
 *
 * @example Usage
 * ```ts
 * import { xgboostImageUri } from "./image_uri.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   xgboostImageUri("us-east-1"),
 *   "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
 * );
 * assert.equal(
 *   xgboostImageUri("eu-west-1", "1.5-1"),
 *   "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.5-1",
 * );
 * ```
 */
export function xgboostImageUri(region: string, version: string = DEFAULT_XGBOOST_VERSION): string {
  if (!(XGBOOST_FRAMEWORK_VERSIONS as readonly string[]).includes(version)) {
    throw new ImageUriError(
      `Cannot find the XGBoost image: framework version '${version}' is not supported; use one of ${
        XGBOOST_FRAMEWORK_VERSIONS.map((v) => `'${v}'`).join(", ")
      }`,
    );
  }
  const account = REGISTRIES[region];
  if (!account) {
    const partition = /^cn-/.test(region)
      ? " (a China region)"
      : /^us-gov-/.test(region)
      ? " (a GovCloud region)"
      : /^us-iso/.test(region)
      ? " (an ISO region)"
      : "";
    throw new ImageUriError(
      `Cannot find the XGBoost image: region '${region}'${partition} is not a commercial region in the table; use one of ${
        xgboostImageRegions().join(", ")
      }`,
    );
  }
  return `${account}.dkr.ecr.${region}.amazonaws.com/sagemaker-xgboost:${version}`;
}
