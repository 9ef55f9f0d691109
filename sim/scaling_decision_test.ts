// Proves the rules of one scaling decision for a target (scaling_decision.ts), the ones both the
// local backend and the sweep decide by: a scale-out beats a scale-in in the same batch;
// target tracking scales in only when every such policy agrees; a step policy with no step for
// the breach leaves a note and no change; a resource not InService is not scaled; suspension
// drops a direction; a scale-out ends the scale-in cooldown of the target's other policies.
import assert from "node:assert/strict";
import type { AlarmState } from "./alarm_eval.ts";
import {
  cooldownsAfterScaling,
  decideTarget,
  type PolicyInvocation,
  type StepPolicyView,
  type TargetDecisionInput,
  type TrackingPolicyView,
} from "./scaling_decision.ts";

function tracking(
  name: string,
  alarms: { high?: AlarmState; low?: AlarmState; lowMetric?: number },
): TrackingPolicyView {
  return {
    kind: "TargetTrackingScaling",
    name,
    targetValue: 100,
    disableScaleIn: false,
    scaleOutCooldown: 300,
    scaleInCooldown: 300,
    cooldown: {},
    alarms: () => alarms,
  };
}
const step: StepPolicyView = {
  kind: "StepScaling",
  name: "step",
  adjustmentType: "ChangeInCapacity",
  steps: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 50, ScalingAdjustment: 1 }],
  cooldownSeconds: 60,
  cooldown: {},
};
const high = (policy: TrackingPolicyView | StepPolicyView, values: number[]): PolicyInvocation => ({
  policy,
  values,
  threshold: 100,
  comparisonOperator: policy.kind === "StepScaling"
    ? "GreaterThanOrEqualToThreshold"
    : "GreaterThanThreshold",
});
const low = (policy: TrackingPolicyView, values: number[]): PolicyInvocation => ({
  policy,
  values,
  threshold: 90,
  comparisonOperator: "LessThanThreshold",
});
const input = (over: Partial<TargetDecisionInput>): TargetDecisionInput => ({
  current: 4,
  min: 1,
  max: 10,
  inService: true,
  policies: [],
  invocations: [],
  now: 1_000_000,
  ...over,
});

Deno.test("decideTarget: a scale-out in the batch wins over a scale-in", () => {
  const a = tracking("a", { high: "ALARM", low: "OK" });
  const b = tracking("b", { high: "OK", low: "ALARM", lowMetric: 10 });
  const { outcome } = decideTarget(input({
    policies: [a, b],
    invocations: [low(b, [10]), high(a, [150, 150, 150])],
  }));
  assert.equal(outcome.kind, "scale");
  assert.equal(outcome.kind === "scale" && outcome.direction, "out");
  assert.equal(outcome.kind === "scale" && outcome.capacity, 6); // ceil(4 x 150 / 100)
});

Deno.test("decideTarget: target tracking scales in only when every such policy's AlarmLow is in ALARM", () => {
  const a = tracking("a", { high: "OK", low: "ALARM", lowMetric: 20 });
  const b = tracking("b", { high: "OK", low: "OK", lowMetric: 95 });
  const blocked = decideTarget(input({ policies: [a, b], invocations: [low(a, [20])] }));
  assert.deepEqual(blocked.outcome, { kind: "none" });
  const c = tracking("c", { high: "OK", low: "ALARM", lowMetric: 60 });
  const agreed = decideTarget(input({ policies: [a, c], invocations: [low(a, [20])] }));
  // The largest of ceil(4 x 20 / 100) = 1 and ceil(4 x 60 / 100) = 3; both start a cooldown.
  assert.deepEqual(agreed.outcome, {
    kind: "scale",
    capacity: 3,
    direction: "in",
    invocation: 0,
    participants: ["a", "c"],
  });
});

Deno.test("decideTarget: no step for the breach is a note, not a change; clamping and not InService are not-scaled", () => {
  const noStep = decideTarget(input({ policies: [step], invocations: [high(step, [400])] }));
  assert.deepEqual(noStep.notes, [{ kind: "noStep", invocation: 0 }]);
  assert.deepEqual(noStep.outcome, { kind: "none" });
  const atMax = decideTarget(input({
    current: 10,
    policies: [step],
    invocations: [high(step, [120])],
  }));
  assert.equal(
    atMax.outcome.kind === "notScaled" && atMax.outcome.reason.Code,
    "AlreadyAtMaxCapacity",
  );
  const updating = decideTarget(input({
    inService: false,
    policies: [step],
    invocations: [high(step, [120])],
  }));
  assert.equal(
    updating.outcome.kind === "notScaled" && updating.outcome.reason.Code,
    "TargetServicePutResourceAsUnscalable",
  );
  const suspended = decideTarget(input({
    suspended: { scaleOut: true },
    policies: [step],
    invocations: [high(step, [120])],
  }));
  assert.deepEqual(suspended.outcome, { kind: "none" });
  const empty = decideTarget(input({ policies: [step], invocations: [high(step, [])] }));
  assert.deepEqual(empty.notes, [{ kind: "noData", invocation: 0 }]);
});

Deno.test("cooldownsAfterScaling: participants start theirs, a scale-out ends the others' scale-in cooldown", () => {
  const a = { ...tracking("a", {}), cooldown: { scaleIn: { until: 2_000_000 } } };
  const changed = cooldownsAfterScaling([a, step], {
    direction: "out",
    participants: ["step"],
    capacityBefore: 4,
    now: 1_000_000,
    completesAt: 1_240_000,
  });
  assert.deepEqual(changed.get("a"), {});
  assert.deepEqual(changed.get("step"), { scaleOut: { until: 1_300_000, base: 4 } });
  const none = cooldownsAfterScaling([step], {
    direction: "in",
    participants: [],
    capacityBefore: 4,
    now: 0,
    completesAt: 0,
  });
  assert.equal(none.size, 0);
});
