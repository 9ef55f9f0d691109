// Proves the machine-wide benchmark lock: a second process is refused (wait: false) or waits and
// is told who holds the lock, then gets it when the holder ends; a lock left by a process killed
// with SIGKILL is taken over; a lock file being created is not; holds in one process nest;
// a hold knows whether it still holds the lock (not once its file was removed and retaken), and
// its release then leaves the newer holder's lock alone.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  acquireBenchmarkLock,
  BENCHMARK_LOCK_FILE,
  BenchmarkBusyError,
  type BenchmarkLockHolder,
  benchmarkLockHolder,
} from "./benchmark_lock.ts";
import { spawnDenoUntil } from "./testdata/spawn_until.ts";

const HOLDER_SCRIPT = `
import { acquireBenchmarkLock } from ${
  JSON.stringify(new URL("./benchmark_lock.ts", import.meta.url).href)
};
const lock = await acquireBenchmarkLock("holder under test", { dir: Deno.args[0], wait: false });
console.log("held");
for await (const _ of Deno.stdin.readable) { /* until stdin closes */ }
await lock.release();
`;

/** A process that holds the lock in `dir` until its stdin closes. */
async function holder(dir: string): Promise<Deno.ChildProcess> {
  return (await spawnDenoUntil(["eval", HOLDER_SCRIPT, dir], "held")).child;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "benchmark-lock-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a second benchmark is refused with wait: false, naming the holder", async () => {
  await withDir(async (dir) => {
    const other = await holder(dir);
    try {
      const error = await acquireBenchmarkLock("second", { dir, wait: false }).then(
        () => assert.fail("the lock was taken twice"),
        (e) => e,
      );
      assert.ok(error instanceof BenchmarkBusyError);
      assert.equal(error.holder?.pid, other.pid);
      assert.match(error.message, new RegExp(`process ${other.pid} \\(holder under test\\)`));
      assert.doesNotMatch(error.message, /\n/);
      assert.equal((await benchmarkLockHolder({ dir }))?.pid, other.pid);
    } finally {
      await other.stdin.close();
      await other.status;
    }
  });
});

Deno.test("a second benchmark waits, is told who holds the lock, and runs after it", async () => {
  await withDir(async (dir) => {
    const other = await holder(dir);
    const told: (BenchmarkLockHolder | undefined)[] = [];
    const waiting = acquireBenchmarkLock("second", {
      dir,
      pollMs: 50,
      onWait: (h) => told.push(h),
    });
    // Let it find the lock busy, then end the holder.
    while (told.length === 0) await new Promise((r) => setTimeout(r, 20));
    await other.stdin.close();
    await other.status;
    const lock = await waiting;
    try {
      assert.deepEqual(told.map((h) => h?.pid), [other.pid], "told once, with the holder's pid");
      assert.ok(lock.waitedMs > 0);
      assert.equal(lock.tookOver, false, "the holder released it");
      assert.equal((await benchmarkLockHolder({ dir }))?.pid, Deno.pid);
    } finally {
      await lock.release();
    }
    assert.equal(await benchmarkLockHolder({ dir }), undefined);
    await assert.rejects(Deno.stat(join(dir, BENCHMARK_LOCK_FILE)), Deno.errors.NotFound);
  });
});

Deno.test("the lock of a process killed with SIGKILL is taken over at once", async () => {
  await withDir(async (dir) => {
    const killed = await holder(dir);
    killed.kill("SIGKILL");
    await killed.status;
    const left = JSON.parse(await Deno.readTextFile(join(dir, BENCHMARK_LOCK_FILE)));
    assert.equal(left.pid, killed.pid, "the killed holder's lock file is still there");
    assert.equal(await benchmarkLockHolder({ dir }), undefined, "but nobody holds it");
    const lock = await acquireBenchmarkLock("after the crash", { dir, wait: false });
    try {
      assert.equal(lock.tookOver, true);
      assert.equal((await benchmarkLockHolder({ dir }))?.what, "after the crash");
    } finally {
      await lock.release();
    }
  });
});

Deno.test("a lock file whose holder has not written its name yet is busy; a minute later, stale", async () => {
  await withDir(async (dir) => {
    const path = join(dir, BENCHMARK_LOCK_FILE);
    await Deno.writeTextFile(path, "");
    await assert.rejects(
      acquireBenchmarkLock("second", { dir, wait: false }),
      (e) => e instanceof BenchmarkBusyError && e.holder === undefined,
    );
    // Empty for a minute: its creator died between creating and naming itself.
    const minuteAgo = new Date(Date.now() - 60_000);
    await Deno.utime(path, minuteAgo, minuteAgo);
    const lock = await acquireBenchmarkLock("second", { dir, wait: false });
    assert.equal(lock.tookOver, true);
    await lock.release();
  });
});

Deno.test("holds nest within a process; the lock is freed by the last release", async () => {
  await withDir(async (dir) => {
    const outer = await acquireBenchmarkLock("step", { dir, wait: false });
    const inner = await acquireBenchmarkLock("job", { dir, wait: false });
    await inner.release();
    await inner.release(); // twice is fine
    assert.equal(
      (await benchmarkLockHolder({ dir }))?.what,
      "step",
      "still held by the outer hold",
    );
    await outer.release();
    assert.equal(await benchmarkLockHolder({ dir }), undefined);
  });
});

Deno.test("a hold still holds the lock until released, or until its file is removed and retaken", async () => {
  await withDir(async (dir) => {
    const first = await acquireBenchmarkLock("first", { dir, wait: false });
    assert.equal(await first.stillHeld(), true);
    await first.release();
    assert.equal(await first.stillHeld(), false, "released");
    const held = await acquireBenchmarkLock("held", { dir, wait: false });
    assert.equal(await held.stillHeld(), true);
    // Someone removes the lock file by hand: another process creates and locks a new one.
    await Deno.remove(join(dir, BENCHMARK_LOCK_FILE));
    const other = await holder(dir);
    try {
      assert.equal(await held.stillHeld(), false, "the lock path names another holder's file");
      await held.release();
      assert.equal((await benchmarkLockHolder({ dir }))?.pid, other.pid, "its lock is left alone");
    } finally {
      await other.stdin.close();
      await other.status;
    }
  });
});

Deno.test("a wait ends when its signal aborts", async () => {
  await withDir(async (dir) => {
    const other = await holder(dir);
    try {
      const abort = new AbortController();
      const waiting = acquireBenchmarkLock("second", {
        dir,
        pollMs: 20,
        signal: abort.signal,
        onWait: () => abort.abort(new Error("stopped by the user")),
      });
      await assert.rejects(waiting, /stopped by the user/);
    } finally {
      await other.stdin.close();
      await other.status;
    }
  });
});

Deno.test({
  name: "the lock is one file for every process of the machine, whatever its TMPDIR",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    // deno eval may read every variable: TMPDIR is seen, and still not used for the lock.
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { BENCHMARK_LOCK_DIR } from ${
          JSON.stringify(new URL("./benchmark_lock.ts", import.meta.url).href)
        }; console.log(Deno.env.get("TMPDIR"), BENCHMARK_LOCK_DIR);`,
      ],
      env: { TMPDIR: "/var/tmp", DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "/var/tmp /tmp");
  },
});
