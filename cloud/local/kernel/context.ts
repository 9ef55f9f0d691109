/**
 * What every local service shares: the store, the settings, the identity, the event handlers of
 * the simulation, and the real-time work (benchmarks, servers) this process started.
 *
 * @module
 */
import type { SimEvent, Store } from "./store/mod.ts";
import type { LocalSettings } from "./settings.ts";
import { SequenceIds } from "./ids.ts";

/** Runs one due simulation event inside the store's transaction. Must be synchronous. */
export type EventHandler = (ctx: LocalContext, event: SimEvent) => void;

/** Process-local state of the local backend (not persisted). */
export class LocalRuntime {
  /** Tokens of the runtimes of this process that are still open (see {@linkcode token}). */
  static readonly #live = new Set<string>();

  /** Whether the runtime that {@linkcode token} named is in this process and still open. */
  static isLive(token: string): boolean {
    return LocalRuntime.#live.has(token);
  }

  /** Sequence ids (alarm history, scaling activities) made by this runtime. */
  readonly ids: SequenceIds = new SequenceIds();
  /** What services keep in memory for this runtime, by key (see {@linkcode memo}). */
  readonly #memos = new Map<string, unknown>();
  #token: string | undefined;
  /** Event handlers by event kind. */
  readonly handlers: Map<string, EventHandler> = new Map();
  /** Real-time work in flight (Default job benchmarks); the local clock yields to it. */
  readonly realWork: Set<Promise<unknown>> = new Set();
  /** Cleanups to run on close (stop servers, abort benchmarks), newest first. */
  readonly closers: (() => Promise<void> | void)[] = [];
  /**
   * Starts the real-time part of a Default Inference Recommender job (the benchmark of a local
   * model server). Set by the local backend's assembly (`cloud/local/mod.ts`, from
   * `recommender/default_job/runner.ts`); the
   * recommender calls it when a Default job is created.
   */
  defaultJobRunner: ((ctx: LocalContext, jobName: string) => void) | undefined = undefined;

  /**
   * This runtime's name among the runtimes of every process sharing the store (a Default job
   * records the runtime that runs its benchmark). Live from its first use until the runtime
   * closes.
   */
  get token(): string {
    if (this.#token === undefined) {
      const token = crypto.randomUUID();
      this.#token = token;
      LocalRuntime.#live.add(token);
      this.closers.push(() => {
        LocalRuntime.#live.delete(token);
      });
    }
    return this.#token;
  }

  /**
   * What a service keeps in memory for this runtime under `key` (made by `init` at first use):
   * caches and followers of the store that must not outlive it or leak into another runtime.
   */
  memo<T>(key: string, init: () => T): T {
    if (!this.#memos.has(key)) this.#memos.set(key, init());
    return this.#memos.get(key) as T;
  }

  /** Registers the handler for an event kind (one per kind). */
  on(kind: string, handler: EventHandler): void {
    if (this.handlers.has(kind)) {
      throw new Error(`Cannot register a second handler for simulation event "${kind}"`);
    }
    this.handlers.set(kind, handler);
  }

  /** Tracks a real-time task until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.finally(() => this.realWork.delete(settled));
    this.realWork.add(settled);
    settled.catch(() => {});
    return work;
  }
}

/** The local backend's shared context. */
export interface LocalContext {
  readonly store: Store;
  readonly settings: LocalSettings;
  readonly region: string;
  readonly account: string;
  readonly runtime: LocalRuntime;
}

/** The ARN prefix for a service in this context, e.g. `arn:aws:sagemaker:us-east-1:000000000000:`. */
export function arnPrefix(ctx: LocalContext, service: string): string {
  return `arn:aws:${service}:${ctx.region}:${ctx.account}:`;
}
