import {
  DeleteScalingPolicyCommand,
  DeleteScheduledActionCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
  PutScalingPolicyCommand,
  type PutScalingPolicyCommandInput,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { DescribeAlarmsCommand, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import assert from "node:assert/strict";
import { SCHEDULED_ACTION_EVENT } from "./engine.ts";
import {
  brief,
  DIMENSIONS,
  RESOURCE_ID,
  type ScalingHarness,
  TARGET,
  withScaling,
} from "../testdata/scaling_harness.ts";

const TT_INVOCATIONS: PutScalingPolicyCommandInput = {
  ...TARGET,
  PolicyName: "invocations",
  PolicyType: "TargetTrackingScaling",
  TargetTrackingScalingPolicyConfiguration: {
    TargetValue: 70,
    PredefinedMetricSpecification: {
      PredefinedMetricType: "SageMakerVariantInvocationsPerInstance",
    },
  },
};

const STEP: PutScalingPolicyCommandInput = {
  ...TARGET,
  PolicyName: "step-out",
  PolicyType: "StepScaling",
  StepScalingPolicyConfiguration: {
    AdjustmentType: "ChangeInCapacity",
    StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
    Cooldown: 60,
  },
};

async function rejectsWith(p: Promise<unknown>, name: string, message: RegExp | string) {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, e.message);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

Deno.test("RegisterScalableTarget creates, describes and updates a variant target", async () => {
  await withScaling({ instances: 1 }, async (h) => {
    const out = await h.autoscaling.send(
      new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: 4 }),
    );
    assert.match(
      out.ScalableTargetARN!,
      /^arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target\/[0-9a-f]+$/,
    );
    await h.clock.sleep(60_000);
    await h.autoscaling.send(
      new RegisterScalableTargetCommand({
        ...TARGET,
        MaxCapacity: 6,
        SuspendedState: { ScheduledScalingSuspended: true },
      }),
    );
    const d = await h.autoscaling.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker" }),
    );
    assert.equal(d.ScalableTargets!.length, 1);
    const t = d.ScalableTargets![0];
    assert.equal(t.ResourceId, RESOURCE_ID);
    assert.equal(t.MinCapacity, 1); // kept
    assert.equal(t.MaxCapacity, 6); // updated
    assert.equal(t.CreationTime!.getTime(), h.t0); // kept
    assert.equal(t.ScalableTargetARN, out.ScalableTargetARN);
    assert.deepEqual(t.SuspendedState, {
      DynamicScalingInSuspended: false,
      DynamicScalingOutSuspended: false,
      ScheduledScalingSuspended: true,
    });
    assert.match(t.RoleARN!, /AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint$/);
    const other = await h.autoscaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: "sagemaker",
        ResourceIds: ["endpoint/x/variant/y"],
      }),
    );
    assert.deepEqual(other.ScalableTargets, []);
  });
});

Deno.test("RegisterScalableTarget rejects what AWS rejects", async () => {
  await withScaling({}, async (h) => {
    const register = (input: Record<string, unknown>) =>
      h.autoscaling.send(
        new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: 2, ...input }),
      );
    await rejectsWith(
      register({ ResourceId: "endpoint/missing/variant/AllTraffic" }),
      "ValidationException",
      /Could not find endpoint "missing"/,
    );
    await rejectsWith(
      register({ ResourceId: "endpoint/ep/variant/Blue" }),
      "ValidationException",
      /The variant "Blue" is not present in endpoint "ep": use one of "AllTraffic"/,
    );
    await rejectsWith(
      register({ ResourceId: "ep/AllTraffic" }),
      "ValidationException",
      "Unsupported service namespace, resource type or scalable dimension",
    );
    await rejectsWith(
      register({ ScalableDimension: "ecs:service:DesiredCount" }),
      "ValidationException",
      "Unsupported service namespace, resource type or scalable dimension",
    );
    await rejectsWith(
      register({ MinCapacity: 0 }),
      "ValidationException",
      /minimum capacity .* is 1, got 0/,
    );
    await rejectsWith(
      register({ MinCapacity: 3 }),
      "ValidationException",
      /\(3\) cannot be greater than maximum capacity \(2\)/,
    );
    await rejectsWith(
      register({ MinCapacity: undefined }),
      "ValidationException",
      /MinCapacity and MaxCapacity are required when registering a new scalable target/,
    );
    await assert.rejects(
      register({
        ServiceNamespace: "ecs",
        ScalableDimension: "ecs:service:DesiredCount",
        ResourceId: "service/c/s",
      }),
      /does not implement Application Auto Scaling RegisterScalableTarget for ecs:service:DesiredCount/,
    );
  });
});

Deno.test("raising MinCapacity above the current count scales out at once", async () => {
  await withScaling({ instances: 1, register: { min: 1, max: 5 } }, async (h) => {
    await h.autoscaling.send(new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 3 }));
    assert.equal(await h.capacity(), 3);
    const [a] = await h.activities();
    assert.deepEqual(brief(a, h.t0), {
      at: 0,
      status: "InProgress",
      description: "Setting desired instance count to 3.",
      cause: "minimum capacity was set to 3",
    });
    assert.equal(
      a.StatusMessage,
      "Successfully set desired instance count to 3. Waiting for change to be fulfilled by sagemaker.",
    );
    await h.sleepTo(240);
    const [done] = await h.activities();
    assert.equal(done.StatusCode, "Successful");
    assert.equal(done.EndTime!.getTime(), h.t0 + 240_000);
    assert.equal(
      done.StatusMessage,
      "Successfully set desired instance count to 3. Change successfully fulfilled by sagemaker.",
    );
  });
});

Deno.test("DescribeScalingActivities lists newest first, in pages", async () => {
  await withScaling({ instances: 1, register: { min: 1, max: 5 } }, async (h) => {
    for (const min of [2, 3, 4]) {
      await h.autoscaling.send(new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: min }));
      await h.clock.sleep(240_000); // let SageMaker finish before the next change
    }
    const first = await h.autoscaling.send(
      new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker", MaxResults: 2 }),
    );
    assert.deepEqual(first.ScalingActivities!.map((a) => a.Description), [
      "Setting desired instance count to 4.",
      "Setting desired instance count to 3.",
    ]);
    const second = await h.autoscaling.send(
      new DescribeScalingActivitiesCommand({
        ServiceNamespace: "sagemaker",
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    assert.deepEqual(second.ScalingActivities!.map((a) => a.Description), [
      "Setting desired instance count to 2.",
    ]);
    assert.equal(second.NextToken, undefined);
    const other = await h.autoscaling.send(
      new DescribeScalingActivitiesCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: "endpoint/x/variant/y",
      }),
    );
    assert.deepEqual(other.ScalingActivities, []);
    await rejectsWith(
      h.autoscaling.send(
        new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker", NextToken: "nope" }),
      ),
      "InvalidNextTokenException",
      /Invalid token/,
    );
  });
});

Deno.test("PutScalingPolicy needs a registered target", async () => {
  await withScaling({}, async (h) => {
    await rejectsWith(
      h.autoscaling.send(new PutScalingPolicyCommand(TT_INVOCATIONS)),
      "ObjectNotFoundException",
      "No scalable target registered for service namespace: sagemaker, resource ID: endpoint/ep/variant/AllTraffic, scalable dimension: sagemaker:variant:DesiredInstanceCount",
    );
  });
});

Deno.test("target tracking creates AlarmHigh and AlarmLow with the spec's shapes", async () => {
  await withScaling({ register: { min: 1, max: 4 } }, async (h) => {
    const out = await h.autoscaling.send(new PutScalingPolicyCommand(TT_INVOCATIONS));
    assert.match(
      out.PolicyARN!,
      /^arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:[0-9a-f-]{36}:resource\/sagemaker\/endpoint\/ep\/variant\/AllTraffic:policyName\/invocations$/,
    );
    assert.equal(out.Alarms!.length, 2);
    const alarms = await h.alarms();
    const high = alarms.find((a) => a.AlarmName!.includes("-AlarmHigh-"))!;
    const low = alarms.find((a) => a.AlarmName!.includes("-AlarmLow-"))!;
    assert.match(
      high.AlarmName!,
      /^TargetTracking-endpoint\/ep\/variant\/AllTraffic-AlarmHigh-[0-9a-f-]{36}$/,
    );
    assert.deepEqual(out.Alarms!.map((a) => a.AlarmName), [high.AlarmName, low.AlarmName]);
    assert.equal(out.Alarms![0].AlarmARN, high.AlarmArn);
    for (const a of [high, low]) {
      assert.equal(
        a.AlarmDescription,
        `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${out.PolicyARN}.`,
      );
      assert.equal(a.Namespace, "AWS/SageMaker");
      assert.equal(a.MetricName, "InvocationsPerInstance");
      assert.deepEqual(a.Dimensions, DIMENSIONS);
      assert.equal(a.Statistic, "Sum");
      assert.equal(a.Period, 60);
      assert.equal(a.TreatMissingData, "missing");
      assert.equal(a.AlarmActions!.length, 1);
      assert.match(
        a.AlarmActions![0],
        new RegExp(`^${out.PolicyARN!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:createdBy/`),
      );
    }
    assert.deepEqual(
      [high.Threshold, high.ComparisonOperator, high.EvaluationPeriods, high.DatapointsToAlarm],
      [70, "GreaterThanThreshold", 3, 3],
    );
    assert.deepEqual(
      [low.Threshold, low.ComparisonOperator, low.EvaluationPeriods, low.DatapointsToAlarm],
      [63, "LessThanThreshold", 15, 15],
    );
    // Updating the policy keeps its ARN and alarm names, with the new thresholds.
    const again = await h.autoscaling.send(
      new PutScalingPolicyCommand({
        ...TT_INVOCATIONS,
        TargetTrackingScalingPolicyConfiguration: {
          ...TT_INVOCATIONS.TargetTrackingScalingPolicyConfiguration!,
          TargetValue: 80,
        },
      }),
    );
    assert.equal(again.PolicyARN, out.PolicyARN);
    assert.deepEqual(again.Alarms!.map((a) => a.AlarmName), out.Alarms!.map((a) => a.AlarmName));
    const updated = await h.alarms();
    assert.deepEqual(updated.map((a) => a.Threshold).sort(), [72, 80]);
  });
});

Deno.test("high-resolution, customized and DisableScaleIn target tracking alarms", async () => {
  await withScaling({ register: { min: 1, max: 4 } }, async (h) => {
    await h.autoscaling.send(
      new PutScalingPolicyCommand({
        ...TARGET,
        PolicyName: "concurrency",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 5,
          PredefinedMetricSpecification: {
            PredefinedMetricType: "SageMakerVariantConcurrentRequestsPerModelHighResolution",
          },
        },
      }),
    );
    await h.autoscaling.send(
      new PutScalingPolicyCommand({
        ...TARGET,
        PolicyName: "cpu",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 50,
          DisableScaleIn: true,
          CustomizedMetricSpecification: {
            MetricName: "CPUUtilization",
            Namespace: "/aws/sagemaker/Endpoints",
            Dimensions: DIMENSIONS,
            Statistic: "Average",
            Unit: "Percent",
          },
        },
      }),
    );
    const alarms = await h.alarms();
    const shape = (a: (typeof alarms)[number]) => ({
      metric: `${a.Namespace} ${a.MetricName} ${a.Statistic}`,
      period: a.Period,
      n: a.EvaluationPeriods,
      m: a.DatapointsToAlarm,
      threshold: a.Threshold,
      op: a.ComparisonOperator,
      unit: a.Unit,
    });
    assert.deepEqual(alarms.map(shape).sort((a, b) => a.threshold! - b.threshold!), [
      {
        metric: "AWS/SageMaker ConcurrentRequestsPerModel Average",
        period: 10,
        n: 90,
        m: 90,
        threshold: 4.5,
        op: "LessThanThreshold",
        unit: undefined,
      },
      {
        metric: "AWS/SageMaker ConcurrentRequestsPerModel Average",
        period: 10,
        n: 3,
        m: 3,
        threshold: 5,
        op: "GreaterThanThreshold",
        unit: undefined,
      },
      // DisableScaleIn: the AlarmHigh only.
      {
        metric: "/aws/sagemaker/Endpoints CPUUtilization Average",
        period: 60,
        n: 3,
        m: 3,
        threshold: 50,
        op: "GreaterThanThreshold",
        unit: "Percent",
      },
    ]);
    await rejectsWith(
      h.autoscaling.send(
        new PutScalingPolicyCommand({
          ...TARGET,
          PolicyName: "cpu-again",
          PolicyType: "TargetTrackingScaling",
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: 60,
            CustomizedMetricSpecification: {
              MetricName: "CPUUtilization",
              Namespace: "/aws/sagemaker/Endpoints",
              Dimensions: DIMENSIONS,
              Statistic: "Average",
            },
          },
        }),
      ),
      "ValidationException",
      /must track different metrics: policy "cpu" already tracks/,
    );
    await rejectsWith(
      h.autoscaling.send(
        new PutScalingPolicyCommand({
          ...TARGET,
          PolicyName: "ecs-metric",
          PolicyType: "TargetTrackingScaling",
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: 60,
            PredefinedMetricSpecification: {
              PredefinedMetricType: "ECSServiceAverageCPUUtilization",
            },
          },
        }),
      ),
      "ValidationException",
      /ECSServiceAverageCPUUtilization is not supported/,
    );
  });
});

Deno.test("step policies are validated with AWS's messages", async () => {
  await withScaling({ register: { min: 1, max: 4 } }, async (h) => {
    const put = (config: Record<string, unknown>) =>
      h.autoscaling.send(
        new PutScalingPolicyCommand({
          ...STEP,
          StepScalingPolicyConfiguration: { ...STEP.StepScalingPolicyConfiguration, ...config },
        }),
      );
    await rejectsWith(
      put({ StepAdjustments: [{ ScalingAdjustment: 1 }] }),
      "ValidationException",
      "Both lower and upper bounds of a step adjustment cannot be left unspecified",
    );
    await rejectsWith(
      put({
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 15, ScalingAdjustment: 2 },
        ],
      }),
      "ValidationException",
      /cannot have a gap/,
    );
    await rejectsWith(
      put({
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 5, ScalingAdjustment: 2 },
        ],
      }),
      "ValidationException",
      /cannot overlap/,
    );
    await rejectsWith(
      put({ MinAdjustmentMagnitude: 2 }),
      "ValidationException",
      /MinAdjustmentMagnitude is only supported with the PercentChangeInCapacity adjustment type/,
    );
    await rejectsWith(
      put({ AdjustmentType: undefined }),
      "ValidationException",
      /adjustmentType' failed to satisfy constraint: Member must not be null/,
    );
    const ok = await put({});
    assert.equal(ok.Alarms, undefined); // a step policy makes no alarm: it waits for one (spec §3)
    assert.deepEqual(await h.alarms(), []);
  });
});

Deno.test("DescribeScalingPolicies filters and pages by 10", async () => {
  await withScaling({ register: { min: 1, max: 4 } }, async (h) => {
    for (let i = 0; i < 12; i++) {
      await h.autoscaling.send(
        new PutScalingPolicyCommand({ ...STEP, PolicyName: `p${String(i).padStart(2, "0")}` }),
      );
    }
    const first = await h.autoscaling.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker" }),
    );
    assert.equal(first.ScalingPolicies!.length, 10);
    const second = await h.autoscaling.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: "sagemaker",
        NextToken: first.NextToken,
      }),
    );
    assert.deepEqual(second.ScalingPolicies!.map((p) => p.PolicyName), ["p10", "p11"]);
    assert.equal(second.NextToken, undefined);
    const named = await h.autoscaling.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: "sagemaker",
        PolicyNames: ["p03"],
        ResourceId: RESOURCE_ID,
      }),
    );
    const p = named.ScalingPolicies![0];
    assert.equal(p.PolicyType, "StepScaling");
    assert.deepEqual(p.StepScalingPolicyConfiguration, STEP.StepScalingPolicyConfiguration);
    assert.ok(p.CreationTime instanceof Date);
    await rejectsWith(
      h.autoscaling.send(
        new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", MaxResults: 11 }),
      ),
      "ValidationException",
      /between 1 and 10/,
    );
  });
});

async function userAlarmOn(h: ScalingHarness, policyArn: string) {
  await h.cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: "my-cpu-high",
      Namespace: "/aws/sagemaker/Endpoints",
      MetricName: "CPUUtilization",
      Dimensions: DIMENSIONS,
      Statistic: "Average",
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 80,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      AlarmActions: [policyArn, "arn:aws:sns:us-east-1:000000000000:ops"],
    }),
  );
}

Deno.test("DeleteScalingPolicy removes its target tracking alarms; user alarms stay without the action", async () => {
  await withScaling({ register: { min: 1, max: 4 } }, async (h) => {
    await h.autoscaling.send(new PutScalingPolicyCommand(TT_INVOCATIONS));
    const step = await h.autoscaling.send(new PutScalingPolicyCommand(STEP));
    await userAlarmOn(h, step.PolicyARN!);
    assert.equal((await h.alarms()).length, 3);
    const described = await h.autoscaling.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: "sagemaker",
        PolicyNames: ["step-out"],
      }),
    );
    assert.deepEqual(described.ScalingPolicies![0].Alarms!.map((a) => a.AlarmName), [
      "my-cpu-high",
    ]);
    await h.autoscaling.send(
      new DeleteScalingPolicyCommand({ ...TARGET, PolicyName: "invocations" }),
    );
    assert.deepEqual((await h.alarms()).map((a) => a.AlarmName), ["my-cpu-high"]);
    await h.autoscaling.send(new DeleteScalingPolicyCommand({ ...TARGET, PolicyName: "step-out" }));
    const [user] = await h.alarms();
    assert.deepEqual(user.AlarmActions, ["arn:aws:sns:us-east-1:000000000000:ops"]);
    await rejectsWith(
      h.autoscaling.send(new DeleteScalingPolicyCommand({ ...TARGET, PolicyName: "step-out" })),
      "ObjectNotFoundException",
      "No scaling policy found for service namespace: sagemaker, resource ID: endpoint/ep/variant/AllTraffic, scalable dimension: sagemaker:variant:DesiredInstanceCount, policy name: step-out",
    );
  });
});

Deno.test("DeregisterScalableTarget deletes policies, their alarms and scheduled actions; user alarms stay", async () => {
  await withScaling({ register: { min: 1, max: 4 } }, async (h) => {
    await h.autoscaling.send(new PutScalingPolicyCommand(TT_INVOCATIONS));
    const step = await h.autoscaling.send(new PutScalingPolicyCommand(STEP));
    await userAlarmOn(h, step.PolicyARN!);
    await h.autoscaling.send(
      new PutScheduledActionCommand({
        ...TARGET,
        ScheduledActionName: "mornings",
        Schedule: "cron(0 8 * * ? *)",
        ScalableTargetAction: { MinCapacity: 2 },
      }),
    );
    await h.autoscaling.send(new DeregisterScalableTargetCommand(TARGET));
    assert.deepEqual(
      (await h.autoscaling.send(
        new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker" }),
      )).ScalingPolicies,
      [],
    );
    assert.deepEqual(
      (await h.autoscaling.send(
        new DescribeScheduledActionsCommand({ ServiceNamespace: "sagemaker" }),
      ))
        .ScheduledActions,
      [],
    );
    assert.deepEqual(h.ctx.store.listEvents(SCHEDULED_ACTION_EVENT), []);
    const alarms = await h.cloudwatch.send(new DescribeAlarmsCommand({}));
    assert.deepEqual(alarms.MetricAlarms!.map((a) => [a.AlarmName, a.AlarmActions]), [
      ["my-cpu-high", ["arn:aws:sns:us-east-1:000000000000:ops"]],
    ]);
    await rejectsWith(
      h.autoscaling.send(new DeregisterScalableTargetCommand(TARGET)),
      "ObjectNotFoundException",
      "No scalable target found for service namespace: sagemaker, resource ID: endpoint/ep/variant/AllTraffic, scalable dimension: sagemaker:variant:DesiredInstanceCount",
    );
  });
});

Deno.test("scheduled actions: validation, description, next firing, deletion", async () => {
  await withScaling({ register: { min: 1, max: 4 } }, async (h) => {
    const put = (input: Record<string, unknown>) =>
      h.autoscaling.send(
        new PutScheduledActionCommand({
          ...TARGET,
          ScheduledActionName: "weekday-mornings",
          Schedule: "cron(0 8 ? * MON-FRI *)",
          Timezone: "America/New_York",
          ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 6 },
          ...input,
        }),
      );
    await rejectsWith(
      put({ Schedule: "cron(0 8 * * * *)" }),
      "ValidationException",
      /^Invalid schedule expression "cron\(0 8 \* \* \* \*\)"/,
    );
    await rejectsWith(
      put({ Timezone: "Mars/Base" }),
      "ValidationException",
      /Invalid time zone "Mars\/Base"/,
    );
    await rejectsWith(
      put({ ScalableTargetAction: { MinCapacity: 5, MaxCapacity: 3 } }),
      "ValidationException",
      /\(5\) cannot be greater than maximum capacity \(3\)/,
    );
    await rejectsWith(
      put({ ResourceId: "endpoint/other/variant/AllTraffic" }),
      "ObjectNotFoundException",
      /^No scalable target registered for service namespace: sagemaker, resource ID: endpoint\/other/,
    );
    await put({});
    const d = await h.autoscaling.send(
      new DescribeScheduledActionsCommand({ ServiceNamespace: "sagemaker" }),
    );
    const a = d.ScheduledActions![0];
    assert.equal(a.ScheduledActionName, "weekday-mornings");
    assert.equal(a.Schedule, "cron(0 8 ? * MON-FRI *)");
    assert.equal(a.Timezone, "America/New_York");
    assert.deepEqual(a.ScalableTargetAction, { MinCapacity: 2, MaxCapacity: 6 });
    assert.match(
      a.ScheduledActionARN!,
      /^arn:aws:autoscaling:us-east-1:000000000000:scheduledAction:[0-9a-f-]{36}:resource\/sagemaker\/endpoint\/ep\/variant\/AllTraffic:scheduledActionName\/weekday-mornings$/,
    );
    // Queued for the next weekday 08:00 in New York.
    const [event] = h.ctx.store.listEvents(SCHEDULED_ACTION_EVENT);
    const local = new Date(event.due).toLocaleString("en-US", {
      timeZone: "America/New_York",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    assert.match(local, /^(Mon|Tue|Wed|Thu|Fri) 08:00$/);
    assert.ok(event.due > h.ctx.store.now() && event.due <= h.ctx.store.now() + 4 * 86_400_000);
    await h.autoscaling.send(
      new DeleteScheduledActionCommand({ ...TARGET, ScheduledActionName: "weekday-mornings" }),
    );
    assert.deepEqual(h.ctx.store.listEvents(SCHEDULED_ACTION_EVENT), []);
    await rejectsWith(
      h.autoscaling.send(
        new DeleteScheduledActionCommand({ ...TARGET, ScheduledActionName: "weekday-mornings" }),
      ),
      "ObjectNotFoundException",
      /No scheduled action found for .* scheduled action name: weekday-mornings$/,
    );
  });
});
