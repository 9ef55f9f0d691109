/**
 * Step `observe`: let time pass and watch an endpoint — after an evaluation, the scale-in tail.
 *
 * For `--minutes N` it samples the variant every minute (DescribeEndpoint: instances InService
 * and desired; DescribeAlarms: the state of each alarm of the variant's scaling policies), waiting
 * on the backend's clock between samples: on AWS that is real time, on the local backend it
 * advances the simulated clock, which runs the endpoint, its alarms and its scaling as AWS would.
 * At the end it reads the window's invocations from CloudWatch (GetMetricData, Period 60) and its
 * scaling activities (DescribeScalingActivities), and prices the window: instances InService x
 * the instance type's price per hour (`cloud/instance_types.ts`) / 60, summed over its minutes.
 *
 * @module
 */
import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeEndpointCommand, DescribeEndpointConfigCommand } from "@aws-sdk/client-sagemaker";
import type { Cloud } from "../cloud/types.ts";
import { instanceTypeInfo } from "../cloud/instance_types.ts";
import { observeSummary, windowCost } from "../charts/observe.ts";
import { endProgress, reportProgress } from "../progress/mod.ts";
import { requireVariant } from "./endpoint.ts";
import { InputError } from "./errors.ts";
import { scalingActivities } from "./evaluate.ts";
import {
  floorMinute,
  INVOCATION_QUERIES,
  invocationErrors,
  minutesBetween,
  readVariantSeries,
} from "./metrics.ts";
import { ensureWritableDir } from "./out_dir.ts";
import { resourceIdOf, scalableTargetKey, type VariantTarget } from "./policies.ts";
import {
  requiredNumber,
  requiredString,
  runScript,
  type ScriptSpec,
  stringInput,
  table,
} from "./script.ts";
import type { ObserveAlarm, ObservePoint, ObserveResult } from "./types.ts";
import { allPages } from "./pages.ts";

/** Inputs of {@linkcode observe}. */
export interface ObserveOptions {
  /** The endpoint to watch. */
  endpointName: string;
  /**
   * Its variant.
   * @default {"AllTraffic"}
   */
  variantName?: string;
  /** How long to watch, in whole minutes (1 to 1440). */
  minutes: number;
  /**
   * Milliseconds between samples.
   * @default {60000}
   */
  pollIntervalMs?: number;
}

/** The most minutes one observation may take (a day). */
export const MAX_OBSERVE_MINUTES = 1440;

/** One sample of the variant. */
interface Sample {
  time: number;
  inService: number;
  desired: number;
  alarms: Map<string, string>;
}

/** The scalable target's capacity band and the alarms of its policies (none when unregistered). */
async function scalingSetup(
  cloud: Cloud,
  resourceId: string,
): Promise<{ minCapacity?: number; maxCapacity?: number; alarmNames: string[] }> {
  const key = scalableTargetKey(resourceId);
  const targets = await cloud.autoscaling.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: key.ServiceNamespace,
      ResourceIds: [resourceId],
      ScalableDimension: key.ScalableDimension,
    }),
  );
  const target = targets.ScalableTargets?.[0];
  const policies = await allPages(async (NextToken) => {
    const page = await cloud.autoscaling.send(
      new DescribeScalingPoliciesCommand({ ...key, NextToken }),
    );
    return { items: page.ScalingPolicies ?? [], next: page.NextToken };
  });
  const alarmNames = new Set<string>();
  for (const policy of policies) {
    for (const alarm of policy.Alarms ?? []) {
      if (alarm.AlarmName) alarmNames.add(alarm.AlarmName);
    }
  }
  return {
    minCapacity: target?.MinCapacity,
    maxCapacity: target?.MaxCapacity,
    alarmNames: [...alarmNames].sort(),
  };
}

async function instanceTypeOf(cloud: Cloud, target: VariantTarget): Promise<string | undefined> {
  const endpoint = await cloud.sagemaker.send(
    new DescribeEndpointCommand({ EndpointName: target.endpointName }),
  );
  const config = await cloud.sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
  );
  return config.ProductionVariants?.find((v) => v.VariantName === target.variantName)
    ?.InstanceType;
}

async function sample(
  cloud: Cloud,
  target: VariantTarget,
  alarmNames: readonly string[],
): Promise<Sample> {
  const endpoint = await cloud.sagemaker.send(
    new DescribeEndpointCommand({ EndpointName: target.endpointName }),
  );
  const variant = endpoint.ProductionVariants?.find((v) => v.VariantName === target.variantName);
  const alarms = new Map<string, string>();
  // DescribeAlarms takes at most 100 names per call.
  for (let i = 0; i < alarmNames.length; i += 100) {
    const page = await cloud.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: alarmNames.slice(i, i + 100) }),
    );
    for (const a of page.MetricAlarms ?? []) {
      if (a.AlarmName) alarms.set(a.AlarmName, a.StateValue ?? "INSUFFICIENT_DATA");
    }
  }
  return {
    time: cloud.clock.now().getTime(),
    inService: variant?.CurrentInstanceCount ?? 0,
    desired: variant?.DesiredInstanceCount ?? variant?.CurrentInstanceCount ?? 0,
    alarms,
  };
}

/**
 * Watches an endpoint's variant for `minutes` on the backend's clock and reports its capacity,
 * invocations, alarm states, scaling activities and cost over the window.
 *
 * @example Usage
 * ```ts ignore
 * const tail = await observe(cloud, { endpointName: "ep", minutes: 45 });
 * console.log(tail.series.at(-1)?.instancesInService, tail.costDollars);
 * ```
 */
export async function observe(cloud: Cloud, options: ObserveOptions): Promise<ObserveResult> {
  const { endpointName, minutes } = options;
  const variantName = options.variantName ?? "AllTraffic";
  if (!(Number.isInteger(minutes) && minutes >= 1 && minutes <= MAX_OBSERVE_MINUTES)) {
    throw new InputError(
      `Cannot observe for ${minutes} minutes: give --minutes a whole number from 1 to ${MAX_OBSERVE_MINUTES}`,
    );
  }
  const intervalMs = options.pollIntervalMs ?? 60_000;
  if (!(Number.isFinite(intervalMs) && intervalMs >= 1000)) {
    throw new InputError(`Cannot poll every ${intervalMs} ms: give 1000 ms or more`);
  }
  const target = { endpointName, variantName };
  await requireVariant(cloud, target, { step: "observe" });
  const resourceId = resourceIdOf(target);
  const setup = await scalingSetup(cloud, resourceId);
  const instanceType = await instanceTypeOf(cloud, target);
  const pricePerHour = instanceType === undefined
    ? undefined
    : instanceTypeInfo(instanceType)?.pricePerHour;

  const start = cloud.clock.now();
  const end = new Date(start.getTime() + minutes * 60_000);
  const samples = [await sample(cloud, target, setup.alarmNames)];
  while (cloud.clock.now() < end) {
    await cloud.clock.sleep(Math.min(intervalMs, end.getTime() - cloud.clock.now().getTime()));
    const s = await sample(cloud, target, setup.alarmNames);
    samples.push(s);
    reportProgress({
      step: "observe",
      phase: `${endpointName}: ${s.inService} instances in service, ${s.desired} desired`,
      elapsedMs: s.time - start.getTime(),
      remainingMs: Math.max(0, end.getTime() - s.time),
    });
  }
  endProgress();

  const first = floorMinute(start);
  const last = floorMinute(end);
  const values = await readVariantSeries(cloud, target, {
    queries: INVOCATION_QUERIES,
    start: first,
    end: new Date(Math.max(last.getTime(), first.getTime() + 60_000)),
  });
  const times = minutesBetween(first, new Date(Math.max(last.getTime(), first.getTime() + 60_000)));
  const sampleAt = (minute: string) => {
    const minuteEnd = Date.parse(minute) + 60_000;
    return samples.filter((s) => s.time <= minuteEnd).at(-1) ?? samples[0];
  };
  const series: ObservePoint[] = times.map((minute) => {
    const s = sampleAt(minute);
    const invocations = values.get("invocations")?.get(minute);
    return {
      time: minute,
      instancesInService: s.inService,
      desiredInstances: s.desired,
      ...(invocations === undefined
        ? {}
        : { invocations, errors: invocationErrors(values, minute) }),
    };
  });
  const alarms: ObserveAlarm[] = setup.alarmNames.map((name) => ({
    name,
    states: times.map((time) => ({
      time,
      state: sampleAt(time).alarms.get(name) ?? "INSUFFICIENT_DATA",
    })),
  }));
  const activities = await scalingActivities(cloud, { resourceId, start: first, end });
  const instanceMinutes = series.reduce((n, p) => n + p.instancesInService, 0);
  return {
    endpointName,
    variantName,
    start: start.toISOString(),
    end: end.toISOString(),
    minutes,
    ...(instanceType === undefined ? {} : { instanceType }),
    ...(setup.minCapacity === undefined ? {} : { minCapacity: setup.minCapacity }),
    ...(setup.maxCapacity === undefined ? {} : { maxCapacity: setup.maxCapacity }),
    ...(pricePerHour === undefined ? {} : { pricePerHour }),
    series,
    alarms,
    activities,
    instanceMinutes,
    ...(pricePerHour === undefined
      ? {}
      : { costDollars: Math.round(windowCost(series, pricePerHour) * 10_000) / 10_000 }),
  };
}

/** How an observation reads for people: the summary, then one line per minute. */
export function renderObserve(r: ObserveResult): string {
  const band = r.minCapacity === undefined
    ? "not registered for scaling"
    : `MinCapacity ${r.minCapacity}, MaxCapacity ${r.maxCapacity}`;
  const states = (time: string) =>
    r.alarms.map((a) => a.states.find((s) => s.time === time)?.state ?? "").join(" ");
  return [
    table([
      ["Endpoint", `${r.endpointName}/${r.variantName}`],
      ["Window", `${r.start} to ${r.end}`],
      ["Capacity", band],
      ["Summary", observeSummary(r)],
      [
        "Price",
        r.pricePerHour === undefined ? "unknown" : `$${r.pricePerHour}/h (${r.instanceType})`,
      ],
      ["Alarms", r.alarms.map((a) => a.name).join(", ") || "none"],
      ...r.activities.map((a) =>
        [`  ${a.time.slice(11, 19)}`, `${a.status}: ${a.description}`] as const
      ),
    ]),
    "Per minute (InService/desired, invocations, alarm states):",
    ...r.series.map((p) =>
      `  ${p.time.slice(11, 16)}  ${p.instancesInService}/${p.desiredInstances}  ${
        p.invocations === undefined ? "-" : Math.round(p.invocations)
      }  ${states(p.time)}`.trimEnd()
    ),
  ].join("\n");
}

/** The `observe` script's flags. */
export const OBSERVE_SCRIPT: ScriptSpec = {
  name: "observe",
  summary:
    "let time pass and watch an endpoint: capacity, invocations, alarms, activities and cost",
  flags: {
    endpoint: {
      type: "string",
      placeholder: "NAME",
      description: "endpoint to watch (scale's endpointName)",
    },
    "variant-name": {
      type: "string",
      placeholder: "NAME",
      description: "variant (default AllTraffic)",
    },
    minutes: {
      type: "string",
      placeholder: "N",
      description: `how long to watch, whole minutes 1-${MAX_OBSERVE_MINUTES}`,
    },
    out: {
      type: "string",
      placeholder: "DIR",
      description: "write the chart as SVG (+ .vl.json) into DIR",
    },
  },
  examples: ["deno task observe --endpoint scaling-lab-ep --minutes 45 --json > tail.json"],
};

if (import.meta.main) {
  await runScript(OBSERVE_SCRIPT, async (ctx) => {
    const { flags, from } = ctx;
    if (typeof flags.out === "string") await ensureWritableDir(flags.out, "--out");
    const endpointName = requiredString(flags, "endpoint", { from, field: "endpointName" });
    const minutes = requiredNumber(flags, "minutes");
    const cloud = await ctx.cloud();
    const result = await observe(cloud, {
      endpointName,
      variantName: stringInput(flags, "variant-name", { from, fallback: "AllTraffic" }),
      minutes,
    });
    const out = flags.out as string | undefined;
    if (out !== undefined) {
      const { writeObserveCharts } = await import("./charts_out.ts");
      for (const path of await writeObserveCharts([result], out)) {
        console.error(`observe: wrote ${path}`);
      }
    }
    return result;
  }, { render: renderObserve });
}
