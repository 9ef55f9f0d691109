// Proves "one benchmark at a time" on the local backend: while a Default job measures
// this machine, a second walkthrough started with --no-wait is refused at once (exit 2, one line
// naming the running benchmark's process) before it creates anything, and the first one's result
// records that it held the lock throughout, the load averages read, and quiet by their rule.
import assert from "node:assert/strict";
import { join } from "node:path";
import { openLocalCloud } from "../cloud/local/mod.ts";
import { benchmarkLockHolder } from "../machine/benchmark_lock.ts";
import { denoChildEnv } from "../machine/children.ts";
import { prepare } from "../steps/prepare.ts";
import { isQuietMachine } from "../steps/machine_lock.ts";
import { recommend } from "../steps/recommend.ts";
import { inventory } from "./_inventory.ts";

const FAST = { benchmarkSecondsPerLevel: 1, benchmarkMaxLevels: 6 };
const ROOT = new URL("../", import.meta.url).pathname;
const BUCKET = "sagemaker-us-east-1-000000000000";

Deno.test("a second benchmark with --no-wait is refused while one runs; the first was alone", async () => {
  const dir = await Deno.makeTempDir({ prefix: "one-benchmark-" });
  const cloud = openLocalCloud({ localDir: join(dir, "first"), local: FAST });
  try {
    const roleArn = cloud.defaultRoleArn!;
    const prepared = await prepare(cloud, { roleArn, workDir: join(dir, "work") });
    const first = recommend(cloud, { ...prepared, roleArn, pollIntervalMs: 60_000 });
    first.catch(() => {}); // awaited below; a failed assertion first must not leave it unhandled
    // Once this process holds the machine (another test's benchmark may run first), try a second.
    while ((await benchmarkLockHolder())?.pid !== Deno.pid) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const secondDir = join(dir, "second");
    const second = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        join(ROOT, "steps", "walkthrough.ts"),
        "--local-dir",
        secondDir,
        "--no-wait",
      ],
      env: denoChildEnv({ NO_COLOR: "1" }),
      stdout: "piped",
      stderr: "piped",
    }).output();
    // Deno's own warnings about npm dependencies (DEP0040 punycode) are not the script's output.
    const stderr = new TextDecoder().decode(second.stderr).split("\n")
      .filter((line) => !/DeprecationWarning/.test(line)).join("\n").trim();
    assert.equal(second.code, 2, stderr);
    assert.equal(stderr.split("\n").length, 1, `one line: ${stderr}`);
    assert.match(
      stderr,
      new RegExp(`^walkthrough: .*another one runs on this machine \\(process ${Deno.pid} `),
    );
    assert.match(stderr, /--no-wait/);
    // Refused before it did anything: the second store holds no resource.
    const secondCloud = openLocalCloud({ localDir: secondDir });
    try {
      const left = await inventory(secondCloud, BUCKET);
      assert.deepEqual(Object.values(left).flat(), [], "the refused run created nothing");
    } finally {
      await secondCloud.close();
    }
    const rec = await first;
    // What it records is measured: the lock was held throughout (the second run was refused),
    // and quiet follows the rule from the machine's real load readings (shared machines are busy:
    // the rule itself is proved with injected readings in steps/machine_lock_test.ts).
    const machine = rec.machine;
    assert.ok(machine, "the result records the machine");
    assert.equal(machine.lockHeldThroughout, true, "no other benchmark ran meanwhile");
    assert.equal(machine.cores, navigator.hardwareConcurrency);
    for (const load of [machine.loadAverage.start, machine.loadAverage.end]) {
      assert.ok(typeof load === "number" && load >= 0, `a load average was read: ${load}`);
    }
    assert.equal(machine.quiet, isQuietMachine(machine));
    assert.equal(typeof machine.waitedMs, "number");
    assert.notEqual((await benchmarkLockHolder())?.pid, Deno.pid, "released when done");
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
});
