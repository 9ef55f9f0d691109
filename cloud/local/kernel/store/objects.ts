/**
 * Object files of the store: the bytes of local S3 objects, one file each under `objects/` in
 * the store's folder, referenced by name from the object's document.
 *
 * @module
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Creates the `objects/` folder of a store folder (and the folder) when missing. */
export function ensureObjectFolder(dir: string): void {
  mkdirSync(join(dir, "objects"), { recursive: true });
}

/**
 * Writes bytes to a new object file atomically (temp file + rename) and returns its file name.
 * Call it before the transaction that records the object; an interrupted write leaves at most
 * an unreferenced file, never a half-written referenced one.
 *
 * @example Usage
 * ```ts
 * import { ensureObjectFolder, objectPath, removeObjectFile, writeObjectFile } from "./objects.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * ensureObjectFolder(dir);
 * const name = writeObjectFile(dir, new TextEncoder().encode("hi"));
 * assert.equal(await Deno.readTextFile(objectPath(dir, name)), "hi");
 * removeObjectFile(dir, name);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function writeObjectFile(dir: string, bytes: Uint8Array): string {
  const name = crypto.randomUUID();
  const path = objectPath(dir, name);
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
  return name;
}

/** Absolute path of an object file of the store in `dir`. */
export function objectPath(dir: string, file: string): string {
  return join(dir, "objects", file);
}

/** Deletes an object file (missing files are fine). */
export function removeObjectFile(dir: string, file: string): void {
  rmSync(objectPath(dir, file), { force: true });
}
