// The browser tests' PNG decoder: every filter type, RGB and RGBA, against images encoded
// here and one rasterised by resvg (an independent encoder).

import { deflateSync } from "node:zlib";
import { Resvg } from "@resvg/resvg-js";
import { describe, expect, it } from "vitest";
import { decodePng, drawnPixelCount } from "../helpers/png.ts";

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  return Buffer.concat([head, data, Buffer.alloc(4)]); // the decoder does not check CRCs
}

const paeth = (a: number, b: number, c: number): number => {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** Encodes `pixels` (rows of channel bytes), row y with filter type y % 5. */
function encode(width: number, channels: 3 | 4, rows: number[][]): Buffer {
  const stride = width * channels;
  const out: number[] = [];
  rows.forEach((row, y) => {
    const prev = rows[y - 1] ?? new Array<number>(stride).fill(0);
    const filter = y % 5;
    out.push(filter);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      const predicted = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter]!;
      out.push((row[i]! - predicted) & 0xff);
    }
  });
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(rows.length, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 4 ? 6 : 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.from(out))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("decodePng", () => {
  for (const channels of [3, 4] as const) {
    it(`decodes ${channels === 3 ? "RGB" : "RGBA"} rows with each filter type`, () => {
      const width = 7;
      const rows = Array.from({ length: 10 }, (_, y) => Array.from({ length: width * channels }, (_, i) => (y * 37 + i * 11 + ((y * i) % 7) * 29) & 0xff));
      const img = decodePng(encode(width, channels, rows));
      expect([img.width, img.height]).toEqual([width, 10]);
      rows.forEach((row, y) => {
        for (let x = 0; x < width; x++) {
          const want = [row[x * channels]!, row[x * channels + 1]!, row[x * channels + 2]!, channels === 4 ? row[x * channels + 3]! : 255];
          expect([...img.rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)]).toEqual(want);
        }
      });
    });
  }

  it("counts the pixels resvg drew: a 20×10 black rectangle on white", () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="100" height="50" fill="#fff"/><rect x="10" y="10" width="20" height="10" fill="#000"/></svg>';
    const img = decodePng(new Resvg(svg).render().asPng());
    expect([img.width, img.height]).toEqual([100, 50]);
    expect(drawnPixelCount(img)).toBe(200);
  });

  it("refuses what it cannot decode", () => {
    expect(() => decodePng(Buffer.from("GIF89a"))).toThrow(/not a PNG/);
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(1, 0);
    ihdr.writeUInt32BE(1, 4);
    ihdr[8] = 16;
    ihdr[9] = 2;
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr)]);
    expect(() => decodePng(png)).toThrow(/unsupported/);
  });
});
