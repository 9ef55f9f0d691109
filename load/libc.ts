/**
 * The few libc calls the load generator makes through Deno's FFI, on Linux x86_64 and aarch64
 * (glibc): non-blocking TCP sockets and an epoll set for the epoll transport, and `open` / `read`
 * / `close` of `/proc` files for process sampling (Deno's own file API reads `/proc` only with
 * `--allow-all`). Everything here is synchronous; the epoll transport calls it from a worker
 * thread that does nothing but drive connections.
 *
 * @module
 */

/** Linux constants (identical on x86_64 and aarch64). */
export const LINUX = {
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_STREAM: 1,
  SOCK_NONBLOCK: 0o4000,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_ERROR: 4,
  IPPROTO_TCP: 6,
  TCP_NODELAY: 1,
  MSG_NOSIGNAL: 0x4000,
  EPOLL_CLOEXEC: 0o2000000,
  EPOLL_CTL_ADD: 1,
  EPOLL_CTL_DEL: 2,
  EPOLL_CTL_MOD: 3,
  EPOLLIN: 0x001,
  EPOLLOUT: 0x004,
  EPOLLERR: 0x008,
  EPOLLHUP: 0x010,
  O_RDONLY: 0,
  O_CLOEXEC: 0o2000000,
  EINTR: 4,
  EAGAIN: 11,
  EINPROGRESS: 115,
} as const;

/** Messages of the errno values a load test meets. */
const ERRNO_MESSAGES: Record<number, string> = {
  1: "Operation not permitted",
  13: "Permission denied",
  24: "Too many open files",
  32: "Broken pipe",
  99: "Cannot assign requested address",
  101: "Network is unreachable",
  103: "Software caused connection abort",
  104: "Connection reset by peer",
  110: "Connection timed out",
  111: "Connection refused",
  113: "No route to host",
};

/**
 * A readable message for an errno value, e.g. `Connection refused (os error 111)`, worded like
 * Deno's own network errors.
 *
 * @example Usage
 * ```ts
 * import { errnoMessage } from "./libc.ts";
 * import assert from "node:assert/strict";
 * assert.equal(errnoMessage(111), "Connection refused (os error 111)");
 * ```
 */
export function errnoMessage(errno: number): string {
  return `${ERRNO_MESSAGES[errno] ?? "System error"} (os error ${errno})`;
}

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  // open(2) is variadic; without O_CREAT the mode argument is never read.
  open: { parameters: ["buffer", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

/** The opened libc functions. */
export type LibcSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** Size of `struct epoll_event`: packed on x86_64, padded elsewhere. */
export function epollEventSize(arch: string = Deno.build.arch): number {
  return arch === "x86_64" ? 12 : 16;
}

/**
 * Why libc cannot be called here (not Linux on x86_64 or aarch64, or FFI not allowed), or `null`
 * when it can.
 *
 * @example Usage
 * ```ts
 * import { libcUnavailableReason } from "./libc.ts";
 * import assert from "node:assert/strict";
 * // The doc tests run with --allow-all on Linux x86_64 or aarch64.
 * assert.equal(libcUnavailableReason(), null);
 * ```
 */
export function libcUnavailableReason(): string | null {
  if (Deno.build.os !== "linux") return `it needs Linux (this is ${Deno.build.os})`;
  if (Deno.build.arch !== "x86_64" && Deno.build.arch !== "aarch64") {
    return `it needs x86_64 or aarch64 (this is ${Deno.build.arch})`;
  }
  let state: Deno.PermissionState;
  try {
    state = Deno.permissions.querySync({ name: "ffi" }).state;
  } catch {
    state = "denied";
  }
  if (state !== "granted") return "it needs --allow-ffi (or --allow-all)";
  return null;
}

/**
 * libc, opened through FFI, with errno access and socket-address helpers.
 *
 * @example Usage
 * ```ts
 * import { Libc } from "./libc.ts";
 * import assert from "node:assert/strict";
 * const libc = Libc.open();
 * try {
 *   const ep = libc.symbols.epoll_create1(0);
 *   assert.ok(ep >= 0);
 *   assert.equal(libc.symbols.close(ep), 0);
 *   assert.equal(libc.symbols.close(-1), -1);
 *   assert.equal(libc.errno(), 9); // EBADF
 * } finally {
 *   libc.close();
 * }
 * ```
 */
export class Libc {
  readonly #lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  readonly #errno: Deno.UnsafePointerView;
  /** The libc functions. */
  readonly symbols: LibcSymbols;

  private constructor(lib: Deno.DynamicLibrary<typeof SYMBOLS>) {
    this.#lib = lib;
    this.symbols = lib.symbols;
    const p = lib.symbols.__errno_location();
    if (p === null) throw new Error("Cannot find errno through libc");
    this.#errno = new Deno.UnsafePointerView(p);
  }

  /** Opens glibc (`libc.so.6`). Throws when FFI is not allowed or libc cannot be loaded. */
  static open(): Libc {
    return new Libc(Deno.dlopen("libc.so.6", SYMBOLS));
  }

  /** errno of this thread, as the last failed call left it. */
  errno(): number {
    return this.#errno.getInt32();
  }

  /** Closes the library. */
  close(): void {
    this.#lib.close();
  }
}

/**
 * A `sockaddr_in` / `sockaddr_in6` for an IP address literal and port, or `null` when the host is
 * not an IP literal this module can write (IPv4 dotted quad, or `::1`).
 *
 * @example Usage
 * ```ts
 * import { socketAddress } from "./libc.ts";
 * import assert from "node:assert/strict";
 * const a = socketAddress("127.0.0.1", 8080)!;
 * assert.deepEqual([...a.bytes.subarray(0, 8)], [2, 0, 0x1f, 0x90, 127, 0, 0, 1]);
 * assert.equal(socketAddress("::1", 80)!.family, 10);
 * assert.equal(socketAddress("localhost", 80), null);
 * ```
 */
export function socketAddress(
  host: string,
  port: number,
): { family: number; bytes: Uint8Array } | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.some((o) => o > 255)) return null;
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setUint16(0, LINUX.AF_INET, true);
    view.setUint16(2, port, false);
    bytes.set(octets, 4);
    return { family: LINUX.AF_INET, bytes };
  }
  if (host === "::1" || host === "0:0:0:0:0:0:0:1") {
    const bytes = new Uint8Array(28);
    const view = new DataView(bytes.buffer);
    view.setUint16(0, LINUX.AF_INET6, true);
    view.setUint16(2, port, false);
    bytes[8 + 15] = 1;
    return { family: LINUX.AF_INET6, bytes };
  }
  return null;
}
