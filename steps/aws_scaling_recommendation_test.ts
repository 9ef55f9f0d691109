/**
 * The converter from AWS's DynamicScalingConfiguration to a ScalingConfig: Predefined and
 * Customized metrics map to the metrics `scale` applies, cooldowns move into each policy, a CPU
 * target summed over cores becomes per vCPU, and the requests `scale` sends round-trip the values.
 */
import assert from "node:assert/strict";
import { InputError } from "./errors.ts";
import { scalingConfigFromAws } from "./aws_scaling_recommendation.ts";
import { scalingRequests } from "./scaling_requests.ts";

const dynamic = {
  MinCapacity: 2,
  MaxCapacity: 9,
  ScaleInCooldown: 300,
  ScaleOutCooldown: 120,
  ScalingPolicies: [
    {
      TargetTracking: {
        MetricSpecification: {
          Predefined: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
        },
        TargetValue: 1500,
      },
    },
    {
      TargetTracking: {
        MetricSpecification: {
          Customized: {
            MetricName: "CPUUtilization",
            Namespace: "/aws/sagemaker/Endpoints",
            Statistic: "Average" as const,
          },
        },
        TargetValue: 200,
      },
    },
  ],
};

Deno.test("scalingConfigFromAws maps metrics, moves cooldowns into policies, reads CPU per vCPU", () => {
  const config = scalingConfigFromAws(dynamic, { instanceType: "ml.c5.xlarge" });
  assert.equal(config.minCapacity, 2);
  assert.equal(config.maxCapacity, 9);
  assert.equal(config.label, "AWS recommendation");
  assert.deepEqual(config.targetTracking, [
    { metric: "invocations", target: 1500, scaleOutCooldown: 120, scaleInCooldown: 300 },
    // 200 summed over the 4 vCPUs of ml.c5.xlarge = 50 % per vCPU.
    { metric: "cpu", target: 50, scaleOutCooldown: 120, scaleInCooldown: 300 },
  ]);
  // What scale sends: PredefinedMetricSpecification / CustomizedMetricSpecification, cooldowns inside.
  const requests = scalingRequests({ endpointName: "ep", variantName: "AllTraffic" }, config);
  assert.equal(requests.target.MinCapacity, 2);
  assert.equal(requests.target.MaxCapacity, 9);
  const [inv, cpu] = requests.targetTracking.map((p) =>
    p.TargetTrackingScalingPolicyConfiguration!
  );
  assert.equal(
    inv.PredefinedMetricSpecification?.PredefinedMetricType,
    "SageMakerVariantInvocationsPerInstance",
  );
  assert.equal(inv.TargetValue, 1500);
  assert.equal(inv.ScaleOutCooldown, 120);
  assert.equal(cpu.CustomizedMetricSpecification?.MetricName, "CPUUtilization");
  assert.equal(cpu.TargetValue, 200, "back to the summed value AWS recommended");
});

Deno.test("scalingConfigFromAws refuses what scale cannot apply, in one line", () => {
  const bad: [string, unknown, RegExp][] = [
    ["no policies", { ...dynamic, ScalingPolicies: [] }, /no scaling policies/],
    ["min above max", { ...dynamic, MinCapacity: 5, MaxCapacity: 3 }, /MinCapacity \(5\)/],
    ["unknown predefined", {
      ...dynamic,
      ScalingPolicies: [{
        TargetTracking: {
          MetricSpecification: { Predefined: { PredefinedMetricType: "Other" } },
          TargetValue: 1,
        },
      }],
    }, /predefined metric Other/],
    ["zero target", {
      ...dynamic,
      ScalingPolicies: [{
        TargetTracking: { ...dynamic.ScalingPolicies[0].TargetTracking, TargetValue: 0 },
      }],
    }, /TargetValue must be above 0/],
  ];
  for (const [what, input, message] of bad) {
    assert.throws(
      () => scalingConfigFromAws(input as never, { instanceType: "ml.c5.large" }),
      (e: Error) => e instanceof InputError && message.test(e.message) && !e.message.includes("\n"),
      what,
    );
  }
});
