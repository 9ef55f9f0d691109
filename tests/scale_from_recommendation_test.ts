// Proves `scale --from` applies a saved GetScalingConfigurationRecommendation response: the
// script (on a local backend) registers the scalable target at its MinCapacity/MaxCapacity and puts
// its target-tracking policies with the cooldowns moved inside each policy and the CPU target
// summed over cores, as Application Auto Scaling then describes them.
import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { runTaskScript } from "./testdata/run_task_script.ts";
import assert from "node:assert/strict";
import { openCloud } from "../cloud/open.ts";

async function run(script: string, args: string[], cwd: string) {
  const out = await runTaskScript(script, { args, cwd });
  assert.equal(out.code, 0, `${script}: ${out.lines.join("\n")}`);
  return out.stdout;
}

const saved = {
  InferenceRecommendationsJobName: "rec",
  RecommendationId: "rec/1",
  EndpointName: "ir-rec",
  TargetCpuUtilizationPerCore: 50,
  Metric: { InvocationsPerInstance: 1500, ModelLatency: 12 },
  DynamicScalingConfiguration: {
    MinCapacity: 2,
    MaxCapacity: 5,
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
              Statistic: "Average",
            },
          },
          TargetValue: 100,
        },
      },
    ],
  },
};

Deno.test("scale --from a saved AWS scaling recommendation applies it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "scale-from-aws-" });
  try {
    const prepared = await run(
      "steps/prepare.ts",
      ["--local-dir", "local", "--work-dir", "work", "--json"],
      dir,
    );
    await Deno.writeTextFile(`${dir}/prepared.json`, prepared);
    await Deno.writeTextFile(`${dir}/aws.json`, JSON.stringify(saved));
    const scaled = JSON.parse(
      await run(
        "steps/scale.ts",
        ["--local-dir", "local", "--from", "prepared.json", "--from", "aws.json", "--json"],
        dir,
      ),
    );
    assert.equal(scaled.config.label, "AWS recommendation");
    assert.equal(scaled.config.minCapacity, 2);
    assert.equal(scaled.config.maxCapacity, 5);
    const cloud = await openCloud({ localDir: `${dir}/local` });
    try {
      const resourceId = `endpoint/${scaled.endpointName}/variant/${scaled.variantName}`;
      const targets = await cloud.autoscaling.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: "sagemaker",
          ResourceIds: [resourceId],
        }),
      );
      assert.equal(targets.ScalableTargets?.[0].MinCapacity, 2);
      assert.equal(targets.ScalableTargets?.[0].MaxCapacity, 5);
      const policies = await cloud.autoscaling.send(
        new DescribeScalingPoliciesCommand({
          ServiceNamespace: "sagemaker",
          ResourceId: resourceId,
        }),
      );
      const configs = (policies.ScalingPolicies ?? [])
        .map((p) => p.TargetTrackingScalingPolicyConfiguration!)
        .sort((a, b) => b.TargetValue! - a.TargetValue!);
      assert.equal(configs.length, 2);
      assert.equal(
        configs[0].PredefinedMetricSpecification?.PredefinedMetricType,
        "SageMakerVariantInvocationsPerInstance",
      );
      assert.equal(configs[0].TargetValue, 1500);
      assert.equal(configs[1].CustomizedMetricSpecification?.MetricName, "CPUUtilization");
      // 100 summed over ml.c5.large's 2 vCPUs: 50 % per vCPU in the ScalingConfig, 100 on the wire.
      assert.equal(configs[1].TargetValue, 100);
      for (const c of configs) {
        assert.equal(c.ScaleOutCooldown, 120);
        assert.equal(c.ScaleInCooldown, 300);
      }
    } finally {
      await cloud.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
