/**
 * Request payloads: one file, or a `payload.tar.gz` of files as Inference Recommender takes
 * (`SamplePayloadUrl`); the load generator sends them round-robin (the docs are SILENT on how IR
 * cycles through several files; round-robin is this toolkit's assumption).
 *
 * @module
 */

import { ArchiveError, readTar, readTarGz, type TarEntry } from "../model/tarball.ts";

/**
 * A payload file could not be used.
 *
 * @example Usage
 * ```ts
 * import { loadPayloads, PayloadError } from "./payload.ts";
 * import assert from "node:assert/strict";
 * await assert.rejects(() => loadPayloads("/no/such/payload.csv"), PayloadError);
 * ```
 */
export class PayloadError extends Error {
  /** Creates the error with a message that says what to do. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PayloadError";
  }
}

/** One payload: its name (inside the archive, or the file name) and its bytes. */
export interface Payload {
  /** File name. */
  name: string;
  /** Body bytes. */
  body: Uint8Array;
}

/** Whether bytes start with the gzip magic number. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The regular files of a (gzipped) tar archive, in archive order, read with model/'s tar reader
 * (`readTarGz`, or `readTar` when the bytes are not gzip). Directories, links and macOS resource
 * forks (`._*`) are skipped; an unreadable archive is a {@linkcode PayloadError}.
 *
 * @example Usage
 * ```ts
 * import { readTarPayloads } from "./payload.ts";
 * import { gzipSync } from "node:zlib";
 * import tar from "tar-stream";
 * import assert from "node:assert/strict";
 * const pack = tar.pack();
 * pack.entry({ name: "a.csv" }, "1,2\n");
 * pack.finalize();
 * const chunks: Uint8Array[] = [];
 * for await (const c of pack) chunks.push(c as Uint8Array);
 * const files = await readTarPayloads(gzipSync(Buffer.concat(chunks)));
 * assert.deepEqual(files.map((f) => [f.name, new TextDecoder().decode(f.body)]), [["a.csv", "1,2\n"]]);
 * ```
 */
export async function readTarPayloads(archive: Uint8Array): Promise<Payload[]> {
  const what = "the payload archive";
  let entries: TarEntry[];
  try {
    entries = isGzip(archive)
      ? await readTarGz(archive, { what })
      : await readTar(archive, { what });
  } catch (error) {
    if (error instanceof ArchiveError) throw new PayloadError(error.message, { cause: error });
    throw error;
  }
  return entries
    .filter((entry) => !(entry.name.split("/").pop() ?? entry.name).startsWith("._"))
    .map((entry) => ({ name: entry.name, body: entry.data }));
}

/**
 * Loads the payloads of a load test from a path: a `.tar.gz` / `.tgz` / `.tar` archive gives
 * its files, any other file is one payload.
 *
 * @example Usage
 * ```ts
 * import { loadPayloads } from "./payload.ts";
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile({ suffix: ".csv" });
 * try {
 *   await Deno.writeTextFile(path, "1,2,3\n");
 *   const [p] = await loadPayloads(path);
 *   assert.equal(new TextDecoder().decode(p.body), "1,2,3\n");
 * } finally {
 *   await Deno.remove(path);
 * }
 * ```
 */
export async function loadPayloads(path: string): Promise<Payload[]> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new PayloadError(`Cannot read payload "${path}": no such file`, { cause: error });
    }
    if (error instanceof Deno.errors.IsADirectory) {
      throw new PayloadError(
        `Cannot read payload "${path}": it is a folder; give a file or a .tar.gz`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const name = path.split(/[\\/]/).pop() ?? path;
  if (/\.(tar\.gz|tgz|tar)$/i.test(name)) {
    const files = await readTarPayloads(bytes);
    if (files.length === 0) {
      throw new PayloadError(`Cannot use payload archive "${path}": it holds no files`);
    }
    return files;
  }
  return [{ name, body: bytes }];
}
