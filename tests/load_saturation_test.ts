/**
 * Proves that the saturation ramp (`measureSaturation`, used by the local Default job) measures a
 * saturation curve: against a stub server with 4 workers and a 20 ms service time (so at most
 * ~200 requests/s), requests per second rise with users up to 4, then stay flat while latency
 * rises, and the ramp stops with `FlatInvocations`. The server runs as a separate process whose
 * CPU and memory are sampled, and no process is left running.
 */
import assert from "node:assert/strict";
import { measureSaturation } from "../load/mod.ts";
import { spawnStubServer } from "../load/testdata/stub_server.ts";

Deno.test("a saturation ramp rises, flattens at the server's capacity and stops with FlatInvocations", async () => {
  const server = await spawnStubServer({ delayMs: 20, concurrency: 4 });
  let stopped = false;
  try {
    const result = await measureSaturation({
      url: `http://127.0.0.1:${server.port}/invocations`,
      payloads: [new TextEncoder().encode("1,2,3")],
      contentType: "text/csv",
      levelSeconds: 2,
      warmupSeconds: 0,
      maxLevels: 10,
      pids: [server.pid],
    });
    const levels = result.levels;
    const summary = levels.map((l) =>
      `${l.users}u ${l.successesPerSecond.toFixed(0)}/s p50 ${l.p50Ms.toFixed(1)}ms`
    );
    assert.equal(result.stopReason, "FlatInvocations", summary.join("; "));
    // Saturated from 4 users: two flat levels (6 and 8 users) end it, or a few more when the
    // 4-user level came out a little low on a busy machine.
    assert.deepEqual(
      levels.slice(0, 6).map((l) => l.users),
      [1, 2, 3, 4, 6, 8],
      summary.join("; "),
    );
    assert.ok(levels.length <= 8, summary.join("; "));
    // Rising: each level up to the 4 workers serves clearly more.
    for (let i = 1; i < 4; i++) {
      assert.ok(
        levels[i].successesPerSecond > 1.2 * levels[i - 1].successesPerSecond,
        `rising: ${summary.join("; ")}`,
      );
    }
    // Flat: from 4 users on, within 10 % of the best level, which is near 4 / 20 ms = 200/s.
    const best = result.maxSuccessesPerSecond;
    assert.ok(best > 150 && best <= 200, `capacity ${best}`);
    for (const l of levels.slice(3)) {
      assert.ok(l.successesPerSecond > 0.9 * best, `flat: ${summary.join("; ")}`);
    }
    // Latency: the service time at first, then queueing (Little's law: 8 users / 200/s = 40 ms).
    assert.ok(levels[0].p50Ms >= 20 && levels[0].p50Ms < 30, summary.join("; "));
    assert.ok(
      levels.at(-1)!.p50Ms > 1.6 * levels[3].p50Ms,
      `latency rising: ${summary.join("; ")}`,
    );
    assert.ok(levels.every((l) => l.errors === 0 && l.errorRate === 0));
    // The server process was measured.
    assert.ok(
      levels.every((l) => l.cpuPercent !== null && l.cpuPercent >= 0 && (l.rssBytes ?? 0) > 1e6),
    );
    assert.ok(Date.parse(levels[1].startedAt) >= Date.parse(levels[0].endedAt));
  } finally {
    const status = await server.stop();
    stopped = status.signal === "SIGTERM" || status.code === 0 || status.code === 143;
  }
  assert.ok(stopped);
  let alive = true;
  try {
    await Deno.stat(`/proc/${server.pid}`);
  } catch {
    alive = false;
  }
  assert.equal(alive, false, "the stub server process is gone");
});
