/**
 * The local backend's simulated clock: persisted in the store, moved only by `sleep`, which runs
 * every simulation event that falls due on the way (DESIGN.md, "Time on the local backend").
 *
 * @module
 */
import type { Clock } from "../../types.ts";
import type { LocalContext } from "./context.ts";

/** How long `sleep` waits in real time, at most, per call while a benchmark runs. */
const REAL_WORK_SLICE_MS = 500;

/**
 * A {@linkcode Clock} over the store's simulated time.
 *
 * @example Usage
 * ```ts
 * import { LocalClock } from "./clock.ts";
 * import { LocalRuntime } from "./context.ts";
 * import { Store } from "./store/mod.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "./settings.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const clock = new LocalClock({ store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1",
 *   account: "000000000000", runtime: new LocalRuntime() });
 * const before = clock.now().getTime();
 * await clock.sleep(3_600_000); // one simulated hour, instantly
 * assert.equal(clock.now().getTime() - before, 3_600_000);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class LocalClock implements Clock {
  #ctx: LocalContext;

  constructor(ctx: LocalContext) {
    this.#ctx = ctx;
  }

  /** The simulated time. */
  now(): Date {
    return new Date(this.#ctx.store.now());
  }

  /**
   * Advances simulated time by `ms`, running due events in order. While this process runs a
   * real-time benchmark, it waits (in real time, up to half a second) for it instead, and moves
   * the simulated clock only once the benchmark's timeline has been laid down.
   */
  async sleep(ms: number): Promise<void> {
    if (!(Number.isFinite(ms) && ms >= 0)) {
      throw new RangeError(`Cannot sleep for ${ms} ms: give a finite number >= 0`);
    }
    const { realWork } = this.#ctx.runtime;
    if (realWork.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...realWork]),
        new Promise((resolve) => timer = setTimeout(resolve, Math.min(ms, REAL_WORK_SLICE_MS))),
      ]);
      clearTimeout(timer);
      if (realWork.size > 0) return;
    }
    advanceClock(this.#ctx, this.#ctx.store.now() + ms);
  }
}

/**
 * Runs every event due at or before `target`, in (due, insertion) order, each at its own due
 * time, then sets the clock to `target`. One transaction for the whole advance; an event whose
 * handler throws is dropped (rolled back alone) and reported on stderr so the simulation goes on.
 */
export function advanceClock(ctx: LocalContext, target: number): void {
  const { store, runtime } = ctx;
  store.tx(() => {
    for (;;) {
      const event = store.takeNextEvent(target);
      if (event === undefined) break;
      store.setNow(event.due);
      const handler = runtime.handlers.get(event.kind);
      if (handler === undefined) {
        console.error(
          `local backend: no handler for simulation event "${event.kind}" (${event.ref}); dropped`,
        );
        continue;
      }
      try {
        store.tx(() => handler(ctx, event));
      } catch (error) {
        console.error(
          `local backend: simulation event "${event.kind}" for "${event.ref}" failed: ${
            (error as Error).message
          }`,
        );
      }
    }
    store.setNow(target);
  });
}
