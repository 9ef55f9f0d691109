import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
} from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { describeEndpointRecord } from "./mod.ts";
import { profileKey } from "../../../sim/profile.ts";
import {
  IMAGE,
  type LocalFixture,
  MODEL_URL,
  rejectsAws,
  ROLE,
  uploadModel,
  withFixture,
} from "../testdata/sagemaker_fixture.ts";

const ARN = "arn:aws:sagemaker:us-east-1:000000000000";

async function createModel(f: LocalFixture, name: string) {
  return await f.sm.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGE, ModelDataUrl: MODEL_URL, Environment: { A: "1" } },
    }),
  );
}

Deno.test("CreateModel checks the artifact in the local S3, the name, the role and duplicates", async () => {
  await withFixture(async (f) => {
    await rejectsAws(createModel(f, "xgb"), {
      name: "ValidationException",
      message: `Could not find model data at ${MODEL_URL}.`,
    });
    await uploadModel(f);
    const created = await createModel(f, "Xgb-Model");
    assert.equal(created.ModelArn, `${ARN}:model/xgb-model`);
    await rejectsAws(createModel(f, "xgb-model"), {
      name: "ValidationException",
      message: `Cannot create already existing model "${ARN}:model/xgb-model".`,
    });
    await rejectsAws(
      f.sm.send(
        new CreateModelCommand({
          ModelName: "-bad",
          ExecutionRoleArn: "my-role",
          PrimaryContainer: { Image: IMAGE },
        }),
      ),
      {
        name: "ValidationException",
        message:
          "3 validation errors detected: Value '-bad' at 'modelName' failed to satisfy constraint: " +
          "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}; " +
          "Value 'my-role' at 'executionRoleArn' failed to satisfy constraint: " +
          "Member must have length greater than or equal to 20; " +
          "Value 'my-role' at 'executionRoleArn' failed to satisfy constraint: " +
          "Member must satisfy regular expression pattern: ^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$",
      },
    );
    await rejectsAws(
      f.sm.send(new CreateModelCommand({ ModelName: "no-container", ExecutionRoleArn: ROLE })),
      { name: "ValidationException", message: /exactly one of PrimaryContainer or Containers/ },
    );
    const d = await f.sm.send(new DescribeModelCommand({ ModelName: "XGB-MODEL" }));
    assert.equal(d.ModelName, "Xgb-Model");
    assert.deepEqual(d.PrimaryContainer, {
      Image: IMAGE,
      ModelDataUrl: MODEL_URL,
      Environment: { A: "1" },
    });
    assert.equal(d.ExecutionRoleArn, ROLE);
    assert.ok(d.CreationTime instanceof Date);
    await f.sm.send(new DeleteModelCommand({ ModelName: "xgb-model" }));
    await rejectsAws(f.sm.send(new DescribeModelCommand({ ModelName: "xgb-model" })), {
      name: "ValidationException",
      message: `Could not find model "${ARN}:model/xgb-model".`,
    });
    await rejectsAws(f.sm.send(new DeleteModelCommand({ ModelName: "xgb-model" })), {
      name: "ValidationException",
      message: /^Could not find model/,
    });
  });
});

Deno.test("ListModels sorts by CreationTime (newest first by default) or Name, filters, pages", async () => {
  await withFixture(async (f) => {
    await uploadModel(f);
    const start = f.clock.now();
    for (const name of ["m-c", "m-a", "other-b", "m-d"]) {
      await createModel(f, name);
      await f.clock.sleep(60_000);
    }
    const all = await f.sm.send(new ListModelsCommand({}));
    assert.deepEqual(all.Models!.map((m) => m.ModelName), ["m-d", "other-b", "m-a", "m-c"]);
    const byName = await f.sm.send(
      new ListModelsCommand({ SortBy: "Name", SortOrder: "Ascending", NameContains: "m-" }),
    );
    assert.deepEqual(byName.Models!.map((m) => m.ModelName), ["m-a", "m-c", "m-d"]);
    const window = await f.sm.send(
      new ListModelsCommand({
        CreationTimeAfter: new Date(start.getTime() + 60_000),
        CreationTimeBefore: new Date(start.getTime() + 180_000),
      }),
    );
    assert.deepEqual(window.Models!.map((m) => m.ModelName), ["other-b", "m-a"]);
    const first = await f.sm.send(new ListModelsCommand({ MaxResults: 3 }));
    assert.equal(first.Models!.length, 3);
    assert.ok(first.NextToken);
    const rest = await f.sm.send(
      new ListModelsCommand({ MaxResults: 3, NextToken: first.NextToken }),
    );
    assert.deepEqual(rest.Models!.map((m) => m.ModelName), ["m-c"]);
    assert.equal(rest.NextToken, undefined);
    await rejectsAws(f.sm.send(new ListModelsCommand({ NextToken: "garbage" })), {
      name: "ValidationException",
      message: /Invalid pagination token/,
    });
  });
});

Deno.test("endpoint configs need existing models, valid instance types and unique names", async () => {
  await withFixture(async (f) => {
    await uploadModel(f);
    await createModel(f, "xgb");
    const variant = {
      VariantName: "AllTraffic",
      ModelName: "xgb",
      InstanceType: "ml.c5.large" as const,
      InitialInstanceCount: 1,
    };
    await rejectsAws(
      f.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: "cfg",
          ProductionVariants: [{ ...variant, ModelName: "missing" }],
        }),
      ),
      { name: "ValidationException", message: `Could not find model "${ARN}:model/missing".` },
    );
    await rejectsAws(
      f.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: "cfg",
          ProductionVariants: [{
            ...variant,
            InstanceType: "c5.large" as "ml.c5.large",
            InitialInstanceCount: 0,
          }],
        }),
      ),
      {
        name: "ValidationException",
        message:
          /^2 validation errors detected: Value '0' at 'productionVariants\.1\.member\.initialInstanceCount' .*greater than or equal to 1; Value 'c5\.large' at 'productionVariants\.1\.member\.instanceType' failed to satisfy constraint: Member must satisfy enum value set: \[/,
      },
    );
    const created = await f.sm.send(
      new CreateEndpointConfigCommand({ EndpointConfigName: "Cfg", ProductionVariants: [variant] }),
    );
    assert.equal(created.EndpointConfigArn, `${ARN}:endpoint-config/cfg`);
    await rejectsAws(
      f.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: "cfg",
          ProductionVariants: [variant],
        }),
      ),
      {
        name: "ValidationException",
        message:
          `Cannot create already existing endpoint configuration "${ARN}:endpoint-config/cfg".`,
      },
    );
    const d = await f.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: "cfg" }));
    assert.deepEqual(d.ProductionVariants, [{ ...variant, InitialVariantWeight: 1 }]);
    const listed = await f.sm.send(new ListEndpointConfigsCommand({ NameContains: "CF" }));
    assert.deepEqual(listed.EndpointConfigs!.map((c) => c.EndpointConfigName), ["Cfg"]);

    // An endpoint keeps running when its config and model are deleted (allowed on AWS).
    await f.sm.send(new CreateEndpointCommand({ EndpointName: "ep", EndpointConfigName: "cfg" }));
    await f.sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: "cfg" }));
    await f.sm.send(new DeleteModelCommand({ ModelName: "xgb" }));
    assert.equal(describeEndpointRecord(f.ctx, "ep").EndpointStatus, "Creating");
    await rejectsAws(f.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: "cfg" })), {
      name: "ValidationException",
      message: `Could not find endpoint configuration "${ARN}:endpoint-config/cfg".`,
    });
    await rejectsAws(
      f.sm.send(new CreateEndpointCommand({ EndpointName: "ep2", EndpointConfigName: "cfg" })),
      { name: "ValidationException", message: /^Could not find endpoint configuration/ },
    );
  });
});

Deno.test("a model built from a model package takes its image and data URL for the profile key", async () => {
  await withFixture(async (f) => {
    await f.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "grp" }));
    const { ModelPackageArn } = await f.sm.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: "grp",
        InferenceSpecification: { Containers: [{ Image: IMAGE, ModelDataUrl: MODEL_URL }] },
        ModelApprovalStatus: "Approved",
      }),
    );
    await f.sm.send(
      new CreateModelCommand({
        ModelName: "from-package",
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { ModelPackageName: ModelPackageArn },
      }),
    );
    await f.sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: "cfg",
        ProductionVariants: [{
          VariantName: "v",
          ModelName: "from-package",
          InstanceType: "ml.m5.large",
          InitialInstanceCount: 1,
        }],
      }),
    );
    await f.sm.send(new CreateEndpointCommand({ EndpointName: "ep", EndpointConfigName: "cfg" }));
    const v = describeEndpointRecord(f.ctx, "ep").ProductionVariants[0];
    assert.equal(
      v.profileKey,
      profileKey({ modelDataUrl: MODEL_URL, image: IMAGE, instanceType: "ml.m5.large" }),
    );
  });
});
