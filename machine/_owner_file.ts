/**
 * Helpers shared by the files that name their owner process (temp folders, the benchmark lock).
 *
 * @module
 */
import { hostname } from "node:os";

/**
 * This machine's host name, or "" when it cannot be read (asked without a permission prompt).
 *
 * @example Usage
 * ```ts
 * import { thisHost } from "./_owner_file.ts";
 * import assert from "node:assert/strict";
 * assert.equal(typeof thisHost(), "string");
 * ```
 */
export function thisHost(): string {
  try {
    if (Deno.permissions.querySync({ name: "sys", kind: "hostname" }).state !== "granted") {
      return "";
    }
    return hostname();
  } catch {
    return "";
  }
}

/**
 * The JSON object in an open owner file (read from its start), when it names an integer `pid`;
 * undefined for an empty, partly written or foreign file.
 *
 * @example Usage
 * ```ts
 * import { readOwnerJson } from "./_owner_file.ts";
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, '{"pid":42,"hostname":"h"}\n');
 * using file = await Deno.open(path, { read: true });
 * assert.deepEqual(await readOwnerJson(file), { pid: 42, hostname: "h" });
 * await Deno.writeTextFile(path, '{"pid":4');
 * assert.equal(await readOwnerJson(file), undefined);
 * await Deno.remove(path);
 * ```
 */
export async function readOwnerJson<T extends { pid: number }>(
  file: Deno.FsFile,
): Promise<T | undefined> {
  await file.seek(0, Deno.SeekMode.Start);
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(4096);
  let text = "";
  for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
    if (text.length > 65_536) return undefined; // far too big for an owner file
  }
  try {
    const value = JSON.parse(text + decoder.decode());
    return Number.isInteger(value?.pid) ? value as T : undefined;
  } catch {
    return undefined;
  }
}
