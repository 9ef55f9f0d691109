/**
 * The local Inference Recommender job API through the real SDK commands: validation by AWS error
 * name (inference-recommender.md §1, §8), the Default job's hooks for its runner, list filters and
 * pagination, stopping, and a Default job whose runner process has gone away.
 */
import {
  CreateInferenceRecommendationsJobCommand,
  type CreateInferenceRecommendationsJobCommandInput,
  DescribeInferenceRecommendationsJobCommand,
  ListInferenceRecommendationsJobsCommand,
  ListInferenceRecommendationsJobStepsCommand,
  StopInferenceRecommendationsJobCommand,
} from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { KIND } from "../sagemaker/mod.ts";
import {
  completeDefaultJob,
  failJob,
  heartbeatJob,
  type RecommendationJobRecord,
  stopReasonOf,
} from "./mod.ts";
import {
  createPackage,
  deployEndpoint,
  type RecommenderFixture,
  ROLE,
  withRecommender,
} from "../testdata/recommender_fixture.ts";

function defaultJob(
  arn: string,
  name = "rec",
): CreateInferenceRecommendationsJobCommandInput {
  return {
    JobName: name,
    JobType: "Default",
    RoleArn: ROLE,
    InputConfig: { ModelPackageVersionArn: arn },
  };
}

function advancedJob(arn: string): CreateInferenceRecommendationsJobCommandInput {
  return {
    JobName: "adv",
    JobType: "Advanced",
    RoleArn: ROLE,
    InputConfig: {
      ModelPackageVersionArn: arn,
      Endpoints: [{ EndpointName: "ep" }],
      TrafficPattern: {
        TrafficType: "PHASES",
        Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 1, DurationInSeconds: 120 }],
      },
    },
  };
}

async function rejectsName(promise: Promise<unknown>, name: string, message?: RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
    if (message) assert.match(error.message, message);
    return true;
  });
}

async function create(f: RecommenderFixture, input: CreateInferenceRecommendationsJobCommandInput) {
  return await f.sm.send(new CreateInferenceRecommendationsJobCommand(input));
}

async function describe(f: RecommenderFixture, name: string) {
  return await f.sm.send(new DescribeInferenceRecommendationsJobCommand({ JobName: name }));
}

Deno.test("CreateInferenceRecommendationsJob validates as AWS does", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await deployEndpoint(f);
    const adv = advancedJob(arn);
    const phases = (p: object) => ({
      ...adv,
      InputConfig: {
        ...adv.InputConfig,
        TrafficPattern: {
          TrafficType: "PHASES" as const,
          Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 1, DurationInSeconds: 120, ...p }],
        },
      },
    });
    const cases: [string, CreateInferenceRecommendationsJobCommandInput, RegExp][] = [
      ["bad name", { ...defaultJob(arn), JobName: "bad_name" }, /at 'jobName'.*regular expression/],
      [
        "name too long",
        { ...defaultJob(arn), JobName: "a".repeat(65) },
        /length less than or equal to 64/,
      ],
      ["job type", { ...defaultJob(arn), JobType: "Fast" as "Default" }, /at 'jobType'.*enum/],
      ["role", { ...defaultJob(arn), RoleArn: "not-a-role" }, /at 'roleArn'/],
      [
        "no input",
        { ...defaultJob(arn), InputConfig: undefined },
        /at 'inputConfig' .*must not be null/,
      ],
      ["duration", {
        ...defaultJob(arn),
        InputConfig: { ModelPackageVersionArn: arn, JobDurationInSeconds: 18_001 },
      }, /jobDurationInSeconds.*less than or equal to 18000/],
      [
        "short phase",
        phases({ DurationInSeconds: 119 }),
        /durationInSeconds.*greater than or equal to 120/,
      ],
      ["long phase", phases({ DurationInSeconds: 3601 }), /less than or equal to 3600/],
      [
        "users",
        phases({ InitialNumberOfUsers: 4 }),
        /initialNumberOfUsers.*less than or equal to 3/,
      ],
      ["phase over job duration", {
        ...phases({ DurationInSeconds: 600 }),
        InputConfig: {
          ...phases({ DurationInSeconds: 600 }).InputConfig,
          JobDurationInSeconds: 300,
        },
      }, /must not exceed JobDurationInSeconds \(300\)/],
      ["stairs users", {
        ...adv,
        InputConfig: {
          ...adv.InputConfig,
          TrafficPattern: {
            TrafficType: "STAIRS",
            Stairs: { DurationInSeconds: 60, NumberOfSteps: 2, UsersPerStep: 4 },
          },
        },
      }, /usersPerStep.*less than or equal to 3/],
      ["11 configurations", {
        ...adv,
        InputConfig: {
          ...adv.InputConfig,
          EndpointConfigurations: Array.from(
            { length: 11 },
            () => ({ InstanceType: "ml.c5.large" }),
          ),
        },
      }, /endpointConfigurations.*length less than or equal to 10/],
      ["2 endpoints", {
        ...adv,
        InputConfig: {
          ...adv.InputConfig,
          Endpoints: [{ EndpointName: "ep" }, { EndpointName: "ep" }],
        },
      }, /endpoints.*length less than or equal to 1/],
      ["2 thresholds", {
        ...adv,
        StoppingConditions: {
          ModelLatencyThresholds: [
            { Percentile: "P95", ValueInMilliseconds: 100 },
            { Percentile: "P99", ValueInMilliseconds: 200 },
          ],
        },
      }, /modelLatencyThresholds.*length less than or equal to 1/],
      [
        "no threshold",
        { ...adv, StoppingConditions: { ModelLatencyThresholds: [] } },
        /greater than or equal to 1/,
      ],
      ["P90", {
        ...adv,
        StoppingConditions: {
          ModelLatencyThresholds: [{ Percentile: "P90", ValueInMilliseconds: 100 }],
        },
      }, /percentile.*P95\|P99/],
      [
        "flat",
        { ...adv, StoppingConditions: { FlatInvocations: "Maybe" as "Stop" } },
        /flatInvocations.*enum/,
      ],
      ["both model refs", {
        ...defaultJob(arn),
        InputConfig: { ModelPackageVersionArn: arn, ModelName: "xgb" },
      }, /exactly one of ModelPackageVersionArn or ModelName/],
      ["no model ref", { ...defaultJob(arn), InputConfig: {} }, /exactly one of/],
      ["missing package", {
        ...defaultJob(arn),
        InputConfig: { ModelPackageVersionArn: arn.replace(/\/1$/, "/7") },
      }, /Could not find model package/],
      [
        "missing model",
        { ...defaultJob(arn), InputConfig: { ModelName: "nope" } },
        /Could not find model/,
      ],
      ["missing endpoint", {
        ...adv,
        InputConfig: { ...adv.InputConfig, Endpoints: [{ EndpointName: "nope" }] },
      }, /Could not find endpoint/],
      ["advanced without pattern", {
        ...adv,
        InputConfig: { ModelPackageVersionArn: arn, Endpoints: [{ EndpointName: "ep" }] },
      }, /TrafficPattern in InputConfig is required/],
      ["advanced without target", {
        ...adv,
        InputConfig: {
          ModelPackageVersionArn: arn,
          TrafficPattern: adv.InputConfig!.TrafficPattern,
        },
      }, /needs Endpoints or EndpointConfigurations/],
    ];
    for (const [what, input, message] of cases) {
      await rejectsName(create(f, input), "ValidationException", message).catch((error) => {
        throw new Error(`${what}: ${(error as Error).message}`);
      });
    }
    // A valid job is accepted; its name cannot be used again.
    const out = await create(f, adv);
    assert.equal(
      out.JobArn,
      "arn:aws:sagemaker:us-east-1:000000000000:inference-recommendations-job/adv",
    );
    await rejectsName(create(f, adv), "ResourceInUse", /already exists/);
    await rejectsName(describe(f, "nope"), "ResourceNotFound");
    await rejectsName(
      f.sm.send(new StopInferenceRecommendationsJobCommand({ JobName: "nope" })),
      "ResourceNotFound",
    );
    await rejectsName(
      f.sm.send(new ListInferenceRecommendationsJobStepsCommand({ JobName: "nope" })),
      "ResourceNotFound",
    );
  });
});

Deno.test("Default job without a runner in this process fails with a reason", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await create(f, defaultJob(arn));
    const job = await describe(f, "rec");
    assert.equal(job.Status, "FAILED");
    assert.match(job.FailureReason!, /no Default job runner/);
    assert.ok(job.CompletionTime instanceof Date);
  });
});

Deno.test("Default job: PENDING, IN_PROGRESS, then COMPLETED when the clock reaches the laid-out result", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    let started = "";
    f.ctx.runtime.defaultJobRunner = (_ctx, name) => {
      started = name;
    };
    await create(f, defaultJob(arn));
    assert.equal(started, "rec");
    assert.equal((await describe(f, "rec")).Status, "PENDING");
    await f.clock.sleep(0);
    assert.equal((await describe(f, "rec")).Status, "IN_PROGRESS");
    assert.equal(heartbeatJob(f.ctx, "rec"), true);
    const t0 = f.clock.now().getTime();
    const status = completeDefaultJob(f.ctx, {
      jobName: "rec",
      result: {
        invocationStartTime: t0 + 150_000,
        invocationEndTime: t0 + 150_000 + 5 * 60_000,
        completionTime: t0 + 10 * 60_000,
        recommendations: [{
          Metrics: {
            MaxInvocations: 3000,
            ModelLatency: 80,
            CpuUtilization: 125,
            MemoryUtilization: 21,
          },
          EndpointConfiguration: {
            EndpointName: "rec-ir-1",
            VariantName: "AllTraffic",
            InstanceType: "ml.c5.large",
            InitialInstanceCount: 1,
          },
        }],
        stopReason: { code: "Saturation", message: "Throughput flattened at 8 users" },
      },
    });
    assert.equal(status, "IN_PROGRESS");
    await f.clock.sleep(10 * 60_000 - 1);
    assert.equal((await describe(f, "rec")).Status, "IN_PROGRESS");
    await f.clock.sleep(1);
    const job = await describe(f, "rec");
    assert.equal(job.Status, "COMPLETED");
    assert.equal(job.CompletionTime?.getTime(), t0 + 10 * 60_000);
    const rec = job.InferenceRecommendations![0];
    assert.equal(rec.RecommendationId, "rec/1");
    assert.equal(rec.Metrics?.MaxInvocations, 3000);
    assert.equal(rec.InvocationStartTime?.getTime(), t0 + 150_000);
    assert.equal(rec.InvocationEndTime?.getTime(), t0 + 450_000);
    assert.deepEqual(stopReasonOf(job), {
      Code: "Saturation",
      Message: "Throughput flattened at 8 users",
      Time: new Date(t0 + 10 * 60_000),
    });
    const steps = await f.sm.send(
      new ListInferenceRecommendationsJobStepsCommand({ JobName: "rec" }),
    );
    assert.equal(
      steps.Steps?.[0].InferenceBenchmark?.EndpointConfiguration?.EndpointName,
      "rec-ir-1",
    );
    assert.equal(heartbeatJob(f.ctx, "rec"), false);
    // A finished job cannot be stopped.
    await rejectsName(
      f.sm.send(new StopInferenceRecommendationsJobCommand({ JobName: "rec" })),
      "ValidationException",
      /it is COMPLETED/,
    );
  });
});

Deno.test("Default job: failJob records the reason; a stopped job ignores a late result", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    f.ctx.runtime.defaultJobRunner = () => {};
    await create(f, defaultJob(arn, "one"));
    assert.equal(
      failJob(f.ctx, {
        jobName: "one",
        reason: "The model server exited with code 1 before /ping answered",
      }),
      "FAILED",
    );
    const failed = await describe(f, "one");
    assert.equal(failed.Status, "FAILED");
    assert.equal(failed.FailureReason, "The model server exited with code 1 before /ping answered");

    await create(f, defaultJob(arn, "two"));
    await f.sm.send(new StopInferenceRecommendationsJobCommand({ JobName: "two" }));
    assert.equal((await describe(f, "two")).Status, "STOPPING");
    assert.equal(heartbeatJob(f.ctx, "two"), false); // the runner learns it should stop
    await f.clock.sleep(0);
    assert.equal((await describe(f, "two")).Status, "STOPPED");
    const late = completeDefaultJob(f.ctx, {
      jobName: "two",
      result: {
        invocationStartTime: 0,
        invocationEndTime: 0,
        recommendations: [{
          Metrics: { MaxInvocations: 1 },
          EndpointConfiguration: { EndpointName: "e", VariantName: "v" },
        }],
      },
    });
    assert.equal(late, "STOPPED");
    assert.equal((await describe(f, "two")).InferenceRecommendations, undefined);
  });
});

Deno.test("Default job whose runner process has gone away is FAILED the next time anyone looks", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    f.ctx.runtime.defaultJobRunner = () => {};
    await create(f, defaultJob(arn, "gone"));
    await create(f, defaultJob(arn, "reused"));
    await create(f, defaultJob(arn, "alive"));
    await f.clock.sleep(0);
    // Another process that has exited owns "gone"; "reused" names a live pid whose start time
    // differs (the pid was reused); "alive" names our parent process as it is.
    const child = new Deno.Command("true").spawn();
    await child.status;
    const edit = (name: string, change: (job: RecommendationJobRecord) => void) =>
      f.ctx.store.tx(() => {
        const job = f.ctx.store.getDoc<RecommendationJobRecord>(KIND.recommendationJob, name)!;
        change(job);
        f.ctx.store.putDoc(KIND.recommendationJob, name, job);
      });
    edit("gone", (job) => {
      job.owner = { ...job.owner!, pid: child.pid, processStart: "1" };
    });
    edit("reused", (job) => {
      job.owner = { ...job.owner!, pid: Deno.ppid, processStart: "1" };
    });
    edit("alive", (job) => {
      job.owner = { ...job.owner!, pid: Deno.ppid, processStart: "" };
    });
    const gone = await describe(f, "gone");
    assert.equal(gone.Status, "FAILED");
    assert.match(gone.FailureReason!, new RegExp(`process ${child.pid}.* has gone away`));
    const listed = await f.sm.send(
      new ListInferenceRecommendationsJobsCommand({ StatusEquals: "FAILED" }),
    );
    assert.deepEqual(listed.InferenceRecommendationsJobs?.map((j) => j.JobName).sort(), [
      "gone",
      "reused",
    ]);
    assert.equal((await describe(f, "alive")).Status, "IN_PROGRESS");
  });
});

Deno.test("Default job owned by a closed local backend of this process is FAILED", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    f.ctx.runtime.defaultJobRunner = () => {};
    await create(f, defaultJob(arn));
    assert.equal((await describe(f, "rec")).Status, "PENDING");
    for (const closer of f.ctx.runtime.closers) await closer(); // what Cloud.close() does
    const job = await describe(f, "rec");
    assert.equal(job.Status, "FAILED");
    assert.match(job.FailureReason!, /was closed before the job finished/);
  });
});

Deno.test("ListInferenceRecommendationsJobs filters, sorts and pages", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    for (const name of ["b-job", "a-job", "c-other"]) {
      await create(f, defaultJob(arn, name)); // no runner: each fails at once
      await f.clock.sleep(60_000);
    }
    const list = async (input: object) =>
      (await f.sm.send(new ListInferenceRecommendationsJobsCommand(input)))
        .InferenceRecommendationsJobs!.map((j) => j.JobName);
    assert.deepEqual(await list({}), ["c-other", "a-job", "b-job"]); // newest first
    assert.deepEqual(await list({ SortBy: "Name", SortOrder: "Ascending" }), [
      "a-job",
      "b-job",
      "c-other",
    ]);
    assert.deepEqual(await list({ NameContains: "job" }), ["a-job", "b-job"]);
    assert.deepEqual(await list({ StatusEquals: "COMPLETED" }), []);
    assert.deepEqual(await list({ ModelPackageVersionArnEquals: arn }), [
      "c-other",
      "a-job",
      "b-job",
    ]);
    assert.deepEqual(await list({ ModelNameEquals: "other" }), []);
    const first = await f.sm.send(new ListInferenceRecommendationsJobsCommand({ MaxResults: 2 }));
    assert.equal(first.InferenceRecommendationsJobs?.length, 2);
    const second = await f.sm.send(
      new ListInferenceRecommendationsJobsCommand({ MaxResults: 2, NextToken: first.NextToken }),
    );
    assert.deepEqual(second.InferenceRecommendationsJobs?.map((j) => j.JobName), ["b-job"]);
    assert.equal(second.NextToken, undefined);
    const summary = first.InferenceRecommendationsJobs![0];
    assert.equal(summary.JobType, "Default");
    assert.equal(summary.ModelPackageVersionArn, arn);
    assert.ok(summary.CreationTime instanceof Date);
    await rejectsName(list({ StatusEquals: "DONE" }), "ValidationException", /statusEquals/);
    await rejectsName(list({ MaxResults: 101 }), "ValidationException", /maxResults/);
  });
});

Deno.test("DescribeInferenceRecommendationsJob echoes the request", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await deployEndpoint(f);
    const input = {
      ...advancedJob(arn),
      JobDescription: "prove the policy",
      StoppingConditions: {
        MaxInvocations: 30_000,
        ModelLatencyThresholds: [{ Percentile: "P95", ValueInMilliseconds: 10_000 }],
      },
    };
    await create(f, input);
    const job = await describe(f, "adv");
    assert.equal(job.JobType, "Advanced");
    assert.equal(job.JobDescription, "prove the policy");
    assert.equal(job.RoleArn, ROLE);
    assert.deepEqual(job.InputConfig, input.InputConfig);
    assert.deepEqual(job.StoppingConditions, input.StoppingConditions);
    assert.ok(job.CreationTime instanceof Date && job.LastModifiedTime instanceof Date);
    assert.equal(job.CompletionTime, undefined);
  });
});
