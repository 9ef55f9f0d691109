import assert from "node:assert/strict";
import { DueQueue, GROW_AFTER_MS } from "./open_loop.ts";

Deno.test("DueQueue hands out due times oldest first, across its compaction", () => {
  const queue = new DueQueue();
  for (let i = 0; i < 3000; i++) queue.push(i);
  const taken: number[] = [];
  for (let i = 0; i < 2000; i++) taken.push(queue.take()!);
  queue.push(3000);
  assert.equal(queue.length, 1001);
  while (queue.length > 0) taken.push(queue.take()!);
  assert.deepEqual(taken, Array.from({ length: 3001 }, (_, i) => i));
  assert.equal(queue.take(), undefined);
});

Deno.test("DueQueue opens connections only for requests overdue by more than GROW_AFTER_MS", () => {
  const queue = new DueQueue();
  assert.equal(queue.connectionsToOpen(100, 0, 8), 0, "nothing waits");
  queue.push(100);
  assert.equal(queue.connectionsToOpen(100, 0, 8), 1, "an empty pool opens one at once");
  assert.equal(queue.connectionsToOpen(100 + GROW_AFTER_MS, 1, 8), 0, "not overdue yet");
  assert.equal(queue.connectionsToOpen(100 + GROW_AFTER_MS + 1, 1, 8), 1);
  assert.equal(queue.connectionsToOpen(200, 8, 8), 0, "the pool is full");
});

Deno.test("DueQueue grows the pool by at most one eighth per call", () => {
  const queue = new DueQueue();
  for (let i = 0; i < 100; i++) queue.push(0);
  assert.equal(queue.connectionsToOpen(50, 64, 1024), 8);
  assert.equal(queue.connectionsToOpen(50, 64, 67), 3, "capped by maxConnections");
  queue.push(49);
  for (let i = 0; i < 98; i++) queue.take();
  assert.equal(queue.connectionsToOpen(50, 64, 1024), 2, "only the overdue ones count");
});
