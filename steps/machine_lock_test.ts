// Proves what a result records about the machine follows from measurements, not a constant:
// `quiet` is true exactly when the lock was held throughout and the start load average (injected
// here) was below half the cores; the end reading is taken at release; an unreadable load is not
// quiet; a lock file removed during the run is recorded as not held throughout (and not quiet);
// on AWS nothing is held or recorded.
import assert from "node:assert/strict";
import { join } from "node:path";
import { BENCHMARK_LOCK_FILE } from "../machine/benchmark_lock.ts";
import { holdMachine, isQuietMachine } from "./machine_lock.ts";

const LOCAL = { backend: "local" } as const;

async function withLockDir(fn: (lockDir: string) => Promise<void>): Promise<void> {
  const lockDir = await Deno.makeTempDir({ prefix: "machine-lock-test-" });
  try {
    await fn(lockDir);
  } finally {
    await Deno.remove(lockDir, { recursive: true });
  }
}

/** A load reader that returns `readings` in turn (then fails the test if asked again). */
function readings(...values: (number | undefined)[]): () => number | undefined {
  let i = 0;
  return () => {
    assert.ok(i < values.length, "the load average is read twice: at start and at end");
    return values[i++];
  };
}

Deno.test("quiet follows the rule: start load average below half the cores, lock held", async () => {
  const cases: { cores: number; start: number | undefined; end: number; quiet: boolean }[] = [
    { cores: 2, start: 0.2, end: 1.8, quiet: true },
    { cores: 2, start: 0.99, end: 0.1, quiet: true },
    { cores: 2, start: 1, end: 0.1, quiet: false },
    { cores: 2, start: 3.5, end: 0.1, quiet: false },
    { cores: 8, start: 3.5, end: 7, quiet: true },
    { cores: 8, start: undefined, end: 7, quiet: false },
  ];
  await withLockDir(async (lockDir) => {
    for (const c of cases) {
      const hold = await holdMachine(LOCAL, "recommend", {
        lockDir,
        wait: false,
        cores: c.cores,
        readLoad: readings(c.start, c.end),
      });
      assert.ok(hold);
      const record = await hold.release();
      const label = JSON.stringify(c);
      assert.deepEqual(record.loadAverage, { start: c.start ?? null, end: c.end }, label);
      assert.equal(record.cores, c.cores, label);
      assert.equal(record.lockHeldThroughout, true, label);
      assert.equal(record.quiet, c.quiet, label);
      assert.equal(isQuietMachine(record), c.quiet, label);
      assert.equal(await hold.release(), record, "a second release returns the same record");
    }
  });
});

Deno.test("a lock file removed during the run is recorded: not held throughout, not quiet", async () => {
  await withLockDir(async (lockDir) => {
    const hold = await holdMachine(LOCAL, "recommend", {
      lockDir,
      wait: false,
      cores: 2,
      readLoad: readings(0, 0),
    });
    assert.ok(hold);
    await Deno.remove(join(lockDir, BENCHMARK_LOCK_FILE));
    const record = await hold.release();
    assert.equal(record.lockHeldThroughout, false);
    assert.equal(record.quiet, false, "a quiet load does not make up for a lost lock");
  });
});

Deno.test("on AWS nothing is held and nothing is read", async () => {
  const hold = await holdMachine({ backend: "aws" }, "recommend", {
    readLoad: () => assert.fail("read the load on AWS"),
  });
  assert.equal(hold, undefined);
});
