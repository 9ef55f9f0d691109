/**
 * Two evaluations on one endpoint at the same time are refused as AWS refuses them: a second
 * CreateInferenceRecommendationsJob naming an endpoint that an unfinished job load-tests fails with
 * ResourceInUse (HTTP 400) and creates no job; a job on another endpoint runs; once the first job
 * has ended (here: stopped), the endpoint takes a new job.
 */
import {
  CreateEndpointCommand,
  CreateInferenceRecommendationsJobCommand,
  type CreateInferenceRecommendationsJobCommandInput,
  DescribeInferenceRecommendationsJobCommand,
  ResourceInUse,
  StopInferenceRecommendationsJobCommand,
} from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import {
  createPackage,
  deployEndpoint,
  ROLE,
  storeFixtureProfile,
  withRecommender,
} from "../testdata/recommender_fixture.ts";

function advancedJob(
  name: string,
  packageArn: string,
  endpointName: string,
): CreateInferenceRecommendationsJobCommandInput {
  return {
    JobName: name,
    JobType: "Advanced",
    RoleArn: ROLE,
    InputConfig: {
      ModelPackageVersionArn: packageArn,
      Endpoints: [{ EndpointName: endpointName }],
      TrafficPattern: {
        TrafficType: "PHASES",
        Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 2, DurationInSeconds: 600 }],
      },
    },
  };
}

Deno.test("a second Advanced job on a busy endpoint is refused with ResourceInUse", async () => {
  await withRecommender(async (f) => {
    const arn = await createPackage(f);
    await deployEndpoint(f, { name: "ep" });
    // A second endpoint on the same endpoint config.
    await f.sm.send(
      new CreateEndpointCommand({ EndpointName: "other", EndpointConfigName: "ep-cfg" }),
    );
    await f.clock.sleep(f.ctx.settings.endpointCreateSeconds * 1000);
    storeFixtureProfile(f, "other");
    const create = (input: CreateInferenceRecommendationsJobCommandInput) =>
      f.sm.send(new CreateInferenceRecommendationsJobCommand(input));
    const status = async (name: string) =>
      (await f.sm.send(new DescribeInferenceRecommendationsJobCommand({ JobName: name }))).Status;

    await create(advancedJob("first", arn, "ep"));
    await f.clock.sleep(90_000); // mid-minute: a stop then takes until the minute ends
    assert.equal(await status("first"), "IN_PROGRESS");
    const refused = await create(advancedJob("second", arn, "ep")).then(
      () => assert.fail("two jobs were accepted on one endpoint"),
      (e) => e,
    );
    assert.ok(refused instanceof ResourceInUse, String(refused));
    assert.equal(refused.name, "ResourceInUse");
    assert.equal(refused.$metadata?.httpStatusCode, 400);
    assert.match(refused.message, /Endpoint "ep" is in use by Inference Recommender job "first"/);
    await assert.rejects(
      f.sm.send(new DescribeInferenceRecommendationsJobCommand({ JobName: "second" })),
      /second/,
      "the refused job was not created",
    );

    await create(advancedJob("elsewhere", arn, "other")); // another endpoint is free

    await f.sm.send(new StopInferenceRecommendationsJobCommand({ JobName: "first" }));
    assert.equal(await status("first"), "STOPPING");
    await assert.rejects(create(advancedJob("second", arn, "ep")), ResourceInUse, "still stopping");
    await f.clock.sleep(60_000);
    assert.equal(await status("first"), "STOPPED");
    await create(advancedJob("second", arn, "ep"));
    assert.ok(["PENDING", "IN_PROGRESS"].includes((await status("second"))!));
  });
});
