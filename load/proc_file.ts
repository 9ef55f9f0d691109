/**
 * Reads small `/proc` files (a process's `stat` and `status`, `meminfo`) through libc, because
 * Deno's own file API reads `/proc` only with `--allow-all` (Deno 1.43 and later treat `/proc`,
 * `/sys`, `/dev` and `/etc` as privileged, whatever `--allow-read` says). Calling libc needs
 * `--allow-ffi`, which the load generator needs anyway for its epoll transport.
 *
 * Only files directly in `/proc/` or `/proc/<pid>/` are read (no deeper path: `/proc/<pid>/root/`
 * leads to the whole file system). That keeps this module from being a way around `--allow-read`
 * by mistake; it is no sandbox, as a program with `--allow-ffi` can call libc itself.
 *
 * @module
 */

import { Libc, libcUnavailableReason, LINUX } from "./libc.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CHUNK = 4096;

/** libc, opened on first use and kept for the life of the thread. */
let libc: Libc | undefined;

/**
 * Why `/proc` cannot be read here, or `null` when {@linkcode readProcFile} works.
 *
 * @example Usage
 * ```ts
 * import { procUnavailableReason } from "./proc_file.ts";
 * import assert from "node:assert/strict";
 * // The doc tests run with --allow-all on Linux.
 * assert.equal(procUnavailableReason(), null);
 * ```
 */
export function procUnavailableReason(): string | null {
  const why = libcUnavailableReason();
  if (why !== null) return why;
  try {
    libc ??= Libc.open();
  } catch (error) {
    return `it cannot load glibc (libc.so.6): ${(error as Error).message}`;
  }
  return null;
}

/**
 * The text of `/proc/NAME` or `/proc/PID/NAME`, or `null` when it cannot be opened or read (the
 * process is gone, say). Throws a RangeError for any other path, and an Error when libc cannot be
 * called (see {@linkcode procUnavailableReason}).
 *
 * @example Usage
 * ```ts
 * import { readProcFile } from "./proc_file.ts";
 * import assert from "node:assert/strict";
 * assert.match(readProcFile(`/proc/${Deno.pid}/status`)!, /^VmRSS:\s+\d+ kB$/m);
 * assert.equal(readProcFile("/proc/1073741824/stat"), null);
 * assert.throws(() => readProcFile("/etc/passwd"), /outside them/);
 * ```
 */
export function readProcFile(path: string): string | null {
  if (!/^\/proc\/(\d+\/)?[a-z_]+$/.test(path)) {
    throw new RangeError(
      `Cannot read "${path}" through libc: only /proc/NAME and /proc/PID/NAME are read, it is outside them`,
    );
  }
  const why = procUnavailableReason();
  if (why !== null) throw new Error(`Cannot read ${path} through libc: ${why}`);
  const lib = libc!;
  const fd = lib.symbols.open(encoder.encode(`${path}\0`), LINUX.O_RDONLY | LINUX.O_CLOEXEC);
  if (fd < 0) return null;
  try {
    const chunks: Uint8Array[] = [];
    for (;;) {
      const chunk = new Uint8Array(CHUNK);
      const n = Number(lib.symbols.read(fd, chunk, BigInt(CHUNK)));
      if (n < 0) {
        if (lib.errno() === LINUX.EINTR) continue;
        return null;
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
    }
    if (chunks.length === 1) return decoder.decode(chunks[0]);
    const all = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return decoder.decode(all);
  } finally {
    lib.symbols.close(fd);
  }
}
