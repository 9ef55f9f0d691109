/**
 * Fleet benchmark (`deno task bench:fleet`): one simulated hour of a ramp to the walkthrough's
 * peak (30,000 invocations per minute = 500 TPS) with target tracking on, on the fixture profile
 * (`tests/fixtures/capacity_profile.json`, about 50 TPS per instance):
 *
 * - (a) the pure functions alone: the fleet model (`sim/fleet/`) integrated minute by
 *   minute, the target-tracking alarms evaluated (`alarm_eval.ts`) and the policy applied
 *   (`scaling_math.ts`) with the 240 s instance start — events, not one-second steps;
 * - (b) the whole local Advanced job: endpoint, Application Auto Scaling target-tracking policy,
 *   its CloudWatch alarms, the job's metric writes to the store, every alarm evaluation and scaling
 *   activity, run by one `clock.sleep` of an hour.
 *
 * Traffic: PHASES, 1 user + 1 user per minute for 3600 s (61 users at the end: 10 instances at
 * c = 4 carry 500 TPS from about minute 40); target 1500 InvocationsPerInstance per minute
 * (50 TPS x 60 x SAFETY_FACTOR 0.5, AWS's load-testing guide), capacity 1–12.
 * Goals: (a) at most 1 ms, (b) at most 50 ms per simulated hour. The last line states both.
 *
 * @module
 */
import { type AlarmDatapoint, type AlarmState, evaluateAlarm } from "../sim/alarm_eval.ts";
import {
  type InstanceRecord,
  integrateFleet,
  NO_CARRY,
  profileCurve,
  usersTimeline,
} from "../sim/fleet/mod.ts";
import type { CapacityProfile } from "../sim/profile.ts";
import {
  clampCapacity,
  cooldownAfter,
  type PolicyCooldown,
  targetTrackingDecision,
} from "../sim/scaling_math.ts";
import { runAdvancedJobHour } from "./fleet_bench_job.ts";
import { holdBenchMachine } from "./_machine.ts";

const profile: CapacityProfile = JSON.parse(
  Deno.readTextFileSync(new URL("../tests/fixtures/capacity_profile.json", import.meta.url)),
);
const TARGET = 1500;
const MIN = 1;
const MAX = 12;
const INSTANCE_START_MS = 240_000;
const DELAY_MS = 60_000;
const COOLDOWN_S = 300;
const PATTERN = {
  TrafficType: "PHASES" as const,
  Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 1, DurationInSeconds: 3600 }],
};

/** Result of one pure hour. */
interface PureHour {
  invocationsPerMinute: number[];
  instances: number;
  activities: number;
}

/** One simulated hour with the pure functions: fleet by events, alarms, target tracking. */
function pureHour(): PureHour {
  const t0 = Date.UTC(2026, 0, 1);
  const curve = profileCurve(profile);
  const users = usersTimeline(PATTERN, t0);
  const instances: InstanceRecord[] = [{ id: "i-0001", launchedAt: t0, inServiceAt: t0 }];
  const ipi: AlarmDatapoint[] = [];
  const invocationsPerMinute: number[] = [];
  let high: AlarmState = "INSUFFICIENT_DATA";
  let low: AlarmState = "INSUFFICIENT_DATA";
  let cooldown: PolicyCooldown = {};
  let busyUntil = 0; // the endpoint is Updating until then
  let activities = 0;
  let carry = NO_CARRY;
  for (let m = 0; m < 60; m++) {
    const start = t0 + m * 60_000;
    const end = start + 60_000;
    const w = integrateFleet({ curve, load: users, instances, start, end, carry });
    carry = w.carry;
    const period = w.periods[0];
    invocationsPerMinute.push(period.invocations);
    ipi.push({ timestamp: start, value: period.invocationsPerInstance });
    // The alarm evaluation at `end` sees periods that closed at least DELAY_MS ago.
    const visible = ipi.filter((d) => d.timestamp + 60_000 + DELAY_MS <= end);
    const evaluateAt = (
      n: number,
      threshold: number,
      op: "GreaterThanThreshold" | "LessThanThreshold",
      state: AlarmState,
    ) =>
      evaluateAlarm({
        datapoints: visible.slice(-(n + 2)),
        evaluationPeriods: n,
        datapointsToAlarm: n,
        threshold,
        comparisonOperator: op,
        currentState: state,
      }).state;
    high = evaluateAt(3, TARGET, "GreaterThanThreshold", high);
    low = evaluateAt(15, TARGET * 0.9, "LessThanThreshold", low);
    if (end < busyUntil) continue;
    const live = instances.filter((i) => i.terminatedAt === undefined);
    const alarm = high === "ALARM" ? "high" : low === "ALARM" ? "low" : undefined;
    if (alarm === undefined) continue;
    const metric = visible.at(-1)!.value!;
    const decision = targetTrackingDecision({
      alarm,
      current: live.length,
      metric,
      target: TARGET,
      disableScaleIn: false,
      cooldown,
      now: end,
    });
    if (decision.kind !== "scale") continue;
    const clamped = clampCapacity(live.length, {
      desired: decision.desired,
      bounds: { min: MIN, max: MAX },
    });
    if (!clamped.scaled) continue;
    activities++;
    if (clamped.capacity > live.length) {
      for (let k = live.length; k < clamped.capacity; k++) {
        instances.push({
          id: `i-${String(instances.length + 1).padStart(4, "0")}`,
          launchedAt: end,
          inServiceAt: end + INSTANCE_START_MS,
        });
      }
      busyUntil = end + INSTANCE_START_MS;
    } else {
      for (const i of live.slice(clamped.capacity)) i.terminatedAt = end;
      busyUntil = end;
    }
    cooldown = cooldownAfter(cooldown, {
      direction: decision.direction,
      capacityBefore: live.length,
      now: end,
      completesAt: busyUntil,
      seconds: COOLDOWN_S,
    });
  }
  return {
    invocationsPerMinute,
    instances: instances.filter((i) => i.terminatedAt === undefined).length,
    activities,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const machine = await holdBenchMachine("bench:fleet", Deno.args);
// (a) the pure functions.
const check = pureHour();
for (let i = 0; i < 200; i++) pureHour(); // warm up the JIT
const pureTimes: number[] = [];
for (let run = 0; run < 21; run++) {
  const runs = 50;
  const start = performance.now();
  for (let i = 0; i < runs; i++) pureHour();
  pureTimes.push((performance.now() - start) / runs);
}
const pureMs = median(pureTimes);
console.log(
  `(a) pure fleet + target tracking, 1 simulated hour: ${pureMs.toFixed(3)} ms ` +
    `(peak ${Math.max(...check.invocationsPerMinute)} invocations/min, ` +
    `${check.instances} instances at the end, ${check.activities} scaling activities)`,
);

// (b) the whole local Advanced job.
const jobTimes: number[] = [];
let jobSummary = "";
for (let run = 0; run < 7; run++) {
  const result = await runAdvancedJobHour(profile, {
    pattern: PATTERN,
    target: TARGET,
    min: MIN,
    max: MAX,
    cooldownSeconds: COOLDOWN_S,
  });
  jobTimes.push(result.ms);
  jobSummary = result.summary;
}
const jobMs = median(jobTimes);
console.log(`(b) ${jobSummary}: ${jobMs.toFixed(1)} ms`);
console.log(machine.line());
console.log(
  `fleet bench: (a) pure fleet + scaling ${
    pureMs.toFixed(3)
  } ms per simulated hour (goal <= 1 ms); ` +
    `(b) whole local Advanced job ${jobMs.toFixed(1)} ms per simulated hour (goal <= 50 ms)`,
);
