import assert from "node:assert/strict";
import {
  aggregateDatapoints,
  breachSide,
  percentChange,
  selectStepAdjustment,
  type StepAdjustment,
  StepAdjustmentError,
  stepCapacity,
  stepMetricValue,
  validateStepAdjustments,
} from "./step_scaling.ts";
import {
  clampCapacity,
  combineProposals,
  cooldownAfter,
  inScaleInCooldown,
  scaleOutBase,
  stepScalingDecision,
  targetTrackingCapacity,
  targetTrackingDecision,
} from "./scaling_math.ts";

Deno.test("targetTrackingCapacity is ceil(current × metric / target), exact on round ratios", () => {
  assert.equal(targetTrackingCapacity(1, { metric: 140, target: 70 }), 2);
  assert.equal(targetTrackingCapacity(3, { metric: 70, target: 70 }), 3);
  assert.equal(targetTrackingCapacity(3, { metric: 0.7 * 100, target: 70 }), 3); // float noise must not add one
  assert.equal(targetTrackingCapacity(2, { metric: 70.01, target: 70 }), 3);
  assert.equal(targetTrackingCapacity(10, { metric: 62, target: 70 }), 9); // 8.86: keep 9, remove only 1
  assert.equal(targetTrackingCapacity(5, { metric: 0, target: 70 }), 0);
  assert.throws(() => targetTrackingCapacity(1, { metric: 1, target: 0 }), RangeError);
});

Deno.test("clampCapacity clamps to [min, max] and names the not-scaled reason", () => {
  const b = { min: 2, max: 6 };
  assert.deepEqual(clampCapacity(4, { desired: 9, bounds: b }), { scaled: true, capacity: 6 });
  assert.deepEqual(clampCapacity(4, { desired: 1, bounds: b }), { scaled: true, capacity: 2 });
  assert.deepEqual(clampCapacity(6, { desired: 9, bounds: b }), {
    scaled: false,
    capacity: 6,
    reason: { Code: "AlreadyAtMaxCapacity", MaxCapacity: 6 },
  });
  assert.deepEqual(clampCapacity(2, { desired: 1, bounds: b }), {
    scaled: false,
    capacity: 2,
    reason: { Code: "AlreadyAtMinCapacity", MinCapacity: 2 },
  });
  assert.deepEqual(clampCapacity(4, { desired: 4, bounds: b }), {
    scaled: false,
    capacity: 4,
    reason: { Code: "AlreadyAtDesiredCapacity", CurrentCapacity: 4 },
  });
  // Above a lowered max, a scale-out proposal must not turn into a scale-in.
  assert.deepEqual(clampCapacity(8, { desired: 9, bounds: b }), {
    scaled: false,
    capacity: 8,
    reason: { Code: "AlreadyAtMaxCapacity", MaxCapacity: 6 },
  });
  assert.deepEqual(clampCapacity(1, { desired: 0, bounds: b }).scaled, false);
});

Deno.test("validateStepAdjustments accepts AWS's examples", () => {
  // Scale-out policy of AAS-STEP: threshold 50, steps at +0..+10, +10..+20, +20..
  validateStepAdjustments([
    { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 10 },
    { MetricIntervalLowerBound: 10, MetricIntervalUpperBound: 20, ScalingAdjustment: 20 },
    { MetricIntervalLowerBound: 20, ScalingAdjustment: 30 },
  ]);
  // Scale-in counterpart, given out of order.
  validateStepAdjustments([
    { MetricIntervalUpperBound: -20, ScalingAdjustment: -30 },
    { MetricIntervalLowerBound: -10, MetricIntervalUpperBound: 0, ScalingAdjustment: -10 },
    { MetricIntervalLowerBound: -20, MetricIntervalUpperBound: -10, ScalingAdjustment: -20 },
  ]);
  validateStepAdjustments([{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }]);
  validateStepAdjustments([{ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }]);
});

Deno.test("validateStepAdjustments rejects each broken rule with AWS's wording", () => {
  const cases: [StepAdjustment[], RegExp][] = [
    [[], /at least one step adjustment/],
    [
      [{ ScalingAdjustment: 1 }],
      /^Both lower and upper bounds of a step adjustment cannot be left unspecified$/,
    ],
    [
      [{ MetricIntervalLowerBound: 5, MetricIntervalUpperBound: 5, ScalingAdjustment: 1 }],
      /must be less than/,
    ],
    [
      [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
        { MetricIntervalLowerBound: 5, ScalingAdjustment: 2 },
      ],
      /cannot overlap/,
    ],
    [
      [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
        { MetricIntervalLowerBound: 20, ScalingAdjustment: 2 },
      ],
      /cannot have a gap: nothing covers the breach values between 10 and 20/,
    ],
    [
      [
        { MetricIntervalUpperBound: 0, ScalingAdjustment: -1 },
        { MetricIntervalUpperBound: -5, ScalingAdjustment: -2 },
      ],
      /At most one step adjustment can have an unspecified lower bound/,
    ],
    [
      [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }],
      /unspecified upper bound \(i\.e\., upper bound is null\) when one step adjustment has a positive upper bound/,
    ],
    [
      [{ MetricIntervalLowerBound: -10, MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }],
      /unspecified lower bound .* negative lower bound/,
    ],
    [[{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1.5 }], /whole number/],
    [
      Array.from({ length: 21 }, (_, i) => ({
        MetricIntervalLowerBound: i,
        ...(i < 20 ? { MetricIntervalUpperBound: i + 1 } : {}),
        ScalingAdjustment: 1,
      })),
      /at most 20 step adjustments/,
    ],
  ];
  for (const [steps, message] of cases) {
    assert.throws(
      () => validateStepAdjustments(steps),
      (e: unknown) => e instanceof StepAdjustmentError && message.test(e.message),
      String(message),
    );
  }
});

Deno.test("selectStepAdjustment: lower bound inclusive above the threshold, upper inclusive below", () => {
  const out: StepAdjustment[] = [
    { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
    { MetricIntervalLowerBound: 10, ScalingAdjustment: 2 },
  ];
  assert.equal(selectStepAdjustment(out, { breach: 0, side: "above" })?.ScalingAdjustment, 1);
  assert.equal(selectStepAdjustment(out, { breach: 10, side: "above" })?.ScalingAdjustment, 2);
  assert.equal(selectStepAdjustment(out, { breach: 1e9, side: "above" })?.ScalingAdjustment, 2);
  const inn: StepAdjustment[] = [
    { MetricIntervalLowerBound: -10, MetricIntervalUpperBound: 0, ScalingAdjustment: -1 },
    { MetricIntervalUpperBound: -10, ScalingAdjustment: -2 },
  ];
  assert.equal(selectStepAdjustment(inn, { breach: 0, side: "below" })?.ScalingAdjustment, -1);
  assert.equal(selectStepAdjustment(inn, { breach: -10, side: "below" })?.ScalingAdjustment, -2);
  assert.equal(selectStepAdjustment(inn, { breach: -9.99, side: "below" })?.ScalingAdjustment, -1);
  assert.equal(selectStepAdjustment(inn, { breach: 0.5, side: "below" }), undefined);
  assert.equal(breachSide("LessThanOrEqualToThreshold"), "below");
  assert.equal(breachSide("GreaterThanThreshold"), "above");
});

Deno.test("percentChange follows AAS-STEP's rounding and MinAdjustmentMagnitude", () => {
  assert.equal(percentChange(10, 127), 12); // 12.7 → 12
  assert.equal(percentChange(3, 10), 1); // 0.3 → 1
  assert.equal(percentChange(3, -10), -1); // -0.3 → -1
  assert.equal(percentChange(30, -22.23), -6); // -6.669 → -6
  assert.equal(percentChange(10, 10), 1); // exactly 1 stays 1
  assert.equal(percentChange(20, -30), -6); // exactly -6 stays -6 despite float noise
  assert.equal(percentChange(4, 25, 2), 2); // 1 → at least 2
  assert.equal(percentChange(4, -25, 2), -2);
  assert.equal(percentChange(40, 25, 2), 10); // already larger than the minimum
  assert.equal(percentChange(4, 0, 2), 0);
  // AAS-STEP's worked example: capacity 10, +10 % → 11; then +30 % of 11 = 3.3 → +3 → 14.
  assert.equal(stepCapacity(10, { adjustmentType: "PercentChangeInCapacity", adjustment: 10 }), 11);
  assert.equal(stepCapacity(11, { adjustmentType: "PercentChangeInCapacity", adjustment: 30 }), 14);
  assert.equal(stepCapacity(2, { adjustmentType: "ChangeInCapacity", adjustment: -5 }), 0);
});

Deno.test("aggregateDatapoints applies Average, Minimum or Maximum", () => {
  assert.equal(aggregateDatapoints([1, 2, 6], "Average"), 3);
  assert.equal(aggregateDatapoints([1, 2, 6], "Minimum"), 1);
  assert.equal(aggregateDatapoints([1, 2, 6], "Maximum"), 6);
  assert.throws(() => aggregateDatapoints([]), RangeError);
});

Deno.test("cooldowns: scale-out base, scale-in blocking, cancellation and chained scale-outs", () => {
  assert.equal(scaleOutBase(5, { cooldown: {}, now: 0 }), 5);
  const afterOut = cooldownAfter({ scaleIn: { until: 900_000 } }, {
    direction: "out",
    capacityBefore: 2,
    now: 100_000,
    completesAt: 340_000,
    seconds: 300,
  });
  assert.deepEqual(afterOut, { scaleOut: { until: 640_000, base: 2 } }); // scale-in cooldown gone
  // A second scale-out inside the cooldown keeps the first base and extends the cooldown.
  const chained = cooldownAfter(afterOut, {
    direction: "out",
    capacityBefore: 4,
    now: 400_000,
    completesAt: 640_000,
    seconds: 300,
  });
  assert.deepEqual(chained, { scaleOut: { until: 940_000, base: 2 } });
  // After the cooldown, a new episode starts from the capacity then.
  assert.deepEqual(
    cooldownAfter(afterOut, {
      direction: "out",
      capacityBefore: 4,
      now: 700_000,
      completesAt: 940_000,
      seconds: 300,
    }),
    {
      scaleOut: { until: 1_240_000, base: 4 },
    },
  );
  const afterIn = cooldownAfter(afterOut, {
    direction: "in",
    capacityBefore: 4,
    now: 100_000,
    completesAt: 100_000,
    seconds: 600,
  });
  assert.deepEqual(afterIn, { scaleIn: { until: 700_000 } });
  assert.equal(inScaleInCooldown(afterIn, 699_999), true);
  assert.equal(inScaleInCooldown(afterIn, 700_000), false);
});

Deno.test("targetTrackingDecision: proportional out, conservative in, cooldown-aware", () => {
  const base = { target: 70, disableScaleIn: false, cooldown: {}, now: 0 };
  assert.deepEqual(targetTrackingDecision({ ...base, alarm: "high", current: 2, metric: 100 }), {
    kind: "scale",
    direction: "out",
    desired: 3,
  });
  assert.deepEqual(targetTrackingDecision({ ...base, alarm: "low", current: 4, metric: 30 }), {
    kind: "scale",
    direction: "in",
    desired: 2,
  });
  // Below 0.9 × target yet ceil keeps the capacity: nothing to remove.
  assert.deepEqual(targetTrackingDecision({ ...base, alarm: "low", current: 2, metric: 60 }), {
    kind: "none",
    reason: "AlreadyAtDesiredCapacity",
    direction: "in",
    desired: 2,
  });
  assert.deepEqual(
    targetTrackingDecision({ ...base, alarm: "low", current: 4, metric: 30, disableScaleIn: true }),
    { kind: "none", reason: "ScaleInDisabled" },
  );
  assert.deepEqual(
    targetTrackingDecision({
      ...base,
      alarm: "low",
      current: 4,
      metric: 30,
      cooldown: { scaleIn: { until: 10 } },
    }),
    { kind: "none", reason: "ScaleInCooldown" },
  );
  // During the scale-out cooldown begun by 1 → 3, a metric of 3.5 × target computed from the
  // base (1) asks for 4: one more, not ceil(3 × 3.5) = 11.
  const cooling = {
    ...base,
    cooldown: { scaleOut: { until: 10, base: 1 } },
    alarm: "high" as const,
  };
  assert.deepEqual(targetTrackingDecision({ ...cooling, current: 3, metric: 245 }), {
    kind: "scale",
    direction: "out",
    desired: 4,
  });
  assert.deepEqual(targetTrackingDecision({ ...cooling, current: 3, metric: 140 }), {
    kind: "none",
    reason: "AlreadyAtDesiredCapacity",
    direction: "out",
    desired: 3,
  });
});

Deno.test("stepScalingDecision: step by breach, cooldowns, ExactCapacity, no step", () => {
  const steps: StepAdjustment[] = [
    { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 2 },
    { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
  ];
  const base = {
    side: "above" as const,
    adjustmentType: "ChangeInCapacity" as const,
    steps,
    now: 0,
  };
  assert.deepEqual(stepScalingDecision({ ...base, current: 1, breach: 5, cooldown: {} }), {
    kind: "scale",
    direction: "out",
    desired: 3,
  });
  // AAS-STEP: +2 then +3 during the cooldown adds only 1 more.
  const cooling = { scaleOut: { until: 100, base: 1 } };
  assert.deepEqual(stepScalingDecision({ ...base, current: 3, breach: 25, cooldown: cooling }), {
    kind: "scale",
    direction: "out",
    desired: 4,
  });
  assert.deepEqual(stepScalingDecision({ ...base, current: 3, breach: 5, cooldown: cooling }), {
    kind: "none",
    reason: "AlreadyAtDesiredCapacity",
    direction: "out",
    desired: 3,
  });
  assert.deepEqual(stepScalingDecision({ ...base, current: 3, breach: -1, cooldown: {} }), {
    kind: "none",
    reason: "NoStepAdjustment",
  });
  const inSteps: StepAdjustment[] = [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -50 }];
  const scaleIn = {
    ...base,
    side: "below" as const,
    adjustmentType: "PercentChangeInCapacity" as const,
    steps: inSteps,
  };
  assert.deepEqual(stepScalingDecision({ ...scaleIn, current: 5, breach: -3, cooldown: {} }), {
    kind: "scale",
    direction: "in",
    desired: 3, // -2.5 rounds toward zero: -2
  });
  assert.deepEqual(
    stepScalingDecision({
      ...scaleIn,
      current: 5,
      breach: -3,
      cooldown: { scaleIn: { until: 1 } },
    }),
    { kind: "none", reason: "ScaleInCooldown" },
  );
  const exact = {
    ...base,
    adjustmentType: "ExactCapacity" as const,
    steps: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 6 }],
  };
  assert.deepEqual(stepScalingDecision({ ...exact, current: 2, breach: 1, cooldown: {} }), {
    kind: "scale",
    direction: "out",
    desired: 6,
  });
  assert.deepEqual(stepScalingDecision({ ...exact, current: 8, breach: 1, cooldown: {} }), {
    kind: "scale",
    direction: "in",
    desired: 6,
  });
});

Deno.test("combineProposals: out if any wants out, largest capacity wins (AAS-PUT example)", () => {
  // Capacity 10: +3 gives 13, +200 % gives 30: scale out to 30.
  assert.deepEqual(
    combineProposals([
      { policyName: "a", direction: "out", desired: 13 },
      { policyName: "b", direction: "out", desired: 30 },
    ]),
    { policyName: "b", direction: "out", desired: 30 },
  );
  assert.deepEqual(
    combineProposals([
      { policyName: "a", direction: "in", desired: 4 },
      { policyName: "b", direction: "in", desired: 6 },
    ]),
    { policyName: "b", direction: "in", desired: 6 },
  );
  assert.equal(
    combineProposals([
      { policyName: "a", direction: "in", desired: 4 },
      { policyName: "b", direction: "out", desired: 11 },
    ])?.policyName,
    "b",
  );
  assert.equal(combineProposals([]), undefined);
});

Deno.test("stepMetricValue aggregates the breaching datapoints of an M-of-N alarm", () => {
  const above = { operator: "GreaterThanOrEqualToThreshold", threshold: 100 } as const;
  assert.equal(stepMetricValue([150, 0, 120], above), 135);
  assert.equal(stepMetricValue([150, 0, 120], { ...above, aggregation: "Maximum" }), 150);
  const below = { operator: "LessThanThreshold", threshold: 50 } as const;
  assert.equal(stepMetricValue([10, 80, 30], below), 20);
  // N of N: every point breaches, the plain aggregate; none breaching: all points.
  assert.equal(stepMetricValue([110, 130], above), 120);
  assert.equal(stepMetricValue([10, 30], above), 20);
});
