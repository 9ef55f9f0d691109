import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { loadPayloads, PayloadError, readTarPayloads } from "./payload.ts";

async function tarball(
  entries: { name: string; body?: string; type?: "directory" }[],
): Promise<Uint8Array> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === "directory") pack.entry({ name: e.name, type: "directory" });
    else pack.entry({ name: e.name }, e.body ?? "");
  }
  pack.finalize();
  const chunks: Uint8Array[] = [];
  for await (const c of pack) chunks.push(c as Uint8Array);
  return new Uint8Array(Buffer.concat(chunks));
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("a payload.tar.gz gives its files in order, skipping folders and resource forks", async () => {
  const archive = gzipSync(
    await tarball([
      { name: "payload", type: "directory" },
      { name: "payload/a.csv", body: "1,2\n" },
      { name: "payload/._a.csv", body: "junk" },
      { name: "payload/b.csv", body: "3,4\n" },
    ]),
  );
  const files = await readTarPayloads(archive);
  assert.deepEqual(files.map((f) => [f.name, text(f.body)]), [["payload/a.csv", "1,2\n"], [
    "payload/b.csv",
    "3,4\n",
  ]]);
});

Deno.test("loadPayloads reads archives by extension and other files as one payload", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(
      `${dir}/payload.tar.gz`,
      gzipSync(await tarball([{ name: "x.csv", body: "9" }])),
    );
    await Deno.writeFile(`${dir}/plain.tar`, await tarball([{ name: "y.csv", body: "8" }]));
    await Deno.writeTextFile(`${dir}/one.csv`, "1,2,3");
    await Deno.writeFile(`${dir}/empty.tgz`, gzipSync(await tarball([])));
    await Deno.writeTextFile(`${dir}/broken.tar.gz`, "this is not gzip");
    assert.deepEqual((await loadPayloads(`${dir}/payload.tar.gz`)).map((p) => text(p.body)), ["9"]);
    assert.deepEqual((await loadPayloads(`${dir}/plain.tar`)).map((p) => text(p.body)), ["8"]);
    const [one] = await loadPayloads(`${dir}/one.csv`);
    assert.equal(one.name, "one.csv");
    assert.equal(text(one.body), "1,2,3");
    await assert.rejects(() => loadPayloads(`${dir}/empty.tgz`), /holds no files/);
    await assert.rejects(() => loadPayloads(`${dir}/broken.tar.gz`), PayloadError);
    await assert.rejects(
      () => loadPayloads(`${dir}/missing.csv`),
      /Cannot read payload ".*missing\.csv": no such file/,
    );
    await assert.rejects(() => loadPayloads(dir), /it is a folder/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
