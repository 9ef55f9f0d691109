// Proves `--pattern endpoint:NAME[:DAYS]` replays an endpoint's CloudWatch Invocations history
// through the backend seam (GetMetricData, Sum per minute): on the local backend, after an
// Advanced job sent traffic to endpoint "ep", the replayed pattern's total and peak are the
// stored minutes' total and peak; an endpoint with no traffic is one line saying so.
import { startAdvancedRamp } from "../cloud/local/testdata/advanced_ramp.ts";
import assert from "node:assert/strict";
import { withLocalCloud } from "../cloud/local/testdata/local_cloud.ts";
import { createProfiledEndpoint } from "../cloud/local/testdata/profiled_endpoint.ts";
import type { CapacityProfile } from "../sim/profile.ts";
import { sweep } from "../steps/sweep.ts";
import { InputError } from "../steps/errors.ts";

const profile: CapacityProfile = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/capacity_profile.json", import.meta.url)),
);
const DIMS = [
  { Name: "EndpointName", Value: "ep" },
  { Name: "VariantName", Value: "AllTraffic" },
];
const candidates = [{
  config: {
    label: "fixed 2",
    instanceType: "ml.c5.large",
    minCapacity: 2,
    maxCapacity: 2,
  },
}];

Deno.test("sweep --pattern endpoint:ep replays the endpoint's Invocations per minute", async () => {
  await withLocalCloud(async (cloud) => {
    await createProfiledEndpoint(cloud, { profile, bucket: "models" });
    const open = () => Promise.resolve(cloud);
    await assert.rejects(
      () => sweep({ profile, patterns: ["endpoint:ep"], candidates, cloud: open }),
      (e: Error) => e instanceof InputError && /has no Invocations/.test(e.message),
    );
    await startAdvancedRamp(cloud, {
      jobName: "traffic",
      initialUsers: 1,
      spawnRate: 1,
      seconds: 600,
    });
    await cloud.clock.sleep(20 * 60_000);
    const now = cloud.clock.now().getTime();
    const stored = cloud.context.store.queryMetrics(
      "AWS/SageMaker",
      "Invocations",
      DIMS,
      now - 86_400_000,
      now,
    ).map((r) => r.sum);
    assert.ok(stored.length >= 10, `${stored}`);
    const report = await sweep({ profile, patterns: ["endpoint:ep:1"], candidates, cloud: open });
    const pattern = report.patterns[0];
    assert.equal(pattern.name, "endpoint:ep:1");
    assert.equal(pattern.minutes, 1440);
    assert.equal(pattern.totalInvocations, stored.reduce((a, b) => a + b, 0));
    assert.equal(pattern.peakPerMinute, Math.max(...stored));
  });
});
