// Benchmark (not a test): one simulated hour of the local CloudWatch alarms and Application
// Auto Scaling acting on a rising InvocationsPerInstance, with target tracking on the standard
// metric (alarms every 60 s), then also on the high-resolution concurrency metric (alarms every
// 10 s). Metric rows are laid down first; the time measured is the clock advance alone: alarm
// evaluations, policy invocations, scaling activities and SageMaker updates.
// Run: deno task bench:alarms — the last line states the numbers (min and median of 10 runs).
import { type MetricType, PutScalingPolicyCommand } from "@aws-sdk/client-application-auto-scaling";
import { openScalingHarness, TARGET } from "../cloud/local/testdata/scaling_harness.ts";
import { holdBenchMachine } from "./_machine.ts";

async function run(highResolution: boolean): Promise<number> {
  const h = await openScalingHarness({ instances: 1, register: { min: 1, max: 10 } });
  try {
    const policies: [string, MetricType, number][] = [[
      "invocations",
      "SageMakerVariantInvocationsPerInstance",
      70,
    ]];
    if (highResolution) {
      policies.push(["concurrency", "SageMakerVariantConcurrentRequestsPerModelHighResolution", 4]);
    }
    for (const [name, type, target] of policies) {
      await h.autoscaling.send(
        new PutScalingPolicyCommand({
          ...TARGET,
          PolicyName: name,
          PolicyType: "TargetTrackingScaling",
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: target,
            PredefinedMetricSpecification: { PredefinedMetricType: type },
          },
        }),
      );
    }
    for (let m = 0; m < 60; m++) {
      h.putMetric("InvocationsPerInstance", m * 60, 40 + m * 3);
      for (let s = 0; s < 60; s += 10) {
        h.putMetric("ConcurrentRequestsPerModel", m * 60 + s, 2 + m * 0.1, 10);
      }
    }
    const t0 = performance.now();
    await h.sleepTo(3600);
    return performance.now() - t0;
  } finally {
    await h.close();
  }
}

const machine = await holdBenchMachine("bench:alarms", Deno.args);
const results: string[] = [];
for (const highResolution of [false, true]) {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) times.push(await run(highResolution));
  times.sort((a, b) => a - b);
  const label = highResolution
    ? "standard + high-resolution target tracking"
    : "standard target tracking";
  results.push(`${label}: min ${times[0].toFixed(1)} ms, median ${times[5].toFixed(1)} ms`);
}
console.log(machine.line());
console.log(`one simulated hour of alarms + auto scaling — ${results.join("; ")}`);
