/**
 * Request payloads: one file, or a `payload.tar.gz` of files as Inference Recommender takes
 * (`SamplePayloadUrl`); the load generator sends them round-robin (the docs are SILENT on how IR
 * cycles through several files; round-robin is this toolkit's assumption).
 *
 * @module
 */

import { gunzipSync } from "node:zlib";
import tar from "tar-stream";

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
 * The regular files of a (gzipped) tar archive, in archive order. Directories, links and macOS
 * resource forks (`._*`) are skipped.
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
  let tarBytes: Uint8Array;
  try {
    tarBytes = isGzip(archive) ? gunzipSync(archive) : archive;
  } catch (error) {
    throw new PayloadError("Cannot read the payload archive: it is not valid gzip", {
      cause: error,
    });
  }
  const extract = tar.extract();
  const files: Payload[] = [];
  const reading = (async () => {
    for await (const entry of extract) {
      const parts: Uint8Array[] = [];
      for await (const chunk of entry) parts.push(chunk as Uint8Array);
      const name: string = entry.header.name;
      const base = name.split("/").pop() ?? name;
      if (entry.header.type === "file" && !base.startsWith("._")) {
        const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let offset = 0;
        for (const p of parts) {
          body.set(p, offset);
          offset += p.length;
        }
        files.push({ name, body });
      }
    }
  })();
  extract.end(tarBytes);
  try {
    await reading;
  } catch (error) {
    throw new PayloadError("Cannot read the payload archive: it is not a valid tar file", {
      cause: error,
    });
  }
  return files;
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
