/**
 * Proves that direct invocations are stored per endpoint, variant and simulated minute, that
 * batches in one minute add up, and that bad counts are refused.
 */
import assert from "node:assert/strict";
import { forgetTraffic, recordedTraffic, recordInvocations } from "./endpoint_traffic.ts";
import { LocalRuntime } from "../kernel/context.ts";
import { Store } from "../kernel/store/mod.ts";
import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";

async function withCtx(fn: (ctx: Parameters<typeof recordInvocations>[0]) => void) {
  const dir = await Deno.makeTempDir();
  const store = Store.open(dir);
  try {
    fn({
      store,
      settings: DEFAULT_LOCAL_SETTINGS,
      region: "us-east-1",
      account: "000000000000",
      runtime: new LocalRuntime(),
    });
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

Deno.test("recordInvocations: calls add up per minute, variant and endpoint", async () => {
  await withCtx((ctx) => {
    const base = { endpointName: "ep", variantName: "AllTraffic" };
    recordInvocations(ctx, { ...base, at: new Date(T0 + 1_000), count: 3, latencyMs: 10 });
    recordInvocations(ctx, { ...base, at: new Date(T0 + 59_999), count: 1, latencyMs: 30 });
    recordInvocations(ctx, { ...base, at: new Date(T0 + 60_000), count: 2, errors: 2 });
    recordInvocations(ctx, { ...base, endpointName: "other", at: new Date(T0), count: 7 });
    const minutes = recordedTraffic(ctx, "ep", { from: T0, to: T0 + 120_000 });
    assert.deepEqual(
      minutes.map((m) => [m.minute - T0, m.VariantName, m.count, m.errors]),
      [[0, "AllTraffic", 4, 0], [60_000, "AllTraffic", 2, 2]],
    );
    assert.equal(minutes[0].latencySumMs / minutes[0].latencyCount, 15);
    assert.equal(minutes[1].latencyCount, 0);
    assert.equal(recordedTraffic(ctx, "ep", { from: T0 + 60_000, to: T0 + 120_000 }).length, 1);
    forgetTraffic(ctx, "ep", { before: T0 + 60_000 });
    assert.equal(recordedTraffic(ctx, "ep", { from: 0, to: Infinity }).length, 1);
    assert.equal(recordedTraffic(ctx, "other", { from: 0, to: Infinity })[0].count, 7);
  });
});

Deno.test("recordInvocations: refuses counts that are not whole or errors above the count", async () => {
  await withCtx((ctx) => {
    const base = { endpointName: "ep", variantName: "AllTraffic", at: new Date(T0) };
    assert.throws(() => recordInvocations(ctx, { ...base, count: 1.5 }), /count \(1.5\)/);
    assert.throws(() => recordInvocations(ctx, { ...base, count: 1, errors: 2 }), /errors \(2\)/);
    recordInvocations(ctx, { ...base, count: 0 });
    assert.equal(recordedTraffic(ctx, "ep", { from: 0, to: Infinity }).length, 0);
  });
});
