// Proves the shared input checks on their edges: names, counts, positive numbers, S3 names, and
// that each message is one line saying what a valid value looks like.
import assert from "node:assert/strict";
import { checkInstanceType } from "./check_instance_type.ts";
import {
  checkBucketName,
  checkCount,
  checkNamePrefix,
  checkPositive,
  checkSageMakerName,
  MAX_INSTANCES,
} from "./checks.ts";
import { InputError } from "./errors.ts";

Deno.test("SageMaker names: AWS's pattern, 1 to 63 characters", () => {
  for (const ok of ["a", "AllTraffic", "a-b--c", "x".repeat(63)]) checkSageMakerName(ok, "name");
  for (const bad of ["", "-a", "a-", "a_b", "a b", "x".repeat(64), "é"]) {
    assert.throws(() => checkSageMakerName(bad, "name"), InputError, bad);
  }
  checkNamePrefix("x".repeat(31));
  assert.throws(() => checkNamePrefix("x".repeat(32)), InputError);
});

Deno.test("counts are whole numbers within [min, MAX_INSTANCES]", () => {
  checkCount(1, "n");
  checkCount(MAX_INSTANCES, "n");
  for (const bad of [0, -1, 0.5, MAX_INSTANCES + 1, NaN, Infinity]) {
    assert.throws(() => checkCount(bad, "n"), /give a whole number of instances from 1 to 1000/);
  }
  checkPositive(1e-9, "x");
  for (const bad of [0, -1, NaN, Infinity]) {
    assert.throws(() => checkPositive(bad, "x"), InputError);
  }
});

Deno.test("instance types come from the SDK's enum, with a hint of the same family", () => {
  checkInstanceType("ml.c5.large");
  checkInstanceType("ml.g5.xlarge");
  assert.throws(() => checkInstanceType("ml.c5.huge"), /such as ml\.c5\./);
  assert.throws(() => checkInstanceType("ml.c5.large "), InputError);
});

Deno.test("bucket names follow S3's rules", () => {
  checkBucketName("abc");
  checkBucketName("a.b-c");
  for (const bad of ["ab", "ABC", "a_b", "a..b", ".ab", "ab-", "10.0.0.1"]) {
    assert.throws(() => checkBucketName(bad), /S3 bucket names/, bad);
  }
});
