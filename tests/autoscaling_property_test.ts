// Property tests of the local Application Auto Scaling: for seeded random policies (target
// tracking, step scale-out, step scale-in; random bounds and cooldowns) and seeded random metric
// sequences, over 90 simulated minutes,
// 1. the variant's capacity never leaves [MinCapacity, MaxCapacity] (spec §1.2);
// 2. no policy scales in during its scale-in cooldown, unless a scale-out ended it (spec §1.3, §3);
// 3. during a step policy's scale-out cooldown its scale-outs never go past the capacity before
//    the cooldown began plus its largest step (the capacity already added counts, spec §3);
// 4. a capacity change starts only once the previous one has completed (SageMaker takes one
//    update at a time, spec §6 [INF]).
// A failure names the seed; rerun one seed with SEED=<n>.
import {
  PutScalingPolicyCommand,
  type ScalingActivity,
  type StepAdjustment,
} from "@aws-sdk/client-application-auto-scaling";
import { PutMetricAlarmCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import assert from "node:assert/strict";
import {
  type ScalingHarness,
  TARGET,
  withScaling,
} from "../cloud/local/testdata/scaling_harness.ts";

/** mulberry32: a small seeded PRNG in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PolicySpec {
  name: string;
  kind: "tracking" | "step-out" | "step-in";
  /** Scale-out cooldown (tracking: ScaleOutCooldown, step: Cooldown), seconds. */
  outCooldown: number;
  /** Scale-in cooldown (tracking: ScaleInCooldown, step: Cooldown), seconds. */
  inCooldown: number;
  /** ChangeInCapacity step-out policies: their largest step. */
  maxStep?: number;
}

interface Scenario {
  seed: number;
  min: number;
  max: number;
  instances: number;
  policies: PolicySpec[];
}

const COOLDOWNS = [0, 60, 120, 300, 600];
const MINUTES = 90;

async function setUp(h: ScalingHarness, s: Scenario, rand: () => number): Promise<void> {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  for (const p of s.policies) {
    if (p.kind === "tracking") {
      await h.autoscaling.send(
        new PutScalingPolicyCommand({
          ...TARGET,
          PolicyName: p.name,
          PolicyType: "TargetTrackingScaling",
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: 40 + Math.floor(rand() * 110),
            PredefinedMetricSpecification: {
              PredefinedMetricType: "SageMakerVariantInvocationsPerInstance",
            },
            ScaleOutCooldown: p.outCooldown,
            ScaleInCooldown: p.inCooldown,
          },
        }),
      );
      continue;
    }
    const out = p.kind === "step-out";
    let steps: StepAdjustment[];
    let adjustmentType: "ChangeInCapacity" | "PercentChangeInCapacity" | "ExactCapacity";
    if (out) {
      adjustmentType = rand() < 0.6 ? "ChangeInCapacity" : "PercentChangeInCapacity";
      const a = 1 + Math.floor(rand() * 3);
      const b = a + 1 + Math.floor(rand() * 3);
      const edge = 10 + Math.floor(rand() * 40);
      steps = adjustmentType === "ChangeInCapacity"
        ? [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: edge, ScalingAdjustment: a },
          { MetricIntervalLowerBound: edge, ScalingAdjustment: b },
        ]
        : [
          {
            MetricIntervalLowerBound: 0,
            MetricIntervalUpperBound: edge,
            ScalingAdjustment: 10 * a,
          },
          { MetricIntervalLowerBound: edge, ScalingAdjustment: 30 * b },
        ];
      if (adjustmentType === "ChangeInCapacity") p.maxStep = b;
    } else {
      adjustmentType = pick(["ChangeInCapacity", "PercentChangeInCapacity"] as const);
      steps = adjustmentType === "ChangeInCapacity"
        ? [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -(1 + Math.floor(rand() * 2)) }]
        : [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -(10 + Math.floor(rand() * 40)) }];
    }
    const policy = await h.autoscaling.send(
      new PutScalingPolicyCommand({
        ...TARGET,
        PolicyName: p.name,
        PolicyType: "StepScaling",
        StepScalingPolicyConfiguration: {
          AdjustmentType: adjustmentType,
          StepAdjustments: steps,
          Cooldown: out ? p.outCooldown : p.inCooldown,
          ...(adjustmentType === "PercentChangeInCapacity" && rand() < 0.5
            ? { MinAdjustmentMagnitude: 2 }
            : {}),
        },
      }),
    );
    const n = pick([1, 3]);
    await h.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: `${p.name}-alarm`,
        Namespace: "App",
        MetricName: "Load",
        Statistic: "Average",
        Period: 60,
        EvaluationPeriods: n,
        DatapointsToAlarm: n === 1 ? 1 : 2,
        Threshold: out ? 120 + Math.floor(rand() * 40) : 40 + Math.floor(rand() * 30),
        ComparisonOperator: out ? "GreaterThanOrEqualToThreshold" : "LessThanThreshold",
        TreatMissingData: pick(["missing", "notBreaching", "breaching", "ignore"]),
        AlarmActions: [policy.PolicyARN!],
      }),
    );
  }
}

function scenario(seed: number): Scenario {
  const rand = prng(seed);
  const min = 1 + Math.floor(rand() * 2);
  const max = min + 1 + Math.floor(rand() * 6);
  const instances = min + Math.floor(rand() * (max - min + 1));
  const policies: PolicySpec[] = [];
  const cooldown = () => COOLDOWNS[Math.floor(rand() * COOLDOWNS.length)];
  if (rand() < 0.7) {
    policies.push({
      name: "tracking",
      kind: "tracking",
      outCooldown: cooldown(),
      inCooldown: cooldown(),
    });
  }
  if (rand() < 0.6) {
    policies.push({ name: "step-out", kind: "step-out", outCooldown: cooldown(), inCooldown: 0 });
  }
  if (rand() < 0.6) {
    policies.push({ name: "step-in", kind: "step-in", outCooldown: 0, inCooldown: cooldown() });
  }
  if (policies.length === 0) {
    policies.push({ name: "tracking", kind: "tracking", outCooldown: 300, inCooldown: 300 });
  }
  for (const p of policies) if (p.kind === "step-out") p.inCooldown = p.outCooldown;
  for (const p of policies) if (p.kind === "step-in") p.outCooldown = p.inCooldown;
  return { seed, min, max, instances, policies };
}

/** A random walk with jumps, occasionally missing (undefined). */
function series(rand: () => number, length: number, high: number): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  let v = rand() * high;
  for (let i = 0; i < length; i++) {
    v = rand() < 0.1 ? rand() * high : Math.max(0, Math.min(high, v + (rand() - 0.5) * high * 0.3));
    out.push(rand() < 0.05 ? undefined : Math.round(v * 10) / 10);
  }
  return out;
}

interface Change {
  start: number;
  end: number;
  from: number;
  to: number;
  policy: string | undefined;
}

/** The capacity changes, in order, with the capacity before each. */
function changes(activities: ScalingActivity[], initial: number): Change[] {
  const out: Change[] = [];
  let capacity = initial;
  for (const a of activities) {
    const m = /^Setting desired instance count to (\d+)\.$/.exec(a.Description ?? "");
    if (!m || a.StatusCode === "Failed") continue;
    const to = Number(m[1]);
    const policy = /triggered policy (.+)$/.exec(a.Cause ?? "")?.[1];
    out.push({
      start: a.StartTime!.getTime(),
      end: (a.EndTime ?? new Date(Infinity)).getTime(),
      from: capacity,
      to,
      policy,
    });
    capacity = to;
  }
  return out;
}

async function check(seed: number): Promise<Change[]> {
  const s = scenario(seed);
  const label = `seed ${seed}: ${JSON.stringify(s)}`;
  let log: Change[] = [];
  await withScaling({ instances: s.instances, register: { min: s.min, max: s.max } }, async (h) => {
    const rand = prng(seed * 7919 + 1);
    await setUp(h, s, rand);
    const invocations = series(rand, MINUTES, 400);
    const load = series(rand, MINUTES, 200);
    invocations.forEach((v, m) =>
      v !== undefined && h.putMetric("InvocationsPerInstance", m * 60, v)
    );
    for (let m = 0; m < MINUTES; m++) {
      const v = load[m];
      if (v === undefined) continue;
      await h.cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: "App",
          MetricData: [{
            MetricName: "Load",
            Timestamp: new Date(h.t0 + m * 60_000 + 30_000),
            Value: v,
          }],
        }),
      );
    }
    // Property 1, sampled every minute.
    for (let m = 1; m <= MINUTES + 5; m++) {
      await h.sleepTo(m * 60);
      const capacity = await h.capacity();
      assert.ok(
        capacity >= s.min && capacity <= s.max,
        `${label}: capacity ${capacity} at ${m} min`,
      );
    }
    log = changes(await h.activities(), s.instances);
    const byName = new Map(s.policies.map((p) => [p.name, p]));
    for (const [i, c] of log.entries()) {
      // Property 1 for every change, not just at the samples.
      assert.ok(c.to >= s.min && c.to <= s.max, `${label}: change to ${c.to}`);
      // Property 4.
      if (i > 0) {
        assert.ok(
          c.start >= log[i - 1].end,
          `${label}: overlapping changes at ${c.start - h.t0} ms`,
        );
      }
      const p = c.policy === undefined ? undefined : byName.get(c.policy);
      if (p === undefined || c.to >= c.from) continue;
      // Property 2: the policy's previous scale-in, with no policy scale-out since.
      const previous = log.slice(0, i).findLast((b) => b.policy === c.policy && b.to < b.from);
      if (previous === undefined) continue;
      const outSince = log.slice(0, i).some((b) =>
        b.start >= previous.start && b.to > b.from && b.policy !== undefined
      );
      if (outSince) continue;
      assert.ok(
        c.start >= previous.end + p.inCooldown * 1000,
        `${label}: ${c.policy} scaled in at ${
          (c.start - h.t0) / 1000
        } s, within its ${p.inCooldown} s cooldown after ${(previous.end - h.t0) / 1000} s`,
      );
    }
    // Property 3, for ChangeInCapacity step-out policies.
    for (const p of s.policies.filter((p) => p.maxStep !== undefined)) {
      let episode: { base: number; until: number } | undefined;
      for (const c of log) {
        if (c.policy !== p.name) continue;
        if (c.to < c.from) {
          episode = undefined;
          continue;
        }
        if (episode !== undefined && c.start < episode.until) {
          assert.ok(
            c.to <= episode.base + p.maxStep!,
            `${label}: ${p.name} went to ${c.to} during its cooldown from ${episode.base} (+${p.maxStep} at most)`,
          );
          episode.until = Math.max(episode.until, c.end + p.outCooldown * 1000);
        } else {
          episode = { base: c.from, until: c.end + p.outCooldown * 1000 };
        }
      }
    }
  });
  return log;
}

const only = Deno.env.get("SEED");
const SEEDS = only === undefined ? Array.from({ length: 30 }, (_, i) => i + 1) : [Number(only)];

Deno.test("property: capacity stays in [min, max] and cooldowns hold, for seeded random runs", async () => {
  const seen = new Set<string>();
  for (const seed of SEEDS) {
    for (const c of await check(seed)) seen.add(`${c.policy}:${c.to > c.from ? "out" : "in"}`);
  }
  // The properties are not vacuous: the runs scale out and in, by each kind of policy.
  if (only === undefined) {
    for (const kind of ["tracking:out", "tracking:in", "step-out:out", "step-in:in"]) {
      assert.ok(seen.has(kind), `no ${kind} in the random runs: ${[...seen].join(", ")}`);
    }
  }
});
