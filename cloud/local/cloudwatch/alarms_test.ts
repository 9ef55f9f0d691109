import assert from "node:assert/strict";
import {
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DisableAlarmActionsCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  ALARM_EVALUATION_EVENT,
  ALARM_KIND,
  cloudWatchHandlers,
  registerAlarmEvents,
  SCALING_POLICY_INVOCATION_EVENT,
  type ScalingPolicyInvocation,
} from "./mod.ts";
import { LocalClock } from "../kernel/clock.ts";
import { type LocalContext, LocalRuntime } from "../kernel/context.ts";
import { localSender } from "../kernel/dispatch.ts";
import { DEFAULT_LOCAL_SETTINGS, mergeLocalSettings } from "../kernel/settings.ts";
import { HAND_DERIVED_DELAYS } from "../testdata/scaling_harness.ts";
import { Store } from "../kernel/store/mod.ts";
import type { CloudWatchSender } from "../../types.ts";

const POLICY_ARN =
  "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:11111111-2222-4333-8444-555555555555:resource/sagemaker/endpoint/ep/variant/v:policyName/step-out";

interface Harness {
  ctx: LocalContext;
  cloudwatch: CloudWatchSender;
  clock: LocalClock;
  /** Simulated time when the harness opened (a whole minute). */
  t0: number;
  /** Policy invocations the alarms made, with the time they ran. */
  invocations: { at: number; invocation: ScalingPolicyInvocation }[];
  close(): Promise<void>;
}

async function open(): Promise<Harness> {
  const dir = await Deno.makeTempDir();
  const store = Store.open(dir);
  const runtime = new LocalRuntime();
  const ctx: LocalContext = {
    store,
    // The hand-derived timelines below use a 60 s metric delay (the calibrated default is 120 s).
    settings: mergeLocalSettings(DEFAULT_LOCAL_SETTINGS, HAND_DERIVED_DELAYS),
    region: "us-east-1",
    account: "000000000000",
    runtime,
  };
  registerAlarmEvents(runtime);
  const invocations: Harness["invocations"] = [];
  runtime.on(SCALING_POLICY_INVOCATION_EVENT, (c, e) => {
    invocations.push({ at: c.store.now(), invocation: e.payload as ScalingPolicyInvocation });
  });
  const cloudwatch: CloudWatchSender = localSender(ctx, {
    service: "CloudWatch",
    handlers: cloudWatchHandlers,
  });
  return {
    ctx,
    cloudwatch,
    clock: new LocalClock(ctx),
    t0: store.now(),
    invocations,
    async close() {
      store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A test on a fresh harness, closed when the test ends, passed or failed. */
function alarmTest(name: string, fn: (h: Harness) => Promise<void>): void {
  Deno.test(name, async () => {
    const h = await open();
    try {
      await fn(h);
    } finally {
      await h.close();
    }
  });
}

const ALARM: PutMetricAlarmCommandInput = {
  AlarmName: "backlog-high",
  Namespace: "App",
  MetricName: "Backlog",
  Dimensions: [{ Name: "Queue", Value: "jobs" }],
  Statistic: "Maximum",
  Period: 60,
  EvaluationPeriods: 3,
  DatapointsToAlarm: 3,
  Threshold: 100,
  ComparisonOperator: "GreaterThanThreshold",
};

async function putValue(h: Harness, minute: number, value: number) {
  await h.cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: "App",
      MetricData: [{
        MetricName: "Backlog",
        Dimensions: [{ Name: "Queue", Value: "jobs" }],
        Timestamp: new Date(h.t0 + minute * 60_000 + 5_000),
        Value: value,
      }],
    }),
  );
}

async function describe(h: Harness, name = "backlog-high") {
  const out = await h.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
  return out.MetricAlarms![0];
}

async function sleepTo(h: Harness, seconds: number) {
  await h.clock.sleep(h.t0 + seconds * 1000 - h.ctx.store.now());
}

alarmTest("PutMetricAlarm validates like CloudWatch", async (h) => {
  const cases: [Partial<PutMetricAlarmCommandInput>, string, RegExp][] = [
    [
      { Period: 45 },
      "InvalidParameterValueException",
      /Period must be 10, 30 or a multiple of 60/,
    ],
    [{ Period: 3600, EvaluationPeriods: 25 }, "ValidationError", /more than a day/],
    [
      { DatapointsToAlarm: 4 },
      "ValidationError",
      /^DatapointsToAlarm must be less than or equal to EvaluationPeriods$/,
    ],
    [
      { ExtendedStatistic: "p99" },
      "InvalidParameterCombinationException",
      /Exactly one of Statistic and ExtendedStatistic/,
    ],
    [{ Statistic: undefined }, "InvalidParameterCombinationException", /Exactly one of/],
    [
      { Statistic: undefined, ExtendedStatistic: "p101" },
      "InvalidParameterValueException",
      /ExtendedStatistic is invalid/,
    ],
    [{ TreatMissingData: "sometimes" }, "ValidationError", /TreatMissingData is invalid/],
    [
      { EvaluationPeriods: undefined },
      "MissingRequiredParameterException",
      /EvaluationPeriods is required/,
    ],
    [{ Threshold: undefined }, "MissingRequiredParameterException", /Threshold is required/],
    [
      { ComparisonOperator: "Bigger" as never },
      "InvalidParameterValueException",
      /ComparisonOperator is invalid/,
    ],
    [{ AlarmActions: ["not-an-arn"] }, "ValidationError", /Invalid arn syntax: not-an-arn/],
  ];
  for (const [change, name, message] of cases) {
    await assert.rejects(
      h.cloudwatch.send(new PutMetricAlarmCommand({ ...ALARM, ...change })),
      (e: Error) => {
        assert.equal(e.name, name, JSON.stringify(change));
        assert.match(e.message, message);
        return true;
      },
    );
  }
  // Metric math and anomaly bands fail with a clear "not implemented locally".
  await assert.rejects(
    h.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: "math",
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanThreshold",
        Metrics: [{ Id: "e1", Expression: "m1 * 2", ReturnData: true }],
      }),
    ),
    /does not implement CloudWatch PutMetricAlarm with metric math/,
  );
  // Nothing was created by the failed calls.
  const all = await h.cloudwatch.send(new DescribeAlarmsCommand({}));
  assert.deepEqual(all.MetricAlarms, []);
  assert.equal(h.ctx.store.listEvents(ALARM_EVALUATION_EVENT).length, 0);
});

alarmTest("a new alarm is INSUFFICIENT_DATA with AWS's MetricAlarm shape", async (h) => {
  await h.cloudwatch.send(
    new PutMetricAlarmCommand({ ...ALARM, AlarmDescription: "too many jobs" }),
  );
  const a = await describe(h);
  assert.equal(a.AlarmArn, "arn:aws:cloudwatch:us-east-1:000000000000:alarm:backlog-high");
  assert.equal(a.StateValue, "INSUFFICIENT_DATA");
  assert.equal(a.StateReason, "Unchecked: Initial alarm creation");
  assert.ok(a.StateUpdatedTimestamp instanceof Date);
  assert.equal(a.StateUpdatedTimestamp!.getTime(), h.t0);
  assert.equal(a.AlarmDescription, "too many jobs");
  assert.equal(a.ActionsEnabled, true);
  assert.deepEqual(a.AlarmActions, []);
  assert.equal(a.TreatMissingData, "missing");
  assert.equal(a.Period, 60);
  assert.equal(a.Threshold, 100);
  assert.deepEqual(a.Dimensions, [{ Name: "Queue", Value: "jobs" }]);
  // One evaluation event, at the next whole minute.
  const events = h.ctx.store.listEvents(ALARM_EVALUATION_EVENT);
  assert.deepEqual(events.map((e) => e.due), [h.t0 + 60_000]);
});

alarmTest(
  "3-of-3 alarm: ALARM at the evaluation that first sees the third breaching minute",
  async (h) => {
    await h.cloudwatch.send(new PutMetricAlarmCommand(ALARM));
    // Minutes 0, 1, 2 breach. Minute m's datapoint is visible at (m + 1) min + 60 s delay.
    for (const m of [0, 1, 2]) await putValue(h, m, 150);
    await sleepTo(h, 180);
    assert.equal((await describe(h)).StateValue, "INSUFFICIENT_DATA"); // two points visible
    await sleepTo(h, 239);
    assert.equal((await describe(h)).StateValue, "INSUFFICIENT_DATA");
    await sleepTo(h, 240);
    const a = await describe(h);
    assert.equal(a.StateValue, "ALARM");
    assert.equal(a.StateUpdatedTimestamp!.getTime(), h.t0 + 240_000);
    assert.match(
      a.StateReason!,
      /^Threshold Crossed: 3 out of the last 3 datapoints \[150\.0 \(.*\), 150\.0 \(.*\), 150\.0 \(.*\)\] were greater than the threshold \(100\.0\) \(minimum 3 datapoints for OK -> ALARM transition\)\.$/,
    );
    const data = JSON.parse(a.StateReasonData!);
    assert.equal(data.statistic, "Maximum");
    assert.equal(data.evaluatedDatapoints.length, 3);
    // Minute 3 is fine: OK once it is visible (at 5 min).
    await putValue(h, 3, 20);
    await sleepTo(h, 299);
    assert.equal((await describe(h)).StateValue, "ALARM");
    await sleepTo(h, 300);
    assert.equal((await describe(h)).StateValue, "OK");
    const history = await h.cloudwatch.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: "backlog-high",
        HistoryItemType: "StateUpdate",
      }),
    );
    assert.deepEqual(history.AlarmHistoryItems!.map((i) => i.HistorySummary), [
      "Alarm updated from ALARM to OK",
      "Alarm updated from INSUFFICIENT_DATA to ALARM",
    ]);
  },
);

alarmTest(
  "a datapoint published late into a period already evaluated is seen next time",
  async (h) => {
    await h.cloudwatch.send(
      new PutMetricAlarmCommand({ ...ALARM, TreatMissingData: "notBreaching" }),
    );
    await putValue(h, 1, 150);
    await putValue(h, 2, 150);
    await sleepTo(h, 240);
    // Minutes 1 and 2 breach, minute 0 is missing and filled as not breaching: 2 of 3, OK.
    assert.equal((await describe(h)).StateValue, "OK");
    await sleepTo(h, 250);
    await putValue(h, 0, 150); // minute 0 arrives late, into a period already read
    await sleepTo(h, 300);
    // Minutes 0, 1, 2 are now all real and breaching.
    const a = await describe(h);
    assert.equal(a.StateValue, "ALARM");
    assert.equal(JSON.parse(a.StateReasonData!).evaluatedDatapoints.length, 3);
  },
);

alarmTest("an alarm that cannot be evaluated does not stop the others", async (h) => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (message: string) => errors.push(message);
  try {
    await h.cloudwatch.send(new PutMetricAlarmCommand({ ...ALARM, AlarmName: "a-broken" }));
    await h.cloudwatch.send(new PutMetricAlarmCommand({ ...ALARM, AlarmName: "b-fine" }));
    // Corrupt the first alarm behind the API's back: a statistic the local backend cannot compute.
    const broken = h.ctx.store.getDoc<Record<string, unknown>>(ALARM_KIND, "a-broken")!;
    h.ctx.store.tx(() =>
      h.ctx.store.putDoc(ALARM_KIND, "a-broken", { ...broken, Statistic: "Median" })
    );
    for (const m of [0, 1, 2]) await putValue(h, m, 150);
    await sleepTo(h, 300);
    assert.equal((await describe(h, "b-fine")).StateValue, "ALARM");
    assert.ok(errors.some((e) => /alarm "a-broken" not evaluated/.test(e)), errors.join("\n"));
    assert.equal(h.ctx.store.listEvents(ALARM_EVALUATION_EVENT)[0].due, h.t0 + 360_000);
  } finally {
    console.error = original;
  }
});

alarmTest("TreatMissingData decides an alarm with no data", async (h) => {
  for (const treat of ["missing", "notBreaching", "breaching", "ignore"]) {
    await h.cloudwatch.send(
      new PutMetricAlarmCommand({ ...ALARM, AlarmName: `a-${treat}`, TreatMissingData: treat }),
    );
  }
  await sleepTo(h, 60);
  const out = await h.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: "a-" }));
  assert.deepEqual(
    Object.fromEntries(out.MetricAlarms!.map((a) => [a.AlarmName, a.StateValue])),
    {
      "a-breaching": "ALARM",
      "a-ignore": "INSUFFICIENT_DATA",
      "a-missing": "INSUFFICIENT_DATA",
      "a-notBreaching": "OK",
    },
  );
});

alarmTest("a 10 s alarm on high-resolution data is evaluated every 10 s", async (h) => {
  await h.cloudwatch.send(
    new PutMetricAlarmCommand({ ...ALARM, AlarmName: "fast", Period: 10, Statistic: "Average" }),
  );
  for (let s = 0; s < 60; s += 10) {
    await h.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: "App",
        MetricData: [{
          MetricName: "Backlog",
          Dimensions: [{ Name: "Queue", Value: "jobs" }],
          Timestamp: new Date(h.t0 + s * 1000),
          Value: 500,
          StorageResolution: 1,
        }],
      }),
    );
  }
  // Periods [0,10), [10,20), [20,30) are visible at 20 s, 30 s, 40 s (10 s delay).
  await sleepTo(h, 30);
  assert.equal((await describe(h, "fast")).StateValue, "INSUFFICIENT_DATA");
  await sleepTo(h, 40);
  const a = await describe(h, "fast");
  assert.equal(a.StateValue, "ALARM");
  assert.equal(a.StateUpdatedTimestamp!.getTime(), h.t0 + 40_000);
  assert.equal(h.ctx.store.listEvents(ALARM_EVALUATION_EVENT)[0].due, h.t0 + 50_000);
});

alarmTest(
  "a scaling-policy action fires on ALARM and again every 60 s while it holds",
  async (h) => {
    await h.cloudwatch.send(
      new PutMetricAlarmCommand({
        ...ALARM,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        AlarmActions: [POLICY_ARN, "arn:aws:sns:us-east-1:000000000000:ops"],
      }),
    );
    for (const m of [0, 1, 2, 3]) await putValue(h, m, m < 3 ? 120 + m : 10);
    await sleepTo(h, 330);
    // Minute m is seen at (m + 2) min: ALARM at 2, 3, 4 min, OK at 5 min.
    assert.deepEqual(h.invocations.map((i) => (i.at - h.t0) / 1000), [120, 180, 240]);
    const first = h.invocations[0].invocation;
    assert.equal(first.policyArn, POLICY_ARN);
    assert.equal(first.alarmName, "backlog-high");
    assert.equal(first.state, "ALARM");
    assert.equal(first.threshold, 100);
    assert.deepEqual(first.datapoints, [{ timestamp: h.t0, value: 120 }]);
    assert.deepEqual(h.invocations[2].invocation.datapoints, [{
      timestamp: h.t0 + 120_000,
      value: 122,
    }]);
    // The SNS action is recorded once, on the transition, and does nothing else.
    const actions = await h.cloudwatch.send(
      new DescribeAlarmHistoryCommand({ AlarmName: "backlog-high", HistoryItemType: "Action" }),
    );
    assert.deepEqual(actions.AlarmHistoryItems!.map((i) => i.HistorySummary), [
      "Successfully executed action arn:aws:sns:us-east-1:000000000000:ops",
    ]);
  },
);

alarmTest(
  "disabled actions do not run; SetAlarmState lasts until the next evaluation",
  async (h) => {
    await h.cloudwatch.send(
      new PutMetricAlarmCommand({
        ...ALARM,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        AlarmActions: [POLICY_ARN],
        TreatMissingData: "notBreaching",
      }),
    );
    await sleepTo(h, 30);
    await h.cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: "backlog-high",
        StateValue: "ALARM",
        StateReason: "testing",
      }),
    );
    let a = await describe(h);
    assert.equal(a.StateValue, "ALARM");
    assert.equal(a.StateReason, "testing");
    await sleepTo(h, 31);
    assert.deepEqual(h.invocations.map((i) => (i.at - h.t0) / 1000), [30]); // the action ran
    await sleepTo(h, 60);
    a = await describe(h);
    assert.equal(a.StateValue, "OK"); // the evaluation put it back
    await h.cloudwatch.send(new DisableAlarmActionsCommand({ AlarmNames: ["backlog-high"] }));
    await h.cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: "backlog-high",
        StateValue: "ALARM",
        StateReason: "again",
      }),
    );
    await sleepTo(h, 61);
    assert.equal(h.invocations.length, 1);
    assert.equal((await describe(h)).ActionsEnabled, false);
    await assert.rejects(
      h.cloudwatch.send(
        new SetAlarmStateCommand({ AlarmName: "nope", StateValue: "OK", StateReason: "x" }),
      ),
      (e: Error) => e.name === "ResourceNotFound",
    );
  },
);

alarmTest("DescribeAlarms filters and pages; DeleteAlarms is all or nothing", async (h) => {
  for (let i = 0; i < 5; i++) {
    await h.cloudwatch.send(
      new PutMetricAlarmCommand({
        ...ALARM,
        AlarmName: `alarm-${i}`,
        AlarmActions: i % 2 === 0 ? [POLICY_ARN] : [],
        TreatMissingData: i < 2 ? "breaching" : "missing",
      }),
    );
  }
  await sleepTo(h, 60);
  const byState = await h.cloudwatch.send(new DescribeAlarmsCommand({ StateValue: "ALARM" }));
  assert.deepEqual(byState.MetricAlarms!.map((a) => a.AlarmName), ["alarm-0", "alarm-1"]);
  const byAction = await h.cloudwatch.send(
    new DescribeAlarmsCommand({ ActionPrefix: "arn:aws:autoscaling:" }),
  );
  assert.deepEqual(byAction.MetricAlarms!.map((a) => a.AlarmName), [
    "alarm-0",
    "alarm-2",
    "alarm-4",
  ]);
  const page1 = await h.cloudwatch.send(new DescribeAlarmsCommand({ MaxRecords: 2 }));
  assert.deepEqual(page1.MetricAlarms!.map((a) => a.AlarmName), ["alarm-0", "alarm-1"]);
  const page2 = await h.cloudwatch.send(
    new DescribeAlarmsCommand({ MaxRecords: 2, NextToken: page1.NextToken }),
  );
  assert.deepEqual(page2.MetricAlarms!.map((a) => a.AlarmName), ["alarm-2", "alarm-3"]);
  const page3 = await h.cloudwatch.send(
    new DescribeAlarmsCommand({ MaxRecords: 2, NextToken: page2.NextToken }),
  );
  assert.deepEqual(page3.MetricAlarms!.map((a) => a.AlarmName), ["alarm-4"]);
  assert.equal(page3.NextToken, undefined);
  await assert.rejects(
    h.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ["a"], AlarmNamePrefix: "a" })),
    (e: Error) => e.name === "InvalidParameterCombinationException",
  );
  await assert.rejects(
    h.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: ["alarm-0", "ghost"] })),
    (e: Error) => e.name === "ResourceNotFound" && /"ghost"/.test(e.message),
  );
  assert.equal((await h.cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms!.length, 5);
  await h.cloudwatch.send(
    new DeleteAlarmsCommand({
      AlarmNames: ["alarm-0", "alarm-1", "alarm-2", "alarm-3", "alarm-4"],
    }),
  );
  assert.deepEqual((await h.cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms, []);
  // No alarms left: no evaluation is queued any more.
  assert.equal(h.ctx.store.listEvents(ALARM_EVALUATION_EVENT).length, 0);
});

alarmTest("updating an alarm keeps its state; a Unit restricts the datapoints", async (h) => {
  await h.cloudwatch.send(
    new PutMetricAlarmCommand({
      ...ALARM,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: "breaching",
    }),
  );
  await sleepTo(h, 60);
  assert.equal((await describe(h)).StateValue, "ALARM");
  await h.cloudwatch.send(
    new PutMetricAlarmCommand({
      ...ALARM,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 1000,
      Unit: "Count",
    }),
  );
  const a = await describe(h);
  assert.equal(a.StateValue, "ALARM");
  assert.equal(a.Threshold, 1000);
  assert.equal(a.Unit, "Count");
  // A value published without the Count unit is not the alarm's metric: missing → INSUFFICIENT_DATA.
  await putValue(h, 1, 5000);
  await sleepTo(h, 180);
  assert.equal((await describe(h)).StateValue, "INSUFFICIENT_DATA");
});
