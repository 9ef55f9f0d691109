/**
 * The local Inference Recommender *Default* job: a real benchmark of the model on this machine.
 *
 * It starts the model server (`model/spawn_server.ts`) on the package's model data from the local
 * S3, checks the sample payload once, then ramps closed-loop users with the load generator
 * (`load/cli.ts --saturate`, a separate process) until throughput flattens, errors pass 1 %, or a
 * level limit — the notebook's "gradually increases the request and stops when the benchmark
 * reaches saturation or when 1 % of invocations fail" (inference-recommender.md §2). Server and
 * load run on separate cores (`taskset`) when the machine has two or more.
 *
 * When it is done, the job's timeline is laid onto the simulated clock (DESIGN.md, "Time on the
 * local backend"): benchmark-endpoint creation (`endpointCreateSeconds`), one simulated minute per
 * ramp level at the measured rate (invocations per minute = measured per second x 60), teardown
 * (`endpointDeleteSeconds`). CloudWatch metrics are written per level under AWS's names, units and
 * dimensions, the capacity profile is stored for the fleet simulation, and the recommendation
 * carries MaxInvocations, ModelLatency (ms), utilization and costs.
 *
 * @module
 */
import { statfsSync } from "node:fs";
import { join } from "node:path";
import { instanceTypeInfo } from "../instance_types.ts";
import { denoCommand, findTaskset, startModelServer } from "../../model/spawn_server.ts";
import type { LocalContext } from "./context.ts";
import { type CapacityProfile, PROFILE_KIND, profileKey, type ProfileLevel } from "./profile.ts";
import {
  completeDefaultJob,
  type DefaultJobRecommendation,
  failJob,
  heartbeatJob,
  type StopReasonCode,
} from "./recommender.ts";
import { getJob } from "./recommendation_job.ts";
import { readLocalObject } from "./s3.ts";
import { findModelPackage } from "./sagemaker.ts";
import type { MetricRow } from "./store.ts";
import type { SaturationLevel, SaturationResult } from "../../load/saturation.ts";

/** One measured ramp level, as the load generator's `--saturate --json` reports it. */
export type MeasuredLevel = Pick<
  SaturationLevel,
  | "users"
  | "requestsPerSecond"
  | "successesPerSecond"
  | "p50Ms"
  | "p95Ms"
  | "p99Ms"
  | "meanMs"
  | "requests"
  | "errors"
  | "errorRate"
  | "errorsByKind"
  | "cpuPercent"
  | "rssBytes"
  | "memoryPercent"
>;

/** The load generator's `--saturate --json` output (the fields used here). */
export type MeasuredRamp = Pick<SaturationResult, "stopReason" | "stopDetail" | "levelSeconds"> & {
  levels: MeasuredLevel[];
};

/** What the benchmark ran on, for the record. */
export interface BenchmarkHost {
  /** e.g. `local: this machine (2 cores; model server on CPU 1, load generator on CPU 0)`. */
  measuredOn: string;
  /** Round trip of `GET /ping` on this machine, µs (stands in for SageMaker's OverheadLatency). */
  overheadUs: number;
  /** Disk use of the filesystem holding the model, %. */
  diskPercent: number;
  /** Cores the model server ran on (they stand for the instance type's vCPUs). */
  serverCores: number;
}

/** Where each part of a Default job falls on the simulated clock (epoch ms). */
export interface DefaultJobTimeline {
  /** Start of each level's simulated minute. */
  levelStarts: number[];
  invocationStartTime: number;
  invocationEndTime: number;
  completionTime: number;
}

/**
 * Lays a benchmark of `levels` ramp levels onto the simulated clock from `start`: the benchmark
 * endpoint is created, each level takes one minute, then the endpoint is torn down.
 *
 * @example Usage
 * ```ts
 * import { defaultJobTimeline } from "./default_job.ts";
 * import assert from "node:assert/strict";
 * const t = defaultJobTimeline(0, 3, { endpointCreateSeconds: 150, endpointDeleteSeconds: 60 });
 * assert.deepEqual(t.levelStarts, [180_000, 240_000, 300_000]); // creation ends at 150 s: next whole minute
 * assert.equal(t.invocationEndTime, 360_000);
 * assert.equal(t.completionTime, 420_000);
 * ```
 */
export function defaultJobTimeline(
  start: number,
  levels: number,
  settings: { endpointCreateSeconds: number; endpointDeleteSeconds: number },
): DefaultJobTimeline {
  // Metrics are per whole minute, so the first level starts at the first whole minute after the
  // benchmark endpoint is InService.
  const first = Math.ceil((start + settings.endpointCreateSeconds * 1000) / 60_000) * 60_000;
  const levelStarts = Array.from({ length: levels }, (_, i) => first + i * 60_000);
  const invocationEndTime = first + levels * 60_000;
  return {
    levelStarts,
    invocationStartTime: first,
    invocationEndTime,
    completionTime: invocationEndTime + settings.endpointDeleteSeconds * 1000,
  };
}

/** Counts of one level's errors by CloudWatch metric, scaled to a minute. */
function errorCounts(level: MeasuredLevel, perMinute: number) {
  let http4xx = 0;
  let http5xx = 0;
  for (const [kind, n] of Object.entries(level.errorsByKind)) {
    const status = /^http-(\d{3})$/.exec(kind)?.[1];
    if (status?.startsWith("4")) http4xx += n;
    else if (status?.startsWith("5")) http5xx += n;
  }
  return {
    // Invocation4XX/5XXErrors: the model's HTTP errors; InvocationModelErrors: every non-2xx,
    // timeouts and connection errors included (autoscaling.md §2.3).
    http4xx: Math.round(http4xx * perMinute),
    http5xx: Math.round(http5xx * perMinute),
    model: Math.round(level.errors * perMinute),
  };
}

/**
 * The CloudWatch datapoints of one ramp level as one simulated minute: AWS/SageMaker invocation
 * metrics (latencies in microseconds, with a distribution whose nearest-rank p50/p95/p99 are the
 * measured ones, as the fleet writes them) and /aws/sagemaker/Endpoints utilization.
 *
 * @example Usage
 * ```ts
 * import { levelMetricRows } from "./default_job.ts";
 * import assert from "node:assert/strict";
 * const level = { users: 2, requestsPerSecond: 100, successesPerSecond: 100, p50Ms: 10, p95Ms: 15,
 *   p99Ms: 20, meanMs: 11, requests: 200, errors: 0, errorRate: 0, errorsByKind: {}, cpuPercent: 50,
 *   rssBytes: 1e8, memoryPercent: 1 };
 * const rows = levelMetricRows(level, 2, { endpointName: "ep", variantName: "AllTraffic", timestamp: 0,
 *   overheadUs: 100, diskPercent: 40 });
 * assert.equal(rows.find((r) => r.metricName === "Invocations")?.sum, 6000);
 * assert.equal(rows.find((r) => r.metricName === "CPUUtilization")?.sum, 50);
 * ```
 */
export function levelMetricRows(
  level: MeasuredLevel,
  levelSeconds: number,
  where: {
    endpointName: string;
    variantName: string;
    timestamp: number;
    overheadUs: number;
    diskPercent: number;
    /** vCPUs of the instance type / cores the server ran on (see {@linkcode profileFromLevels}). @default {1} */
    cpuScale?: number;
  },
): MetricRow[] {
  const dimensions = [
    { Name: "EndpointName", Value: where.endpointName },
    { Name: "VariantName", Value: where.variantName },
  ];
  const perMinute = 60 / levelSeconds;
  const base = { dimensions, timestamp: where.timestamp, storageResolution: 60 };
  const count = (metricName: string, value: number): MetricRow => ({
    ...base,
    namespace: "AWS/SageMaker",
    metricName,
    unit: "None",
    sampleCount: 1,
    sum: value,
    min: value,
    max: value,
  });
  const gauge = (metricName: string, value: number): MetricRow => ({
    ...base,
    namespace: "/aws/sagemaker/Endpoints",
    metricName,
    unit: "Percent",
    sampleCount: 1,
    sum: value,
    min: value,
    max: value,
  });
  const invocations = Math.round(level.requestsPerSecond * 60);
  const successes = Math.round(level.successesPerSecond * 60);
  const errors = errorCounts(level, perMinute);
  const rows: MetricRow[] = [
    count("Invocations", invocations),
    // One instance: every request counts 1/1 (autoscaling.md §2.1).
    count("InvocationsPerInstance", invocations),
    count("Invocation4XXErrors", errors.http4xx),
    count("Invocation5XXErrors", errors.http5xx),
    count("InvocationModelErrors", errors.model),
  ];
  if (successes > 0) {
    // The client saw model time + the HTTP round trip; the round trip is SageMaker's overhead here.
    const model = (ms: number) => Math.max(1, ms * 1000 - where.overheadUs);
    const values = [model(level.p50Ms), model(level.p95Ms), model(level.p99Ms)];
    const counts = [0.501, 0.45, 0.049].map((w) => w * successes);
    rows.push({
      ...base,
      namespace: "AWS/SageMaker",
      metricName: "ModelLatency",
      unit: "Microseconds",
      sampleCount: successes,
      sum: model(level.meanMs) * successes,
      min: values[0],
      max: values[2],
      values,
      counts,
    }, {
      ...base,
      namespace: "AWS/SageMaker",
      metricName: "OverheadLatency",
      unit: "Microseconds",
      sampleCount: successes,
      sum: where.overheadUs * successes,
      min: where.overheadUs,
      max: where.overheadUs,
    });
  }
  // ConcurrentRequestsPerModel: the users in flight on the one instance, six 10-second datapoints.
  for (let s = 0; s < 60; s += 10) {
    rows.push({
      ...base,
      timestamp: where.timestamp + s * 1000,
      namespace: "AWS/SageMaker",
      metricName: "ConcurrentRequestsPerModel",
      unit: "None",
      sampleCount: 1,
      sum: level.users,
      min: level.users,
      max: level.users,
      storageResolution: 1,
    });
  }
  if (level.cpuPercent !== null) {
    rows.push(gauge("CPUUtilization", level.cpuPercent * (where.cpuScale ?? 1)));
  }
  if (level.memoryPercent !== null) rows.push(gauge("MemoryUtilization", level.memoryPercent));
  rows.push(gauge("DiskUtilization", where.diskPercent));
  return rows;
}

/**
 * The capacity profile of the measured levels (simulation-model.md §1). This machine's server
 * cores stand for the instance type's vCPUs: the measured CPU % (summed over the `serverCores`
 * the server ran on) is rescaled to CloudWatch's scale for `vCpus` (0–100 x vCPUs), so a server
 * that saturated its one core reads 200 % on a 2-vCPU type, as a saturated ml.c5.large would.
 *
 * @example Usage
 * ```ts
 * import { profileFromLevels } from "./default_job.ts";
 * import assert from "node:assert/strict";
 * const level = { users: 1, requestsPerSecond: 100, successesPerSecond: 99, p50Ms: 10, p95Ms: 15,
 *   p99Ms: 20, meanMs: 11, requests: 200, errors: 2, errorRate: 0.01, errorsByKind: {}, cpuPercent: 50,
 *   rssBytes: 1e8, memoryPercent: 1 };
 * const p = profileFromLevels([level], "ml.c5.large", 2, "here", 1);
 * assert.equal(p.levels[0].throughput, 99);
 * assert.equal(p.levels[0].cpuPercent, 100); // 50 % of one core = 100 % on the 2-vCPU scale
 * ```
 */
export function profileFromLevels(
  levels: readonly MeasuredLevel[],
  instanceType: string,
  vCpus: number,
  measuredOn: string,
  serverCores = vCpus,
): CapacityProfile {
  const cpuScale = vCpus / serverCores;
  const out: ProfileLevel[] = levels.map((l) => ({
    concurrency: l.users,
    throughput: l.successesPerSecond,
    latencyMs: { p50: l.p50Ms, p95: l.p95Ms, p99: l.p99Ms, mean: l.meanMs },
    cpuPercent: (l.cpuPercent ?? 0) * cpuScale,
    memoryPercent: l.memoryPercent ?? 0,
    errorRate: l.errorRate,
  }));
  return { instanceType, vCpus, measuredOn, levels: out };
}

/**
 * The level a recommendation reports: the highest successful throughput among levels with at most
 * 1 % errors (Inference Recommender's Default job stops past 1 % failures).
 */
export function saturationLevel(levels: readonly MeasuredLevel[]): MeasuredLevel | undefined {
  return levels
    .filter((l) => l.errorRate <= 0.01 && l.successesPerSecond > 0)
    .reduce<MeasuredLevel | undefined>(
      (
        best,
        l,
      ) => (best === undefined || l.successesPerSecond > best.successesPerSecond ? l : best),
      undefined,
    );
}

const STOP_CODES: Record<MeasuredRamp["stopReason"], StopReasonCode> = {
  FlatInvocations: "Saturation",
  ErrorRate: "ErrorRate",
  ModelLatencyThreshold: "ModelLatencyThreshold",
  MaxLevels: "MaxLevels",
  Interrupted: "StoppedByUser",
};

/** Thrown inside the runner to fail the job with a reason for people. */
class BenchmarkFailure extends Error {}

/** Options of the runner (tests shorten or break it). */
export interface DefaultJobRunnerOptions {
  /** Extra arguments for the load generator (e.g. `--user-levels 1,2`). */
  loadArgs?: string[];
  /** Called with the model server's process ids once it listens (tests kill it). */
  onServerStarted?: (pids: number[]) => void;
  /** Called with the load generator's process id once it runs. */
  onLoadStarted?: (pid: number) => void;
}

async function pingRoundTripUs(url: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    const res = await fetch(`${url}/ping`);
    await res.body?.cancel();
    samples.push((performance.now() - t) * 1000);
  }
  samples.sort((a, b) => a - b);
  return Math.round(samples[Math.floor(samples.length / 2)]);
}

function diskPercentOf(path: string): number {
  try {
    const s = statfsSync(path);
    return Math.round(((s.blocks - s.bfree) / s.blocks) * 1000) / 10;
  } catch {
    return 0;
  }
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0].slice(0, 300);
}

/**
 * Makes the runner the local backend calls for each Default job: it starts the benchmark in this
 * process (tracked as real-time work, so the simulated clock waits for it) and reports the result
 * with `completeDefaultJob` or `failJob`.
 */
export function defaultJobRunner(
  options: DefaultJobRunnerOptions = {},
): (ctx: LocalContext, jobName: string) => void {
  return (ctx, jobName) => {
    const work = runDefaultJob(ctx, jobName, options).catch((error) => {
      const reason = error instanceof BenchmarkFailure
        ? error.message
        : `The local benchmark failed unexpectedly: ${(error as Error).message}`;
      if (!ctx.store.isOpen) return; // the backend closed under the job: nothing left to record
      try {
        failJob(ctx, jobName, reason);
      } catch (storeError) {
        console.error(
          `local backend: cannot fail job ${jobName}: ${(storeError as Error).message}`,
        );
      }
    });
    ctx.runtime.track(work);
  };
}

async function runDefaultJob(
  ctx: LocalContext,
  jobName: string,
  options: DefaultJobRunnerOptions,
): Promise<void> {
  const job = getJob(ctx, jobName);
  if (job === undefined) {
    throw new BenchmarkFailure(`The job "${jobName}" is not in the local store`);
  }
  const arn = job.InputConfig?.ModelPackageVersionArn;
  const pkg = arn === undefined ? undefined : findModelPackage(ctx, arn);
  const container = pkg?.InferenceSpecification?.Containers?.[0];
  if (container?.ModelDataUrl === undefined || container.Image === undefined) {
    throw new BenchmarkFailure(
      "The local Default job needs a model package whose container has an Image and a ModelDataUrl",
    );
  }
  const payloadUrl = job.InputConfig?.ContainerConfig?.PayloadConfig?.SamplePayloadUrl ??
    pkg?.SamplePayloadUrl;
  if (payloadUrl === undefined) {
    throw new BenchmarkFailure(
      "The model package has no SamplePayloadUrl: give a sample payload to benchmark with",
    );
  }
  const contentType = job.InputConfig?.ContainerConfig?.PayloadConfig?.SupportedContentTypes?.[0] ??
    pkg?.InferenceSpecification?.SupportedContentTypes?.[0] ?? "text/csv";
  const instanceTypes: string[] = (job.InputConfig?.ContainerConfig?.SupportedInstanceTypes ??
    pkg?.InferenceSpecification?.SupportedRealtimeInferenceInstanceTypes ??
    ["ml.c5.large"]) as string[];

  heartbeatJob(ctx, jobName);
  const dir = await Deno.makeTempDir({ prefix: "default-job-" });
  const heartbeat = setInterval(() => {
    try {
      if (!heartbeatJob(ctx, jobName)) abort.abort();
    } catch { /* the store is closing; the benchmark is being torn down */ }
  }, 5_000);
  const abort = new AbortController();
  let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
  let load: Deno.ChildProcess | undefined;
  const stop = async () => {
    try {
      load?.kill("SIGKILL");
    } catch { /* already gone */ }
    await server?.stop();
  };
  ctx.runtime.closers.push(stop);
  try {
    const modelPath = join(dir, "model.tar.gz");
    const payloadPath = join(dir, "payload.tar.gz");
    for (
      const [url, path, what] of [[container.ModelDataUrl, modelPath, "model data"], [
        payloadUrl,
        payloadPath,
        "sample payload",
      ]] as const
    ) {
      try {
        await Deno.writeFile(path, readLocalObject(ctx, url));
      } catch (error) {
        throw new BenchmarkFailure(
          `Cannot read the ${what} at ${url}: ${(error as Error).message}`,
        );
      }
    }
    const cores = navigator.hardwareConcurrency ?? 1;
    const pin = cores >= 2 ? (await findTaskset()) ?? undefined : undefined;
    try {
      server = await startModelServer({
        modelDir: modelPath,
        cpus: pin ? `1-${cores - 1}` : undefined,
        stderr: "null",
      });
    } catch (error) {
      throw new BenchmarkFailure(`The model server would not start: ${(error as Error).message}`);
    }
    options.onServerStarted?.(server.pids);
    // One request first: a payload the model rejects fails the job with the model's own words.
    const probe = await fetch(`${server.url}/invocations`, {
      method: "POST",
      headers: { "content-type": contentType },
      body: (await firstPayloadFile(payloadPath)) as Uint8Array<ArrayBuffer>,
    });
    if (!probe.ok) {
      throw new BenchmarkFailure(
        `The model rejected the sample payload: HTTP ${probe.status} ${
          firstLine(await probe.text())
        }`,
      );
    }
    await probe.body?.cancel();
    const host: BenchmarkHost = {
      measuredOn: `local: this machine (${cores} core${cores === 1 ? "" : "s"}; ${
        pin
          ? `model server on CPU ${cores === 2 ? "1" : `1-${cores - 1}`}, load generator on CPU 0`
          : "server and load generator share the cores"
      }; the server's cores stand for the instance's vCPUs), not a real ${instanceTypes.join("/")}`,
      overheadUs: await pingRoundTripUs(server.url),
      diskPercent: diskPercentOf(dir),
      serverCores: pin ? cores - 1 : cores,
    };
    const ramp = await runLoad(
      ctx,
      server,
      payloadPath,
      contentType,
      pin,
      options,
      abort.signal,
      (child) => load = child,
    );
    if (ramp.stopReason === "Interrupted") return; // stopped by the user: the recommender records it
    const best = saturationLevel(ramp.levels);
    if (best === undefined) {
      throw new BenchmarkFailure(
        `Every ramp level failed (${
          ramp.levels[0]?.errorsByKind ? JSON.stringify(ramp.levels[0].errorsByKind) : "no levels"
        }): check the model server`,
      );
    }
    ctx.store.tx(() => {
      const timeline = defaultJobTimeline(job.CreationTime, ramp.levels.length, ctx.settings);
      const benchmarkEndpoint = `${jobName.slice(0, 50)}-bench`.replace(/-+/g, "-");
      const rows = ramp.levels.flatMap((level, i) =>
        levelMetricRows(level, ramp.levelSeconds, {
          endpointName: benchmarkEndpoint,
          variantName: "AllTraffic",
          timestamp: timeline.levelStarts[i],
          overheadUs: host.overheadUs,
          diskPercent: host.diskPercent,
          cpuScale: (instanceTypeInfo(instanceTypes[0])?.vCpus ?? host.serverCores) /
            host.serverCores,
        })
      );
      ctx.store.putMetrics(rows);
      const recommendations: DefaultJobRecommendation[] = instanceTypes.map((instanceType, i) => {
        const info = instanceTypeInfo(instanceType);
        const vCpus = info?.vCpus ?? 2;
        ctx.store.putDoc(
          PROFILE_KIND,
          profileKey(container.ModelDataUrl!, container.Image!, instanceType),
          profileFromLevels(ramp.levels, instanceType, vCpus, host.measuredOn, host.serverCores),
        );
        const maxInvocations = Math.floor(best.successesPerSecond * 60);
        const costPerHour = info?.pricePerHour;
        return {
          RecommendationId: `${jobName}/${i + 1}`,
          Metrics: {
            MaxInvocations: maxInvocations,
            ModelLatency: Math.max(1, Math.round(best.meanMs - host.overheadUs / 1000)),
            CpuUtilization: best.cpuPercent === null
              ? Number.NaN
              : best.cpuPercent * vCpus / host.serverCores,
            MemoryUtilization: best.memoryPercent ?? Number.NaN,
            ...(costPerHour === undefined ? {} : {
              CostPerHour: costPerHour,
              // CostPerInference = CostPerHour / (MaxInvocations x 60) (inference-recommender.md §2).
              CostPerInference: costPerHour / (maxInvocations * 60),
            }),
          },
          EndpointConfiguration: {
            EndpointName: benchmarkEndpoint,
            VariantName: "AllTraffic",
            InstanceType: instanceType as NonNullable<
              DefaultJobRecommendation["EndpointConfiguration"]["InstanceType"]
            >,
            InitialInstanceCount: 1,
          },
          ModelConfiguration: { EnvironmentParameters: [] },
        };
      });
      completeDefaultJob(ctx, jobName, {
        recommendations,
        invocationStartTime: timeline.invocationStartTime,
        invocationEndTime: timeline.invocationEndTime,
        completionTime: timeline.completionTime,
        stopReason: { code: STOP_CODES[ramp.stopReason], message: ramp.stopDetail },
      });
    });
  } finally {
    clearInterval(heartbeat);
    await stop();
    const i = ctx.runtime.closers.indexOf(stop);
    if (i >= 0) ctx.runtime.closers.splice(i, 1);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function firstPayloadFile(payloadPath: string): Promise<Uint8Array> {
  const { readTarGz } = await import("../../model/tarball.ts");
  const entries = await readTarGz(await Deno.readFile(payloadPath));
  if (entries.length === 0) throw new BenchmarkFailure("The sample payload archive holds no file");
  return entries[0].data;
}

async function runLoad(
  ctx: LocalContext,
  server: Awaited<ReturnType<typeof startModelServer>>,
  payloadPath: string,
  contentType: string,
  pin: string | undefined,
  options: DefaultJobRunnerOptions,
  signal: AbortSignal,
  started: (child: Deno.ChildProcess) => void,
): Promise<MeasuredRamp> {
  const denoArgs = [
    "run",
    "--no-prompt",
    `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
    // Deno 2.9 lets only --allow-all programs read /proc/<pid>, which CPU and memory sampling needs.
    "--allow-all",
    new URL("../../load/cli.ts", import.meta.url).pathname,
    `--url=${server.url}/invocations`,
    `--payload=${payloadPath}`,
    `--content-type=${contentType}`,
    "--saturate",
    `--level-seconds=${Math.max(1, Math.round(ctx.settings.benchmarkSecondsPerLevel))}`,
    "--warmup-seconds=1",
    `--max-levels=${ctx.settings.benchmarkMaxLevels}`,
    "--max-error-rate=0.01",
    // Keep measuring four levels past the knee: the plateau (throughput flat while latency grows)
    // is what the analysis and the fleet model read, and the curve always has five levels or more.
    "--flat-levels=4",
    ...server.pids.map((pid) => `--pid=${pid}`),
    "--json",
    ...(options.loadArgs ?? []),
  ];
  // denoCommand(): the step tasks grant --allow-run=deno,taskset, not this executable's path.
  const command = pin
    ? new Deno.Command(pin, {
      args: ["-c", "0", denoCommand(), ...denoArgs],
      stdout: "piped",
      stderr: "piped",
    })
    : new Deno.Command(denoCommand(), { args: denoArgs, stdout: "piped", stderr: "piped" });
  const child = command.spawn();
  started(child);
  options.onLoadStarted?.(child.pid);
  const onAbort = () => {
    try {
      child.kill("SIGINT"); // the load generator ends cleanly with the levels so far
    } catch { /* gone */ }
  };
  signal.addEventListener("abort", onAbort);
  const stderrLines = forwardProgress(child.stderr);
  const stdout = new Response(child.stdout).arrayBuffer();
  // A server that dies mid-run fails the job, whatever the load generator says.
  const died = server.exited.then((status) => ({ died: status }));
  const finished = child.status.then(async (status) => ({
    out: { ...status, stdout: new Uint8Array(await stdout) },
  }));
  const first = await Promise.race([died, finished]);
  signal.removeEventListener("abort", onAbort);
  if ("died" in first) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
    throw new BenchmarkFailure(
      `The model server exited during the benchmark (${
        first.died.signal ? `signal ${first.died.signal}` : `exit code ${first.died.code}`
      })`,
    );
  }
  const { out } = first;
  const errText = await stderrLines;
  if (signal.aborted) {
    return {
      levels: [],
      stopReason: "Interrupted",
      stopDetail: "stopped by the user",
      levelSeconds: 1,
    };
  }
  if (!out.success) {
    throw new BenchmarkFailure(
      `The load generator failed (exit code ${out.code}): ${firstLine(errText) || "no message"}`,
    );
  }
  try {
    return JSON.parse(new TextDecoder().decode(out.stdout)) as MeasuredRamp;
  } catch {
    throw new BenchmarkFailure("The load generator printed no JSON result");
  }
}

/** Forwards the load generator's level lines to stderr as progress; returns all it printed. */
async function forwardProgress(stream: ReadableStream<Uint8Array>): Promise<string> {
  let all = "";
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    all += text;
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline).split("\r").at(-1)!.trim();
      pending = pending.slice(newline + 1);
      if (line) console.error(`recommend: benchmark ${line}`);
    }
  }
  return all;
}
