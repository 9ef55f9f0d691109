/**
 * The process that runs a Default job (DESIGN.md, "Time on the local backend"): who owns a job,
 * its heartbeat, and how a job whose process has gone away is reported FAILED with that reason the
 * next time anyone looks; and the job lookups every operation shares.
 *
 * @module
 */
import { type LocalContext, LocalRuntime } from "../kernel/context.ts";
import { checkString, findByName, KIND, sageMakerArn, sageMakerError } from "../sagemaker/mod.ts";
import {
  failJob,
  getJob,
  type JobOwner,
  putJob,
  type RecommendationJobRecord,
  TERMINAL_STATUSES,
} from "./job.ts";
import { JOB_NAME } from "./validate.ts";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** After this long without a heartbeat, a Default job whose owner cannot be checked otherwise counts as gone. */
export const RUNNER_HEARTBEAT_TIMEOUT_MS = 120_000;

export function jobArn(ctx: LocalContext, name: string): string {
  return sageMakerArn(ctx, { type: "inference-recommendations-job", name });
}

function notFound(ctx: LocalContext, name: string): Error {
  return sageMakerError(
    "ResourceNotFound",
    `Inference recommendations job "${jobArn(ctx, name)}" does not exist`,
    400,
  );
}

// ---------------------------------------------------------------------------------------------
// The process that runs a Default job (DESIGN.md, "Time on the local backend": a job whose
// process has gone away is reported FAILED with that reason the next time anyone looks).

function thisHost(): string {
  try {
    return hostname();
  } catch {
    return "";
  }
}

/** Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot); undefined if unreadable. */
function processStartOf(pid: number | "self"): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19]; // fields 3.. → index 0 is field 3, so field 22 is index 19
  } catch (error) {
    if (error instanceof Error && (error as { code?: string }).code === "ENOENT") return "";
    return undefined;
  }
}

/** Whether `/proc` tells us anything (Linux, with read permission). */
function procReadable(): boolean {
  return (processStartOf("self") ?? "") !== "";
}

export function ownerOf(ctx: LocalContext): JobOwner {
  return {
    pid: Deno.pid,
    hostname: thisHost(),
    processStart: processStartOf("self") ?? "",
    token: ctx.runtime.token,
    heartbeatAt: Date.now(),
  };
}

/**
 * Why a Default job's runner is known to be gone, or undefined while it may be alive: in this
 * process, when the local backend that started it was closed; on this host, when `/proc` has no
 * such process or a different one under that pid; elsewhere (or without `/proc`), when its
 * heartbeat is older than {@linkcode RUNNER_HEARTBEAT_TIMEOUT_MS}.
 */
export function runnerGone(owner: JobOwner): string | undefined {
  const where = `process ${owner.pid}${owner.hostname ? ` on ${owner.hostname}` : ""}`;
  const sameHost = owner.hostname === thisHost();
  if (sameHost && owner.pid === Deno.pid && owner.processStart === (processStartOf("self") ?? "")) {
    return LocalRuntime.isLive(owner.token)
      ? undefined
      : `The local backend in ${where} that ran this job's benchmark was closed before the job finished: create the job again`;
  }
  if (sameHost && procReadable()) {
    const start = processStartOf(owner.pid);
    if (
      start === "" ||
      (start !== undefined && owner.processStart !== "" && start !== owner.processStart)
    ) {
      return `The ${where} that ran this job's benchmark has gone away before the job finished: create the job again`;
    }
    if (start !== undefined) return undefined;
  }
  if (Date.now() - owner.heartbeatAt > RUNNER_HEARTBEAT_TIMEOUT_MS) {
    return `The ${where} that ran this job's benchmark has given no sign of life for ${
      Math.round((Date.now() - owner.heartbeatAt) / 1000)
    } s: create the job again`;
  }
  return undefined;
}

/**
 * The Default job's runner reports progress: the job becomes IN_PROGRESS (if it was PENDING)
 * and its heartbeat is refreshed. Returns false when the job is no longer running (the user
 * stopped it, or it ended), so the runner can stop its benchmark.
 *
 * @example Usage
 * ```ts ignore
 * if (!heartbeatJob(ctx, jobName)) abortBenchmark();
 * ```
 */
export function heartbeatJob(ctx: LocalContext, jobName: string): boolean {
  return ctx.store.tx(() => {
    const job = getJob(ctx, jobName);
    if (job === undefined || TERMINAL_STATUSES.has(job.Status) || job.Status === "STOPPING") {
      return false;
    }
    if (job.Status === "PENDING") {
      job.Status = "IN_PROGRESS";
      job.LastModifiedTime = ctx.store.now();
    }
    if (job.owner !== undefined) job.owner.heartbeatAt = Date.now();
    putJob(ctx, job);
    return true;
  });
}

/** Fails a running Default job whose runner has gone away; returns the job as it now is. */
export function checked(ctx: LocalContext, job: RecommendationJobRecord): RecommendationJobRecord {
  if (job.JobType !== "Default" || job.owner === undefined) return job;
  if (TERMINAL_STATUSES.has(job.Status) || job.pendingResult !== undefined) return job;
  const reason = runnerGone(job.owner);
  if (reason === undefined) return job;
  failJob(ctx, { jobName: job.JobName, reason });
  return getJob(ctx, job.JobName) ?? job;
}

export function findJob(ctx: LocalContext, name: unknown): RecommendationJobRecord {
  checkString(name, "jobName", JOB_NAME);
  const found = findByName<RecommendationJobRecord>(ctx.store, {
    kind: KIND.recommendationJob,
    name: name as string,
  });
  if (found === undefined) throw notFound(ctx, name as string);
  return ctx.store.tx(() => checked(ctx, found.doc));
}
