/**
 * `.tar.gz` archives like the original's `tar -cvpzf model.tar.gz xgboost-model` and
 * `tar -cvzf payload.tar.gz sample.csv`, written with `tar-stream` + `node:zlib` (readable by
 * GNU tar), and read back — a model from a `model.tar.gz` or a model directory, for the server.
 *
 * Which file name the model gets: the SageMaker XGBoost container
 * (`algorithm_mode/serve_utils.py`, `get_loaded_booster`) loads *every* regular file in
 * `/opt/ml/model` — first with `pickle.load`, then with `xgb.Booster().load_model(path)` — and
 * averages them when there are several. So the archive holds exactly one file, with no
 * directory entries. XGBoost 1.7 (Debian's 1.7.4, checked) recognises a JSON model by its first
 * byte `{` whatever the file is called, so the name is free; we use `xgboost-model`, the name
 * SageMaker's built-in XGBoost training writes.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import zlib from "node:zlib";
import tar from "tar-stream";

/** File name of the model inside `model.tar.gz`. */
export const MODEL_FILE_NAME = "xgboost-model";
/** File name of the sample payload inside `payload.tar.gz`. */
export const PAYLOAD_FILE_NAME = "sample.csv";

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/** One regular file in an archive. */
export interface TarEntry {
  /** Path inside the archive, e.g. `xgboost-model`. */
  name: string;
  /** File contents. */
  data: Uint8Array;
}

/** Options of {@linkcode createTarGz}. */
export interface TarGzOptions {
  /**
   * Modification time of every entry; fixed so the same files give the same archive bytes
   * (and the same S3 ETag).
   * @default {new Date(0)}
   */
  mtime?: Date;
  /**
   * Permission bits of every entry.
   * @default {0o644}
   */
  mode?: number;
}

/** The archive is not a readable `.tar.gz`, or holds something other than expected. */
export class ArchiveError extends Error {
  override name = "ArchiveError";
}

/**
 * Packs files into a gzip-compressed tar archive.
 *
 * @example Usage
 * ```ts
 * import { createTarGz, readTarGz } from "./tarball.ts";
 * import assert from "node:assert/strict";
 * const archive = await createTarGz([{ name: "a.txt", data: new TextEncoder().encode("hi") }]);
 * assert.deepEqual(archive.subarray(0, 2), new Uint8Array([0x1f, 0x8b]));
 * const [entry] = await readTarGz(archive);
 * assert.equal(entry.name, "a.txt");
 * ```
 */
export async function createTarGz(
  entries: TarEntry[],
  options: TarGzOptions = {},
): Promise<Uint8Array> {
  const { mtime = new Date(0), mode = 0o644 } = options;
  const pack = tar.pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Uint8Array);
  })();
  for (const entry of entries) {
    if (!entry.name || entry.name.startsWith("/") || entry.name.split("/").includes("..")) {
      throw new RangeError(
        `Cannot archive '${entry.name}': use a relative path without '..'`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        { name: entry.name, size: entry.data.length, mode, mtime, type: "file" },
        Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength),
        (error?: Error | null) => (error ? reject(error) : resolve()),
      );
    });
  }
  pack.finalize();
  await collected;
  const archive = await gzip(Buffer.concat(chunks), { level: 9 });
  return new Uint8Array(archive.buffer, archive.byteOffset, archive.byteLength);
}

/** Options of {@linkcode readTar}. */
export interface ReadTarOptions {
  /**
   * What the archive is, for error messages ("Cannot read the payload archive: …").
   * @default {"the archive"}
   */
  what?: string;
}

/** Options of {@linkcode readTarGz}. */
export interface ReadTarGzOptions extends ReadTarOptions {
  /**
   * Largest total size of the unpacked archive, against decompression bombs.
   * @default {536870912}
   */
  maxBytes?: number;
}

/**
 * Unpacks the regular files of a `.tar.gz` (directories and links are skipped).
 *
 * @example Usage
 * ```ts
 * import { createTarGz, readTarGz } from "./tarball.ts";
 * import assert from "node:assert/strict";
 * const data = new TextEncoder().encode("1,2\n");
 * const files = await readTarGz(await createTarGz([{ name: "sample.csv", data }]));
 * assert.deepEqual(files, [{ name: "sample.csv", data }]);
 * ```
 */
export async function readTarGz(
  archive: Uint8Array,
  options: ReadTarGzOptions = {},
): Promise<TarEntry[]> {
  const { maxBytes = 512 * 1024 * 1024, what = "the archive" } = options;
  let raw: Buffer;
  try {
    raw = await gunzip(Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength), {
      maxOutputLength: maxBytes,
    });
  } catch (error) {
    throw new ArchiveError(`Cannot read ${what}: it is not valid gzip (${errorText(error)})`);
  }
  return await readTar(raw, { what });
}

/**
 * Unpacks the regular files of an uncompressed tar (directories and links are skipped); the
 * one tar reader, under {@linkcode readTarGz} and the load generator's payload archives.
 *
 * @example Usage
 * ```ts
 * import { readTar } from "./tarball.ts";
 * import { gunzipSync } from "node:zlib";
 * import { createTarGz } from "./tarball.ts";
 * import assert from "node:assert/strict";
 * const data = new TextEncoder().encode("1,2\n");
 * const tarBytes = gunzipSync(await createTarGz([{ name: "sample.csv", data }]));
 * assert.deepEqual(await readTar(tarBytes), [{ name: "sample.csv", data }]);
 * ```
 */
export async function readTar(
  tarBytes: Uint8Array,
  options: ReadTarOptions = {},
): Promise<TarEntry[]> {
  const { what = "the archive" } = options;
  const raw = Buffer.from(tarBytes.buffer, tarBytes.byteOffset, tarBytes.byteLength);
  const extract = tar.extract();
  const files: TarEntry[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const parts: Uint8Array[] = [];
      for await (const chunk of entry) parts.push(chunk as Uint8Array);
      if (entry.header.type === "file" || entry.header.type === "contiguous-file") {
        const data = Buffer.concat(parts);
        files.push({
          name: entry.header.name.replace(/^\.\//, ""),
          data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        });
      }
    }
  })();
  Readable.from([raw]).pipe(extract);
  try {
    await done;
  } catch (error) {
    throw new ArchiveError(`Cannot read ${what}: it is not a valid tar (${errorText(error)})`);
  }
  return files;
}

/**
 * `model.tar.gz` as the SageMaker XGBoost container expects it: one file,
 * {@linkcode MODEL_FILE_NAME}, holding the model.
 *
 * @example Usage
 * ```ts
 * import { modelTarball, readTarGz } from "./tarball.ts";
 * import assert from "node:assert/strict";
 * const files = await readTarGz(await modelTarball('{"learner":{}}'));
 * assert.deepEqual(files.map((f) => f.name), ["xgboost-model"]);
 * ```
 */
export function modelTarball(
  model: string | Uint8Array,
  options?: TarGzOptions,
): Promise<Uint8Array> {
  const data = typeof model === "string" ? new TextEncoder().encode(model) : model;
  return createTarGz([{ name: MODEL_FILE_NAME, data }], { mode: 0o644, ...options });
}

/**
 * `payload.tar.gz` as Inference Recommender takes it: the sample payload file
 * {@linkcode PAYLOAD_FILE_NAME} at the top level.
 *
 * @example Usage
 * ```ts
 * import { payloadTarball, readTarGz } from "./tarball.ts";
 * import assert from "node:assert/strict";
 * const [file] = await readTarGz(await payloadTarball("1,2\n"));
 * assert.equal(file.name, "sample.csv");
 * ```
 */
export function payloadTarball(
  csv: string | Uint8Array,
  options?: TarGzOptions,
): Promise<Uint8Array> {
  const data = typeof csv === "string" ? new TextEncoder().encode(csv) : csv;
  return createTarGz([{ name: PAYLOAD_FILE_NAME, data }], options);
}

/** A model file found by {@linkcode readModelArtifact}. */
export interface ModelArtifact {
  /** Where it came from, e.g. `model.tar.gz:xgboost-model` or `/opt/ml/model/xgboost-model`. */
  source: string;
  /** The model file's bytes. */
  data: Uint8Array;
}

/**
 * Finds the model the way the container does, from a model directory (its regular files), a
 * `model.tar.gz` (its regular files), or a model file itself. Exactly one file must be there:
 * the container would average several models, which this scorer does not do.
 *
 * @example Usage
 * ```ts
 * import { modelTarball, readModelArtifact } from "./tarball.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * try {
 *   await Deno.writeFile(`${dir}/model.tar.gz`, await modelTarball('{"learner":{}}'));
 *   const artifact = await readModelArtifact(`${dir}/model.tar.gz`);
 *   assert.equal(new TextDecoder().decode(artifact.data), '{"learner":{}}');
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function readModelArtifact(path: string): Promise<ModelArtifact> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new ArchiveError(
      `Cannot read the model at '${path}': ${
        errorText(error)
      }; pass a model directory, a model.tar.gz or a model file`,
    );
  }
  let files: { source: string; data: Uint8Array }[];
  if (info.isDirectory) {
    files = [];
    for await (const entry of Deno.readDir(path)) {
      if (!entry.isFile) continue;
      const file = `${path.replace(/\/+$/, "")}/${entry.name}`;
      files.push({ source: file, data: await Deno.readFile(file) });
    }
    files.sort((a, b) => a.source.localeCompare(b.source));
  } else {
    return await modelArtifactOf(await Deno.readFile(path), { source: path });
  }
  return oneModelFile(files, path);
}

/** Options of {@linkcode modelArtifactOf}. */
export interface ModelArtifactOfOptions {
  /** Where the bytes came from, for messages and {@linkcode ModelArtifact.source}. */
  source: string;
}

/**
 * Finds the model in the bytes of a `model.tar.gz` (its one regular file) or of a model file
 * itself, as {@linkcode readModelArtifact} does for a file on disk (e.g. an object of S3).
 *
 * @example Usage
 * ```ts
 * import { modelArtifactOf, modelTarball } from "./tarball.ts";
 * import assert from "node:assert/strict";
 * const bytes = await modelTarball('{"learner":{}}');
 * const artifact = await modelArtifactOf(bytes, { source: "s3://b/model.tar.gz" });
 * assert.equal(artifact.source, "s3://b/model.tar.gz:xgboost-model");
 * assert.equal(new TextDecoder().decode(artifact.data), '{"learner":{}}');
 * ```
 */
export async function modelArtifactOf(
  data: Uint8Array,
  options: ModelArtifactOfOptions,
): Promise<ModelArtifact> {
  const { source } = options;
  if (!(data[0] === 0x1f && data[1] === 0x8b)) return { source, data };
  const files = (await readTarGz(data)).map((f) => ({
    source: `${source}:${f.name}`,
    data: f.data,
  }));
  return oneModelFile(files, source);
}

function oneModelFile(files: ModelArtifact[], path: string): ModelArtifact {
  if (files.length !== 1) {
    throw new ArchiveError(
      `Cannot read the model at '${path}': it holds ${files.length} files${
        files.length ? ` (${files.map((f) => `'${f.source}'`).join(", ")})` : ""
      } but must hold exactly one model file (the container would average several)`,
    );
  }
  return files[0];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
