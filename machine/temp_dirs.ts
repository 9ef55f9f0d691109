/**
 * Temporary folders that name their owner, so that none outlives the run that made it.
 *
 * {@linkcode makeOwnedTempDir} creates `<system temp dir>/sagemaker-lab-<prefix><random>/` with an
 * owner file (`.owner`: `{ pid, hostname, createdAt }`) that the owning process keeps open with an
 * exclusive lock (`flock`) for as long as the folder is in use. The folder is removed by
 * {@linkcode removeOwnedTempDir}, and on exit by an `unload` listener when the caller forgot; a
 * folder left by a process that was killed (`kill -9`, a crash, a lost machine) still holds its
 * owner file, but nobody holds the lock any more, since the kernel releases a dead process's locks.
 * {@linkcode sweepStaleTempDirs} removes exactly those: it tries the lock of each owner file and
 * removes the folder when the lock is free and the file names a pid. A live owner's folder (lock
 * held) is never touched, whatever pid it names; a pid reused by an unrelated process does not keep
 * a dead owner's folder either. The lock needs only read and write permission on the temp dir (no
 * `/proc`, no `--allow-run`).
 *
 * @module
 */
import { join } from "node:path";
import { readOwnerJson, thisHost } from "./_owner_file.ts";

/** Every owned temporary folder's name starts with this. */
export const OWNED_TEMP_PREFIX = "sagemaker-lab-";
/** The owner file inside an owned temporary folder. */
export const OWNER_FILE = ".owner";

/** What the owner file says. */
export interface TempDirOwner {
  /** Process id of the owner. */
  pid: number;
  /** Host name of the owner's machine. */
  hostname: string;
  /** When the folder was made (ISO 8601). */
  createdAt: string;
}

/**
 * The system temp dir, where `Deno.makeTempDir` puts folders: `$TMPDIR` when this process may read
 * it and it is set, else `/tmp`.
 *
 * @example Usage
 * ```ts
 * import { systemTempDir } from "./temp_dirs.ts";
 * import assert from "node:assert/strict";
 * assert.ok(systemTempDir().length > 0);
 * ```
 */
export function systemTempDir(): string {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: "TMPDIR" }).state === "granted") {
      const dir = Deno.env.get("TMPDIR");
      if (dir) return dir;
    }
  } catch { /* no permission API: use the default */ }
  return Deno.build.os === "windows" ? "C:\\Windows\\Temp" : "/tmp";
}

/** Owner locks held by this process, by folder. */
const held = new Map<string, Deno.FsFile>();
let unloadListening = false;

function removeAllOnUnload(): void {
  for (const [dir, file] of held) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* already gone, or not ours to remove any more */ }
    try {
      file.close();
    } catch { /* closed */ }
  }
  held.clear();
}

/** Options of {@linkcode makeOwnedTempDir} and {@linkcode sweepStaleTempDirs}. */
export interface OwnedTempDirOptions {
  /**
   * Where the folders live.
   * @default {systemTempDir()}
   */
  tempDir?: string;
}

/**
 * Makes a temporary folder owned by this process (see the module doc) and returns its path.
 *
 * @example Usage
 * ```ts
 * import { makeOwnedTempDir, OWNER_FILE, removeOwnedTempDir } from "./temp_dirs.ts";
 * import assert from "node:assert/strict";
 * const dir = await makeOwnedTempDir("example-");
 * const owner = JSON.parse(await Deno.readTextFile(`${dir}/${OWNER_FILE}`));
 * assert.equal(owner.pid, Deno.pid);
 * await removeOwnedTempDir(dir);
 * ```
 */
export async function makeOwnedTempDir(
  prefix: string,
  options: OwnedTempDirOptions = {},
): Promise<string> {
  const dir = await Deno.makeTempDir({
    dir: options.tempDir ?? systemTempDir(),
    prefix: OWNED_TEMP_PREFIX + prefix,
  });
  const file = await Deno.open(join(dir, OWNER_FILE), { read: true, write: true, createNew: true });
  try {
    // Lock first, then write: a sweeper that sees an empty owner file leaves the folder alone.
    await file.lock(true);
    const owner: TempDirOwner = {
      pid: Deno.pid,
      hostname: thisHost(),
      createdAt: new Date().toISOString(),
    };
    await file.write(new TextEncoder().encode(JSON.stringify(owner) + "\n"));
  } catch (error) {
    file.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  held.set(dir, file);
  if (!unloadListening) {
    globalThis.addEventListener("unload", removeAllOnUnload);
    unloadListening = true;
  }
  return dir;
}

/**
 * Removes a folder made by {@linkcode makeOwnedTempDir} and releases its lock; a folder already
 * gone is fine.
 *
 * @example Usage
 * ```ts
 * import { makeOwnedTempDir, removeOwnedTempDir } from "./temp_dirs.ts";
 * import assert from "node:assert/strict";
 * const dir = await makeOwnedTempDir("example-");
 * await removeOwnedTempDir(dir);
 * await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
 * ```
 */
export async function removeOwnedTempDir(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  const file = held.get(dir);
  held.delete(dir);
  try {
    file?.close();
  } catch { /* closed */ }
}

/** A folder {@linkcode sweepStaleTempDirs} removed. */
export interface SweptTempDir {
  /** Its path. */
  path: string;
  /** Its owner, as the owner file names it. */
  owner: TempDirOwner;
}

/**
 * Removes every owned temporary folder whose owner is gone (its owner file names a pid but nobody
 * holds the lock) and returns what it removed. Folders of live owners, folders without an owner
 * file and other files in the temp dir are left alone. Meant for the start of a run and for
 * `cleanup --orphans`.
 *
 * @example Usage
 * ```ts
 * import { makeOwnedTempDir, removeOwnedTempDir, sweepStaleTempDirs } from "./temp_dirs.ts";
 * import assert from "node:assert/strict";
 * const mine = await makeOwnedTempDir("example-");
 * const swept = await sweepStaleTempDirs();
 * assert.ok(!swept.some((s) => s.path === mine), "a live owner's folder stays");
 * await removeOwnedTempDir(mine);
 * ```
 */
export async function sweepStaleTempDirs(
  options: OwnedTempDirOptions = {},
): Promise<SweptTempDir[]> {
  const tempDir = options.tempDir ?? systemTempDir();
  const swept: SweptTempDir[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(tempDir));
  } catch {
    return swept; // no temp dir, or not readable: nothing of ours to sweep
  }
  for (const entry of entries) {
    if (!entry.isDirectory || !entry.name.startsWith(OWNED_TEMP_PREFIX)) continue;
    const path = join(tempDir, entry.name);
    if (held.has(path)) continue; // ours, in use
    let file: Deno.FsFile;
    try {
      file = await Deno.open(join(path, OWNER_FILE), { read: true, write: true });
    } catch {
      continue; // no owner file (or not ours to open): leave it
    }
    try {
      if (!(await file.tryLock(true))) continue; // the owner is alive
      const owner = await readOwnerJson<TempDirOwner>(file);
      if (owner === undefined) continue; // being created right now, or not an owner file
      await Deno.remove(path, { recursive: true });
      swept.push({ path, owner });
    } catch {
      /* gone meanwhile, or not removable: leave it */
    } finally {
      try {
        file.close();
      } catch { /* closed */ }
    }
  }
  return swept;
}
