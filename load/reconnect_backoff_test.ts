// The reconnect backoff both engines share: 10 ms first, doubling, capped at 1 s.
import assert from "node:assert/strict";
import { FIRST_BACKOFF_MS, MAX_BACKOFF_MS, nextBackoffMs } from "./reconnect_backoff.ts";

Deno.test("the backoff starts at 10 ms, doubles on each failure and stops at 1 s", () => {
  const waits: number[] = [];
  let backoff = 0;
  for (let i = 0; i < 10; i++) waits.push(backoff = nextBackoffMs(backoff));
  assert.deepEqual(waits, [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000]);
  assert.equal(waits[0], FIRST_BACKOFF_MS);
  assert.equal(Math.max(...waits), MAX_BACKOFF_MS);
});
