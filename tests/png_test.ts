// Proves the screenshot reader: it decodes what a PNG encoder writes (every filter type, RGB and
// RGBA) pixel for pixel, and measures the ink in a box against the background.
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { boxInk, decodePng } from "./png.ts";

function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** An encoder that filters row y with filter type y % 5, so every filter is exercised. */
function encodePng(width: number, height: number, channels: 3 | 4, pixels: Uint8Array) {
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const filter = y % 5;
    raw[y * (stride + 1)] = filter;
    for (let x = 0; x < stride; x++) {
      const at = y * stride + x;
      const a = x >= channels ? pixels[at - channels] : 0;
      const b = y > 0 ? pixels[at - stride] : 0;
      const c = x >= channels && y > 0 ? pixels[at - stride - channels] : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      raw[y * (stride + 1) + 1 + x] = (pixels[at] - predictor) & 0xff;
    }
  }
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, width);
  new DataView(header.buffer).setUint32(4, height);
  header.set([8, channels === 4 ? 6 : 2, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", header),
    chunk("IDAT", new Uint8Array(deflateSync(raw))),
    chunk("IEND", new Uint8Array()),
  ];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (png.set(p, at), at + p.length), 0);
  return png;
}

Deno.test("decodePng() reads back every pixel through all five filter types", () => {
  for (const channels of [3, 4] as const) {
    const width = 7;
    const height = 10;
    const pixels = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37) % 256);
    const image = decodePng(encodePng(width, height, channels, pixels));
    assert.equal(image.width, width);
    assert.equal(image.height, height);
    assert.equal(image.channels, channels);
    assert.deepEqual(image.pixels, pixels);
  }
});

Deno.test("decodePng() refuses what is not a PNG, or a kind it does not read", () => {
  assert.throws(() => decodePng(new Uint8Array(20)), /the signature is missing/);
  const png = encodePng(1, 1, 3, new Uint8Array(3));
  png[8 + 8 + 8] = 16; // IHDR bit depth
  assert.throws(() => decodePng(png), /bit depth 16/);
});

Deno.test("boxInk() counts the pixels off the background inside the box only", () => {
  const width = 10;
  const pixels = new Uint8Array(width * 10 * 3).fill(255);
  for (let x = 0; x < 5; x++) pixels.set([200, 30, 30], (2 * width + x) * 3); // a red line
  const image = { width, height: 10, channels: 3 as const, pixels };
  assert.deepEqual(boxInk(image, { x: 0, y: 0, width: 5, height: 5 }), { inked: 0.2, colours: 2 });
  assert.deepEqual(boxInk(image, { x: 5, y: 0, width: 5, height: 10 }), { inked: 0, colours: 1 });
  // Near-white (within 24 of the background) is background; the box is clipped to the image.
  pixels.set([240, 240, 240], 0);
  assert.equal(boxInk(image, { x: -3, y: -3, width: 4, height: 4 }).inked, 0);
  assert.equal(
    boxInk(image, { x: 0, y: 2, width: 5, height: 1 }, { background: [200, 30, 30] }).inked,
    0,
  );
});
