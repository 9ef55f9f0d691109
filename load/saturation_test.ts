import assert from "node:assert/strict";
import { evaluateLevel, measureSaturation, saturationUserLevels } from "./saturation.ts";

const rules = { maxErrorRate: 0.01, flatTolerance: 0.05, flatLevels: 2 };
const level = (users: number, successesPerSecond: number, errorRate = 0, p95Ms = 10) => ({
  users,
  successesPerSecond,
  errorRate,
  p95Ms,
});

Deno.test("the default user levels grow 1, 2, 3, 4, 6, 8, 12, ...", () => {
  assert.deepEqual(saturationUserLevels(14), [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128]);
  assert.deepEqual(saturationUserLevels(1), [1]);
});

Deno.test("the ramp stops when throughput stays flat for two levels", () => {
  const ramp = [level(1, 100), level(2, 200), level(3, 290), level(4, 300), level(6, 302)];
  assert.equal(evaluateLevel(ramp.slice(0, 4), rules), null, "one flat level is not enough");
  const d = evaluateLevel(ramp, rules);
  assert.equal(d?.reason, "FlatInvocations");
  assert.equal(
    d!.detail,
    "Throughput did not grow by more than 5 % over 2 levels: 300 and 302 req/s (up to 6 users) " +
      "against a best of 290 req/s at 3 users before them",
  );
  // Growth again resets the streak.
  assert.equal(evaluateLevel([...ramp.slice(0, 4), level(6, 400)], rules), null);
});

Deno.test("the ramp stops on errors above the rate, then on latency above the threshold", () => {
  assert.equal(evaluateLevel([level(1, 100, 0.01)], rules), null, "exactly 1 % is allowed");
  assert.equal(evaluateLevel([level(1, 100, 0.011)], rules)?.reason, "ErrorRate");
  const withLatency = { ...rules, latencyP95Ms: 50 };
  assert.equal(evaluateLevel([level(1, 100, 0, 50)], withLatency), null);
  assert.equal(evaluateLevel([level(1, 100, 0, 51)], withLatency)?.reason, "ModelLatencyThreshold");
  assert.equal(evaluateLevel([level(1, 100, 0.5, 51)], withLatency)?.reason, "ErrorRate");
});

Deno.test("measureSaturation stops on errors against a refusing server and validates options", async () => {
  const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (free.addr as Deno.NetAddr).port;
  free.close();
  const r = await measureSaturation({
    url: `http://127.0.0.1:${port}/`,
    levelSeconds: 1,
    warmupSeconds: 0,
  });
  assert.equal(r.stopReason, "ErrorRate");
  assert.equal(r.levels.length, 1);
  assert.equal(r.levels[0].errorRate, 1);
  assert.ok(r.levels[0].errorsByKind.connection > 0);
  await assert.rejects(
    () => measureSaturation({ url: "http://127.0.0.1/", levelSeconds: 0.5 }),
    /whole number/,
  );
  await assert.rejects(
    () => measureSaturation({ url: "http://127.0.0.1/", userLevels: [1, 3, 2] }),
    /increasing whole numbers/,
  );
  await assert.rejects(
    () => measureSaturation({ url: "http://127.0.0.1/", maxErrorRate: 5 }),
    /fraction/,
  );
});
