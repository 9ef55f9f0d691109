// Proves that the scoring queue handles requests one at a time in arrival order, answers busy a
// request that waited past maxQueueMs instead of handling it, turns a handler's exception into a
// 500, and answers every waiting request busy on clear.
import assert from "node:assert/strict";
import { parseRequestHead } from "./http1.ts";
import { ScoringQueue } from "./scoring_queue.ts";

const head = parseRequestHead(
  new TextEncoder().encode("POST /invocations HTTP/1.1\r\nHost: a\r\nContent-Length: 1"),
);
const busy = (why: string) => ({ status: 503, body: why });

/** Busy-waits `ms` (the handler is synchronous CPU work). */
function spin(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* work */ }
}

Deno.test("requests are handled one at a time, in order", async () => {
  const order: number[] = [];
  let running = 0;
  const queue = new ScoringQueue((_head, body) => {
    running++;
    assert.equal(running, 1, "never two at once");
    order.push(body[0]);
    running--;
    return { status: 200, body: `${body[0]}` };
  }, { busy });
  const requests = [1, 2, 3].map((n) => queue.submit(head, new Uint8Array([n])));
  assert.deepEqual(order, [1], "the first of an idle queue is handled at once");
  for (const r of requests) r.written();
  const answers = await Promise.all(requests.map((r) => r.answer));
  assert.deepEqual(answers.map((a) => a.body), ["1", "2", "3"]);
  assert.deepEqual(order, [1, 2, 3]);
});

Deno.test("a request that waited past maxQueueMs is answered busy, not handled", async () => {
  const handled: number[] = [];
  const queue = new ScoringQueue((_head, body) => {
    handled.push(body[0]);
    if (body[0] === 2) spin(60); // the third request waits behind this one
    return { status: 200 };
  }, { maxQueueMs: 30, busy });
  const requests = [1, 2, 3].map((n) => queue.submit(head, new Uint8Array([n])));
  for (const r of requests) r.written();
  const answers = await Promise.all(requests.map((r) => r.answer));
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 503]);
  assert.match(String(answers[2].body), /^request waited \d+ ms in the queue \(limit 30\)$/);
  assert.deepEqual(handled, [1, 2]);
});

Deno.test("a handler's exception is a 500 and the queue goes on", async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (m: string) => void errors.push(m);
  try {
    const queue = new ScoringQueue((_head, body) => {
      if (body[0] === 0) throw new Error("boom");
      return { status: 200 };
    }, { busy });
    const failing = queue.submit(head, new Uint8Array([0]));
    const next = queue.submit(head, new Uint8Array([1]));
    failing.written();
    next.written();
    const answer = await failing.answer;
    assert.equal(answer.status, 500);
    assert.match(String(answer.body), /^Internal error: boom/);
    assert.equal((await next.answer).status, 200);
    assert.match(errors.join("\n"), /unexpected error: Error: boom/);
  } finally {
    console.error = original;
  }
});

Deno.test("clear answers every waiting request busy", async () => {
  const queue = new ScoringQueue(() => ({ status: 200 }), { busy });
  const first = queue.submit(head, new Uint8Array(1)); // handled at once
  const waiting = [queue.submit(head, new Uint8Array(1)), queue.submit(head, new Uint8Array(1))];
  queue.clear("the server is stopping");
  assert.equal((await first.answer).status, 200);
  first.written();
  for (const r of waiting) {
    assert.deepEqual(await r.answer, { status: 503, body: "the server is stopping" });
  }
});
