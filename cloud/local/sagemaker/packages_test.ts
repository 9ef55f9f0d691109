import {
  ConflictException,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  SageMakerServiceException,
} from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { IMAGE, MODEL_URL, rejectsAws, withFixture } from "../testdata/sagemaker_fixture.ts";

const SPEC = {
  Containers: [{
    Image: IMAGE,
    ModelDataUrl: MODEL_URL,
    Framework: "XGBOOST",
    FrameworkVersion: "1.5-1",
    NearestModelName: "xgboost",
  }],
  SupportedContentTypes: ["text/csv"],
  SupportedResponseMIMETypes: ["text/csv"],
  SupportedRealtimeInferenceInstanceTypes: ["ml.c5.large" as const],
};
const ARN = "arn:aws:sagemaker:us-east-1:000000000000";

Deno.test("model packages in a group get versions 1, 2 ... and ARNs model-package/<group>/<n>", async () => {
  await withFixture(async ({ sm }) => {
    const group = await sm.send(
      new CreateModelPackageGroupCommand({
        ModelPackageGroupName: "XGB-Group",
        ModelPackageGroupDescription: "benchmarks",
      }),
    );
    assert.equal(group.ModelPackageGroupArn, `${ARN}:model-package-group/xgb-group`);
    const v1 = await sm.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: "XGB-Group",
        InferenceSpecification: SPEC,
        Domain: "MACHINE_LEARNING",
        Task: "CLASSIFICATION",
        SamplePayloadUrl: "s3://b/payload/payload.tar.gz",
      }),
    );
    const v2 = await sm.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: `${ARN}:model-package-group/xgb-group`,
        InferenceSpecification: SPEC,
        ModelApprovalStatus: "Approved",
      }),
    );
    assert.equal(v1.ModelPackageArn, `${ARN}:model-package/xgb-group/1`);
    assert.equal(v2.ModelPackageArn, `${ARN}:model-package/xgb-group/2`);

    const d = await sm.send(
      new DescribeModelPackageCommand({ ModelPackageName: v1.ModelPackageArn }),
    );
    assert.equal(d.ModelPackageName, "XGB-Group");
    assert.equal(d.ModelPackageGroupName, "XGB-Group");
    assert.equal(d.ModelPackageVersion, 1);
    assert.equal(d.ModelApprovalStatus, "PendingManualApproval");
    assert.equal(d.ModelPackageStatus, "Completed");
    assert.equal(d.Task, "CLASSIFICATION");
    assert.equal(d.SamplePayloadUrl, "s3://b/payload/payload.tar.gz");
    assert.deepEqual(d.InferenceSpecification, SPEC);
    assert.ok(d.CreationTime instanceof Date);

    const g = await sm.send(
      new DescribeModelPackageGroupCommand({ ModelPackageGroupName: "xgb-group" }),
    );
    assert.equal(g.ModelPackageGroupName, "XGB-Group");
    assert.equal(g.ModelPackageGroupStatus, "Completed");
  });
});

Deno.test("model package errors carry SageMaker's names and wording", async () => {
  await withFixture(async ({ sm }) => {
    await rejectsAws(
      sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: "nope" })),
      {
        name: "ValidationException",
        message: `ModelPackageGroup ${ARN}:model-package-group/nope does not exist.`,
      },
    );
    await rejectsAws(
      sm.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: "nope",
          InferenceSpecification: SPEC,
        }),
      ),
      { name: "ValidationException", message: /^ModelPackageGroup .* does not exist\.$/ },
    );
    await rejectsAws(
      sm.send(new DescribeModelPackageCommand({ ModelPackageName: `${ARN}:model-package/nope/1` })),
      { name: "ValidationException", message: /^Could not find model package/ },
    );
    await rejectsAws(
      sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "bad_name" })),
      {
        name: "ValidationException",
        message:
          "1 validation error detected: Value 'bad_name' at 'modelPackageGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
      },
    );
    await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "g1" }));
    await rejectsAws(sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "G1" })), {
      name: "ValidationException",
      message: /Model Package Group already exists/,
    });
    await rejectsAws(
      sm.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: "g1",
          ModelPackageName: "p",
          InferenceSpecification: SPEC,
        }),
      ),
      {
        name: "ValidationException",
        message:
          "Both ModelPackageName and ModelPackageGroupName are provided in the input. Cannot determine which one to use.",
      },
    );
    await rejectsAws(sm.send(new CreateModelPackageCommand({ InferenceSpecification: SPEC })), {
      name: "ValidationException",
      message: "Missing ARN.",
    });
    await rejectsAws(
      sm.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: "g1",
          InferenceSpecification: {
            ...SPEC,
            SupportedRealtimeInferenceInstanceTypes: ["c5.large" as "ml.c5.large"],
          },
        }),
      ),
      {
        name: "ValidationException",
        message:
          /Value 'c5\.large' at 'inferenceSpecification\.supportedRealtimeInferenceInstanceTypes\.1\.member' failed to satisfy constraint: Member must satisfy enum value set: \[.*ml\.c5\.large/,
      },
    );
    await rejectsAws(
      sm.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: "g1",
          InferenceSpecification: { ...SPEC, Containers: [] },
          ModelApprovalStatus: "Maybe" as "Approved",
        }),
      ),
      {
        name: "ValidationException",
        message:
          /^2 validation errors detected: .*'modelApprovalStatus'.*; .*'inferenceSpecification\.containers'.*length greater than or equal to 1/,
      },
    );
  });
});

Deno.test("a model package group with packages cannot be deleted until its packages are", async () => {
  await withFixture(async ({ sm }) => {
    await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "g" }));
    const { ModelPackageArn } = await sm.send(
      new CreateModelPackageCommand({ ModelPackageGroupName: "g", InferenceSpecification: SPEC }),
    );
    await assert.rejects(
      sm.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: "g" })),
      (e: unknown) => e instanceof ConflictException && e instanceof SageMakerServiceException,
    );
    await sm.send(new DeleteModelPackageCommand({ ModelPackageName: ModelPackageArn }));
    await rejectsAws(
      sm.send(new DescribeModelPackageCommand({ ModelPackageName: ModelPackageArn })),
      { name: "ValidationException", message: /^Could not find model package/ },
    );
    await sm.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: "g" }));
    await rejectsAws(
      sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: "g" })),
      { name: "ValidationException", message: /does not exist/ },
    );
    // Versions are not reused after a delete.
    await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "h" }));
    const a = await sm.send(
      new CreateModelPackageCommand({ ModelPackageGroupName: "h", InferenceSpecification: SPEC }),
    );
    await sm.send(new DeleteModelPackageCommand({ ModelPackageName: a.ModelPackageArn }));
    const b = await sm.send(
      new CreateModelPackageCommand({ ModelPackageGroupName: "h", InferenceSpecification: SPEC }),
    );
    assert.ok(b.ModelPackageArn!.endsWith("model-package/h/2"));
  });
});

Deno.test("ListModelPackages filters by group and approval, sorts, and pages", async () => {
  await withFixture(async ({ sm, clock }) => {
    for (const g of ["alpha", "beta"]) {
      await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: g }));
    }
    for (let i = 0; i < 5; i++) {
      await sm.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: "alpha",
          InferenceSpecification: SPEC,
          ModelApprovalStatus: i % 2 === 0 ? "Approved" : "Rejected",
        }),
      );
      await clock.sleep(1000);
    }
    await sm.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: "beta",
        InferenceSpecification: SPEC,
      }),
    );
    await sm.send(
      new CreateModelPackageCommand({
        ModelPackageName: "standalone",
        InferenceSpecification: { ...SPEC, SupportedTransformInstanceTypes: ["ml.m5.large"] },
      }),
    );

    const versions: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await sm.send(
        new ListModelPackagesCommand({
          ModelPackageGroupName: "alpha",
          MaxResults: 2,
          NextToken: token,
        }),
      );
      versions.push(...page.ModelPackageSummaryList!.map((p) => p.ModelPackageVersion!));
      for (const p of page.ModelPackageSummaryList!) assert.equal(p.ModelPackageName, undefined);
      token = page.NextToken;
      pages++;
    } while (token);
    assert.deepEqual(versions, [1, 2, 3, 4, 5]); // default SortOrder is Ascending
    assert.equal(pages, 3);

    const approved = await sm.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: "alpha",
        ModelApprovalStatus: "Approved",
        SortOrder: "Descending",
      }),
    );
    assert.deepEqual(approved.ModelPackageSummaryList!.map((p) => p.ModelPackageVersion), [
      5,
      3,
      1,
    ]);

    const unversioned = await sm.send(new ListModelPackagesCommand({}));
    assert.deepEqual(unversioned.ModelPackageSummaryList!.map((p) => p.ModelPackageName), [
      "standalone",
    ]);
    const both = await sm.send(
      new ListModelPackagesCommand({ ModelPackageType: "Both", MaxResults: 100 }),
    );
    assert.equal(both.ModelPackageSummaryList!.length, 7);

    const groups = await sm.send(
      new ListModelPackageGroupsCommand({ SortBy: "Name", SortOrder: "Descending" }),
    );
    assert.deepEqual(groups.ModelPackageGroupSummaryList!.map((g) => g.ModelPackageGroupName), [
      "beta",
      "alpha",
    ]);
    const named = await sm.send(new ListModelPackageGroupsCommand({ NameContains: "ET" }));
    assert.deepEqual(named.ModelPackageGroupSummaryList!.map((g) => g.ModelPackageGroupName), [
      "beta",
    ]);
    await rejectsAws(sm.send(new ListModelPackagesCommand({ MaxResults: 0 })), {
      name: "ValidationException",
      message:
        /Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1/,
    });
  });
});
