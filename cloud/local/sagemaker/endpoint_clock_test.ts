/**
 * Proves that an InService endpoint is simulated whenever the clock moves, with no job: idle
 * minutes publish zero-valued invocation metrics and idle utilization by default, nothing for
 * invocations with the older reading (`idleInvocationMetrics: "none"`), direct invocations count
 * into their minute, and a deleted endpoint stops publishing.
 */
import { DeleteEndpointCommand } from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { deployEndpoint, withRecommender } from "../testdata/recommender_fixture.ts";
import { recordInvocations } from "./endpoint_traffic.ts";

const DIMS = [
  { Name: "EndpointName", Value: "ep" },
  { Name: "VariantName", Value: "AllTraffic" },
];
const HOUR = 3_600_000;

function sums(
  f: Parameters<Parameters<typeof withRecommender>[0]>[0],
  metric: string,
  namespace = "AWS/SageMaker",
): number[] {
  return f.ctx.store.queryMetrics(namespace, metric, DIMS, 0, Number.MAX_SAFE_INTEGER)
    .map((r) => r.sum / r.sampleCount);
}

Deno.test("endpoint clock: an idle endpoint publishes zero invocations and idle utilization every minute", async () => {
  await withRecommender(async (f) => {
    await deployEndpoint(f, { count: 2 });
    const before = sums(f, "Invocations").length;
    await f.clock.sleep(10 * 60_000);
    const invocations = sums(f, "Invocations");
    assert.equal(invocations.length - before, 10);
    assert.ok(invocations.every((v) => v === 0));
    assert.ok(sums(f, "InvocationsPerInstance").every((v) => v === 0));
    assert.equal(sums(f, "ModelLatency").length, 0); // no request, no latency
    // CPU at no load: the profile's idle value, one datapoint per instance.
    const cpu = f.ctx.store.queryMetrics(
      "/aws/sagemaker/Endpoints",
      "CPUUtilization",
      DIMS,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    assert.ok(cpu.length >= 10);
    assert.ok(cpu.every((r) => r.sampleCount === 2 && r.sum / r.sampleCount < 50));
  });
});

Deno.test("endpoint clock: with the older reading an idle endpoint publishes no invocation metrics", async () => {
  await withRecommender(async (f) => {
    await deployEndpoint(f, { count: 1 });
    await f.clock.sleep(10 * 60_000);
    assert.deepEqual(sums(f, "Invocations"), []);
    assert.deepEqual(sums(f, "InvocationsPerInstance"), []);
    assert.ok(sums(f, "CPUUtilization", "/aws/sagemaker/Endpoints").length >= 10);
  }, { idleInvocationMetrics: "none" });
});

Deno.test("endpoint clock: direct invocations count into their minute, divided by the instances", async () => {
  await withRecommender(async (f) => {
    await deployEndpoint(f, { count: 2 });
    const now = f.clock.now().getTime();
    const minute = Math.ceil(now / 60_000) * 60_000;
    await f.clock.sleep(minute - now + 5_000);
    recordInvocations(f.ctx, {
      endpointName: "ep",
      variantName: "AllTraffic",
      at: f.clock.now(),
      count: 30,
      errors: 2,
      latencyMs: 12,
    });
    await f.clock.sleep(60_000);
    const at = (metric: string) =>
      f.ctx.store.queryMetrics("AWS/SageMaker", metric, DIMS, minute, minute + 60_000)[0];
    assert.equal(at("Invocations").sum, 30);
    assert.equal(at("InvocationsPerInstance").sum, 15);
    assert.equal(at("Invocation4XXErrors").sum, 2);
    const latency = at("ModelLatency");
    assert.equal(latency.sampleCount, 28);
    assert.equal(latency.sum / latency.sampleCount, 12_000); // microseconds
  });
});

Deno.test("endpoint clock: a deleted endpoint stops publishing", async () => {
  await withRecommender(async (f) => {
    await deployEndpoint(f, { count: 1 });
    await f.clock.sleep(5 * 60_000);
    await f.sm.send(new DeleteEndpointCommand({ EndpointName: "ep" }));
    const count = sums(f, "Invocations").length;
    await f.clock.sleep(HOUR);
    assert.ok(sums(f, "Invocations").length <= count + 1);
    assert.equal(f.ctx.store.listEvents("sagemaker-endpoint-tick").length, 0);
  });
});
