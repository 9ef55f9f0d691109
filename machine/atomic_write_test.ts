// Proves writeFileAtomic: a reader that reads while the file is rewritten again and again only
// ever sees a whole old or a whole new file; a failed write keeps the old file and leaves no
// temporary file behind.
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic_write.ts";

const SIZE = 4 * 1024 * 1024;

Deno.test("a concurrent reader never sees a partial file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "atomic-write-test-" });
  try {
    const path = join(dir, "chart.svg");
    await writeFileAtomic(path, "a".repeat(SIZE));
    let writing = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (writing) {
        const text = await Deno.readTextFile(path);
        assert.equal(text.length, SIZE, "a whole file");
        assert.ok(text === "a".repeat(SIZE) || text === "b".repeat(SIZE), "one version, not a mix");
        seen.add(text[0]);
      }
    })();
    for (let i = 0; i < 20; i++) await writeFileAtomic(path, (i % 2 ? "a" : "b").repeat(SIZE));
    writing = false;
    await reader;
    // Both versions seen: the reader really read while the file was being rewritten.
    assert.deepEqual([...seen].sort(), ["a", "b"]);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), ["chart.svg"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failed write keeps the old file and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "atomic-write-test-" });
  try {
    // The target is a non-empty folder: the rename fails after the data was written.
    const target = join(dir, "result");
    await Deno.mkdir(target);
    await Deno.writeTextFile(join(target, "keep"), "old");
    await assert.rejects(writeFileAtomic(target, new Uint8Array([1, 2, 3])));
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), ["result"]);
    assert.equal(await Deno.readTextFile(join(target, "keep")), "old");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
