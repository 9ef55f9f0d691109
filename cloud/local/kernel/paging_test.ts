import assert from "node:assert/strict";
import { decodePageOffset, decodePageOffsets, encodePageToken } from "./paging.ts";

Deno.test("a page token gives back the offset it was made with, in its scope only", () => {
  for (const offset of [0, 1, 499, 100_800]) {
    assert.equal(decodePageOffset(encodePageToken(offset)), offset);
    const scoped = encodePageToken(offset, { scope: "ListEndpoints" });
    assert.equal(decodePageOffset(scoped, { scope: "ListEndpoints" }), offset);
    assert.equal(decodePageOffset(scoped), undefined, "a scoped token needs its scope");
    assert.equal(decodePageOffset(scoped, { scope: "ListModels" }), undefined);
  }
});

Deno.test("a page token that is not one is refused, not read as offset 0", () => {
  for (const token of ["", "garbage", btoa("lm:5"), btoa("null"), btoa('{"o":-1}')]) {
    assert.equal(decodePageOffset(token), undefined, token);
  }
  assert.equal(decodePageOffset(btoa('{"o":2.5}')), undefined);
  assert.equal(decodePageOffset(encodePageToken([1, 2])), undefined, "offsets are not an offset");
});

Deno.test("per-query offsets come back only with their count and scope", () => {
  const token = encodePageToken([3, 0, 7], { scope: "abc" });
  assert.deepEqual(decodePageOffsets(token, 3, { scope: "abc" }), [3, 0, 7]);
  assert.equal(decodePageOffsets(token, 2, { scope: "abc" }), undefined);
  assert.equal(decodePageOffsets(token, 3, { scope: "abd" }), undefined);
  assert.equal(
    decodePageOffsets(encodePageToken(3, { scope: "abc" }), 1, { scope: "abc" }),
    undefined,
  );
});
