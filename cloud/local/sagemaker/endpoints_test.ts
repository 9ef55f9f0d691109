import {
  CreateEndpointCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  ListEndpointsCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { instancesInService, instancesLaunched } from "./records.ts";
import { profileKey } from "../../../sim/profile.ts";
import { describeEndpointRecord, setVariantDesiredCount } from "./mod.ts";
import { Store } from "../kernel/store/mod.ts";
import {
  createModelAndConfig,
  IMAGE,
  type LocalFixture,
  MODEL_URL,
  openFixture,
  rejectsAws,
  uploadModel,
  withFixture,
} from "../testdata/sagemaker_fixture.ts";
import { denoChildEnv } from "../../../machine/children.ts";

const ARN = "arn:aws:sagemaker:us-east-1:000000000000";

async function deploy(f: LocalFixture, name = "ep", count = 1): Promise<void> {
  await uploadModel(f);
  try {
    await createModelAndConfig(f, { count });
  } catch (error) {
    if (!/already existing/.test((error as Error).message)) throw error;
  }
  await f.sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: "cfg" }));
}

async function describe(f: LocalFixture, name = "ep") {
  return await f.sm.send(new DescribeEndpointCommand({ EndpointName: name }));
}

Deno.test("an endpoint is Creating for endpointCreateSeconds, then InService with its instances", async () => {
  await withFixture(async (f) => {
    const t0 = f.clock.now().getTime();
    await deploy(f, "ep", 2);
    let d = await describe(f);
    assert.equal(d.EndpointStatus, "Creating");
    assert.equal(d.EndpointArn, `${ARN}:endpoint/ep`);
    assert.equal(d.ProductionVariants![0].CurrentInstanceCount, 0);
    assert.equal(d.ProductionVariants![0].DesiredInstanceCount, 2);

    await f.clock.sleep(149_000);
    assert.equal((await describe(f)).EndpointStatus, "Creating");
    await f.clock.sleep(1_000);
    d = await describe(f);
    assert.equal(d.EndpointStatus, "InService");
    assert.equal(d.LastModifiedTime!.getTime(), t0 + 150_000);
    assert.equal(d.CreationTime!.getTime(), t0);
    const v = d.ProductionVariants![0];
    assert.equal(v.VariantName, "AllTraffic");
    assert.equal(v.CurrentInstanceCount, 2);
    assert.equal(v.CurrentWeight, 1);
    assert.deepEqual(v.DeployedImages!.map((i) => i.SpecifiedImage), [IMAGE]);

    const record = describeEndpointRecord(f.ctx, "EP");
    assert.equal(
      record.ProductionVariants[0].profileKey,
      profileKey({ modelDataUrl: MODEL_URL, image: IMAGE, instanceType: "ml.c5.large" }),
    );
    assert.deepEqual(
      record.ProductionVariants[0].instances.map((i) => [i.launchedAt, i.inServiceAt]),
      [[t0, t0 + 150_000], [t0, t0 + 150_000]],
    );
  }, { endpointCreateSeconds: 150 });
});

Deno.test("the phase end runs as a clock event even when nobody describes the endpoint", async () => {
  await withFixture(async (f) => {
    await deploy(f);
    await f.clock.sleep(200_000);
    // Read the raw document: the event handler, not a lazy read, made it InService.
    const raw = f.ctx.store.listDocs<{ EndpointStatus: string }>("sagemaker-endpoint");
    assert.deepEqual(raw.map((d) => d.doc.EndpointStatus), ["InService"]);
  });
});

Deno.test("a capacity change makes the endpoint Updating until the new instances are InService", async () => {
  await withFixture(async (f) => {
    await deploy(f);
    await f.clock.sleep(150_000);
    const t1 = f.clock.now().getTime();
    const out = await f.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: "ep",
        DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredInstanceCount: 3 }],
      }),
    );
    assert.equal(out.EndpointArn, `${ARN}:endpoint/ep`);
    let d = await describe(f);
    assert.equal(d.EndpointStatus, "Updating");
    assert.equal(d.ProductionVariants![0].CurrentInstanceCount, 1);
    assert.equal(d.ProductionVariants![0].DesiredInstanceCount, 3);

    // A second change while Updating is refused, as is deleting.
    await rejectsAws(
      f.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: "ep",
          DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredInstanceCount: 4 }],
        }),
      ),
      {
        name: "ValidationException",
        message: `Cannot update in-progress endpoint "${ARN}:endpoint/ep".`,
      },
    );
    assert.throws(
      () =>
        setVariantDesiredCount(f.ctx, { endpointName: "ep", variantName: "AllTraffic", count: 5 }),
      {
        name: "ValidationException",
        message: `Cannot update in-progress endpoint "${ARN}:endpoint/ep".`,
      },
    );
    await rejectsAws(f.sm.send(new DeleteEndpointCommand({ EndpointName: "ep" })), {
      name: "ValidationException",
      message: /^Cannot update in-progress endpoint/,
    });

    await f.clock.sleep(239_000);
    assert.equal((await describe(f)).EndpointStatus, "Updating");
    await f.clock.sleep(1_000);
    d = await describe(f);
    assert.equal(d.EndpointStatus, "InService");
    assert.equal(d.ProductionVariants![0].CurrentInstanceCount, 3);
    assert.equal(d.LastModifiedTime!.getTime(), t1 + 240_000);

    // Scaling in takes the newest instances out of service at once; they drain for
    // instanceDrainSeconds (120 s), and the endpoint is Updating until then.
    const t2 = f.clock.now().getTime();
    const { completesAt } = setVariantDesiredCount(f.ctx, {
      endpointName: "ep",
      variantName: "AllTraffic",
      count: 1,
    });
    assert.equal(completesAt, t2 + 120_000);
    const v = describeEndpointRecord(f.ctx, "ep").ProductionVariants[0];
    assert.equal(instancesInService(v, t2), 1);
    assert.equal(instancesLaunched(v, t2), 1);
    assert.deepEqual(v.instances.map((i) => i.terminatedAt), [undefined, t2, t2]);
    assert.equal((await describe(f)).EndpointStatus, "Updating");
    await f.clock.sleep(120_000);
    assert.equal((await describe(f)).EndpointStatus, "InService");
  }, { instanceStartSeconds: 240, instanceDrainSeconds: 120 });
});

Deno.test("UpdateEndpointWeightsAndCapacities validates the endpoint, variant and values", async () => {
  await withFixture(async (f) => {
    await rejectsAws(
      f.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: "nope",
          DesiredWeightsAndCapacities: [{ VariantName: "v", DesiredInstanceCount: 2 }],
        }),
      ),
      { name: "ValidationException", message: `Could not find endpoint "${ARN}:endpoint/nope".` },
    );
    await deploy(f);
    await rejectsAws(
      f.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: "ep",
          DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredInstanceCount: 2 }],
        }),
      ),
      {
        name: "ValidationException",
        message: `Cannot update in-progress endpoint "${ARN}:endpoint/ep".`,
      },
    );
    await f.clock.sleep(150_000);
    await rejectsAws(
      f.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: "ep",
          DesiredWeightsAndCapacities: [{ VariantName: "Other", DesiredInstanceCount: 2 }],
        }),
      ),
      { name: "ValidationException", message: /The variant "Other" is not present in endpoint/ },
    );
    await rejectsAws(
      f.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: "ep",
          DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredInstanceCount: -1 }],
        }),
      ),
      {
        name: "ValidationException",
        message:
          /at 'desiredWeightsAndCapacities\.1\.member\.desiredInstanceCount' failed to satisfy constraint: Member must have value greater than or equal to 0/,
      },
    );
    await rejectsAws(
      f.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: "ep",
          DesiredWeightsAndCapacities: [],
        }),
      ),
      {
        name: "ValidationException",
        message: /Member must have length greater than or equal to 1/,
      },
    );
    // A weight-only change applies at once.
    await f.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: "ep",
        DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredWeight: 0.5 }],
      }),
    );
    const v = (await describe(f)).ProductionVariants![0];
    assert.equal(v.CurrentWeight, 0.5);
    assert.equal(v.DesiredWeight, 0.5);
    assert.equal(v.CurrentInstanceCount, 1);
  });
});

Deno.test("DeleteEndpoint: Deleting stops traffic, then the endpoint is gone; names can be reused", async () => {
  await withFixture(async (f) => {
    await deploy(f);
    await rejectsAws(f.sm.send(new DeleteEndpointCommand({ EndpointName: "ep" })), {
      name: "ValidationException",
      message: `Cannot update in-progress endpoint "${ARN}:endpoint/ep".`,
    });
    await rejectsAws(deploy(f), {
      name: "ValidationException",
      message: `Cannot create already existing endpoint "${ARN}:endpoint/ep".`,
    });
    await f.clock.sleep(150_000);
    const t = f.clock.now().getTime();
    await f.sm.send(new DeleteEndpointCommand({ EndpointName: "ep" }));
    const d = await describe(f);
    assert.equal(d.EndpointStatus, "Deleting");
    assert.equal(d.ProductionVariants![0].CurrentInstanceCount, 0);
    await rejectsAws(deploy(f), {
      name: "ValidationException",
      message: /^Cannot create already existing endpoint/,
    });
    await f.clock.sleep(59_000);
    assert.equal((await describe(f)).EndpointStatus, "Deleting");
    await f.clock.sleep(1_000);
    await rejectsAws(describe(f), {
      name: "ValidationException",
      message: `Could not find endpoint "${ARN}:endpoint/ep".`,
    });
    await rejectsAws(f.sm.send(new DeleteEndpointCommand({ EndpointName: "ep" })), {
      name: "ValidationException",
      message: /^Could not find endpoint/,
    });
    assert.equal(f.clock.now().getTime(), t + 60_000);
    await deploy(f);
    assert.equal((await describe(f)).EndpointStatus, "Creating");
  }, { endpointDeleteSeconds: 60 });
});

Deno.test("ListEndpoints filters by status and name, sorts and pages", async () => {
  await withFixture(async (f) => {
    await deploy(f, "ep-a");
    await f.clock.sleep(100_000);
    await deploy(f, "ep-b");
    await f.clock.sleep(60_000); // ep-a InService, ep-b Creating
    await deploy(f, "other");
    const creating = await f.sm.send(new ListEndpointsCommand({ StatusEquals: "Creating" }));
    assert.deepEqual(creating.Endpoints!.map((e) => e.EndpointName), ["other", "ep-b"]);
    const inService = await f.sm.send(new ListEndpointsCommand({ StatusEquals: "InService" }));
    assert.deepEqual(inService.Endpoints!.map((e) => e.EndpointName), ["ep-a"]);
    const named = await f.sm.send(
      new ListEndpointsCommand({ NameContains: "ep-", SortBy: "Name", SortOrder: "Ascending" }),
    );
    assert.deepEqual(named.Endpoints!.map((e) => e.EndpointName), ["ep-a", "ep-b"]);
    const byStatus = await f.sm.send(
      new ListEndpointsCommand({ SortBy: "Status", SortOrder: "Ascending" }),
    );
    assert.deepEqual(byStatus.Endpoints!.map((e) => e.EndpointStatus), [
      "Creating",
      "Creating",
      "InService",
    ]);
    const page1 = await f.sm.send(new ListEndpointsCommand({ MaxResults: 2 }));
    const page2 = await f.sm.send(
      new ListEndpointsCommand({ MaxResults: 2, NextToken: page1.NextToken }),
    );
    assert.deepEqual(
      [...page1.Endpoints!, ...page2.Endpoints!].map((e) => e.EndpointName),
      ["other", "ep-b", "ep-a"],
    );
    assert.equal(page2.NextToken, undefined);
    await rejectsAws(
      f.sm.send(new ListEndpointsCommand({ StatusEquals: "Running" as "InService" })),
      {
        name: "ValidationException",
        message:
          /Value 'Running' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set: \[/,
      },
    );
  });
});

Deno.test("a second store on the same folder sees the endpoint and the shared clock", async () => {
  await withFixture(async (f) => {
    await deploy(f);
    const other = openFixture(f.dir);
    try {
      assert.equal((await describe(other)).EndpointStatus, "Creating");
      await other.clock.sleep(150_000);
      assert.equal((await describe(f)).EndpointStatus, "InService");
      assert.equal(f.clock.now().getTime(), other.clock.now().getTime());
    } finally {
      other.ctx.store.close();
    }
  });
});

Deno.test("a child process creates an endpoint that this process then describes", async () => {
  await withFixture(async (f) => {
    await uploadModel(f);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../testdata/sagemaker_child.ts", import.meta.url).pathname,
        f.dir,
      ],
      env: denoChildEnv(),
      stdout: "piped",
      stderr: "piped",
    });
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(new TextDecoder().decode(out.stdout), /status: InService/);
    const d = await describe(f, "child-endpoint");
    assert.equal(d.EndpointStatus, "InService");
    assert.equal(d.ProductionVariants![0].CurrentInstanceCount, 2);
    const store = Store.open(f.dir);
    try {
      assert.equal(store.now(), f.ctx.store.now());
    } finally {
      store.close();
    }
  });
});
