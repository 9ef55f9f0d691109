/**
 * The journal: a JSON-lines file under the working directory (`.sagemaker-lab/journal.jsonl`)
 * where every run writes an *intent* record before each call that creates something, a *created*
 * (or *failed*) record after it, and a *deleted* record when something is deleted. A run killed
 * at any point leaves enough on disk for `cleanup --orphans` to find what it made.
 *
 * `journaledCloud` (`journaled_cloud.ts`) does the recording for every step at once. Each record
 * is one `write` to a file opened with O_APPEND, so two processes can share one journal.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import type { Backend, Cloud } from "../cloud/types.ts";
import { runName } from "./names.ts";
import type { CreatedResource } from "./types.ts";

/** The toolkit's name, as its tags carry it. */
export const TOOLKIT = "sagemaker-scaling-lab";
/** Tag key naming the toolkit on every resource it creates. */
export const TOOLKIT_TAG = `${TOOLKIT}:toolkit`;
/** Tag key carrying the run id on every resource a run creates. */
export const RUN_ID_TAG = `${TOOLKIT}:run-id`;
/** The journal's path, relative to the working directory. */
export const JOURNAL_FILE = join(".sagemaker-lab", "journal.jsonl");

/** What happened to a resource. */
export type JournalEvent = "intent" | "created" | "failed" | "deleted";

/** A resource as the journal knows it: a manifest entry and what it costs. */
export interface JournalResource extends CreatedResource {
  /** Model packages: their group (the ARN exists only once the package does). */
  group?: string;
  /** Endpoints and endpoint configs: instance type of the (first) variant. */
  instanceType?: string;
  /** Endpoints and endpoint configs: initial instance count of the (first) variant. */
  instanceCount?: number;
}

/** Where a record's resource lives. */
export interface JournalScope {
  /** The run that made it. */
  runId: string;
  backend: Backend;
  region: string;
  /** The local backend's folder (absolute), on the local backend. */
  localDir?: string;
}

/** One line of the journal. */
export interface JournalRecord extends JournalResource, JournalScope {
  event: JournalEvent;
  /** Links an intent to its created or failed record. */
  id?: string;
  /** ISO time of the wall clock when the record was written. */
  time: string;
  /** Why a create failed, or why something counts as deleted (e.g. an ended job). */
  note?: string;
}

/** A resource the journal says may still exist. */
export interface OutstandingResource extends JournalResource, JournalScope {
  /** When it was first intended (ISO). */
  since: string;
  /** True when a created record was seen; false when the run died during the create call. */
  confirmed: boolean;
}

/**
 * A new run id, `run-YYYYMMDDHHMMSS-xxxx` (UTC wall clock).
 *
 * @example Usage
 * ```ts
 * import { newRunId } from "./journal.ts";
 * import assert from "node:assert/strict";
 * assert.match(newRunId(new Date("2026-12-07T14:00:00Z")), /^run-20261207140000-[0-9a-f]{4}$/);
 * ```
 */
export function newRunId(now: Date = new Date()): string {
  return runName("run", now);
}

/**
 * The key that identifies a resource across records: kind, resource id and name.
 *
 * @example Usage
 * ```ts
 * import { resourceKey } from "./journal.ts";
 * import assert from "node:assert/strict";
 * assert.equal(resourceKey({ kind: "model", name: "m" }), "model||m");
 * ```
 */
export function resourceKey(r: Pick<CreatedResource, "kind" | "name" | "resourceId">): string {
  return `${r.kind}|${r.resourceId ?? ""}|${r.name}`;
}

/**
 * What the records say may still exist: every created resource not deleted since, and every
 * intent with neither a created nor a failed record (the process died during the call, so the
 * resource may or may not exist). Deregistering a scalable target also deletes its policies and
 * scheduled actions (Application Auto Scaling does so).
 *
 * @example Usage
 * ```ts
 * import { outstandingResources } from "./journal.ts";
 * import assert from "node:assert/strict";
 * const scope = { runId: "r", backend: "local" as const, region: "us-east-1", time: "2026-12-07T14:00:00Z" };
 * const left = outstandingResources([
 *   { ...scope, event: "intent", id: "1", kind: "model", name: "m" },
 *   { ...scope, event: "created", id: "1", kind: "model", name: "m" },
 *   { ...scope, event: "intent", id: "2", kind: "endpoint-config", name: "m" },
 *   { ...scope, event: "deleted", kind: "model", name: "m" },
 * ]);
 * assert.deepEqual(left.map((r) => [r.kind, r.confirmed]), [["endpoint-config", false]]);
 * ```
 */
export function outstandingResources(records: readonly JournalRecord[]): OutstandingResource[] {
  const pending = new Map<string, OutstandingResource>();
  const live = new Map<string, OutstandingResource>();
  const resource = (r: JournalRecord, confirmed: boolean, since: string): OutstandingResource => {
    const { event: _e, id: _i, time: _t, note: _n, ...rest } = r;
    return { ...rest, since, confirmed };
  };
  for (const r of records) {
    if (r.event === "intent") {
      pending.set(r.id ?? resourceKey(r), resource(r, false, r.time));
    } else if (r.event === "created" || r.event === "failed") {
      const intent = r.id === undefined ? undefined : pending.get(r.id);
      if (r.id !== undefined) pending.delete(r.id);
      if (r.event === "failed") continue;
      const key = resourceKey(r);
      const since = live.get(key)?.since ?? intent?.since ?? r.time;
      live.set(key, resource(r, true, since));
    } else if (r.event === "deleted") {
      live.delete(resourceKey(r));
      for (const [id, p] of pending) if (resourceKey(p) === resourceKey(r)) pending.delete(id);
      if (r.kind === "scalable-target") {
        for (const [key, other] of live) {
          if (
            other.resourceId === r.resourceId &&
            (other.kind === "scaling-policy" || other.kind === "scheduled-action")
          ) live.delete(key);
        }
      }
    }
  }
  return [...live.values(), ...pending.values()];
}

/**
 * Appends one record as one line, with one write to a file opened with O_APPEND (the kernel
 * puts each such write at the end, whole, even when another process appends too).
 */
export async function appendJournalRecord(path: string, record: JournalRecord): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const bytes = new TextEncoder().encode(`${JSON.stringify(record)}\n`);
  const file = await Deno.open(path, { append: true, create: true });
  try {
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
  } finally {
    file.close();
  }
}

/**
 * Reads a journal; a missing file is an empty journal, and a line cut short by a crash is skipped.
 *
 * @example Usage
 * ```ts
 * import { readJournal } from "./journal.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/j.jsonl`, '{"event":"intent","kind":"model","name":"m"}\n{"event":"cre');
 * assert.equal((await readJournal(`${dir}/j.jsonl`)).length, 1);
 * assert.deepEqual(await readJournal(`${dir}/missing.jsonl`), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readJournal(path: string): Promise<JournalRecord[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const records: JournalRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const value = JSON.parse(line);
      if (typeof value?.event === "string" && typeof value?.kind === "string") records.push(value);
    } catch {
      // A line a killed process did not finish: nothing to learn from it.
    }
  }
  return records;
}

/** Options of {@linkcode Journal}. */
export interface JournalOptions {
  /** @default {a new run id} */
  runId?: string;
  /** @default {".sagemaker-lab/journal.jsonl" under the working directory} */
  path?: string;
  /** The local backend's folder (made absolute), when the backend is local. */
  localDir?: string;
}

/** One process's writer of the journal, for one run on one backend and region. */
export class Journal {
  /** The file appended to. */
  readonly path: string;
  /** Where this process's resources live. */
  readonly scope: JournalScope;
  /** Every record this process wrote, in order. */
  readonly records: JournalRecord[] = [];

  constructor(cloud: Pick<Cloud, "backend" | "region">, options: JournalOptions = {}) {
    this.path = options.path ?? JOURNAL_FILE;
    this.scope = {
      runId: options.runId ?? newRunId(),
      backend: cloud.backend,
      region: cloud.region,
      ...(cloud.backend === "local" && options.localDir !== undefined
        ? { localDir: resolve(options.localDir) }
        : {}),
    };
  }

  /** The run id the records carry. */
  get runId(): string {
    return this.scope.runId;
  }

  /** Appends a record (and keeps it in {@linkcode records}). */
  async append(
    event: JournalEvent,
    resource: JournalResource,
    extra: { id?: string; note?: string } = {},
  ): Promise<void> {
    const record: JournalRecord = {
      event,
      ...(extra.id === undefined ? {} : { id: extra.id }),
      ...resource,
      ...this.scope,
      time: new Date().toISOString(),
      ...(extra.note === undefined ? {} : { note: extra.note }),
    };
    this.records.push(record);
    await appendJournalRecord(this.path, record);
  }

  /**
   * Runs a create call between an intent record and a created (or failed) record.
   * `options.after` adds what only the answer knows (a model package's ARN).
   */
  async create<T>(
    resource: JournalResource,
    call: () => Promise<T>,
    options: { after?: (output: T) => Partial<JournalResource> } = {},
  ): Promise<T> {
    const id = crypto.randomUUID();
    await this.append("intent", resource, { id });
    let output: T;
    try {
      output = await call();
    } catch (error) {
      await this.append("failed", resource, { id, note: (error as Error).message });
      throw error;
    }
    await this.append("created", { ...resource, ...options.after?.(output) }, { id });
    return output;
  }

  /** What this process created and has not deleted. */
  outstanding(): OutstandingResource[] {
    return outstandingResources(this.records);
  }
}
