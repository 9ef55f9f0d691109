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
 * Several instance types: the first is measured (this machine's server cores stand for its
 * vCPUs) and the others are derived from it by their vCPUs with the factor stated in their
 * profiles and the stop reason (`instance_types.ts`). A type with a profile the user gave
 * (`kernel/profiles.ts`) reports that profile instead; when every type has one, no benchmark runs
 * and the job's minutes and datapoints follow the first profile's levels ("from profile, not
 * measured").
 *
 * @module
 */
import { denoCommand, findTaskset, startModelServer } from "../../../../model/spawn_server.ts";
import {
  type CapacityProfile,
  PROFILE_KIND,
  profileKey,
  type ProfileLevel,
} from "../../../../sim/profile.ts";
import { instanceTypeInfo } from "../../../instance_types.ts";
import type { LocalContext } from "../../kernel/context.ts";
import { readLocalObject } from "../../s3/mod.ts";
import { findModelPackage } from "../../sagemaker/mod.ts";
import { getJob } from "../job.ts";
import { spawnLoadGenerator } from "../../../../load/spawn_load.ts";
import { type BenchmarkLock, holdMachineForBenchmark } from "../../../../machine/benchmark_lock.ts";
import {
  makeOwnedTempDir,
  removeOwnedTempDir,
  sweepStaleTempDirs,
} from "../../../../machine/temp_dirs.ts";
import {
  completeDefaultJob,
  type DefaultJobRecommendation,
  failJob,
  heartbeatJob,
  type StopReasonCode,
} from "../mod.ts";
import { type DefaultJobTimeline, defaultJobTimeline, levelMetricRows } from "./metrics.ts";
import { givenProfile } from "../../kernel/profiles.ts";
import { deriveProfile, levelsOfProfile } from "./instance_types.ts";
import {
  type BenchmarkHost,
  type MeasuredRamp,
  profileFromLevels,
  saturationLevel,
} from "./profile.ts";
import type { RecommendationJobRecord } from "../job.ts";
import { statfsSync } from "node:fs";
import { join } from "node:path";
import { benchmarkProgress, reportProgress } from "../../../../progress/mod.ts";

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
        failJob(ctx, { jobName, reason });
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

  const given = instanceTypes.map((instanceType) => givenProfile(ctx, instanceType));
  if (given.every((p) => p !== undefined)) {
    completeFromProfiles(ctx, {
      job,
      container: { modelDataUrl: container.ModelDataUrl, image: container.Image },
      profiles: given as CapacityProfile[],
    });
    return;
  }
  const reference = instanceTypes[given.findIndex((p) => p === undefined)];
  heartbeatJob(ctx, jobName);
  await sweepStaleTempDirs(); // folders a killed run left behind
  const dir = await makeOwnedTempDir("default-job-");
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
  let machine: BenchmarkLock | undefined;
  try {
    // One benchmark at a time on this machine (re-entrant: immediate when the step holds it).
    machine = await holdMachineForBenchmark(jobName, abort.signal);
    if (machine === undefined) return; // stopped while waiting: the recommender records it
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
      const timeline = defaultJobTimeline(job.CreationTime, {
        levels: ramp.levels.length,
        settings: ctx.settings,
      });
      const benchmarkEndpoint = `${jobName.slice(0, 50)}-bench`.replace(/-+/g, "-");
      const rows = ramp.levels.flatMap((level, i) =>
        levelMetricRows(level, {
          levelSeconds: ramp.levelSeconds,
          where: {
            endpointName: benchmarkEndpoint,
            variantName: "AllTraffic",
            timestamp: timeline.levelStarts[i],
            overheadUs: host.overheadUs,
            diskPercent: host.diskPercent,
            cpuScale: (instanceTypeInfo(reference)?.vCpus ?? host.serverCores) /
              host.serverCores,
          },
        })
      );
      ctx.store.putMetrics(rows);
      // The first type without a given profile is measured; the others are given or derived.
      const measured = profileFromLevels(ramp.levels, {
        instanceType: reference,
        vCpus: instanceTypeInfo(reference)?.vCpus ?? host.serverCores,
        measuredOn: host.measuredOn,
        serverCores: host.serverCores,
      });
      const profiles = instanceTypes.map((instanceType, i) =>
        given[i] ?? (instanceType === reference ? measured : derivedProfile(measured, instanceType))
      );
      completeWithProfiles(ctx, {
        jobName,
        container: { modelDataUrl: container.ModelDataUrl!, image: container.Image! },
        profiles,
        endpointName: benchmarkEndpoint,
        overheadUs: host.overheadUs,
        timeline,
        stopReason: {
          code: STOP_CODES[ramp.stopReason],
          message: `${ramp.stopDetail}${derivationNote(profiles, reference)}`,
        },
      });
    });
  } finally {
    clearInterval(heartbeat);
    await stop();
    const i = ctx.runtime.closers.indexOf(stop);
    if (i >= 0) ctx.runtime.closers.splice(i, 1);
    await removeOwnedTempDir(dir).catch(() => {});
    await machine?.release();
  }
}

/** The profile of `instanceType` derived from the measured one (see instance_types.ts). */
function derivedProfile(measured: CapacityProfile, instanceType: string): CapacityProfile {
  const info = instanceTypeInfo(instanceType);
  const from = instanceTypeInfo(measured.instanceType);
  return deriveProfile(measured, {
    target: { instanceType, vCpus: info?.vCpus ?? measured.vCpus, memoryGiB: info?.memoryGiB ?? 1 },
    measuredMemoryGiB: from?.memoryGiB ?? info?.memoryGiB ?? 1,
  });
}

/** What the stop reason adds about types that were not measured: how each was obtained. */
function derivationNote(profiles: readonly CapacityProfile[], reference: string): string {
  const others = profiles.filter((p) => p.instanceType !== reference);
  if (others.length === 0) return "";
  return `; measured ${reference} only: ${
    others.map((p) => `${p.instanceType} ${p.measuredOn.split(" from ")[0]}`).join("; ")
  }`;
}

/** The level a profile's recommendation reports: the most throughput at <= 1 % errors. */
function profileSaturation(profile: CapacityProfile): ProfileLevel | undefined {
  return profile.levels
    .filter((l) => l.errorRate <= 0.01 && l.throughput > 0)
    .reduce<ProfileLevel | undefined>(
      (best, l) => (best === undefined || l.throughput > best.throughput ? l : best),
      undefined,
    );
}

/** A Default job's profiles and what its recommendations name. */
interface JobProfiles {
  jobName: string;
  container: { modelDataUrl: string; image: string };
  profiles: readonly CapacityProfile[];
  /** The benchmark endpoint the recommendations' EndpointConfiguration names. */
  endpointName: string;
  /** Round trip outside the model, µs, taken off ModelLatency. */
  overheadUs: number;
}

/**
 * Completes a Default job from its profiles: stores each type's profile (for the fleet
 * simulation) and reports its recommendation (MaxInvocations, ModelLatency in ms with the round
 * trip outside the model taken off, utilization and costs at the profile's saturation level) on
 * the job's timeline with the given stop reason.
 */
function completeWithProfiles(
  ctx: LocalContext,
  of: JobProfiles & {
    timeline: DefaultJobTimeline;
    stopReason: { code: StopReasonCode; message: string };
  },
): void {
  const { jobName, timeline, stopReason } = of;
  completeDefaultJob(ctx, {
    jobName,
    result: {
      recommendations: recommendationsOf(ctx, of),
      invocationStartTime: timeline.invocationStartTime,
      invocationEndTime: timeline.invocationEndTime,
      completionTime: timeline.completionTime,
      stopReason,
    },
  });
}

function recommendationsOf(ctx: LocalContext, of: JobProfiles): DefaultJobRecommendation[] {
  const { jobName, container, profiles, endpointName, overheadUs } = of;
  return profiles.map((profile, i) => {
    const { instanceType } = profile;
    ctx.store.putDoc(PROFILE_KIND, profileKey({ ...container, instanceType }), profile);
    const best = profileSaturation(profile);
    if (best === undefined) {
      throw new BenchmarkFailure(
        `The capacity profile of ${instanceType} has no level with a throughput at <= 1 % errors`,
      );
    }
    // A hair over the floor: 9,068 / 60 x 60 must read 9,068, not 9,067.
    const maxInvocations = Math.floor(best.throughput * 60 + 1e-6);
    const costPerHour = instanceTypeInfo(instanceType)?.pricePerHour;
    return {
      RecommendationId: `${jobName}/${i + 1}`,
      Metrics: {
        MaxInvocations: maxInvocations,
        ModelLatency: Math.max(1, Math.round(best.latencyMs.mean - overheadUs / 1000)),
        CpuUtilization: best.cpuPercent,
        MemoryUtilization: best.memoryPercent,
        ...(costPerHour === undefined ? {} : {
          CostPerHour: costPerHour,
          // CostPerInference = CostPerHour / (MaxInvocations x 60) (inference-recommender.md §2).
          CostPerInference: costPerHour / (maxInvocations * 60),
        }),
      },
      EndpointConfiguration: {
        EndpointName: endpointName,
        VariantName: "AllTraffic",
        InstanceType: instanceType as NonNullable<
          DefaultJobRecommendation["EndpointConfiguration"]["InstanceType"]
        >,
        InitialInstanceCount: 1,
      },
      ModelConfiguration: { EnvironmentParameters: [] },
    };
  });
}

/**
 * A Default job whose every instance type has a given profile: no benchmark runs. Its timeline
 * and CloudWatch datapoints follow the first profile's levels, one simulated minute each (so the
 * analysis finds the profile's peak), and its result says "from profile, not measured".
 */
function completeFromProfiles(
  ctx: LocalContext,
  of: {
    job: RecommendationJobRecord;
    container: { modelDataUrl: string; image: string };
    profiles: readonly CapacityProfile[];
  },
): void {
  const { job, container, profiles } = of;
  const jobName = job.JobName;
  ctx.store.tx(() => {
    const levels = levelsOfProfile(profiles[0]);
    const timeline = defaultJobTimeline(job.CreationTime, {
      levels: levels.length,
      settings: ctx.settings,
    });
    const benchmarkEndpoint = `${jobName.slice(0, 50)}-bench`.replace(/-+/g, "-");
    ctx.store.putMetrics(levels.flatMap((level, i) =>
      levelMetricRows(level, {
        levelSeconds: 60,
        where: {
          endpointName: benchmarkEndpoint,
          variantName: "AllTraffic",
          timestamp: timeline.levelStarts[i],
          overheadUs: 0,
          diskPercent: 0,
        },
      })
    ));
    completeWithProfiles(ctx, {
      jobName,
      container,
      profiles,
      endpointName: benchmarkEndpoint,
      overheadUs: 0,
      timeline,
      stopReason: {
        code: "BenchmarkEnd",
        message: `Reported from the given capacity profiles, not measured: ${
          profiles.map((p) => `${p.instanceType} (${p.measuredOn})`).join("; ")
        }`,
      },
    });
  });
}

async function firstPayloadFile(payloadPath: string): Promise<Uint8Array> {
  const { readTarGz } = await import("../../../../model/tarball.ts");
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
    `--config=${new URL("../../../../deno.json", import.meta.url).pathname}`,
    // Only what it needs: its own code (the epoll worker's modules), the payload, the server, and
    // libc (epoll transport, /proc sampling).
    `--allow-read=${new URL("../../../../load/", import.meta.url).pathname},${payloadPath}`,
    `--allow-net=${new URL(server.url).host}`,
    "--allow-ffi",
    new URL("../../../../load/cli.ts", import.meta.url).pathname,
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
  const child = await spawnLoadGenerator(denoArgs, {
    deno: denoCommand(),
    taskset: pin,
    cpus: "0",
  });
  started(child);
  options.onLoadStarted?.(child.pid);
  const onAbort = () => {
    try {
      child.kill("SIGINT"); // the load generator ends cleanly with the levels so far
    } catch { /* gone */ }
  };
  signal.addEventListener("abort", onAbort);
  // At most every level plus the warm-up: the ramp may stop earlier.
  const mostSeconds = 1 + ctx.settings.benchmarkMaxLevels *
      Math.max(1, Math.round(ctx.settings.benchmarkSecondsPerLevel));
  const stderrLines = forwardProgress(child.stderr, mostSeconds);
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
async function forwardProgress(
  stream: ReadableStream<Uint8Array>,
  mostSeconds: number,
): Promise<string> {
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
      if (line) reportProgress(benchmarkProgress(line, { mostSeconds }));
    }
  }
  return all;
}
