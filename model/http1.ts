/**
 * The HTTP/1.1 wire format the model server speaks (RFC 9112), as pure functions: the request
 * head (request line and header fields) parsed into a {@linkcode RequestHead}, the framing of
 * the body it announces, and a response serialised to bytes. Everything a client gets wrong is a
 * {@linkcode ProtocolError} with the status to answer and a one-line reason.
 *
 * @module
 */

/** A request the server must refuse at the protocol level: the status and why. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  /** Creates the error with the status to answer. */
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** How the request body is framed. */
export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" };

/** A parsed request line and header fields. */
export interface RequestHead {
  /** Method, e.g. `POST`. */
  method: string;
  /** Path of the request target without query, e.g. `/invocations`. */
  path: string;
  /** `1.0` or `1.1`. */
  version: "1.0" | "1.1";
  /** Header fields by lower-case name; repeated fields joined with `, `. */
  headers: Map<string, string>;
  /** How the body is framed. */
  framing: BodyFraming;
  /** Whether the connection stays open after the response (keep-alive). */
  keepAlive: boolean;
  /** Whether the client waits for `100 Continue` before sending the body. */
  expectContinue: boolean;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const decoder = new TextDecoder("latin1");

function shown(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > 60 ? `${clean.slice(0, 60)}...` : clean;
}

/**
 * Parses a request head: the bytes before the blank line that ends it (without the final
 * `\r\n\r\n`). Throws a {@linkcode ProtocolError} (400, 417, 501 or 505) with the reason.
 *
 * @example Usage
 * ```ts
 * import { parseRequestHead } from "./http1.ts";
 * import assert from "node:assert/strict";
 * const head = parseRequestHead(new TextEncoder().encode(
 *   "POST /invocations?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5",
 * ));
 * assert.equal(head.path, "/invocations");
 * assert.deepEqual(head.framing, { kind: "length", length: 5 });
 * assert.equal(head.keepAlive, true);
 * assert.throws(() => parseRequestHead(new TextEncoder().encode("GARBAGE")), /Malformed request line/);
 * ```
 */
export function parseRequestHead(bytes: Uint8Array): RequestHead {
  const text = decoder.decode(bytes);
  const lines = text.split("\r\n");
  const requestLine = lines[0];
  const parts = requestLine.split(" ");
  if (parts.length !== 3 || !TOKEN.test(parts[0]) || parts[1] === "") {
    throw new ProtocolError(
      400,
      `Malformed request line '${shown(requestLine)}': expected 'METHOD /path HTTP/1.1'`,
    );
  }
  const [method, target, protocol] = parts;
  let version: "1.0" | "1.1";
  if (protocol === "HTTP/1.1") version = "1.1";
  else if (protocol === "HTTP/1.0") version = "1.0";
  else if (/^HTTP\/\d(\.\d)?$/.test(protocol)) {
    throw new ProtocolError(
      505,
      `HTTP version '${shown(protocol)}' is not supported; use HTTP/1.1`,
    );
  } else {
    throw new ProtocolError(
      400,
      `Malformed request line '${shown(requestLine)}': expected 'METHOD /path HTTP/1.1'`,
    );
  }
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    if (line[0] === " " || line[0] === "\t") {
      throw new ProtocolError(
        400,
        "Folded header lines are not allowed; send each field on one line",
      );
    }
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name)) {
      throw new ProtocolError(
        400,
        `Malformed header line '${shown(line)}': expected 'Name: value'`,
      );
    }
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = headers.get(key);
    headers.set(key, before === undefined ? value : `${before}, ${value}`);
  }
  if (version === "1.1" && !headers.has("host")) {
    throw new ProtocolError(400, "The Host header is missing; HTTP/1.1 requests must send one");
  }
  const path = pathOf(target);
  if (path === undefined) {
    throw new ProtocolError(
      400,
      `Malformed request target '${shown(target)}': expected a path such as /invocations`,
    );
  }
  const connection = headers.get("connection")?.toLowerCase() ?? "";
  const keepAlive = version === "1.1"
    ? !/(^|,)\s*close\s*(,|$)/.test(connection)
    : /(^|,)\s*keep-alive\s*(,|$)/.test(connection);
  const expect = headers.get("expect");
  if (expect !== undefined && expect.toLowerCase() !== "100-continue") {
    throw new ProtocolError(
      417,
      `Expect '${shown(expect)}' is not supported; only 100-continue is`,
    );
  }
  return {
    method,
    path,
    version,
    headers,
    framing: framingOf(headers),
    keepAlive,
    expectContinue: expect !== undefined,
  };
}

/** The path of an origin-form (`/a?b`) or absolute-form (`http://h/a`) target. */
function pathOf(target: string): string | undefined {
  let start = 0;
  if (target[0] !== "/") {
    const scheme = /^https?:\/\/[^/?#]*/i.exec(target);
    if (scheme === null) return target === "*" ? "*" : undefined;
    start = scheme[0].length;
    if (start === target.length) return "/";
  }
  let end = target.length;
  const q = target.indexOf("?", start);
  if (q >= 0) end = q;
  const h = target.indexOf("#", start);
  if (h >= 0 && h < end) end = h;
  return target.slice(start, end);
}

function framingOf(headers: Map<string, string>): BodyFraming {
  const te = headers.get("transfer-encoding");
  const cl = headers.get("content-length");
  if (te !== undefined) {
    if (te.toLowerCase() !== "chunked") {
      throw new ProtocolError(
        501,
        `Transfer-Encoding '${
          shown(te)
        }' is not supported; send the body with Content-Length or chunked`,
      );
    }
    if (cl !== undefined) {
      throw new ProtocolError(
        400,
        "Both Content-Length and Transfer-Encoding were sent; send only one of them",
      );
    }
    return { kind: "chunked" };
  }
  if (cl === undefined) return { kind: "none" };
  // Repeated fields arrive joined: "5, 5" is one length, "5, 6" is not.
  const values = new Set(cl.split(",").map((v) => v.trim()));
  const [value] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(value)) {
    throw new ProtocolError(400, `Content-Length '${shown(cl)}' is not a byte count`);
  }
  const length = Number(value);
  return length === 0 ? { kind: "none" } : { kind: "length", length };
}

/**
 * Parses the size line of a chunk (`1a;ext=x` without its `\r\n`): the chunk's size in bytes.
 * Throws a 400 {@linkcode ProtocolError} for anything else.
 *
 * @example Usage
 * ```ts
 * import { parseChunkSize } from "./http1.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseChunkSize("1a"), 26);
 * assert.equal(parseChunkSize("0;name=value"), 0);
 * assert.throws(() => parseChunkSize("zz"), /chunk size/);
 * ```
 */
export function parseChunkSize(line: string): number {
  const hex = line.split(";", 1)[0].trim();
  if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) {
    throw new ProtocolError(
      400,
      `Malformed chunk size '${shown(line)}': expected hexadecimal digits`,
    );
  }
  return parseInt(hex, 16);
}

const REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  204: "No Content",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  417: "Expectation Failed",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

const encoder = new TextEncoder();

/** Options of {@linkcode serializeResponse}. */
export interface SerializeResponseOptions {
  /**
   * Header fields, written in this order after `content-length`.
   * @default {{}}
   */
  headers?: Record<string, string>;
}

/**
 * A response as bytes: status line, `content-length`, the given header fields, blank line and
 * body.
 *
 * @example Usage
 * ```ts
 * import { serializeResponse } from "./http1.ts";
 * import assert from "node:assert/strict";
 * const bytes = serializeResponse(200, new TextEncoder().encode("0.5"), {
 *   headers: { "content-type": "text/csv" },
 * });
 * assert.equal(
 *   new TextDecoder().decode(bytes),
 *   "HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-type: text/csv\r\n\r\n0.5",
 * );
 * ```
 *
 * @param status The HTTP status.
 * @param body The body bytes (empty for none).
 * @param options The header fields to send besides `content-length`.
 */
export function serializeResponse(
  status: number,
  body: Uint8Array,
  options: SerializeResponseOptions = {},
): Uint8Array {
  const { headers = {} } = options;
  let head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}\r\n`;
  if (status !== 204 && status !== 100) head += `content-length: ${body.length}\r\n`;
  for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
  head += "\r\n";
  const headBytes = encoder.encode(head);
  if (body.length === 0) return headBytes;
  const out = new Uint8Array(headBytes.length + body.length);
  out.set(headBytes);
  out.set(body, headBytes.length);
  return out;
}
