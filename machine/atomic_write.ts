/**
 * Writes a file so that a reader sees either the old file or the whole new one, never a part:
 * the data goes to a temporary file in the same folder, which is then renamed over the target
 * (a rename within one filesystem is atomic). A write that fails leaves no temporary file. The file
 * gets the usual mode (0666 less the umask), not a temporary file's 0600.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/**
 * Writes `data` (text or bytes) to `path` atomically, creating the folder when needed.
 *
 * @example Usage
 * ```ts
 * import { writeFileAtomic } from "./atomic_write.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/out/result.json`, '{"ok":true}\n');
 * assert.equal(await Deno.readTextFile(`${dir}/out/result.json`), '{"ok":true}\n');
 * assert.deepEqual((await Array.fromAsync(Deno.readDir(`${dir}/out`))).map((e) => e.name), ["result.json"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  // Not Deno.makeTempFile: it creates the file 0600, and the rename would keep that mode. A file
  // created here gets the usual mode (0666 less the umask: 0644 under 022).
  const temp = join(dir, `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  try {
    if (typeof data === "string") await Deno.writeTextFile(temp, data, { createNew: true });
    else await Deno.writeFile(temp, data, { createNew: true });
    await Deno.rename(temp, join(dir, basename(path)));
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
