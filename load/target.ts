/**
 * The URL a load test targets, and the safety rule that keeps load on this machine unless the
 * user asks otherwise.
 *
 * @module
 */

/** Where requests go, resolved from a URL. */
export interface Target {
  /** The URL as given (normalised by `URL`). */
  url: string;
  /** Host name or IP address to connect to (IPv6 without brackets). */
  hostname: string;
  /** TCP port (80 / 443 when the URL names none). */
  port: number;
  /** Whether to speak TLS (`https:`). */
  tls: boolean;
  /** Path and query of the request line, e.g. `/invocations`. */
  path: string;
  /** Value of the `Host` header. */
  hostHeader: string;
}

/** Options of {@linkcode parseTarget}. */
export interface ParseTargetOptions {
  /** Allow a host that is not a loopback address. @default false */
  allowRemote?: boolean;
}

/**
 * Whether a host name is a loopback address: `localhost`, `127.0.0.0/8`, `::1` (also as
 * `[::1]` or IPv4-mapped `::ffff:127.x.x.x`). Names under `.localhost` are not: the connection
 * would resolve them through DNS, which may answer any address.
 *
 * @example Usage
 * ```ts
 * import { isLoopbackHost } from "./target.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isLoopbackHost("127.0.0.1"), true);
 * assert.equal(isLoopbackHost("[::1]"), true);
 * assert.equal(isLoopbackHost("10.0.0.1"), false);
 * assert.equal(isLoopbackHost("api.localhost"), false);
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  let h = hostname.toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h === "localhost") return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (h.startsWith("::ffff:")) h = h.slice(7);
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m[1] === "127" && m.slice(2).every((o) => Number(o) <= 255);
}

/**
 * Parses and checks the URL of a load test. Only `http:` and `https:` are accepted, and only
 * loopback hosts unless `allowRemote` is set.
 *
 * @example Usage
 * ```ts
 * import { parseTarget } from "./target.ts";
 * import assert from "node:assert/strict";
 * const t = parseTarget("http://127.0.0.1:8080/invocations");
 * assert.equal(t.port, 8080);
 * assert.equal(t.path, "/invocations");
 * assert.throws(() => parseTarget("http://example.com/"), /--allow-remote/);
 * ```
 */
export function parseTarget(url: string, options: ParseTargetOptions = {}): Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(
      `Invalid URL "${url}": give an absolute URL such as http://127.0.0.1:8080/invocations`,
    );
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new RangeError(`Unsupported URL scheme "${u.protocol}" in "${url}": use http: or https:`);
  }
  if (!options.allowRemote && !isLoopbackHost(u.hostname)) {
    throw new RangeError(
      `Refusing to load "${u.hostname}": it is not a loopback address; pass --allow-remote (allowRemote: true) to target it`,
    );
  }
  const tls = u.protocol === "https:";
  const port = u.port === "" ? (tls ? 443 : 80) : Number(u.port);
  let hostname = u.hostname;
  if (hostname.startsWith("[") && hostname.endsWith("]")) hostname = hostname.slice(1, -1);
  return {
    url: u.href,
    hostname,
    port,
    tls,
    path: `${u.pathname}${u.search}`,
    hostHeader: u.host,
  };
}
