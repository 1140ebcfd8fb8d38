// A minimal PNG decoder for the browser tests' screenshots: 8-bit RGB or RGBA,
// non-interlaced, filter types 0-4 (PNG spec, ISO/IEC 15948 §9). That is what Chromium's
// screenshots are; anything else throws rather than being misread.
import { inflateSync } from "node:zlib";

export interface Image {
  readonly width: number;
  readonly height: number;
  /** RGBA, 4 bytes a pixel, rows top to bottom. */
  readonly rgba: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The Paeth predictor (PNG spec §9.4). */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(png: Uint8Array): Image {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new Error("decode png: not a PNG (bad signature)");
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= buf.length; ) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, color, compression, filter, interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || (color !== 2 && color !== 6) || compression !== 0 || filter !== 0 || interlace !== 0) {
        throw new Error(`decode png: unsupported IHDR (bit depth ${depth}, colour type ${color}, interlace ${interlace}); only 8-bit RGB/RGBA, non-interlaced`);
      }
      colorType = color;
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      break;
    }
    at += 12 + length; // length, type, data, CRC
  }
  if (colorType < 0) throw new Error("decode png: no IHDR");
  const channels = colorType === 6 ? 4 : 3;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length < height * (stride + 1)) throw new Error(`decode png: ${raw.length} bytes of image data, want ${height * (stride + 1)}`);

  const rgba = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  let line = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1);
    const filter = raw[row]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[row + 1 + i]!;
      const a = i >= channels ? line[i - channels]! : 0; // left
      const b = prev[i]!; // up
      const c = i >= channels ? prev[i - channels]! : 0; // up-left
      switch (filter) {
        case 0: line[i] = x; break;
        case 1: line[i] = x + a; break;
        case 2: line[i] = x + b; break;
        case 3: line[i] = x + ((a + b) >> 1); break;
        case 4: line[i] = x + paeth(a, b, c); break;
        default: throw new Error(`decode png: row ${y} has filter type ${filter}`);
      }
    }
    for (let px = 0; px < width; px++) {
      const o = (y * width + px) * 4;
      rgba[o] = line[px * channels]!;
      rgba[o + 1] = line[px * channels + 1]!;
      rgba[o + 2] = line[px * channels + 2]!;
      rgba[o + 3] = channels === 4 ? line[px * channels + 3]! : 255;
    }
    [prev, line] = [line, prev];
  }
  return { width, height, rgba };
}

/**
 * Pixels a person sees as drawn: not (near) white and not transparent. `threshold` is how
 * far below 255 a channel must be (anti-aliasing leaves faint greys around white).
 */
export function drawnPixelCount(img: Image, threshold = 16): number {
  let n = 0;
  for (let o = 0; o < img.rgba.length; o += 4) {
    if (img.rgba[o + 3]! < 128) continue;
    if (img.rgba[o]! < 255 - threshold || img.rgba[o + 1]! < 255 - threshold || img.rgba[o + 2]! < 255 - threshold) n++;
  }
  return n;
}
