/**
 * The store's transactions: what a transaction keeps in memory (the clock, the event queue, the
 * documents it wrote) must behave exactly as if every write went to SQLite at once — visible
 * inside the transaction, to other connections only once it commits, and undone by a rollback
 * of the savepoint (nested `tx`) that made it.
 */
import assert from "node:assert/strict";
import type { MetricRow } from "../../../../sim/metric_row.ts";
import { Store } from "./mod.ts";
import { storeQuery } from "../../testdata/store_query.ts";

async function withStores(fn: (store: Store, other: Store) => void | Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "store-test-" });
  const store = Store.open(dir);
  const other = Store.open(dir); // a second connection, as another process would have
  try {
    await fn(store, other);
  } finally {
    store.close();
    other.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `fn` in a nested transaction that fails; the failure is swallowed. */
function failingSavepoint(store: Store, fn: () => void): void {
  assert.throws(() =>
    store.tx(() => {
      fn();
      throw new Error("boom");
    }), /boom/);
}

Deno.test("clock: moved in a transaction, stored when it commits, put back by a rollback", async () => {
  await withStores((store, other) => {
    const t0 = store.now();
    store.tx(() => {
      store.setNow(t0 + 1_000);
      assert.equal(store.now(), t0 + 1_000);
      assert.equal(store.getMeta("clock"), String(t0 + 1_000));
      assert.equal(other.now(), t0, "not visible to others before the commit");
      failingSavepoint(store, () => {
        store.setNow(t0 + 5_000);
        assert.equal(store.now(), t0 + 5_000);
      });
      assert.equal(store.now(), t0 + 1_000);
      store.setNow(t0 + 500); // never backwards
      assert.equal(store.now(), t0 + 1_000);
      assert.deepEqual(
        storeQuery(store, "SELECT value FROM meta WHERE key = 'clock'").map((r) => ({
          ...r as object,
        })),
        [{ value: String(t0 + 1_000) }],
        "raw SQL sees the clock as it stands",
      );
    });
    assert.equal(other.now(), t0 + 1_000);
    assert.throws(() =>
      store.tx(() => {
        store.setNow(t0 + 9_000);
        throw new Error("outer failure");
      })
    );
    assert.equal(store.now(), t0 + 1_000);
    assert.equal(other.now(), t0 + 1_000);
  });
});

Deno.test("events: (due, insertion) order, ids as AUTOINCREMENT gives them, savepoint rollback", async () => {
  await withStores((store, other) => {
    store.tx(() => {
      store.schedule(2_000, "b", "r1", { n: 1 });
      store.schedule(1_000, "a", "r1", { n: 2 });
      store.schedule(2_000, "a", "r2", { n: 3 });
    });
    const stored = other.listEvents("a");
    assert.deepEqual(stored.map((e) => [e.due, e.ref, e.payload]), [
      [1_000, "r1", { n: 2 }],
      [2_000, "r2", { n: 3 }],
    ]);
    const lastStoredId = Math.max(...stored.map((e) => e.id), other.listEvents("b")[0].id);

    let consumedId = 0;
    store.tx(() => {
      const first = store.takeNextEvent(10_000)!;
      assert.deepEqual([first.due, first.kind, first.payload], [1_000, "a", { n: 2 }]);
      store.schedule(1_500, "c", "x");
      const queued = store.listEvents("c")[0];
      consumedId = queued.id;
      assert.equal(consumedId, lastStoredId + 1);
      assert.equal(store.takeNextEvent(10_000)?.id, consumedId, "1 500 comes before 2 000");
      // Same due time: insertion order, the stored ones first.
      store.schedule(2_000, "c", "y", [1]);
      assert.deepEqual(
        [store.nextEvent(10_000)?.kind, store.nextEvent(10_000)?.ref],
        ["b", "r1"],
      );
      failingSavepoint(store, () => {
        assert.equal(store.cancelEvents("a"), 1);
        store.schedule(0, "d", "z");
        assert.equal(store.takeNextEvent(0)?.kind, "d");
      });
      assert.equal(store.listEvents("a").length, 1, "the cancel was rolled back");
      assert.equal(store.listEvents("d").length, 0);
      assert.equal(store.nextEvent(999), undefined);
      assert.equal(other.listEvents("c").length, 0, "not visible to others before the commit");
    });
    assert.deepEqual(
      other.listEvents("c").map((e) => [e.due, e.ref, e.payload]),
      [[2_000, "y", [1]]],
    );
    assert.ok(other.listEvents("c")[0].id > consumedId, "ids are never given twice");
    // Outside a transaction the queue is SQLite's own.
    store.schedule(3_000, "e", "w");
    assert.ok(other.listEvents("e")[0].id > other.listEvents("c")[0].id);
    assert.deepEqual(
      other.listEvents("b").concat(other.listEvents("a"), other.listEvents("c")).map((e) => e.ref),
      ["r1", "r2", "y"],
    );
  });
});

Deno.test("documents: written at commit, read back inside, merged into lists, undone by a rollback", async () => {
  await withStores((store, other) => {
    store.tx(() => {
      store.putDoc("k", "b", { v: 1 });
      store.putDoc("k", "d", { v: 1 });
    });
    store.tx(() => {
      store.putDoc("k", "a", { v: 2 });
      store.putDoc("k", "b", { v: 2 });
      assert.equal(store.deleteDoc("k", "d"), true);
      assert.equal(store.deleteDoc("k", "d"), false);
      assert.equal(store.deleteDoc("k", "nothing"), false);
      assert.deepEqual(store.getDoc("k", "b"), { v: 2 });
      assert.equal(store.getDoc("k", "d"), undefined);
      assert.deepEqual(store.listDocs("k").map((d) => [d.id, d.doc]), [["a", { v: 2 }], [
        "b",
        { v: 2 },
      ]]);
      assert.deepEqual(other.listDocs("k").map((d) => d.id), ["b", "d"], "others see the old");
      failingSavepoint(store, () => {
        store.putDoc("k", "b", { v: 3 });
        store.putDoc("k", "c", { v: 3 });
        store.deleteDoc("k", "a");
        assert.deepEqual(store.listDocs("k").map((d) => d.id), ["b", "c"]);
      });
      assert.deepEqual(store.listDocs("k").map((d) => [d.id, d.doc]), [["a", { v: 2 }], [
        "b",
        { v: 2 },
      ]]);
      // A released savepoint's writes stay.
      store.tx(() => store.putDoc("k", "c", { v: 4 }));
      assert.deepEqual(
        storeQuery(store, "SELECT id FROM docs WHERE kind = 'k' ORDER BY id").map((r) => ({
          ...r as object,
        })),
        [{ id: "a" }, { id: "b" }, { id: "c" }],
        "raw SQL sees the documents as they stand",
      );
    });
    assert.deepEqual(other.listDocs("k").map((d) => [d.id, d.doc]), [
      ["a", { v: 2 }],
      ["b", { v: 2 }],
      ["c", { v: 4 }],
    ]);
  });
});

Deno.test("documents: a returned document is a copy; prefixes and SQLite's order of ids", async () => {
  await withStores((store, other) => {
    store.tx(() => {
      store.putDoc("k", "p/2", { list: [1] });
      const doc = store.getDoc<{ list: number[] }>("k", "p/2")!;
      doc.list.push(2);
      assert.deepEqual(store.getDoc("k", "p/2"), { list: [1] });
      // U+1F600 (beyond U+FFFF) sorts after U+FFFD in SQLite (UTF-8), not before.
      store.putDoc("k", "p/\u{1F600}", {});
      store.putDoc("k", "p/\uFFFD", {});
      store.putDoc("k", "q/1", {});
      assert.deepEqual(store.listDocs("k", "p/").map((d) => d.id), [
        "p/2",
        "p/\uFFFD",
        "p/\u{1F600}",
      ]);
    });
    assert.deepEqual(other.listDocs("k", "p/").map((d) => d.id), [
      "p/2",
      "p/\uFFFD",
      "p/\u{1F600}",
    ]);
  });
});

Deno.test("documents: many writes in a savepoint that fails leave nothing, earlier ones land", async () => {
  await withStores((store, other) => {
    store.tx(() => {
      store.putDoc("k", "before", { ok: true });
      failingSavepoint(store, () => {
        // More than a transaction keeps in memory: some reach SQLite inside the savepoint.
        for (let i = 0; i < 1500; i++) store.putDoc("many", String(i).padStart(4, "0"), { i });
        store.putDoc("k", "before", { ok: false });
        assert.equal(store.listDocs("many").length, 1500);
      });
      assert.equal(store.listDocs("many").length, 0);
      assert.deepEqual(store.getDoc("k", "before"), { ok: true });
      store.putDoc("k", "after", { ok: true });
    });
    assert.equal(other.listDocs("many").length, 0);
    assert.deepEqual(other.listDocs("k").map((d) => d.id), ["after", "before"]);
    assert.deepEqual(other.getDoc("k", "before"), { ok: true });
  });
});

Deno.test("metric rows by position: since a rowid, through a rowid; rollbacks counted", async () => {
  await withStores((store) => {
    const dims = [{ Name: "B", Value: "2" }, { Name: "A", Value: "1" }];
    const row = (metricName: string, timestamp: number, sum: number): MetricRow => ({
      namespace: "App",
      metricName,
      dimensions: dims,
      timestamp,
      unit: "None",
      sampleCount: 1,
      sum,
      min: sum,
      max: sum,
    });
    assert.equal(store.lastMetricRowid(), 0);
    store.tx(() => store.putMetrics([row("M", 60_000, 1), row("N", 0, 2), row("M", 0, 3)]));
    const first = store.lastMetricRowid();
    assert.ok(first >= 3);
    store.tx(() => store.putMetrics([row("M", 120_000, 4)]));
    // Dimensions in any order name the same metric.
    const reversed = [...dims].reverse();
    assert.deepEqual(
      store.metricRowsSince("App", "M", reversed, 0).map((r) => [r.timestamp, r.sum]),
      [[60_000, 1], [0, 3], [120_000, 4]],
      "storage order",
    );
    assert.deepEqual(
      store.metricRowsSince("App", "M", dims, first).map((r) => r.sum),
      [4],
    );
    assert.deepEqual(
      store.queryMetricRows("App", "M", dims, 0, Infinity, first).map((r) => r.sum),
      [3, 1],
      "timestamp order, only rows stored by then",
    );
    const rows = store.queryMetricRows("App", "M", dims, 0, 60_001);
    assert.equal(rows[0].dimensionsKey, JSON.stringify([{ Name: "A", Value: "1" }, dims[0]]));
    assert.deepEqual(rows.map((r) => r.sum), [3, 1]);
    assert.ok(rows[0].rowid > rows[1].rowid, "the row of 0 s was stored after the one of 60 s");

    const before = store.rollbacks;
    store.tx(() => {
      failingSavepoint(store, () => store.getDoc("k", "x")); // read only: nothing to undo
      assert.equal(store.rollbacks, before);
      // Rows stored in a savepoint (in memory until the commit) go with it: readers start afresh.
      failingSavepoint(store, () => {
        store.putMetrics([row("M", 180_000, 5)]);
        assert.equal(store.lastMetricRowid(), first + 2);
      });
      assert.equal(store.rollbacks, before + 1);
      assert.equal(store.lastMetricRowid(), first + 1);
      // Asked of SQLite in the savepoint, they reach it there, and its rollback undoes them.
      failingSavepoint(store, () => {
        store.putMetrics([row("M", 180_000, 6)]);
        assert.equal(store.queryMetricRows("App", "M", dims, 180_000, 180_001).length, 1);
      });
      assert.equal(store.rollbacks, before + 2);
      assert.equal(store.queryMetricRows("App", "M", dims, 180_000, 180_001).length, 0);
      store.putMetrics([row("M", 240_000, 7)]);
    });
    assert.equal(store.lastMetricRowid(), first + 2);
    assert.deepEqual(
      store.metricRowsSince("App", "M", dims, first).map((r) => r.sum),
      [4, 7],
    );
  });
});

Deno.test("peekDoc/peekDocs: frozen, the same object until the document changes", async () => {
  await withStores((store) => {
    store.tx(() => store.putDoc("k", "a", { list: [1] }));
    store.tx(() => {
      const first = store.peekDoc<{ list: number[] }>("k", "a")!;
      assert.deepEqual(first, { list: [1] });
      assert.ok(Object.isFrozen(first) && Object.isFrozen(first.list));
      assert.throws(() => first.list.push(2), TypeError);
      assert.equal(store.peekDoc("k", "a"), first, "no parse while unchanged");
      assert.equal(store.peekDocs("k")[0].doc, first);
      const copy = store.getDoc<{ list: number[] }>("k", "a")!;
      copy.list.push(2);
      assert.ok(!Object.isFrozen(copy));
      store.putDoc("k", "a", copy);
      const second = store.peekDoc<{ list: number[] }>("k", "a")!;
      assert.deepEqual(second, { list: [1, 2] });
      failingSavepoint(store, () => store.putDoc("k", "a", { list: [] }));
      assert.deepEqual(store.peekDoc("k", "a"), { list: [1, 2] });
      store.deleteDoc("k", "a");
      assert.equal(store.peekDoc("k", "a"), undefined);
      assert.deepEqual(store.peekDocs("k"), []);
    });
    // Outside a transaction: a frozen copy each time.
    store.tx(() => store.putDoc("k", "b", { n: 1 }));
    const outside = store.peekDoc<{ n: number }>("k", "b")!;
    assert.ok(Object.isFrozen(outside));
    assert.deepEqual(outside, { n: 1 });
  });
});

Deno.test("metric rows a transaction inserted are read back from memory, as SQLite has them", async () => {
  await withStores((store, other) => {
    const dims = [{ Name: "EndpointName", Value: "ep" }];
    const row = (metricName: string, timestamp: number, sum: number): MetricRow => ({
      namespace: "AWS/SageMaker",
      metricName,
      dimensions: dims,
      timestamp,
      unit: "Microseconds",
      sampleCount: 2,
      sum,
      min: 1,
      max: sum - 1,
      values: [1, sum - 1],
      counts: [1, 1],
      storageResolution: 60,
    });
    store.tx(() => store.putMetrics([row("Old", 0, 5)]));
    store.tx(() => {
      const start = store.lastMetricRowid();
      store.putMetrics([row("M", 0, 10), row("N", 0, 11)]);
      store.tx(() => store.putMetrics([row("M", 60_000, 12)]));
      failingSavepoint(store, () => store.putMetrics([row("M", 120_000, 99)]));
      const fromMemory = store.metricRowsSince("AWS/SageMaker", "M", dims, start);
      assert.deepEqual(fromMemory.map((r) => r.sum), [10, 12]);
      fromMemory[0].values!.push(1000); // the caller's copy
      assert.equal(store.lastMetricRowid(), start + 3);
      assert.deepEqual(
        store.metricRowsSince("AWS/SageMaker", "M", dims, start, start + 1),
        store.queryMetricRows("AWS/SageMaker", "M", dims, 0, 1),
        "the same as SQLite's",
      );
      // A savepoint whose rows reached SQLite rolls back: read from SQLite again.
      failingSavepoint(store, () => {
        store.putMetrics([row("M", 180_000, 98)]);
        assert.equal(store.metricRowsSince("AWS/SageMaker", "M", dims, start).length, 3);
      });
      assert.deepEqual(
        store.metricRowsSince("AWS/SageMaker", "M", dims, start).map((r) => r.sum),
        [10, 12],
      );
      assert.equal(other.lastMetricRowid(), start, "others see nothing before the commit");
    });
    assert.deepEqual(
      other.metricRowsSince("AWS/SageMaker", "M", dims, 0).map((r) => [r.sum, r.values]),
      [[10, [1, 9]], [12, [1, 11]]],
    );
  });
});
