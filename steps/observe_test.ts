// Proves the observe step on the local backend: it advances the simulated clock by exactly the
// window, samples capacity (desired and InService, within the MinCapacity–MaxCapacity band) and
// the policies' alarm states each minute, lists the window's scaling activities, and prices the
// window from the instance type's price; the script prints its result with --json and refuses
// bad input in one line with exit 2.
import assert from "node:assert/strict";
import { UpdateEndpointWeightsAndCapacitiesCommand } from "@aws-sdk/client-sagemaker";
import { DescribeScalingPoliciesCommand } from "@aws-sdk/client-application-auto-scaling";
import { openLocalCloud } from "../cloud/local/mod.ts";
import { FIXTURE_PROFILE } from "../cloud/local/testdata/recommender_fixture.ts";
import { createProfiledEndpoint } from "../cloud/local/testdata/profiled_endpoint.ts";
import { instanceTypeInfo } from "../cloud/instance_types.ts";
import { denoChildEnv } from "../machine/children.ts";
import { setProgressMode } from "../progress/mod.ts";
import { observe, renderObserve } from "./observe.ts";
import { putTargetTracking, registerScalableTarget, scalableTargetKey } from "./policies.ts";
import { observeCharts } from "./charts_out.ts";

const target = { endpointName: "ep", variantName: "AllTraffic" };

async function withScaledEndpoint(
  fn: (cloud: ReturnType<typeof openLocalCloud>, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "observe-" });
  const cloud = openLocalCloud({ localDir: dir });
  setProgressMode("quiet");
  try {
    await createProfiledEndpoint(cloud, { profile: FIXTURE_PROFILE, bucket: "observe-models" });
    const manifest: never[] = [];
    await registerScalableTarget(cloud, target, { minCapacity: 1, maxCapacity: 4, manifest });
    await putTargetTracking(cloud, target, {
      spec: { metric: "invocations", target: 5000 },
      instanceType: "ml.c5.large",
      manifest,
    });
    await fn(cloud, dir);
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("observe() watches capacity, alarms and cost over a window of the simulated clock", async () => {
  await withScaledEndpoint(async (cloud) => {
    await cloud.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: "ep",
        DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredInstanceCount: 3 }],
      }),
    );
    const before = cloud.clock.now().getTime();
    const r = await observe(cloud, { endpointName: "ep", minutes: 10 });
    assert.equal(
      cloud.clock.now().getTime() - before,
      10 * 60_000,
      "the clock moved by the window",
    );
    assert.equal(Date.parse(r.end) - Date.parse(r.start), 10 * 60_000);
    assert.equal(r.series.length, 10);
    assert.deepEqual([r.minCapacity, r.maxCapacity, r.instanceType], [1, 4, "ml.c5.large"]);
    assert.equal(r.series[0].instancesInService, 1, "the new instances are still provisioning");
    assert.equal(r.series.at(-1)!.instancesInService, 3);
    assert.ok(r.series.every((p) => p.desiredInstances === 3));
    for (let i = 1; i < r.series.length; i++) {
      assert.ok(r.series[i].instancesInService >= r.series[i - 1].instancesInService);
    }
    const instanceMinutes = r.series.reduce((n, p) => n + p.instancesInService, 0);
    assert.equal(r.instanceMinutes, instanceMinutes);
    const price = instanceTypeInfo("ml.c5.large")!.pricePerHour!;
    assert.equal(r.pricePerHour, price);
    assert.equal(r.costDollars, Math.round(instanceMinutes * price / 60 * 10_000) / 10_000);
    const policies = await cloud.autoscaling.send(
      new DescribeScalingPoliciesCommand(scalableTargetKey("endpoint/ep/variant/AllTraffic")),
    );
    const alarmNames = policies.ScalingPolicies!.flatMap((p) => p.Alarms!.map((a) => a.AlarmName))
      .sort();
    assert.equal(alarmNames.length, 2, "target tracking's AlarmHigh and AlarmLow");
    assert.deepEqual(r.alarms.map((a) => a.name), alarmNames);
    for (const alarm of r.alarms) {
      assert.deepEqual(alarm.states.map((s) => s.time), r.series.map((p) => p.time));
      for (const s of alarm.states) assert.match(s.state, /^(OK|ALARM|INSUFFICIENT_DATA)$/);
    }
    assert.ok(r.activities.every((a) => Date.parse(a.time) >= Date.parse(r.series[0].time)));
    const text = renderObserve(r);
    assert.match(text, /MinCapacity 1, MaxCapacity 4/);
    assert.match(text, /10 min: InService 1 → 3/);
    assert.match(text, new RegExp(`\\$${r.costDollars!.toFixed(2)}`));
    const [chart] = observeCharts([r]);
    assert.equal(chart.file, "observe-ep.svg");
  });
});

Deno.test("observe() refuses a window out of range and an endpoint that does not exist", async () => {
  await withScaledEndpoint(async (cloud) => {
    await assert.rejects(observe(cloud, { endpointName: "ep", minutes: 0 }), {
      name: "InputError",
      message: /Cannot observe for 0 minutes: give --minutes a whole number from 1 to 1440/,
    });
    await assert.rejects(observe(cloud, { endpointName: "ep", minutes: 2.5 }), {
      name: "InputError",
    });
    await assert.rejects(observe(cloud, { endpointName: "nope", minutes: 2 }), {
      name: "InputError",
      message: /Cannot find endpoint "nope"/,
    });
  });
});

Deno.test("deno task observe prints its result with --json, and one line for a mistake", async () => {
  await withScaledEndpoint(async (cloud, dir) => {
    await cloud.close(); // the script opens the same store
    const run = async (args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          "--allow-write",
          "--allow-env",
          "--allow-net",
          "--allow-sys",
          new URL("./observe.ts", import.meta.url).pathname,
          "--local-dir",
          dir,
          ...args,
        ],
        stdout: "piped",
        stderr: "piped",
        env: denoChildEnv({ NO_COLOR: "1" }),
      }).output();
      return {
        code: out.code,
        stdout: new TextDecoder().decode(out.stdout),
        stderr: new TextDecoder().decode(out.stderr),
      };
    };
    const ok = await run(["--endpoint", "ep", "--minutes", "3", "--json"]);
    assert.equal(ok.code, 0, ok.stderr);
    const result = JSON.parse(ok.stdout);
    assert.equal(result.endpointName, "ep");
    assert.equal(result.series.length, 3);
    assert.equal(result.minCapacity, 1);
    const bad = await run(["--endpoint", "ep", "--minutes", "0"]);
    assert.equal(bad.code, 2);
    // One line from the script (the runtime's own deprecation notices aside).
    const lines = bad.stderr.trim().split("\n").filter((l) => !l.startsWith("(node:"));
    assert.deepEqual(lines, [
      "observe: Cannot observe for 0 minutes: give --minutes a whole number from 1 to 1440",
    ]);
  });
});
