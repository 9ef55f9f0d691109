// Proves that the prepare, recommend, evaluate and walkthrough validators refuse wrong input with
// one-line InputErrors and accept what the steps give each other.
import assert from "node:assert/strict";
import { InputError } from "./errors.ts";
import {
  validateEvaluate,
  validatePrepare,
  validateRecommend,
  validateWalkthrough,
} from "./validate.ts";

function refuses(fn: () => void, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.match(e.message, message);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
}

const RECOMMEND = {
  modelUrl: "s3://sagemaker-us-east-1-000000000000/r/model/model.tar.gz",
  payloadUrl: "s3://sagemaker-us-east-1-000000000000/r/payload/payload.tar.gz",
  containerImage: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
  instanceType: "ml.c5.large",
  frameworkVersion: "1.7-1",
};

Deno.test("validateRecommend accepts prepare's output and refuses what SageMaker would", () => {
  validateRecommend(RECOMMEND);
  refuses(
    () => validateRecommend({ ...RECOMMEND, frameworkVersion: "9.9-9" }),
    /use 1\.7-1 or 1\.5-1/,
  );
  refuses(
    () => validateRecommend({ ...RECOMMEND, frameworkVersion: "1.5-1" }),
    /image is version 1\.7-1/,
  );
  refuses(
    () => validateRecommend({ ...RECOMMEND, instanceType: "c5.large" }),
    /instance type "c5\.large"/,
  );
  refuses(
    () => validateRecommend({ ...RECOMMEND, payloadUrl: "s3://bucket-only" }),
    /s3:\/\/BUCKET\/KEY/,
  );
  refuses(() => validateRecommend({ ...RECOMMEND, contentType: "csv" }), /MIME type/);
  refuses(() => validateRecommend({ ...RECOMMEND, containerImage: "" }), /--container-image ""/);
});

Deno.test("validatePrepare refuses bad buckets, seeds and instance types", () => {
  validatePrepare({ bucket: "my.bucket-1", seed: 7, instanceType: "ml.m5.large" });
  for (const bucket of ["ab", "Upper", "a..b", "-a", "192.168.0.1", "a".repeat(64)]) {
    refuses(() => validatePrepare({ bucket }), /S3 bucket names are 3 to 63/);
  }
  refuses(() => validatePrepare({ seed: 1.5 }), /--seed 1\.5/);
  refuses(() => validatePrepare({ instanceType: "ml.nope" }), /instance type "ml\.nope"/);
});

const EVALUATE = {
  endpointName: "scaling-lab-ep",
  modelPackageArn: "arn:aws:sagemaker:us-east-1:000000000000:model-package/scaling-lab-models/1",
  spawnRate: 1,
  maxTps: 50,
};

Deno.test("validateEvaluate refuses what the Advanced job would, before it starts", () => {
  validateEvaluate(EVALUATE);
  refuses(() => validateEvaluate({ ...EVALUATE, variantName: "Nope!" }), /variant name "Nope!"/);
  refuses(() => validateEvaluate({ ...EVALUATE, spawnRate: 0 }), /--spawn-rate/);
  refuses(() => validateEvaluate({ ...EVALUATE, initialUsers: 0 }), /--initial-users 0/);
  refuses(() => validateEvaluate({ ...EVALUATE, durationSeconds: 3601 }), /120 to 3600/);
  refuses(() => validateEvaluate({ ...EVALUATE, modelPackageArn: "pkg" }), /give its ARN/);
  refuses(() => validateEvaluate({ ...EVALUATE, maxErrorRate: 2 }), /fraction from 0 to 1/);
});

Deno.test("validateWalkthrough refuses each option the steps would refuse later", () => {
  validateWalkthrough({});
  refuses(() => validateWalkthrough({ growthFactor: 0.9 }), /growth factor 0\.9/);
  refuses(
    () => validateWalkthrough({ upperPercent: 40, lowerPercent: 45 }),
    /0 < lower < upper <= 100/,
  );
  refuses(() => validateWalkthrough({ spawnRates: { slow: 1, fast: -3 } }), /fast spawn rate/);
  refuses(() => validateWalkthrough({ evaluationSeconds: 119 }), /120 to 3600/);
  refuses(() => validateWalkthrough({ minTps: -1 }), /--min-tps -1/);
});
