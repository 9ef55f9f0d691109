// Proves profileOfRecommendation: on the local backend, a Default job on a type with a given
// profile (`original`) writes its benchmark variant's per-minute series, and the profile built
// back from them (the recommend result without its `profile`) saturates within 1 % of the given
// one, one level per minute, in increasing concurrency, measured on the job; a result without a
// benchmark endpoint, a window or a known instance type is refused before any call, and a window
// with no data (or older than CloudWatch's 15 days of 1-minute data) says so in one line.
import assert from "node:assert/strict";
import { join } from "node:path";
import { openLocalCloud } from "../cloud/local/mod.ts";
import type { Cloud } from "../cloud/types.ts";
import { ORIGINAL_PROFILE } from "../sim/profiles/original.ts";
import { setProgressMode } from "../progress/mod.ts";
import { InputError } from "./errors.ts";
import { profileOfRecommendation, type RecommendationWindow } from "./job_profile.ts";
import { prepare } from "./prepare.ts";
import { recommend } from "./recommend.ts";

const maxThroughput = (levels: readonly { throughput: number }[]) =>
  Math.max(...levels.map((l) => l.throughput));

Deno.test("profileOfRecommendation: the local Default job's metrics give back its profile", async () => {
  setProgressMode("quiet");
  const dir = await Deno.makeTempDir({ prefix: "job-profile-" });
  const cloud = openLocalCloud({ localDir: dir, local: { profile: ORIGINAL_PROFILE } });
  try {
    const roleArn = cloud.defaultRoleArn!;
    const prepared = await prepare(cloud, { roleArn, workDir: join(dir, "work") });
    const { profile: given, ...rest } = await recommend(cloud, {
      ...prepared,
      roleArn,
      pollIntervalMs: 60_000,
    });
    assert.ok(given !== undefined);
    const built = await profileOfRecommendation(cloud, rest);
    assert.equal(built.instanceType, "ml.c5.large");
    assert.equal(built.vCpus, 2);
    assert.equal(built.levels.length, ORIGINAL_PROFILE.levels.length);
    const want = maxThroughput(ORIGINAL_PROFILE.levels);
    const got = maxThroughput(built.levels);
    assert.ok(Math.abs(got - want) / want < 0.01, `saturated ${got} vs given ${want}`);
    for (let i = 1; i < built.levels.length; i++) {
      assert.ok(built.levels[i].concurrency > built.levels[i - 1].concurrency, `level ${i}`);
    }
    // Little's law on each minute gives back the users the given profile ran.
    assert.deepEqual(
      built.levels.map((l) => Math.round(l.concurrency)),
      ORIGINAL_PROFILE.levels.map((l) => l.concurrency),
    );
    assert.ok(built.levels.every((l) => l.memoryPercent === 9 && l.cpuPercent > 0));
    assert.match(built.measuredOn, new RegExp(`Default job ${rest.jobName}`));
    assert.match(built.measuredOn, new RegExp(`endpoint ${rest.benchmarkEndpointName}`));
    // A window a day before the job's has no data: one line that says so.
    const dayBefore = (iso: string) => new Date(Date.parse(iso) - 86_400_000).toISOString();
    await assert.rejects(
      () =>
        profileOfRecommendation(cloud, {
          ...rest,
          invocationStartTime: dayBefore(rest.invocationStartTime),
          invocationEndTime: dayBefore(rest.invocationEndTime),
        }),
      (e: Error) =>
        e instanceof InputError && !e.message.includes("\n") &&
        /^Cannot build a capacity profile from Default job .+: CloudWatch has no per-minute Invocations, ModelLatency and CPUUtilization for endpoint .+; pass --capacity-profile FILE$/
          .test(e.message) &&
        !/15 days/.test(e.message),
    );
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** A backend whose CloudWatch answers nothing and counts the calls. */
function emptyCloud(now: string): Cloud & { calls: number } {
  const cloud = {
    calls: 0,
    clock: { now: () => new Date(now) },
    cloudwatch: {
      send: () => {
        cloud.calls++;
        return Promise.resolve({ MetricDataResults: [] });
      },
    },
  };
  return cloud as unknown as Cloud & { calls: number };
}

const RESULT: RecommendationWindow = {
  jobName: "lab-default",
  benchmarkEndpointName: "lab-bench",
  benchmarkVariantName: "AllTraffic",
  instanceType: "ml.c5.large",
  invocationStartTime: "2026-01-05T10:00:00.000Z",
  invocationEndTime: "2026-01-05T10:15:00.000Z",
};

Deno.test("profileOfRecommendation: a result it cannot use is refused before any call", async () => {
  const cases: [RecommendationWindow, RegExp][] = [
    [
      { ...RESULT, benchmarkEndpointName: undefined },
      /has no "benchmarkEndpointName"; pass --from/,
    ],
    [{ ...RESULT, benchmarkEndpointName: "" }, /has no "benchmarkEndpointName"/],
    [{ ...RESULT, invocationStartTime: undefined }, /has no "invocationStartTime"/],
    [{ ...RESULT, invocationEndTime: "soon" }, /"invocationEndTime" is not a known time/],
    // recommend writes the epoch when the job gave no window.
    [{ ...RESULT, invocationStartTime: new Date(0).toISOString() }, /"invocationStartTime" is not/],
    [
      { ...RESULT, invocationEndTime: "2026-01-05T10:00:40.000Z" },
      /invocation window .+ holds no whole minute/,
    ],
    [{ ...RESULT, instanceType: undefined }, /has no "instanceType"/],
    [{ ...RESULT, instanceType: "ml.z9.huge" }, /ml\.z9\.huge: its vCPUs are not in the instance/],
  ];
  const cloud = emptyCloud("2026-01-05T11:00:00Z");
  for (const [result, says] of cases) {
    await assert.rejects(
      () => profileOfRecommendation(cloud, result),
      (e: Error) => e instanceof InputError && says.test(e.message) && !e.message.includes("\n"),
      JSON.stringify(result),
    );
  }
  assert.equal(cloud.calls, 0);
  // A type outside the table works when its vCPUs are given: it gets as far as the metrics.
  await assert.rejects(
    () => profileOfRecommendation(cloud, { ...RESULT, instanceType: "ml.z9.huge" }, { vCpus: 8 }),
    /CloudWatch has no per-minute Invocations/,
  );
  assert.equal(cloud.calls, 1);
});

Deno.test("profileOfRecommendation: a window past 15 days says the 1-minute data expired", async () => {
  const cloud = emptyCloud("2026-01-25T10:00:00Z");
  await assert.rejects(
    () => profileOfRecommendation(cloud, RESULT),
    (e: Error) =>
      e instanceof InputError &&
      e.message ===
        "Cannot build a capacity profile from Default job lab-default: CloudWatch has no per-minute Invocations, ModelLatency and CPUUtilization for endpoint lab-bench variant AllTraffic, 2026-01-05T10:00:00.000Z to 2026-01-05T10:15:00.000Z (the window is 20 days old: CloudWatch keeps 1-minute data 15 days); pass --capacity-profile FILE",
  );
});
