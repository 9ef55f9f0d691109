import assert from "node:assert/strict";
import {
  DEFAULT_XGBOOST_VERSION,
  ImageUriError,
  XGBOOST_FRAMEWORK_VERSIONS,
  xgboostImageRegions,
  xgboostImageUri,
} from "./image_uri.ts";

Deno.test("image URIs follow the SDK's format for every region and version", () => {
  const regions = xgboostImageRegions();
  assert.equal(regions.length, 29);
  for (const version of XGBOOST_FRAMEWORK_VERSIONS) {
    for (const region of regions) {
      assert.match(
        xgboostImageUri(region, version),
        new RegExp(
          `^\\d{12}\\.dkr\\.ecr\\.${region}\\.amazonaws\\.com/sagemaker-xgboost:${version}$`,
        ),
      );
    }
  }
});

Deno.test("known registry accounts from the SDK's xgboost.json", () => {
  // Spot checks against src/sagemaker/image_uri_config/xgboost.json (commit 02ed3cbf).
  assert.equal(
    xgboostImageUri("us-east-1"),
    "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
  );
  assert.equal(
    xgboostImageUri("us-west-2", "1.5-1"),
    "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.5-1",
  );
  assert.equal(
    xgboostImageUri("ap-northeast-1"),
    "354813040037.dkr.ecr.ap-northeast-1.amazonaws.com/sagemaker-xgboost:1.7-1",
  );
  assert.equal(
    xgboostImageUri("eu-central-1"),
    "492215442770.dkr.ecr.eu-central-1.amazonaws.com/sagemaker-xgboost:1.7-1",
  );
  assert.equal(DEFAULT_XGBOOST_VERSION, "1.7-1");
});

Deno.test("unknown regions and versions are clear errors listing what is valid", () => {
  assert.throws(
    () => xgboostImageUri("us-east-1", "1.3-1"),
    (e: Error) =>
      e instanceof ImageUriError &&
      e.message ===
        "Cannot find the XGBoost image: framework version '1.3-1' is not supported; use one of '1.7-1', '1.5-1'",
  );
  assert.throws(
    () => xgboostImageUri("mars-north-1"),
    /region 'mars-north-1' is not a commercial region in the table; use one of af-south-1, .*us-west-2$/,
  );
  assert.throws(() => xgboostImageUri("cn-north-1"), /'cn-north-1' \(a China region\)/);
  assert.throws(() => xgboostImageUri("us-gov-west-1"), /\(a GovCloud region\)/);
  assert.throws(() => xgboostImageUri("US-EAST-1"), ImageUriError);
});
