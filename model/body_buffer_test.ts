// Proves that a body buffer holds only what arrived (a large declared body is not allocated up
// front), that every growth is reserved from the shared budget and refused with a 503 past it,
// and that release gives the bytes back exactly once.
import assert from "node:assert/strict";
import { BodyBuffer } from "./body_buffer.ts";
import { ProtocolError } from "./http1.ts";

Deno.test("a small declared body is allocated at once, a large one grows as it arrives", () => {
  const budget = { bufferedBytes: 0 };
  const small = new BodyBuffer(budget, { expected: 1000 });
  small.ensure(10);
  assert.equal(small.data.length, 1000);
  const large = new BodyBuffer(budget, { expected: 5_000_000 });
  large.ensure(10);
  assert.equal(large.data.length, 65536, "a slow sender of a large body holds 64 KiB, not 5 MB");
  large.ensure(100_000);
  assert.equal(large.data.length, 131072);
  assert.equal(budget.bufferedBytes, 1000 + 131072);
  assert.equal(large.reserved, 131072);
});

Deno.test("a chunked body doubles as it grows, up to maxBodyBytes", () => {
  const budget = { bufferedBytes: 0 };
  const chunked = new BodyBuffer(budget, { maxBodyBytes: 100_000 });
  chunked.ensure(70_000);
  assert.equal(chunked.data.length, 70_000);
  chunked.ensure(70_001);
  assert.equal(chunked.data.length, 100_000, "doubling stops at maxBodyBytes");
  assert.equal(budget.bufferedBytes, 100_000);
});

Deno.test("growth past the shared budget is a 503 and release gives bytes back once", () => {
  const budget = { bufferedBytes: 0 };
  const a = new BodyBuffer(budget, { expected: 600, maxBufferedBytes: 1000 });
  a.ensure(600);
  const b = new BodyBuffer(budget, { expected: 600, maxBufferedBytes: 1000 });
  assert.throws(
    () => b.ensure(600),
    (e: unknown) =>
      e instanceof ProtocolError && e.status === 503 &&
      /600 bytes of request bodies buffered \(limit 1000\)/.test(e.message),
  );
  assert.equal(budget.bufferedBytes, 600, "a refused growth reserves nothing");
  a.release();
  a.release();
  assert.equal(budget.bufferedBytes, 0);
  b.ensure(600);
  assert.equal(budget.bufferedBytes, 600);
});
