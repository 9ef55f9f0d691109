/**
 * What every local service shares: the store, the settings, the identity, the event handlers of
 * the simulation, and the real-time work (benchmarks, servers) this process started.
 *
 * @module
 */
import type { SimEvent, Store } from "./store/mod.ts";
import type { LocalSettings } from "./settings.ts";

/** Runs one due simulation event inside the store's transaction. Must be synchronous. */
export type EventHandler = (ctx: LocalContext, event: SimEvent) => void;

/** Process-local state of the local backend (not persisted). */
export class LocalRuntime {
  /** Event handlers by event kind. */
  readonly handlers: Map<string, EventHandler> = new Map();
  /** Real-time work in flight (Default job benchmarks); the local clock yields to it. */
  readonly realWork: Set<Promise<unknown>> = new Set();
  /** Cleanups to run on close (stop servers, abort benchmarks), newest first. */
  readonly closers: (() => Promise<void> | void)[] = [];
  /**
   * Starts the real-time part of a Default Inference Recommender job (the benchmark of a local
   * model server). Set by the local backend's assembly (`cloud/local/default_job.ts`); the
   * recommender calls it when a Default job is created.
   */
  defaultJobRunner: ((ctx: LocalContext, jobName: string) => void) | undefined = undefined;

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
