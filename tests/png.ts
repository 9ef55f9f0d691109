/**
 * A small PNG reader for screenshots (8-bit RGB or RGBA, not interlaced: what Chromium's
 * `Page.captureScreenshot` writes) and a measure of how much of a box is drawn on.
 *
 * @module
 */
import { inflateSync } from "node:zlib";

/** A decoded image: `channels` bytes per pixel, rows top to bottom. */
export interface DecodedImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 3 (RGB) or 4 (RGBA). */
  channels: 3 | 4;
  /** The pixels, `width x height x channels` bytes. */
  pixels: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/**
 * Decodes an 8-bit RGB or RGBA, non-interlaced PNG.
 *
 * @param png The file's bytes.
 * @returns The pixels.
 * @throws {TypeError} When it is not a PNG of that kind.
 */
export function decodePng(png: Uint8Array): DecodedImage {
  if (!SIGNATURE.every((byte, i) => png[i] === byte)) {
    throw new TypeError("Cannot decode PNG: the signature is missing");
  }
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0;
  let height = 0;
  let channels: 3 | 4 = 4;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [depth, colour, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) {
        throw new TypeError(
          `Cannot decode PNG: bit depth ${depth}, colour type ${colour}, interlace ${interlace} ` +
            "(only 8-bit RGB or RGBA, not interlaced)",
        );
      }
      channels = colour === 6 ? 4 : 3;
    } else if (type === "IDAT") {
      idat.push(body);
    } else if (type === "IEND") {
      break;
    }
    at += 12 + length;
  }
  const packed = new Uint8Array(idat.reduce((n, part) => n + part.length, 0));
  idat.reduce((offset, part) => (packed.set(part, offset), offset + part.length), 0);
  const raw = new Uint8Array(inflateSync(packed));
  return { width, height, channels, pixels: unfilter(raw, width, height, channels) };
}

function unfilter(raw: Uint8Array, width: number, height: number, bpp: number): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp] : 0;
      const b = y > 0 ? out[row - stride + x] : 0;
      const c = x >= bpp && y > 0 ? out[row - stride + x - bpp] : 0;
      let value = line[x];
      if (filter === 1) value += a;
      else if (filter === 2) value += b;
      else if (filter === 3) value += (a + b) >> 1;
      else if (filter === 4) value += paeth(a, b, c);
      else if (filter !== 0) throw new TypeError(`Cannot decode PNG: filter type ${filter}`);
      out[row + x] = value & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** A rectangle in image pixels. */
export interface Box {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/** How much of a box is drawn on. */
export interface BoxInk {
  /** Share of the box's pixels that differ from the background colour (0 to 1). */
  inked: number;
  /** Distinct colours in the box (each channel rounded to 32 levels). */
  colours: number;
}

/** Options for {@linkcode boxInk}. */
export interface BoxInkOptions {
  /**
   * The background's RGB.
   *
   * @default {[255, 255, 255]}
   */
  background?: readonly [number, number, number];
}

/**
 * Measures the pixels of a box that are not the background colour (by more than 24 in a channel).
 *
 * @param image The decoded image.
 * @param box The box, clipped to the image.
 * @param options The background colour.
 * @returns The inked share and the number of distinct colours.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { boxInk } from "./png.ts";
 *
 * const pixels = new Uint8Array(2 * 2 * 3).fill(255);
 * pixels.set([0, 0, 255], 0); // one blue pixel of four
 * const ink = boxInk({ width: 2, height: 2, channels: 3, pixels }, { x: 0, y: 0, width: 2, height: 2 });
 * assert.deepEqual(ink, { inked: 0.25, colours: 2 });
 * ```
 */
export function boxInk(image: DecodedImage, box: Box, options: BoxInkOptions = {}): BoxInk {
  const { background = [255, 255, 255] } = options;
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.height));
  let inked = 0;
  let total = 0;
  const colours = new Set<number>();
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const at = (y * image.width + x) * image.channels;
      const [r, g, b] = [image.pixels[at], image.pixels[at + 1], image.pixels[at + 2]];
      total++;
      colours.add(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3));
      if (
        Math.abs(r - background[0]) > 24 || Math.abs(g - background[1]) > 24 ||
        Math.abs(b - background[2]) > 24
      ) inked++;
    }
  }
  return { inked: total === 0 ? 0 : inked / total, colours: colours.size };
}
