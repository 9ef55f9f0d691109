// Proves the alarm rules every layer builds from (policy_alarms.ts): AWS's target-tracking
// shapes and thresholds (AlarmLow at 0.9 x the target without float noise), the
// high-resolution shapes, no AlarmLow with DisableScaleIn, shapes given as settings, and the
// step policy's N-of-N alarm at or above its threshold.
import assert from "node:assert/strict";
import { stepScalingAlarm, TARGET_TRACKING_SHAPES, targetTrackingAlarms } from "./policy_alarms.ts";

Deno.test("targetTrackingAlarms: AWS's AlarmHigh and AlarmLow, standard and high resolution", () => {
  const { high, low } = targetTrackingAlarms(70);
  assert.deepEqual(high, {
    periodSeconds: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: "missing",
    threshold: 70,
    comparisonOperator: "GreaterThanThreshold",
  });
  assert.equal(low?.threshold, 63); // not 63.00000000000001
  assert.equal(low?.comparisonOperator, "LessThanThreshold");
  assert.equal(low?.evaluationPeriods, 15);
  const hr = targetTrackingAlarms(3, { highResolution: true });
  assert.deepEqual([hr.high.periodSeconds, hr.high.evaluationPeriods], [10, 3]);
  assert.deepEqual([hr.low?.periodSeconds, hr.low?.evaluationPeriods], [10, 90]);
  assert.equal(targetTrackingAlarms(70, { disableScaleIn: true }).low, undefined);
  const shapes = {
    ...TARGET_TRACKING_SHAPES,
    targetTrackingLow: { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 4 },
    scaleInThresholdRatio: 0.5,
  };
  const given = targetTrackingAlarms(70, { shapes });
  assert.deepEqual([given.low?.evaluationPeriods, given.low?.datapointsToAlarm], [5, 4]);
  assert.equal(given.low?.threshold, 35);
});

Deno.test("stepScalingAlarm: N of N one-minute periods at or above the threshold", () => {
  assert.deepEqual(stepScalingAlarm({ threshold: 5000, evaluationPeriods: 3 }), {
    periodSeconds: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    threshold: 5000,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "missing",
  });
});
