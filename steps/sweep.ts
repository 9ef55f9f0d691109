/**
 * Step `sweep` (the policy lab): which scaling policy holds this endpoint's traffic at the lowest
 * cost. Every candidate configuration (a default grid, or `--candidates FILE`) runs offline on
 * every traffic pattern through the pure model of `sim/sweep/` — the same fleet model, alarms and
 * scaling arithmetic as the local backend — and is scored on cost, availability, p99 latency, time
 * to capacity and instances. Per pattern it prints the Pareto front of cost against availability
 * and places the original's rule of thumb (target 40 % / 50 % / 70 % of the measured peak); then it
 * chooses one configuration by objective and says why. `--json` gives
 * `{ profile, patterns, candidates, results, pareto, chosen }`; `chosen.config` is a
 * `ScalingConfig`, so `export --from sweep.json` writes it as a template.
 *
 * @module
 */
import type { Cloud } from "../cloud/types.ts";
import { instanceTypeInfo } from "../cloud/instance_types.ts";
import { nearestLevel, type ProfileCurve, profileCurve } from "../sim/fleet/mod.ts";
import type { CapacityProfile } from "../sim/profile.ts";
import { parseTrace, TraceError } from "../sim/trace.ts";
import { chooseCandidate, type Objective } from "../sim/sweep/choose.ts";
import {
  diurnalPattern,
  rampPattern,
  replayPattern,
  spikePattern,
  stepPattern,
  type SweepPattern,
} from "../sim/sweep/patterns.ts";
import { patternTables, sweepPolicies } from "../sim/sweep/sweep.ts";
import { runCandidate } from "../sim/sweep/run.ts";
import { InputError } from "./errors.ts";
import { profileOfRecommendation, type RecommendationWindow } from "./job_profile.ts";
import { minutesBetween, readVariantSeries } from "./metrics.ts";
import { planCapacity } from "./plan.ts";
import type { ScalingConfig } from "./scaling_requests.ts";
import { ensureWritableDir } from "./out_dir.ts";
import type { SweepReport, SweepResultReport } from "./sweep_report.ts";
import { runScript, type ScriptSpec, table } from "./script.ts";
import { defaultCandidates, type GridCandidate } from "./sweep_grid.ts";
import { awsCandidate } from "./sweep_aws.ts";
import { progress } from "./wait.ts";

/** Inputs of {@linkcode sweep}. */
export interface SweepStepOptions {
  /** The capacity profile of one instance. */
  profile: CapacityProfile;
  /**
   * Patterns: `ramp[:SPAWN_PER_MIN[:MINUTES]]`, `step[:FACTOR]`, `spike[:FACTOR]`, `diurnal[:FACTOR]`,
   * `trace:FILE.csv`, `endpoint:NAME[:DAYS]`.
   * @default {["ramp", "spike", "diurnal"]}
   */
  patterns?: string[];
  /**
   * Candidates; the default grid when absent.
   * @default {defaultCandidates(...)}
   */
  candidates?: GridCandidate[];
  /** @default {"balanced"} */
  objective?: Objective;
  /** A floor of availability instead of the objective's. */
  minAvailability?: number;
  /**
   * Latency SLO, ms.
   * @default {1.5 x the profile's p99 at saturation}
   */
  sloP99Ms?: number;
  /**
   * USD per instance-hour.
   * @default {the instance type's on-demand price}
   */
  pricePerHour?: number;
  /**
   * Base rate of step, spike and diurnal, requests per second.
   * @default {the profile's saturated throughput X_max}
   */
  baseTps?: number;
  /** Reads a trace file (tests give a map). @default {Deno.readTextFile} */
  readFile?: (path: string) => Promise<string>;
  /** The backend, for `endpoint:` patterns. */
  cloud?: () => Promise<Cloud>;
  /** @default {"AllTraffic"} */
  variantName?: string;
  /**
   * The Default job whose `GetScalingConfigurationRecommendation` is scored beside the candidates
   * (asked of `cloud`); none when absent.
   */
  recommendationJobName?: string;
  /**
   * Add the chosen policy's and the baseline's (the 50 % rule) per-minute timelines, for charts.
   * @default {false}
   */
  timelines?: boolean;
}

/**
 * The latency SLO a profile implies: 1.5 x the p99 it measured at the level nearest saturation
 * [INF: the profile's own latency at full use, with headroom].
 *
 * @example Usage
 * ```ts
 * import { defaultSloMs } from "./sweep.ts";
 * import { profileCurve } from "../sim/fleet/mod.ts";
 * import assert from "node:assert/strict";
 * const level = (concurrency: number, throughput: number, p99: number) => ({ concurrency, throughput,
 *   latencyMs: { p50: 1, p95: 1, p99, mean: 1 }, cpuPercent: 50, memoryPercent: 10, errorRate: 0 });
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "example",
 *   levels: [level(1, 25, 40), level(2, 50, 80), level(8, 50, 300)] });
 * assert.equal(defaultSloMs(curve), 120);
 * ```
 */
export function defaultSloMs(curve: ProfileCurve): number {
  return 1.5 * curve.levels[nearestLevel(curve, curve.saturationConcurrency)].latencyMs.p99;
}

function positive(raw: string | undefined, what: string, spec: string): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!(Number.isFinite(n) && n > 0)) {
    throw new InputError(
      `Cannot use --pattern ${spec}: ${what} must be a number above 0, found "${raw}"`,
    );
  }
  return n;
}

async function buildPattern(
  spec: string,
  context: { curve: ProfileCurve; baseTps: number; options: SweepStepOptions },
): Promise<SweepPattern> {
  const { curve, baseTps, options } = context;
  const [kind, ...rest] = spec.split(":");
  switch (kind) {
    case "ramp":
      return rampPattern(curve, {
        spawnRate: positive(rest[0], "the spawn rate", spec),
        minutes: positive(rest[1], "the minutes", spec),
      });
    case "step":
      return stepPattern({ baseTps, factor: positive(rest[0], "the factor", spec) });
    case "spike":
      return spikePattern({ baseTps, factor: positive(rest[0], "the factor", spec) });
    case "diurnal":
      return diurnalPattern({ baseTps, factor: positive(rest[0], "the factor", spec) });
    case "trace": {
      const path = rest.join(":");
      if (path === "") {
        throw new InputError("Cannot use --pattern trace: name a file, e.g. trace:day.csv");
      }
      let text: string;
      try {
        text = await (options.readFile ?? Deno.readTextFile)(path);
      } catch (error) {
        throw new InputError(`Cannot read the trace "${path}": ${(error as Error).message}`);
      }
      try {
        return replayPattern(spec, parseTrace(text).minutes);
      } catch (error) {
        if (error instanceof TraceError) {
          throw new InputError(`Cannot replay ${path}: ${error.message}`);
        }
        throw new InputError(`Cannot replay ${path}: ${(error as Error).message}`);
      }
    }
    case "endpoint": {
      const endpointName = rest[0];
      if (!endpointName) {
        throw new InputError("Cannot use --pattern endpoint: name it, e.g. endpoint:my-endpoint:7");
      }
      const days = positive(rest[1], "the days", spec) ?? 1;
      if (options.cloud === undefined) {
        throw new InputError(`Cannot use --pattern ${spec}: no backend to read its metrics from`);
      }
      const cloud = await options.cloud();
      const end = new Date(Math.floor(cloud.clock.now().getTime() / 60_000) * 60_000);
      const start = new Date(end.getTime() - days * 86_400_000);
      const series = await readVariantSeries(cloud, {
        endpointName,
        variantName: options.variantName ?? "AllTraffic",
      }, {
        queries: [{
          id: "inv",
          namespace: "AWS/SageMaker",
          metricName: "Invocations",
          stat: "Sum",
        }],
        start,
        end,
      });
      const values = series.get("inv")!;
      if (values.size === 0) {
        throw new InputError(
          `Cannot replay endpoint ${endpointName}: CloudWatch has no Invocations for it in the last ${days} day(s); send it traffic or pick another endpoint`,
        );
      }
      const minutes = minutesBetween(start, end).map((iso) => ({
        minute: Date.parse(iso),
        invocations: values.get(iso) ?? 0,
      }));
      return replayPattern(spec, minutes);
    }
    default:
      throw new InputError(
        `Cannot use --pattern ${spec}: use ramp, step, spike, diurnal, trace:FILE.csv or endpoint:NAME[:DAYS]`,
      );
  }
}

/**
 * Sweeps candidate scaling policies over traffic patterns for one capacity profile.
 *
 * @example Usage
 * ```ts
 * import { sweep } from "./sweep.ts";
 * import assert from "node:assert/strict";
 * const profile = JSON.parse(await Deno.readTextFile("tests/fixtures/capacity_profile.json"));
 * const report = await sweep({ profile, patterns: ["spike"] });
 * assert.equal(report.patterns[0].name, "spike");
 * assert.ok(report.chosen.config.minCapacity >= 1);
 * assert.equal(report.pareto[0].rules.length, 3);
 * ```
 */
export async function sweep(options: SweepStepOptions): Promise<SweepReport> {
  const { profile } = options;
  let curve: ProfileCurve;
  try {
    curve = profileCurve(profile);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
  const objective = options.objective ?? "balanced";
  const pricePerHour = options.pricePerHour ?? instanceTypeInfo(profile.instanceType)?.pricePerHour;
  if (pricePerHour === undefined) {
    throw new InputError(
      `Cannot price ${profile.instanceType}: it is not in the instance table; pass --price-per-hour USD`,
    );
  }
  const sloMs = options.sloP99Ms ?? defaultSloMs(curve);
  const baseTps = options.baseTps ?? Math.round(curve.maxThroughput);
  const specs = options.patterns ?? ["ramp", "spike", "diurnal"];
  const patterns: SweepPattern[] = [];
  for (const spec of specs) patterns.push(await buildPattern(spec, { curve, baseTps, options }));

  // Without a plan: min/max as `plan` computes them from the patterns' peak and low, with the
  // analysis's upper limit (55 % of the measured peak per instance, rounded down).
  const upperLimit = Math.floor(0.55 * curve.maxThroughput * 60);
  const peak = Math.max(...patterns.map((p) => p.peakPerMinute));
  const low = Math.min(...patterns.map((p) => p.lowPerMinute).filter((v) => v > 0), peak);
  const plan = planCapacity({ maxTps: peak / 60, minTps: low / 60, upperLimit });
  const candidates = [
    ...options.candidates ?? defaultCandidates(curve, {
      plan,
      instanceType: profile.instanceType,
      diurnal: patterns.some((p) => p.name.startsWith("diurnal")),
    }),
  ];
  if (candidates.length === 0) throw new InputError("Cannot sweep: the candidate list is empty");
  // AWS's answer, scored like any candidate (appended last), or why it is missing.
  const aws = await awsCandidate(options.recommendationJobName, {
    cloud: options.cloud,
    instanceType: profile.instanceType,
  });
  const awsIndex = aws.config === undefined ? undefined : candidates.length;
  if (aws.config !== undefined) candidates.push({ config: aws.config });
  const outcome = sweepPolicies(
    { profile, patterns, candidates: candidates.map((c) => c.config) },
    { sloMs, pricePerHour },
  );
  const labels = candidates.map((c) => c.config.label);
  const P = patterns.length;
  const results: SweepResultReport[] = outcome.results.map((r) => ({
    ...r,
    label: labels[r.candidate],
    pattern: patterns[r.pattern].name,
  }));
  const at = (c: number, p: number) => results[c * P + p];
  const floor = { objective, minAvailability: options.minAvailability };
  const pareto = outcome.pareto.map(({ pattern: p, front }) => {
    const choice = chooseCandidate({
      labels,
      cost: candidates.map((_, c) => [at(c, p).cost]),
      availability: candidates.map((_, c) => [at(c, p).availability]),
    }, { ...floor, over: "this pattern" });
    const rules = candidates.flatMap((c, i) =>
      c.rule === undefined ? [] : [{
        rule: c.rule,
        candidate: i,
        cost: at(i, p).cost,
        availability: at(i, p).availability,
        onFront: front.includes(i),
      }]
    ).sort((a, b) => a.rule - b.rule);
    return {
      pattern: patterns[p].name,
      front,
      chosen: choice.candidate,
      reason: choice.reason,
      rules,
    };
  });
  const overall = chooseCandidate({
    labels,
    cost: candidates.map((_, c) => patterns.map((_, p) => at(c, p).cost)),
    availability: candidates.map((_, c) => patterns.map((_, p) => at(c, p).availability)),
  }, floor);
  const timelines = options.timelines
    ? patterns.map((pattern) => {
      const baselineIndex = Math.max(0, candidates.findIndex((c) => c.rule === 50));
      const tables = patternTables(profile, { pattern, sloMs, highResolution: true });
      const minutesOf = (c: number) => ({
        label: labels[c],
        minutes: runCandidate(tables, candidates[c].config, {
          vCpus: profile.vCpus,
          pricePerHour,
          timeline: true,
        }).minutes!,
      });
      return {
        pattern: pattern.name,
        chosen: minutesOf(overall.candidate),
        baseline: minutesOf(baselineIndex),
      };
    })
    : undefined;
  return {
    profile,
    settings: {
      sloP99Ms: sloMs,
      pricePerHour,
      objective,
      ...(options.minAvailability === undefined
        ? {}
        : { minAvailability: options.minAvailability }),
      plan: { minCapacity: plan.minCapacity, maxCapacity: plan.maxCapacity, upperLimit },
    },
    patterns: patterns.map((p) => ({
      name: p.name,
      description: p.description,
      start: new Date(p.start).toISOString(),
      minutes: p.minutes,
      totalInvocations: p.totalInvocations,
      peakPerMinute: p.peakPerMinute,
    })),
    candidates: candidates.map((c) => ({
      label: c.config.label,
      config: c.config,
      ...(c.rule === undefined ? {} : { rule: c.rule }),
    })),
    results,
    pareto,
    chosen: {
      candidate: overall.candidate,
      label: labels[overall.candidate],
      config: candidates[overall.candidate].config,
      reason: overall.reason,
      scores: patterns.map((_, p) => at(overall.candidate, p)),
    },
    ...(options.recommendationJobName === undefined ? {} : {
      aws: awsIndex === undefined
        ? { jobName: options.recommendationJobName, missing: aws.missing! }
        : {
          jobName: options.recommendationJobName,
          candidate: awsIndex,
          label: labels[awsIndex],
          config: aws.config!,
          response: aws.response!,
          scores: patterns.map((_, p) => at(awsIndex, p)),
        },
    }),
    ...(timelines === undefined ? {} : { timelines }),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(3)} %`;
const usd = (x: number) => `$${x.toFixed(4)}`;

/** How a sweep reads for people. */
export function renderSweep(report: SweepReport): string {
  const lines: string[] = [];
  const s = report.settings;
  lines.push(
    `Swept ${report.candidates.length} candidates x ${report.patterns.length} patterns on ${report.profile.instanceType} (SLO p99 ${
      Math.round(s.sloP99Ms)
    } ms, $${s.pricePerHour}/instance-hour, plan min ${s.plan.minCapacity} max ${s.plan.maxCapacity})`,
  );
  for (const [p, pattern] of report.patterns.entries()) {
    const front = report.pareto[p];
    lines.push(
      "",
      `Pattern ${pattern.name}: ${pattern.description}; ${
        Math.round(pattern.totalInvocations)
      } invocations, peak ${Math.round(pattern.peakPerMinute)}/min`,
    );
    lines.push("Pareto front (cost vs availability; * the choice for this pattern):");
    const shown = front.front.filter((c, i) => {
      const prev = front.front[i - 1];
      if (prev === undefined || c === front.chosen) return true;
      const a = report.results[c * report.patterns.length + p];
      const b = report.results[prev * report.patterns.length + p];
      return a.cost !== b.cost || a.availability !== b.availability;
    });
    for (const c of shown) {
      const r = report.results[c * report.patterns.length + p];
      lines.push(
        `  ${c === front.chosen ? "*" : " "} ${usd(r.cost)}  ${pct(r.availability)}  p99 ${
          Math.round(r.p99Ms)
        } ms  to capacity ${r.timeToCapacitySeconds} s  instances peak ${r.peakInstances} mean ${
          r.meanInstances.toFixed(2)
        }  ${r.label}`,
      );
    }
    for (const rule of front.rules) {
      lines.push(
        `  rule ${rule.rule} %: ${usd(rule.cost)} ${pct(rule.availability)} ${
          rule.onFront ? "(on the front)" : "(dominated)"
        }`,
      );
    }
    lines.push(`  choice: ${front.reason}`);
  }
  lines.push(
    "",
    table([
      ["Chosen", report.chosen.label],
      ["Why", report.chosen.reason],
    ]),
    awsLine(report),
  );
  return lines.join("\n");
}

/** One line: AWS's recommendation scored beside the chosen configuration, or why it is missing. */
function awsLine(report: SweepReport): string {
  const aws = report.aws;
  if (aws === undefined) {
    return "AWS recommendation: not asked (the profile does not come from a recommend result with a job name)";
  }
  if (!("config" in aws)) return `AWS recommendation: missing (${aws.missing})`;
  const total = (scores: SweepResultReport[]) => scores.reduce((sum, r) => sum + r.cost, 0);
  const worst = (scores: SweepResultReport[]) => Math.min(...scores.map((r) => r.availability));
  return `AWS recommendation (${aws.jobName}): min ${aws.config.minCapacity} max ${aws.config.maxCapacity}, ${
    aws.config.targetTracking?.map((t) => `${t.metric} ${t.target}`).join(" + ")
  }: ${usd(total(aws.scores))} ${pct(worst(aws.scores))} worst availability; chosen: ${
    usd(total(report.chosen.scores))
  } ${pct(worst(report.chosen.scores))}`;
}

function readCandidates(text: string, path: string, instanceType: string): GridCandidate[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(`Cannot read --candidates "${path}": it is not JSON`);
  }
  const list = Array.isArray(value) ? value : (value as { candidates?: unknown })?.candidates;
  if (!Array.isArray(list)) {
    throw new InputError(
      `Cannot read --candidates "${path}": give a JSON list of scaling configurations (the shapes scale applies)`,
    );
  }
  return list.map((raw, i) => {
    const item = (raw as { config?: unknown })?.config ?? raw;
    const c = item as Partial<ScalingConfig>;
    const ok = typeof c === "object" && c !== null && Number.isInteger(c.minCapacity) &&
      Number.isInteger(c.maxCapacity) && c.minCapacity! >= 1 && c.maxCapacity! >= c.minCapacity!;
    if (!ok) {
      throw new InputError(
        `Cannot read --candidates "${path}": candidate ${i} needs integer minCapacity >= 1 and maxCapacity >= minCapacity`,
      );
    }
    return {
      config: {
        ...c,
        instanceType: c.instanceType ?? instanceType,
        label: c.label ?? `candidate ${i}`,
      } as ScalingConfig,
    };
  });
}

/** The `sweep` script's flags. */
export const SWEEP_SCRIPT: ScriptSpec = {
  name: "sweep",
  summary:
    "sweep scaling policies over traffic patterns offline: cost vs availability, Pareto front, a choice",
  flags: {
    "capacity-profile": {
      type: "string",
      placeholder: "FILE",
      description:
        "a CapacityProfile JSON (else --local-profile, else a --from recommend result's profile or its job's CloudWatch metrics)",
    },
    pattern: {
      type: "string",
      multiple: true,
      placeholder: "P",
      description:
        "ramp[:SPAWN[:MIN]], step[:F], spike[:F], diurnal[:F], trace:FILE.csv, endpoint:NAME[:DAYS] (default ramp, spike, diurnal)",
    },
    candidates: {
      type: "string",
      placeholder: "FILE",
      description: "JSON list of scaling configurations (default: the built-in grid)",
    },
    objective: {
      type: "string",
      placeholder: "availability|balanced|cost",
      description: "what the choice optimises (default balanced: cheapest at >= 99.9 %)",
    },
    "min-availability": {
      type: "string",
      placeholder: "A",
      description: "choose the cheapest candidate at least this available on every pattern",
    },
    "slo-p99-ms": {
      type: "string",
      placeholder: "MS",
      description: "latency SLO (default 1.5 x the profile's p99 at saturation)",
    },
    "price-per-hour": {
      type: "string",
      placeholder: "USD",
      description: "price of one instance-hour (default: the instance type's on-demand price)",
    },
    out: {
      type: "string",
      placeholder: "DIR",
      description:
        "write the charts (Pareto scatter and timeline per pattern) as SVG files into DIR",
    },
    "base-tps": {
      type: "string",
      placeholder: "TPS",
      description:
        "base rate of step, spike and diurnal (default: one instance's saturated throughput)",
    },
  },
  examples: [
    "deno task sweep --local-profile original",
    "deno task sweep --capacity-profile tests/fixtures/capacity_profile.json",
    "deno task sweep --from recommend.json --pattern ramp --pattern trace:day.csv --objective cost --json > sweep.json",
    "deno task export --from sweep.json --format cloudformation",
  ],
};

function optionalNumber(
  raw: unknown,
  flag: string,
  check: (n: number) => boolean,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!(typeof raw === "string" && raw.trim() !== "" && Number.isFinite(n) && check(n))) {
    throw new InputError(`Cannot use --${flag} ${raw}: give a number in range`);
  }
  return n;
}

/**
 * `--profile` names an AWS credentials profile (as in the AWS CLI), not a capacity profile: a
 * value that is a JSON file name or an existing file is refused before any backend is opened.
 */
async function refuseProfileFile(value: unknown): Promise<void> {
  if (typeof value !== "string") return;
  let isFile = value.endsWith(".json");
  if (!isFile) {
    try {
      isFile = (await Deno.stat(value)).isFile;
    } catch {
      // Not a file: an AWS profile name.
    }
  }
  if (isFile) {
    throw new InputError(
      "Cannot use --profile FILE: --profile names an AWS credentials profile; pass the capacity profile as --capacity-profile FILE",
    );
  }
}

if (import.meta.main) {
  await runScript(SWEEP_SCRIPT, async (ctx) => {
    const { flags, from } = ctx;
    await refuseProfileFile(flags.profile);
    const objective = flags.objective as string | undefined;
    if (objective !== undefined && !["availability", "balanced", "cost"].includes(objective)) {
      throw new InputError(
        `Cannot use --objective ${objective}: use availability, balanced or cost`,
      );
    }
    const profilePath = flags["capacity-profile"] as string | undefined;
    let profile: CapacityProfile | undefined;
    if (profilePath !== undefined) {
      try {
        profile = JSON.parse(await Deno.readTextFile(profilePath));
      } catch (error) {
        throw new InputError(
          `Cannot read --capacity-profile "${profilePath}": ${(error as Error).message}`,
        );
      }
    } else if (typeof flags["local-profile"] === "string") {
      // The same profile the local backend would simulate the instance type with.
      const { readLocalProfile } = await import("./local_profile.ts");
      profile = (await readLocalProfile(flags["local-profile"]))[0];
    } else if (typeof from.profile === "object" && from.profile !== null) {
      profile = from.profile as CapacityProfile;
    } else if (typeof from.jobName === "string" && typeof from.benchmarkEndpointName === "string") {
      // A recommend result without a profile (AWS writes none): its job's CloudWatch metrics.
      profile = await profileOfRecommendation(await ctx.cloud(), from as RecommendationWindow);
      progress(
        "sweep",
        `built the capacity profile from Default job ${from.jobName}'s CloudWatch metrics (${profile.levels.length} minutes)`,
      );
    }
    if (profile === undefined) {
      throw new InputError(
        "Cannot sweep: no capacity profile; pass --capacity-profile FILE, --local-profile original|FILE or --from a recommend result (its profile, or its Default job's CloudWatch metrics)",
      );
    }
    const candidatesPath = flags.candidates as string | undefined;
    let candidates: GridCandidate[] | undefined;
    if (candidatesPath !== undefined) {
      let text: string;
      try {
        text = await Deno.readTextFile(candidatesPath);
      } catch (error) {
        throw new InputError(
          `Cannot read --candidates "${candidatesPath}": ${(error as Error).message}`,
        );
      }
      candidates = readCandidates(text, candidatesPath, profile.instanceType);
    }
    const out = flags.out as string | undefined;
    if (out !== undefined) await ensureWritableDir(out, "--out");
    const report = await sweep({
      profile,
      patterns: flags.pattern as string[] | undefined,
      candidates,
      objective: objective as Objective | undefined,
      minAvailability: optionalNumber(
        flags["min-availability"],
        "min-availability",
        (n) => n > 0 && n <= 1,
      ),
      sloP99Ms: optionalNumber(flags["slo-p99-ms"], "slo-p99-ms", (n) => n > 0),
      pricePerHour: optionalNumber(flags["price-per-hour"], "price-per-hour", (n) => n > 0),
      baseTps: optionalNumber(flags["base-tps"], "base-tps", (n) => n > 0),
      cloud: () => ctx.cloud(),
      timelines: out !== undefined,
      // A recommend result names its Default job: ask the backend for its scaling recommendation.
      recommendationJobName: typeof from.jobName === "string" ? from.jobName : undefined,
    });
    if (out !== undefined) {
      const { showCharts } = await import("./charts_out.ts");
      const { sweepCharts } = await import("./sweep_charts.ts");
      for (const path of await showCharts(sweepCharts(report), { outDir: out })) {
        console.error(`sweep: wrote ${path}`);
      }
    }
    return report;
  }, { render: renderSweep });
}
