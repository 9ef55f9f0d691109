/**
 * The local Advanced job end to end on the simulated clock, through the real SDK commands, on an
 * endpoint with fixed instances (no scaling policies) and the fixture profile
 * (`tests/fixtures/capacity_profile.json`).
 *
 * Hand derivation for 2 instances and PHASES {InitialNumberOfUsers 1, SpawnRate 2/min}: users
 * are 1 + 2k in the first half of minute k and 2 + 2k in the second half; c = U / 2 per instance
 * and X(c) from the fixture (linear 20 req/s per user up to c = 2, 50 at c >= 4):
 *
 * | minute | first 30 s | second 30 s | Invocations |
 * |---|---|---|---|
 * | 0 | U=1, c=0.5, 2 x 10/s -> 600 | U=2, c=1, 2 x 20/s -> 1200 | 1800 |
 * | 1 | U=3, c=1.5, 2 x 30/s -> 1800 | U=4, c=2, 2 x 40/s -> 2400 | 4200 |
 * | 2 | U=5, c=2.5, 2 x 42.5/s -> 2550 | U=6, c=3, 2 x 45/s -> 2700 | 5250 |
 * | 3 | U=7, c=3.5, 2 x 47.5/s -> 2850 | U=8, c=4, 2 x 50/s -> 3000 | 5850 |
 * | 4+ | c >= 4.5: 2 x 50/s | | 6000 |
 */
import {
  CreateInferenceRecommendationsJobCommand,
  type CreateInferenceRecommendationsJobCommandInput,
  DescribeInferenceRecommendationsJobCommand,
  ListInferenceRecommendationsJobStepsCommand,
  StopInferenceRecommendationsJobCommand,
} from "@aws-sdk/client-sagemaker";
import { PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import assert from "node:assert/strict";
import { type LocalDescribeJobOutput, stopReasonOf } from "./mod.ts";
import { KIND, setVariantDesiredCount } from "../sagemaker/mod.ts";
import {
  createPackage,
  deployEndpoint,
  type RecommenderFixture,
  ROLE,
  withRecommender,
} from "../testdata/recommender_fixture.ts";

const DIMS = [
  { Name: "EndpointName", Value: "ep" },
  { Name: "VariantName", Value: "AllTraffic" },
];

function advancedJob(
  packageArn: string,
  overrides: Partial<CreateInferenceRecommendationsJobCommandInput> = {},
  phases = [{ InitialNumberOfUsers: 1, SpawnRate: 2, DurationInSeconds: 600 }],
): CreateInferenceRecommendationsJobCommandInput {
  return {
    JobName: "eval",
    JobType: "Advanced",
    RoleArn: ROLE,
    InputConfig: {
      ModelPackageVersionArn: packageArn,
      Endpoints: [{ EndpointName: "ep" }],
      TrafficPattern: { TrafficType: "PHASES", Phases: phases },
    },
    ...overrides,
  };
}

async function describe(f: RecommenderFixture, name = "eval"): Promise<LocalDescribeJobOutput> {
  return await f.sm.send(new DescribeInferenceRecommendationsJobCommand({ JobName: name }));
}

/**
 * Per-minute Invocations sums stored for endpoint `ep` from `start` until job "eval" completed.
 * (The endpoint is on the clock: it goes on publishing idle minutes after the job.)
 */
function storedMinutes(f: RecommenderFixture, start: number, metric = "Invocations"): number[] {
  const job = f.ctx.store.peekDoc<{ CompletionTime?: number }>(KIND.recommendationJob, "eval");
  const end = job?.CompletionTime ?? start + 86_400_000;
  return f.ctx.store.queryMetrics("AWS/SageMaker", metric, DIMS, start, end).map((r) => r.sum);
}

/** Creates the job and returns the load's start: the first whole minute after creation. */
async function start(
  f: RecommenderFixture,
  input: CreateInferenceRecommendationsJobCommandInput,
): Promise<number> {
  await f.sm.send(new CreateInferenceRecommendationsJobCommand(input));
  return Math.ceil(f.clock.now().getTime() / 60_000) * 60_000;
}

Deno.test("Advanced job, FlatInvocations (default Stop): exact minutes, stops after 3 flat minutes", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await deployEndpoint(f, { count: 2 });
    const created = f.clock.now().getTime();
    const loadStart = await start(f, advancedJob(arn));
    assert.equal((await describe(f)).Status, "PENDING");
    await f.clock.sleep(0);
    assert.equal((await describe(f)).Status, "IN_PROGRESS");
    await f.clock.sleep(3_600_000); // one simulated hour, in well under a second
    const job = await describe(f);
    // Minutes 5, 6, 7 grow by less than 1 % over the minute before (6000 vs 6000) while users
    // grew from 10 to 16: the job stops at the end of minute 7.
    assert.deepEqual(storedMinutes(f, loadStart), [1800, 4200, 5250, 5850, 6000, 6000, 6000, 6000]);
    assert.equal(job.Status, "COMPLETED");
    assert.equal(stopReasonOf(job)?.Code, "FlatInvocations");
    assert.equal(job.CompletionTime?.getTime(), loadStart + 8 * 60_000);
    assert.equal(job.CreationTime?.getTime(), created);
    assert.deepEqual(job.EndpointPerformances, [{
      EndpointInfo: { EndpointName: "ep" },
      // Peak minute 4: c = 4.5 then 5 for 3000 requests each: 90 and 100 ms, 95 ms on average.
      Metrics: { MaxInvocations: 6000, ModelLatency: 95 },
    }]);
    // InvocationsPerInstance: 2 instances all along.
    assert.deepEqual(storedMinutes(f, loadStart, "InvocationsPerInstance").slice(0, 2), [
      900,
      2100,
    ]);
    // ConcurrentRequestsPerModel every 10 s: c = U / 2.
    const hi = f.ctx.store.queryMetrics(
      "AWS/SageMaker",
      "ConcurrentRequestsPerModel",
      DIMS,
      loadStart,
      loadStart + 60_000,
    );
    assert.deepEqual(hi.map((r) => r.sum), [0.5, 0.5, 0.5, 1, 1, 1]);
    const steps = await f.sm.send(
      new ListInferenceRecommendationsJobStepsCommand({ JobName: "eval" }),
    );
    assert.equal(steps.Steps?.length, 1);
    assert.equal(steps.Steps?.[0].Status, "COMPLETED");
    assert.equal(steps.Steps?.[0].InferenceBenchmark?.EndpointMetrics?.MaxInvocations, 6000);
    assert.equal(steps.Steps?.[0].InferenceBenchmark?.InvocationStartTime?.getTime(), loadStart);
  });
});

Deno.test("Advanced job, MaxInvocations: stops successfully at the end of the first minute reaching it", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await deployEndpoint(f, { count: 2 });
    const loadStart = await start(
      f,
      advancedJob(arn, { StoppingConditions: { MaxInvocations: 5000 } }),
    );
    await f.clock.sleep(3_600_000);
    const job = await describe(f);
    assert.deepEqual(storedMinutes(f, loadStart), [1800, 4200, 5250]);
    assert.equal(job.Status, "COMPLETED");
    assert.equal(stopReasonOf(job)?.Code, "MaxInvocations");
    assert.equal(job.CompletionTime?.getTime(), loadStart + 3 * 60_000);
    assert.equal(job.EndpointPerformances?.[0].Metrics?.MaxInvocations, 5250);
  });
});

Deno.test("Advanced job, ModelLatencyThresholds P95: stops after the first minute above it", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await deployEndpoint(f, { count: 2 });
    // Minute 2's P95 is 106.7 ms (c = 3: 66.7 ms x 80/50); minute 3's is 128 ms (c = 4: 80 ms x 128/80).
    const loadStart = await start(
      f,
      advancedJob(arn, {
        StoppingConditions: {
          ModelLatencyThresholds: [{ Percentile: "P95", ValueInMilliseconds: 120 }],
          FlatInvocations: "Continue",
        },
      }),
    );
    await f.clock.sleep(3_600_000);
    const job = await describe(f);
    assert.deepEqual(storedMinutes(f, loadStart), [1800, 4200, 5250, 5850]);
    assert.equal(stopReasonOf(job)?.Code, "ModelLatencyThreshold");
    assert.match(
      stopReasonOf(job)!.Message,
      /P95 ModelLatency \(128 ms\) passed the threshold \(120 ms\)/,
    );
    assert.equal(job.Status, "COMPLETED");
  });
});

Deno.test("Advanced job, JobDurationInSeconds cuts the load mid-minute; phases restart their users", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await deployEndpoint(f, { count: 2 });
    const phase = { InitialNumberOfUsers: 1, SpawnRate: 2, DurationInSeconds: 300 };
    const input = advancedJob(
      arn,
      { StoppingConditions: { FlatInvocations: "Continue" } },
      [phase, phase],
    );
    input.InputConfig!.JobDurationInSeconds = 400;
    const loadStart = await start(f, input);
    await f.clock.sleep(3_600_000);
    const job = await describe(f);
    // Minute 5 starts phase 2 again at 1 user (1800); minute 6: U=3 for 30 s (1800) then U=4
    // for the 10 s left before the 400 s deadline (2 x 40/s x 10 s = 800).
    assert.deepEqual(storedMinutes(f, loadStart), [1800, 4200, 5250, 5850, 6000, 1800, 2600]);
    assert.equal(stopReasonOf(job)?.Code, "JobDuration");
    assert.equal(job.CompletionTime?.getTime(), loadStart + 7 * 60_000);
  });
});

Deno.test("Advanced job, end of the traffic pattern with FlatInvocations Continue", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await deployEndpoint(f, { count: 2 });
    const loadStart = await start(
      f,
      advancedJob(arn, { StoppingConditions: { FlatInvocations: "Continue" } }, [
        { InitialNumberOfUsers: 1, SpawnRate: 2, DurationInSeconds: 300 },
      ]),
    );
    await f.clock.sleep(3_600_000);
    const job = await describe(f);
    assert.deepEqual(storedMinutes(f, loadStart), [1800, 4200, 5250, 5850, 6000]);
    assert.equal(stopReasonOf(job)?.Code, "TrafficPatternEnd");
    assert.equal(job.Status, "COMPLETED");
  });
});

Deno.test("Advanced job stopped by the user: STOPPING, then STOPPED at the end of the minute", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await deployEndpoint(f, { count: 2 });
    const loadStart = await start(f, advancedJob(arn));
    await f.clock.sleep(loadStart + 90_000 - f.clock.now().getTime());
    await f.sm.send(new StopInferenceRecommendationsJobCommand({ JobName: "eval" }));
    assert.equal((await describe(f)).Status, "STOPPING");
    await f.clock.sleep(30_000);
    const job = await describe(f);
    assert.equal(job.Status, "STOPPED");
    assert.equal(stopReasonOf(job)?.Code, "StoppedByUser");
    assert.equal(job.CompletionTime?.getTime(), loadStart + 120_000);
    // Minute 1 has only its first 30 s of load (U = 3: 2 x 30/s).
    assert.deepEqual(storedMinutes(f, loadStart), [1800, 1800]);
  });
});

Deno.test("Advanced job on an endpoint without a capacity profile fails: run the Default job first", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await deployEndpoint(f, { withProfile: false });
    await f.sm.send(new CreateInferenceRecommendationsJobCommand(advancedJob(arn)));
    await f.clock.sleep(60_000);
    const job = await describe(f);
    assert.equal(job.Status, "FAILED");
    assert.match(
      job.FailureReason!,
      /No capacity profile is stored for endpoint "ep" variant "AllTraffic"/,
    );
    assert.match(job.FailureReason!, /run a Default Inference Recommender job/);
    assert.equal(stopReasonOf(job)?.Code, "Failed");
  });
});

Deno.test("Advanced job on EndpointConfigurations: a one-instance benchmark endpoint, InferenceRecommendations", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await deployEndpoint(f, { count: 1 }); // stores the profile for this model, image and type
    const created = f.clock.now().getTime();
    await f.sm.send(
      new CreateInferenceRecommendationsJobCommand({
        JobName: "bench",
        JobType: "Advanced",
        RoleArn: ROLE,
        InputConfig: {
          ModelPackageVersionArn: arn,
          EndpointConfigurations: [{ InstanceType: "ml.c5.large" }],
          TrafficPattern: {
            TrafficType: "STAIRS",
            Stairs: { DurationInSeconds: 60, NumberOfSteps: 3, UsersPerStep: 2 },
          },
        },
        StoppingConditions: { MaxInvocations: 9000, FlatInvocations: "Continue" },
      }),
    );
    await f.clock.sleep(3_600_000);
    const job = await describe(f, "bench");
    // The benchmark endpoint is InService endpointCreateSeconds (150 s) after the job starts;
    // the load starts at the next whole minute. Steps of 2, 4, 6 users on one instance:
    // X(2) = 40, X(4) = 50, X(6) = 50 req/s.
    const loadStart = Math.ceil((created + 150_000) / 60_000) * 60_000;
    const dims = [
      { Name: "EndpointName", Value: "bench-ir-1" },
      { Name: "VariantName", Value: "AllTraffic" },
    ];
    const minutes = f.ctx.store.queryMetrics("AWS/SageMaker", "Invocations", dims, 0, Infinity);
    assert.deepEqual(minutes.map((r) => [r.timestamp - loadStart, r.sum]), [
      [0, 2400],
      [60_000, 3000],
      [120_000, 3000],
    ]);
    assert.equal(job.Status, "COMPLETED");
    assert.equal(stopReasonOf(job)?.Code, "TrafficPatternEnd");
    const rec = job.InferenceRecommendations?.[0];
    assert.equal(rec?.Metrics?.MaxInvocations, 3000);
    assert.equal(rec?.EndpointConfiguration?.InstanceType, "ml.c5.large");
    assert.equal(rec?.EndpointConfiguration?.EndpointName, "bench-ir-1");
    assert.equal(rec?.EndpointConfiguration?.InitialInstanceCount, 3); // ceil(9000 / 3000)
    // ml.c5.large at 0.102 USD/h (cloud/instance_types.ts) x 3 instances; per inference at 3000/min.
    assert.equal(rec?.Metrics?.CostPerHour, 0.102 * 3);
    assert.equal(rec?.Metrics?.CostPerInference, 0.102 * 3 / (3000 * 60));
    assert.equal(rec?.InvocationStartTime?.getTime(), loadStart);
    assert.equal(rec?.InvocationEndTime?.getTime(), loadStart + 180_000);
    assert.equal(job.EndpointPerformances, undefined);
  });
});

Deno.test("ConcurrentRequestsPerModel: written each minute, every 10 s while a high-resolution alarm watches", async () => {
  for (const watched of [false, true]) {
    await withRecommender(async (f) => {
      const arn = await createPackage(f);
      await deployEndpoint(f, { count: 2 });
      if (watched) {
        await f.cw.send(
          new PutMetricAlarmCommand({
            AlarmName: "high-res",
            Namespace: "AWS/SageMaker",
            MetricName: "ConcurrentRequestsPerModel",
            Dimensions: DIMS,
            Statistic: "Average",
            Period: 10,
            EvaluationPeriods: 3,
            Threshold: 3,
            ComparisonOperator: "GreaterThanThreshold",
          }),
        );
      }
      const loadStart = await start(f, advancedJob(arn));
      const concurrency = () =>
        f.ctx.store.queryMetrics(
          "AWS/SageMaker",
          "ConcurrentRequestsPerModel",
          DIMS,
          loadStart,
          loadStart + 600_000,
        ).map((r) => [(r.timestamp - loadStart) / 1000, r.sum]);
      await f.clock.sleep(loadStart + 20_000 - f.clock.now().getTime());
      assert.deepEqual(concurrency(), watched ? [[0, 0.5], [10, 0.5]] : [], `watched ${watched}`);
      await f.clock.sleep(40_000);
      // Either way the same six datapoints once the minute has closed.
      assert.deepEqual(concurrency(), [[0, 0.5], [10, 0.5], [20, 0.5], [30, 1], [40, 1], [50, 1]]);
      await f.clock.sleep(3_600_000);
      assert.deepEqual(storedMinutes(f, loadStart).slice(0, 4), [1800, 4200, 5250, 5850]);
    });
  }
});

Deno.test("Advanced job follows the endpoint's instance timeline as capacity changes", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await deployEndpoint(f, { count: 1 });
    // 3 users all along: c = 3 on one instance (45/s, 2700/min), c = 1.5 on two (2 x 30/s, 3600/min).
    const loadStart = await start(
      f,
      advancedJob(arn, { StoppingConditions: { FlatInvocations: "Continue" } }, [
        { InitialNumberOfUsers: 3, SpawnRate: 0, DurationInSeconds: 600 },
      ]),
    );
    const at = async (seconds: number) =>
      await f.clock.sleep(loadStart + seconds * 1000 - f.clock.now().getTime());
    // Scale out at 90 s: the new instance takes traffic 240 s later, at 330 s (mid minute 5).
    await at(90);
    setVariantDesiredCount(f.ctx, { endpointName: "ep", variantName: "AllTraffic", count: 2 });
    // Scale in at 450 s: the removed instance stops at once (mid minute 7).
    await at(450);
    setVariantDesiredCount(f.ctx, { endpointName: "ep", variantName: "AllTraffic", count: 1 });
    await f.clock.sleep(3_600_000);
    assert.deepEqual(storedMinutes(f, loadStart), [
      2700,
      2700,
      2700,
      2700,
      2700,
      1350 + 1800,
      3600,
      1800 + 1350,
      2700,
      2700,
    ]);
    assert.deepEqual(storedMinutes(f, loadStart, "InvocationsPerInstance").slice(4, 8), [
      2700,
      1350 + 900,
      1800,
      900 + 1350,
    ]);
    assert.equal(stopReasonOf(await describe(f))?.Code, "TrafficPatternEnd");
  });
});
