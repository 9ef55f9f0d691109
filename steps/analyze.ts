/**
 * Step `analyze` (section 6b of the original): read the Default job's benchmark metrics per minute
 * and derive the maximum invocations per minute of one instance and the scaling limits.
 *
 * Done right where the original was not: Period 60 (never 30), the recommendation's own invocation
 * window (the original's CreationTime + 5 min ... LastModifiedTime - 6 min only as a fallback),
 * minutes with over 1 % errors ignored for the maximum, model latency as p50/p95 in ms (not a
 * trimmed sum), and crossing times found by a deterministic rule.
 *
 * @module
 */
import { DescribeInferenceRecommendationsJobCommand } from "@aws-sdk/client-sagemaker";
import type { Cloud } from "../cloud/types.ts";
import { StepError } from "./errors.ts";
import {
  ceilMinute,
  floorMinute,
  INVOCATION_QUERIES,
  invocationErrors,
  latencyMs,
  minutesBetween,
  readVariantSeries,
  type SeriesQuery,
  UTILIZATION_QUERIES,
} from "./metrics.ts";
import { pickRecommendation } from "./recommend.ts";
import { analyzeSaturation, type AnalyzeSaturationOptions } from "./saturation.ts";
import {
  numberInput,
  requiredString,
  runScript,
  type ScriptSpec,
  stringInput,
  table,
} from "./script.ts";
import { ensureWritableDir } from "./out_dir.ts";
import type { AnalysisPoint, AnalyzeResult } from "./types.ts";

/** Inputs of {@linkcode analyze}. */
export interface AnalyzeOptions extends AnalyzeSaturationOptions {
  /** The Default job's name. */
  jobName: string;
  /** The instance type whose recommendation is analysed. */
  instanceType: string;
}

const QUERIES: SeriesQuery[] = [
  ...INVOCATION_QUERIES,
  { id: "latencyp50", namespace: "AWS/SageMaker", metricName: "ModelLatency", stat: "p50" },
  ...UTILIZATION_QUERIES,
  {
    id: "disk",
    namespace: "/aws/sagemaker/Endpoints",
    metricName: "DiskUtilization",
    stat: "Average",
  },
];

/**
 * Reads the benchmark of a completed Default job and analyses it.
 *
 * @example Usage
 * ```ts ignore
 * const analysis = await analyze(cloud, { jobName: rec.jobName, instanceType: "ml.c5.large" });
 * console.log(analysis.upperLimit); // invocations per minute per instance at 55 % of the peak
 * ```
 */
export async function analyze(cloud: Cloud, options: AnalyzeOptions): Promise<AnalyzeResult> {
  const job = await cloud.sagemaker.send(
    new DescribeInferenceRecommendationsJobCommand({ JobName: options.jobName }),
  );
  if (job.Status !== "COMPLETED") {
    throw new StepError(
      "analyze",
      `Cannot analyze job "${options.jobName}": it is ${job.Status}${
        job.FailureReason ? ` (${job.FailureReason})` : ""
      }; analyze a COMPLETED Default job`,
    );
  }
  const rec = pickRecommendation(job.InferenceRecommendations ?? [], options.instanceType);
  const endpointName = rec?.EndpointConfiguration?.EndpointName;
  const variantName = rec?.EndpointConfiguration?.VariantName;
  if (rec === undefined || !endpointName || !variantName) {
    throw new StepError(
      "analyze",
      `Job "${options.jobName}" has no recommendation for ${options.instanceType}`,
    );
  }
  // The invocation window of the recommendation bounds the benchmark's traffic exactly. Only when
  // AWS gives none, fall back to the original's guess: the job's creation + 5 min (endpoint start)
  // to its last modification - 6 min (teardown).
  let start: Date;
  let end: Date;
  let source: "invocation-window" | "fallback";
  if (rec.InvocationStartTime && rec.InvocationEndTime) {
    start = floorMinute(rec.InvocationStartTime);
    end = ceilMinute(rec.InvocationEndTime);
    source = "invocation-window";
  } else {
    start = floorMinute(new Date(job.CreationTime!.getTime() + 5 * 60_000));
    end = ceilMinute(new Date(job.LastModifiedTime!.getTime() - 6 * 60_000));
    source = "fallback";
  }
  if (end <= start) {
    throw new StepError(
      "analyze",
      `Job "${options.jobName}" has an empty benchmark window (${start.toISOString()} to ${end.toISOString()})`,
    );
  }
  const values = await readVariantSeries(cloud, { endpointName, variantName }, {
    queries: QUERIES,
    start,
    end,
  });
  const v = (id: string, minute: string) => values.get(id)?.get(minute);
  const series: AnalysisPoint[] = minutesBetween(start, end)
    .filter((minute) => v("invocations", minute) !== undefined)
    .map((minute) => ({
      time: minute,
      invocations: v("invocations", minute)!,
      modelLatencyP50Ms: latencyMs(v("latencyp50", minute)),
      modelLatencyP95Ms: latencyMs(v("latencyp95", minute)),
      cpuUtilization: v("cpu", minute),
      memoryUtilization: v("memory", minute),
      diskUtilization: v("disk", minute),
      errors: invocationErrors(values, minute),
    }));
  if (series.length === 0) {
    throw new StepError(
      "analyze",
      `No Invocations metrics for ${endpointName}/${variantName} between ${start.toISOString()} and ${end.toISOString()}`,
    );
  }
  const s = analyzeSaturation(series, options);
  return {
    maxValue: s.maxValue,
    upperLimit: s.upperLimit,
    lowerLimit: s.lowerLimit,
    upperPercent: s.upperPercent,
    lowerPercent: s.lowerPercent,
    crossings: s.crossings,
    series,
    window: { start: start.toISOString(), end: end.toISOString(), source },
  };
}

/** How an analysis reads for people. */
export function renderAnalysis(a: AnalyzeResult): string {
  const rows = a.series.map((p) =>
    `  ${p.time.slice(11, 16)}  ${String(Math.round(p.invocations)).padStart(8)}  ` +
    `${p.modelLatencyP95Ms === undefined ? "" : `${p.modelLatencyP95Ms.toFixed(1)} ms p95`}`
  );
  return [
    table([
      ["Max invocations per minute", a.maxValue],
      [`Upper limit (${a.upperPercent} %)`, a.upperLimit],
      [`Lower limit (${a.lowerPercent} %)`, a.lowerLimit],
      ["Crossings", a.crossings.map((c) => `${c.limit} at ${c.time}`).join(", ")],
      ["Window", `${a.window.start} to ${a.window.end} (${a.window.source})`],
    ]),
    "Per minute:",
    ...rows,
  ].join("\n");
}

/** The `analyze` script's flags. */
export const ANALYZE_SCRIPT: ScriptSpec = {
  name: "analyze",
  summary: "maximum invocations per minute and the scaling limits from a Default job (section 6b)",
  flags: {
    "job-name": {
      type: "string",
      placeholder: "NAME",
      description: "the Default job (recommend's jobName)",
    },
    "instance-type": {
      type: "string",
      placeholder: "TYPE",
      description: "instance type (default ml.c5.large)",
    },
    "upper-percent": {
      type: "string",
      placeholder: "P",
      description: "upper limit, % of the maximum (default 55)",
    },
    "lower-percent": {
      type: "string",
      placeholder: "P",
      description: "lower limit, % of the maximum (default 45)",
    },
    out: {
      type: "string",
      placeholder: "DIR",
      description: "write the charts as SVG files into DIR",
    },
  },
  examples: [
    "deno task analyze --from recommendation.json --out out/charts --json > analysis.json",
  ],
};

if (import.meta.main) {
  await runScript(ANALYZE_SCRIPT, async (ctx) => {
    if (typeof ctx.flags.out === "string") await ensureWritableDir(ctx.flags.out, "--out");
    const jobName = requiredString(ctx.flags, "job-name", {
      from: ctx.from,
      source: 'the output of "recommend --json"',
    });
    const cloud = await ctx.cloud();
    const result = await analyze(cloud, {
      jobName,
      instanceType: stringInput(ctx.flags, "instance-type", {
        from: ctx.from,
        fallback: "ml.c5.large",
      })!,
      upperPercent: numberInput(ctx.flags, "upper-percent"),
      lowerPercent: numberInput(ctx.flags, "lower-percent"),
    });
    const out = ctx.flags.out as string | undefined;
    if (out !== undefined) {
      const { writeAnalysisCharts } = await import("./charts_out.ts");
      for (const path of await writeAnalysisCharts(result, out)) {
        console.error(`analyze: wrote ${path}`);
      }
    }
    return result;
  }, { render: renderAnalysis });
}
