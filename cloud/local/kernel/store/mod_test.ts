import assert from "node:assert/strict";
import { LocalClock } from "../clock.ts";
import { type LocalContext, LocalRuntime } from "../context.ts";
import { DEFAULT_LOCAL_SETTINGS } from "../settings.ts";
import { Store } from "./mod.ts";

async function withStore(fn: (store: Store, dir: string) => Promise<void> | void) {
  const dir = await Deno.makeTempDir({ prefix: "store-" });
  const store = Store.open(dir);
  try {
    await fn(store, dir);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A local context on `store` with the default settings, for the clock. */
function contextOf(store: Store, runtime: LocalRuntime): LocalContext {
  return {
    store,
    settings: DEFAULT_LOCAL_SETTINGS,
    region: "us-east-1",
    account: "000000000000",
    runtime,
  };
}

Deno.test("Store.open() starts the simulated clock at its creation, rounded down to the minute", async () => {
  const before = Date.now();
  await withStore((store) => {
    const now = store.now();
    assert.equal(now % 60_000, 0);
    assert.ok(now <= before + 60_000 && now > before - 60_000);
  });
});

Deno.test("Store.tx() rolls back every write of a failing transaction", async () => {
  await withStore((store) => {
    store.tx(() => store.putDoc("k", "a", { v: 1 }));
    assert.throws(() =>
      store.tx(() => {
        store.putDoc("k", "a", { v: 2 });
        store.putDoc("k", "b", { v: 3 });
        throw new Error("half-way");
      }), /half-way/);
    assert.deepEqual(store.getDoc("k", "a"), { v: 1 });
    assert.equal(store.getDoc("k", "b"), undefined);
  });
});

Deno.test("Store.tx() nested: an inner failure the caller catches rolls back only the inner part", async () => {
  await withStore((store) => {
    store.tx(() => {
      store.putDoc("k", "outer", 1);
      try {
        store.tx(() => {
          store.putDoc("k", "inner", 2);
          throw new Error("inner");
        });
      } catch { /* caught */ }
    });
    assert.equal(store.getDoc("k", "outer"), 1);
    assert.equal(store.getDoc("k", "inner"), undefined);
  });
});

Deno.test("Store state and clock persist across opens of the same folder", async () => {
  await withStore(async (store, dir) => {
    const runtime = new LocalRuntime();
    const ctx = contextOf(store, runtime);
    const start = store.now();
    await new LocalClock(ctx).sleep(90_000);
    store.tx(() => store.putDoc("k", "x", { ok: true }));
    const again = Store.open(dir);
    try {
      assert.equal(again.now(), start + 90_000);
      assert.deepEqual(again.getDoc("k", "x"), { ok: true });
    } finally {
      again.close();
    }
  });
});

Deno.test("LocalClock.sleep() runs due events in order at their own times", async () => {
  await withStore(async (store) => {
    const runtime = new LocalRuntime();
    const ctx = contextOf(store, runtime);
    const seen: [string, number][] = [];
    runtime.on("tick", (c, e) => {
      seen.push([e.ref, c.store.now() - t0]);
      if (e.ref === "b") c.store.schedule(c.store.now() + 10_000, "tick", "c");
    });
    const t0 = store.now();
    store.tx(() => {
      store.schedule(t0 + 30_000, "tick", "b");
      store.schedule(t0 + 10_000, "tick", "a");
      store.schedule(t0 + 120_000, "tick", "late");
    });
    await new LocalClock(ctx).sleep(60_000);
    assert.deepEqual(seen, [["a", 10_000], ["b", 30_000], ["c", 40_000]]);
    assert.equal(store.now(), t0 + 60_000);
    assert.equal(store.listEvents("tick").length, 1, "the late event waits");
  });
});
