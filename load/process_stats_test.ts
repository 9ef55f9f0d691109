import assert from "node:assert/strict";
import {
  cpuPercentBetween,
  parseMemTotalBytes,
  parseProcStatTicks,
  parseVmRssBytes,
  ProcessSampler,
} from "./process_stats.ts";
import { denoChildEnv } from "../machine/children.ts";

Deno.test("/proc parsers read CPU ticks, RSS and total memory", () => {
  // A command name with spaces and parentheses must not shift the fields.
  const stat = "77 (my (odd) proc) R 1 77 77 0 -1 4194304 100 0 0 0 1234 56 7 8 20 0 1 0 5 6 7";
  assert.equal(parseProcStatTicks(stat), 1290);
  assert.throws(() => parseProcStatTicks("garbage"), /no command name/);
  assert.equal(parseVmRssBytes("VmPeak:\t 9 kB\nVmRSS:\t  123 kB\n"), 123 * 1024);
  assert.equal(parseVmRssBytes("State: Z (zombie)\n"), 0);
  assert.equal(parseMemTotalBytes("MemTotal:       24576000 kB\n"), 24576000 * 1024);
  assert.equal(
    cpuPercentBetween({ before: 0, after: 200 }, 1000),
    200,
    "two busy cores read 200 %, as CloudWatch does",
  );
  assert.ok(Number.isNaN(cpuPercentBetween({ before: 0, after: 1 }, 0)));
});

Deno.test("ProcessSampler sums CPU and RSS over processes", async () => {
  // Two children that spin for a while: their CPU adds up.
  const spin = () =>
    new Deno.Command(Deno.execPath(), {
      args: ["eval", "const end = Date.now() + 1500; while (Date.now() < end) {}"],
      env: denoChildEnv(),
      stdout: "null",
      stderr: "null",
    }).spawn();
  const a = spin();
  const b = spin();
  try {
    const both = new ProcessSampler([a.pid, b.pid]);
    const one = new ProcessSampler([a.pid]);
    await new Promise((r) => setTimeout(r, 800));
    const sBoth = both.sample()!;
    const sOne = one.sample()!;
    assert.equal(sBoth.processes, 2);
    assert.ok(sOne.cpuPercent > 10, `a spinning process shows CPU: ${sOne.cpuPercent}`);
    assert.ok(sBoth.cpuPercent > sOne.cpuPercent, `${sBoth.cpuPercent} > ${sOne.cpuPercent}`);
    assert.ok(sBoth.rssBytes > sOne.rssBytes && sOne.rssBytes > 1e6);
    assert.ok(sBoth.memoryPercent > 0 && sBoth.memoryPercent < 100);
  } finally {
    for (const c of [a, b]) {
      try {
        c.kill();
      } catch {
        // already ended
      }
      await c.status;
    }
  }
});

Deno.test("ProcessSampler rejects unknown and invalid process ids", () => {
  assert.throws(() => new ProcessSampler([2 ** 30]), /no such process is running/);
  assert.throws(() => new ProcessSampler([-1]), /Invalid process id -1/);
});
