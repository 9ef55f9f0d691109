// Proves the journaled cloud: it writes intent before and created after each create call,
// records failures and deletions, tags what it creates with the run id (read back through the
// local backend's tag APIs, and seen on the wire through the real SDK clients, S3 as the
// x-amz-tagging header); and with those records and tags, orphans are found from the journal,
// from the tags alone when the journal is lost, and deleted in dependency order, a second time
// counting as success.
import assert from "node:assert/strict";
import { join } from "node:path";
import { ListTagsForResourceCommand as AasListTags } from "@aws-sdk/client-application-auto-scaling";
import { CreateBucketCommand, GetObjectTaggingCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  ListTagsCommand,
} from "@aws-sdk/client-sagemaker";
import { RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand as CwListTags,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import type { LocalContext } from "../cloud/local/kernel/context.ts";
import { createProfiledEndpoint } from "../cloud/local/testdata/profiled_endpoint.ts";
import { FIXTURE_PROFILE } from "../cloud/local/testdata/recommender_fixture.ts";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { openCloud } from "../cloud/open.ts";
import { startAwsRecorder } from "../tests/aws_recorder.ts";
import type { Cloud } from "../cloud/types.ts";
import { inventory, inventoryLines } from "../tests/_inventory.ts";
import { deleteOrphans } from "./deletion.ts";
import { Journal, readJournal, RUN_ID_TAG, TOOLKIT_TAG } from "./journal.ts";
import { journaledCloud } from "./journaled_cloud.ts";
import { findOrphans } from "./orphans.ts";

async function withJournal(
  fn: (cloud: Cloud, journal: Journal, raw: Cloud, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "journal-" });
  const raw = await openCloud({ localDir: join(dir, "local") });
  const journal = new Journal(raw, {
    path: join(dir, "journal.jsonl"),
    localDir: join(dir, "local"),
  });
  try {
    await fn(journaledCloud(raw, journal), journal, raw, dir);
  } finally {
    await raw.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const BUCKET = "sagemaker-us-east-1-000000000000";

/** Creates one resource of several kinds through the journaled cloud. */
async function createSome(cloud: Cloud): Promise<void> {
  await cloud.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await cloud.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "lab/model.tar.gz", Body: "x" }));
  await cloud.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "g" }));
  await cloud.sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: "g",
      InferenceSpecification: {
        Containers: [{
          Image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
          ModelDataUrl: `s3://${BUCKET}/lab/model.tar.gz`,
        }],
        SupportedContentTypes: ["text/csv"],
        SupportedResponseMIMETypes: ["text/csv"],
      },
    }),
  );
  await cloud.sagemaker.send(
    new CreateModelCommand({
      ModelName: "m",
      ExecutionRoleArn: cloud.defaultRoleArn,
      PrimaryContainer: {
        Image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
        ModelDataUrl: `s3://${BUCKET}/lab/model.tar.gz`,
      },
    }),
  );
}

Deno.test("journaledCloud() writes intent before and created after each create, and tags it with the run id", async () => {
  await withJournal(async (cloud, journal) => {
    await createSome(cloud);
    const records = await readJournal(journal.path);
    assert.deepEqual(
      records.map((r) => `${r.event} ${r.kind}`),
      [
        "intent s3-object",
        "created s3-object",
        "intent model-package-group",
        "created model-package-group",
        "intent model-package",
        "created model-package",
        "intent model",
        "created model",
      ],
    );
    for (let i = 0; i < records.length; i += 2) {
      assert.equal(records[i].id, records[i + 1].id, "created names its intent");
      assert.equal(records[i].runId, journal.runId);
      assert.equal(records[i].backend, "local");
      assert.ok(records[i].localDir?.startsWith("/"), "local dir is absolute");
      assert.ok(!Number.isNaN(Date.parse(records[i].time)));
    }
    assert.match(
      records[5].arn ?? "",
      /^arn:aws:sagemaker:.*:model-package\/g\/1$/,
      "the ARN from the answer",
    );
    const modelArn = records[7].arn!;
    const tags = await cloud.sagemaker.send(new ListTagsCommand({ ResourceArn: modelArn }));
    assert.deepEqual(
      Object.fromEntries((tags.Tags ?? []).map((t) => [t.Key, t.Value])),
      { [TOOLKIT_TAG]: "sagemaker-scaling-lab", [RUN_ID_TAG]: journal.runId },
    );
    const objectTags = await cloud.s3.send(
      new GetObjectTaggingCommand({ Bucket: BUCKET, Key: "lab/model.tar.gz" }),
    );
    assert.equal(objectTags.TagSet?.find((t) => t.Key === RUN_ID_TAG)?.Value, journal.runId);
  });
});

Deno.test("journaledCloud() records failures, endpoint instances, deletions, and tags targets and alarms", async () => {
  await withJournal(async (cloud, journal) => {
    await assert.rejects(
      cloud.sagemaker.send(new CreateModelPackageCommand({ ModelPackageGroupName: "missing" })),
    );
    await createProfiledEndpoint(
      cloud as Cloud & { context: LocalContext },
      { profile: FIXTURE_PROFILE, bucket: BUCKET },
    );
    const target = await cloud.autoscaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: "endpoint/ep/variant/AllTraffic",
        ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
        MinCapacity: 1,
        MaxCapacity: 2,
      }),
    );
    await cloud.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: "ep-alarm",
        Namespace: "AWS/SageMaker",
        MetricName: "InvocationsPerInstance",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 10,
        ComparisonOperator: "GreaterThanThreshold",
      }),
    );
    const [described] = (await cloud.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: ["ep-alarm"] }),
    )).MetricAlarms ?? [];
    const alarmTags = await cloud.cloudwatch.send(
      new CwListTags({ ResourceARN: described.AlarmArn }),
    );
    assert.equal(alarmTags.Tags?.find((t) => t.Key === RUN_ID_TAG)?.Value, journal.runId);
    await cloud.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: ["ep-alarm"] }));
    const records = await readJournal(journal.path);
    assert.deepEqual(records.slice(0, 2).map((r) => r.event), ["intent", "failed"]);
    assert.match(records[1].note ?? "", /./, "why it failed");
    const endpoint = records.find((r) => r.kind === "endpoint" && r.event === "intent");
    assert.deepEqual([endpoint?.instanceType, endpoint?.instanceCount], ["ml.c5.large", 1]);
    const tags = await cloud.autoscaling.send(
      new AasListTags({ ResourceARN: target.ScalableTargetARN }),
    );
    assert.equal(tags.Tags?.[RUN_ID_TAG], journal.runId);
    assert.deepEqual(
      records.filter((r) => r.kind === "alarm").map((r) => r.event),
      ["intent", "created", "deleted"],
    );
  });
});

Deno.test("orphans are found from the journal, from tags alone, and deleted once and again", async () => {
  await withJournal(async (cloud, journal, raw, dir) => {
    await createSome(cloud);
    const localScope = {
      backend: journal.scope.backend,
      region: journal.scope.region,
      localDir: journal.scope.localDir,
    };
    const fromJournal = await findOrphans(raw, {
      records: await readJournal(journal.path),
      scope: localScope,
    });
    assert.deepEqual(
      fromJournal.map((o) => `${o.kind} ${o.foundBy}`).sort(),
      [
        "model journal+tags",
        "model-package journal",
        "model-package-group journal+tags",
        "s3-object journal+tags",
      ],
    );
    assert.ok(fromJournal.every((o) => o.runId === journal.runId));
    // Journal lost: the tags still name the run.
    const fromTags = await findOrphans(raw, { records: [], scope: localScope });
    assert.deepEqual(fromTags.map((o) => o.kind).sort(), [
      "model",
      "model-package-group",
      "s3-object",
    ]);
    // A journal of another folder is not this one's.
    const elsewhere = await findOrphans(raw, {
      records: await readJournal(journal.path),
      scope: { ...localScope, localDir: join(dir, "other") },
      scanTags: false,
    });
    assert.deepEqual(elsewhere, []);
    const first = await deleteOrphans(cloud, fromTags, { journal });
    assert.deepEqual(first.failed, []);
    assert.equal(first.deleted.length, 4, "the group's package went first, unnamed by the scan");
    assert.deepEqual(inventoryLines(await inventory(raw, BUCKET)), []);
    const again = await deleteOrphans(cloud, fromJournal, { journal });
    assert.deepEqual(again.failed, [], "deleting what is gone is success");
    assert.deepEqual(
      await findOrphans(raw, { records: await readJournal(journal.path), scope: localScope }),
      [],
      "the journal says nothing is left",
    );
  });
});

Deno.test("the run's tags reach the wire through the real SDK clients", async () => {
  const recorder = startAwsRecorder();
  const dir = await Deno.makeTempDir({ prefix: "journal-" });
  try {
    const credentials = { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake-secret" };
    const config = { region: "us-east-1", endpoint: recorder.url, credentials, maxAttempts: 1 };
    const real: Cloud = {
      backend: "aws",
      region: "us-east-1",
      defaultRoleArn: undefined,
      capacityProfile: () => Promise.resolve(undefined),
      sagemaker: new SageMakerClient(config),
      autoscaling: new ApplicationAutoScalingClient(config),
      cloudwatch: new CloudWatchClient(config),
      s3: new S3Client({ ...config, forcePathStyle: true }),
      runtime: new SageMakerRuntimeClient(config),
      clock: { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      close: () => Promise.resolve(),
    };
    const journal = new Journal(real, { path: join(dir, "journal.jsonl") });
    const cloud = journaledCloud(real, journal);
    const ignore = () => {}; // the recorder's canned answers need not parse
    await cloud.sagemaker.send(
      new CreateModelCommand({
        ModelName: "m",
        ExecutionRoleArn: "arn:aws:iam::000000000000:role/r",
      }),
    ).catch(ignore);
    await cloud.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "k", Body: "x" })).catch(
      ignore,
    );
    await cloud.autoscaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: "endpoint/e/variant/AllTraffic",
        ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
        MinCapacity: 1,
        MaxCapacity: 2,
      }),
    ).catch(ignore);
    await cloud.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: "a",
        Namespace: "AWS/SageMaker",
        MetricName: "InvocationsPerInstance",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanThreshold",
      }),
    ).catch(ignore);
    assert.equal(recorder.requests.length, 4);
    for (const request of recorder.requests) {
      const wire = new TextDecoder().decode(request.body) + JSON.stringify(request.headers);
      assert.ok(wire.includes(journal.runId), `${request.operation} carries the run id: ${wire}`);
    }
    const s3 = recorder.requests.find((r) => r.method === "PUT")!;
    assert.match(s3.headers["x-amz-tagging"] ?? "", new RegExp(`run-id=${journal.runId}`));
    assert.equal((await readJournal(journal.path)).filter((r) => r.event === "intent").length, 4);
  } finally {
    await recorder.close();
    await Deno.remove(dir, { recursive: true });
  }
});
