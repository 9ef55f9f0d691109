/**
 * Helpers shared by the files that name their owner process (temp folders, the benchmark lock).
 *
 * @module
 */
import { hostname } from "node:os";

/** This machine's host name, or "" when it cannot be read (asked without a permission prompt). */
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
