// Proves the sweep and the local backend are the same model (issue 14.3): for each kind of
// candidate — target tracking on InvocationsPerInstance, on CPU, on the high-resolution
// concurrency metric, a step policy with its 2-of-2 alarm, target tracking with a scheduled
// action — the per-minute capacity of the sweep's fast core equals what a local Advanced job
// does on an endpoint with the same profile, the same configuration (applied with the requests
// `scale` sends) and the same ramp, followed by 30 idle minutes of scale-in. The local backend
// is driven only through the public commands and the simulated clock; the sweep runs with the
// backend's own settings read from its context, so the two follow them if they change.
import {
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { startAdvancedRamp } from "../cloud/local/testdata/advanced_ramp.ts";
import assert from "node:assert/strict";
import { withLocalCloud } from "../cloud/local/testdata/local_cloud.ts";
import { createProfiledEndpoint } from "../cloud/local/testdata/profiled_endpoint.ts";
import { type EndpointRecord, instancesLaunched, KIND } from "../cloud/local/sagemaker/records.ts";
import type { LocalSettings } from "../cloud/local/kernel/settings.ts";
import { profileCurve } from "../sim/fleet/mod.ts";
import type { CapacityProfile } from "../sim/profile.ts";
import { rampPattern } from "../sim/sweep/patterns.ts";
import { patternTables } from "../sim/sweep/sweep.ts";
import { runCandidate } from "../sim/sweep/run.ts";
import { scalingRequests } from "../steps/scaling_requests.ts";
import type { ScalingConfig } from "../steps/scaling_requests.ts";

const profile: CapacityProfile = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/capacity_profile.json", import.meta.url)),
);
const VARIANT = { endpointName: "ep", variantName: "AllTraffic" };
const SPAWN = 3;
const MINUTES = 30;
const AFTER = 30; // minutes watched after the ramp: the scale-in

/** Per-minute capacity of a local Advanced job ramp on an endpoint scaled by `config`. */
async function localCapacity(
  config: ScalingConfig,
): Promise<{ start: number; capacity: number[] }> {
  let result: { start: number; capacity: number[] } | undefined;
  await withLocalCloud(async (cloud) => {
    await createProfiledEndpoint(cloud, { profile, bucket: "models" });
    const requests = scalingRequests(VARIANT, config);
    const key = {
      ServiceNamespace: requests.target.ServiceNamespace,
      ResourceId: requests.target.ResourceId,
      ScalableDimension: requests.target.ScalableDimension,
    };
    await cloud.autoscaling.send(new RegisterScalableTargetCommand(requests.target));
    for (const policy of requests.targetTracking) {
      await cloud.autoscaling.send(new PutScalingPolicyCommand({ ...key, ...policy }));
    }
    for (const { policy, alarm } of requests.stepScaling) {
      const out = await cloud.autoscaling.send(new PutScalingPolicyCommand({ ...key, ...policy }));
      await cloud.cloudwatch.send(
        new PutMetricAlarmCommand({ ...alarm, AlarmActions: [out.PolicyARN!] }),
      );
    }
    for (const action of requests.scheduledActions) {
      await cloud.autoscaling.send(new PutScheduledActionCommand({ ...key, ...action }));
    }
    await startAdvancedRamp(cloud, {
      jobName: "eval",
      initialUsers: 1,
      spawnRate: SPAWN,
      seconds: MINUTES * 60,
    });
    // The load starts at the first whole minute after the job is created.
    const start = Math.ceil(cloud.clock.now().getTime() / 60_000) * 60_000;
    await cloud.clock.sleep(start + (MINUTES + AFTER) * 60_000 - cloud.clock.now().getTime());
    const variant = cloud.context.store.getDoc<EndpointRecord>(KIND.endpoint, "ep")!
      .ProductionVariants[0];
    result = {
      start,
      capacity: Array.from(
        { length: MINUTES + AFTER },
        (_, m) => instancesLaunched(variant, start + (m + 1) * 60_000),
      ),
    };
    settingsSeen = cloud.context.settings;
  });
  return result!;
}

let settingsSeen: LocalSettings | undefined;

/** The same per minute from the sweep's fast core, with the backend's settings. */
function sweptCapacity(config: ScalingConfig, start: number): number[] {
  const s = settingsSeen!;
  const pattern = rampPattern(profileCurve(profile), { spawnRate: SPAWN, minutes: MINUTES, start });
  const run = runCandidate(
    patternTables(profile, { pattern, sloMs: 1000, highResolution: true }),
    config,
    {
      vCpus: profile.vCpus,
      pricePerHour: 0.102,
      instanceStartSeconds: s.instanceStartSeconds,
      instanceDrainSeconds: s.instanceDrainSeconds,
      metricDelaySeconds: s.metricDelaySeconds,
      highResolutionDelaySeconds: s.highResolutionMetricDelaySeconds,
      evaluationRangeExtraPeriods: s.alarmEvaluationRangeExtraPeriods,
      alarmActionRepeatSeconds: s.alarmActionRepeatSeconds,
      alarmShapes: s,
      tailMinutes: AFTER,
      timeline: true,
    },
  );
  const swept = run.minutes!.map((m) => m.capacity);
  // The sweep stops once the capacity is back at its minimum; it stays there.
  while (swept.length < MINUTES + AFTER) swept.push(swept.at(-1)!);
  return swept;
}

const base = { instanceType: "ml.c5.large", minCapacity: 1, maxCapacity: 10 };
const CASES: { config: ScalingConfig; scalesIn: boolean }[] = [
  {
    config: {
      ...base,
      label: "tt invocations",
      targetTracking: [{ metric: "invocations", target: 1500 }],
    },
    scalesIn: true,
  },
  {
    config: { ...base, label: "tt cpu", targetTracking: [{ metric: "cpu", target: 40 }] },
    scalesIn: true,
  },
  {
    config: {
      ...base,
      label: "tt concurrency (high resolution)",
      targetTracking: [{ metric: "concurrency", target: 2 }],
    },
    scalesIn: true,
  },
  {
    config: {
      ...base,
      label: "step 2 of 2",
      stepScaling: [{
        label: "step",
        threshold: 1500,
        evaluationPeriods: 2,
        cooldown: 120,
        steps: [{ lower: 0, upper: 1500, adjustment: 1 }, { lower: 1500, adjustment: 2 }],
      }],
    },
    scalesIn: false,
  },
];

for (const { config, scalesIn } of CASES) {
  Deno.test(`sweep vs local Advanced job: the same per-minute capacity (${config.label})`, async () => {
    const local = await localCapacity(config);
    const swept = sweptCapacity(config, local.start);
    assert.ok(Math.max(...local.capacity) >= 3, `the case must scale out: ${local.capacity}`);
    if (scalesIn) {
      assert.ok(
        local.capacity.at(-1)! < Math.max(...local.capacity),
        `it scales back in: ${local.capacity}`,
      );
    }
    assert.deepEqual(swept, local.capacity);
  });
}

Deno.test("sweep vs local Advanced job: the same per-minute capacity with a scheduled action", async () => {
  // The action fires at the ramp's minute 10 and raises MinCapacity to 4.
  const probe = await localCapacity({
    ...base,
    label: "probe",
    targetTracking: [{ metric: "invocations", target: 1500 }],
  });
  const at = new Date(probe.start + 10 * 60_000).toISOString().slice(0, 19);
  const config: ScalingConfig = {
    ...base,
    label: "tt + schedule",
    targetTracking: [{ metric: "invocations", target: 1500 }],
    scheduledActions: [{ name: "raise", schedule: `at(${at})`, minCapacity: 4 }],
  };
  const local = await localCapacity(config);
  assert.equal(local.start, probe.start, "both local runs start at the same minute");
  const swept = sweptCapacity(config, local.start);
  assert.ok(local.capacity.slice(10).every((c) => c >= 4), `the action holds 4: ${local.capacity}`);
  assert.deepEqual(swept, local.capacity);
});
