// Proves that validateScale refuses each kind of wrong scale input with an InputError that names
// the value and what a valid one looks like, and accepts the walkthrough's own policy sets.
import assert from "node:assert/strict";
import { InputError } from "./errors.ts";
import { originalStepScaling } from "./policies.ts";
import {
  parseScheduleFlag,
  type ScaleInput,
  validateClear,
  validateScale,
} from "./validate_scale.ts";

const OK: ScaleInput = {
  modelUrl: "s3://sagemaker-us-east-1-000000000000/run/model/model.tar.gz",
  containerImage: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
  instanceType: "ml.c5.large",
  minCapacity: 2,
  maxCapacity: 11,
  policies: {
    targetTracking: [{ metric: "invocations", target: 3300 }, { metric: "cpu", target: 50 }],
    stepScaling: [originalStepScaling(3300)],
    scheduledActions: [{
      name: "morning",
      schedule: "cron(0 8 * * ? *)",
      minCapacity: 4,
      timezone: "Europe/Paris",
    }],
  },
};

Deno.test("validateScale accepts the walkthrough's policy sets", () => {
  validateScale(OK);
  validateScale({
    ...OK,
    endpointName: "scaling-lab-ep",
    modelUrl: undefined,
    containerImage: undefined,
  });
});

const BAD: [string, Partial<ScaleInput>, RegExp][] = [
  [
    "no model to create the endpoint from",
    { modelUrl: undefined },
    /give the model URL and container image/,
  ],
  ["a model URL that is not S3", { modelUrl: "https://x/y" }, /give an S3 URL/],
  ["an endpoint name with an underscore", { endpointName: "a_b" }, /endpoint name "a_b"/],
  ["a variant name with a space", { variantName: "All Traffic" }, /variant name "All Traffic"/],
  ["a name prefix with a dot", { namePrefix: "lab.1" }, /name prefix "lab.1"/],
  [
    "an unknown instance type",
    { instanceType: "ml.c5.huge" },
    /instance type "ml.c5.huge": .*ml\.c5\.large/,
  ],
  ["MinCapacity 0", { minCapacity: 0 }, /MinCapacity\) 0/],
  ["MaxCapacity above the limit", { maxCapacity: 5000 }, /MaxCapacity\) 5000: .*from 1 to 1000/],
  [
    "MinCapacity above MaxCapacity",
    { minCapacity: 5, maxCapacity: 4 },
    /MinCapacity \(5\) is above MaxCapacity \(4\)/,
  ],
  [
    "a NaN target",
    { policies: { targetTracking: [{ metric: "invocations", target: NaN }] } },
    /--target-invocations NaN/,
  ],
  [
    "a CPU target over 100 %",
    { policies: { targetTracking: [{ metric: "cpu", target: 101 }] } },
    /at most 100/,
  ],
  [
    "a CPU target on a type of unknown vCPUs",
    { instanceType: "ml.g5.xlarge" },
    /CPU target on ml\.g5\.xlarge/,
  ],
  [
    "a step threshold of 0",
    { policies: { stepScaling: [originalStepScaling(0)] } },
    /--step-threshold .* 0/,
  ],
  [
    "step bounds with a gap",
    {
      policies: {
        stepScaling: [{
          label: "s",
          threshold: 10,
          steps: [{ lower: 0, upper: 1, adjustment: 1 }, { lower: 2, adjustment: 2 }],
        }],
      },
    },
    /gap/,
  ],
  [
    "a fractional step adjustment",
    {
      policies: {
        stepScaling: [{ label: "s", threshold: 10, steps: [{ lower: 0, adjustment: 1.5 }] }],
      },
    },
    /ScalingAdjustment must be a whole number/,
  ],
  ["a bad cron", {
    policies: { scheduledActions: [{ name: "m", schedule: "cron(0 8 * * *)", minCapacity: 2 }] },
  }, /cron\(\) takes 6 fields/],
  ["an unknown time zone", {
    policies: {
      scheduledActions: [{
        name: "m",
        schedule: "rate(1 hour)",
        minCapacity: 2,
        timezone: "Mars/Olympus",
      }],
    },
  }, /Invalid time zone "Mars\/Olympus"/],
  ["a scheduled MIN above MAX", {
    policies: {
      scheduledActions: [{ name: "m", schedule: "rate(1 hour)", minCapacity: 3, maxCapacity: 2 }],
    },
  }, /MIN \(3\) is above its MAX \(2\)/],
  ["a scheduled action name with a colon", {
    policies: { scheduledActions: [{ name: "a:b", schedule: "rate(1 hour)", minCapacity: 2 }] },
  }, /scheduled action name "a:b"/],
];

for (const [what, change, message] of BAD) {
  Deno.test(`validateScale refuses ${what}`, () => {
    assert.throws(() => validateScale({ ...OK, ...change }), (e: unknown) => {
      assert.ok(e instanceof InputError, String(e));
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  });
}

Deno.test("validateClear takes 1 to 1000 whole instances", () => {
  validateClear(1);
  validateClear(1000);
  for (const n of [0, -1, 1.5, 1001, 100000, NaN]) {
    assert.throws(() => validateClear(n), InputError);
  }
});

Deno.test("parseScheduleFlag reads NAME|SCHEDULE|MIN|MAX[|TIMEZONE] and refuses other shapes", () => {
  assert.deepEqual(parseScheduleFlag("n|rate(1 hour)||4"), {
    name: "n",
    schedule: "rate(1 hour)",
    minCapacity: undefined,
    maxCapacity: 4,
  });
  assert.throws(() => parseScheduleFlag("only-a-name"), /give "NAME\|SCHEDULE\|MIN\|MAX"/);
  assert.throws(() => parseScheduleFlag("n|rate(1 hour)|1|2|UTC|extra"), InputError);
  assert.throws(() => parseScheduleFlag("n|rate(1 hour)|0x2|4"), /"0x2" is not a whole number/);
});
