import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/core/errors.js';
import { decodeImage, MAX_IMAGE_PIXELS } from '../../src/io/images.js';
import { readNpyFile } from '../../src/io/npy.js';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'fidkit-images-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Count of differing bytes; 0 means bit-exact. */
function mismatches(a: Uint8Array, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n + Math.abs(a.length - b.length);
}

/** A PNG written byte by byte (no encoder in between), so the stored samples are known exactly. */
function png(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  rows: Uint8Array[],
  extra: Array<[string, Uint8Array]> = [],
): Buffer {
  const chunk = (type: string, data: Uint8Array) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, colorType, 0, 0, 0], 8);
  const raw = Buffer.concat(rows.map((r) => Buffer.concat([Buffer.from([0]), r])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extra.map(([t, d]) => chunk(t, d)),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

const be16 = (values: number[]) => {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16BE(v, 2 * i));
  return b;
};

describe('decodeImage equals Pillow convert("RGB") on the reference PNGs', () => {
  // Tolerance: exact. fixtures/inception-fid/set_*/decoded_rgb/*.npy are Pillow 9.4's own output;
  // gray, RGB, RGBA (alpha dropped, not composited), palette, 16-bit gray (clipped) and LA.
  for (const set of ['set_a', 'set_b']) {
    const names = readdirSync(join(FIXTURES, 'images', set)).filter((f) => f.endsWith('.png'));
    it(`${set}: all ${names.length} images bit-exact`, async () => {
      expect(names.length).toBe(12);
      for (const name of names) {
        const ref = await readNpyFile(join(FIXTURES, 'inception-fid', set, 'decoded_rgb', `${name}.npy`));
        const img = await decodeImage(join(FIXTURES, 'images', set, name));
        expect([img.height, img.width, 3], name).toEqual(ref.shape);
        expect(mismatches(img.data, ref.data as Uint8Array), name).toBe(0);
      }
    });
  }

  it('decodes bytes exactly as it decodes the file', async () => {
    const path = join(FIXTURES, 'images', 'set_a', 'a09_rgba_64_rgba.png');
    const fromPath = await decodeImage(path);
    const fromBytes = await decodeImage(new Uint8Array(readFileSync(path)));
    expect(mismatches(fromBytes.data, fromPath.data)).toBe(0);
  });
});

describe('decodeImage equals Pillow on JPEG, WebP, TIFF, PNM and BMP', () => {
  // fixtures/decode: written by scripts/jpeg-vs-pillow.py with Pillow 9.4 (libjpeg-turbo) and sharp
  // (mozjpeg); <file>.npy is Pillow's convert('RGB'). Tolerance: exact (measured max |d| = 0 on all
  // cases, see docs/jpeg.md), so any change in sharp's decoder, chroma upsampling or CMYK handling shows.
  const dir = join(FIXTURES, 'decode');
  const files = readdirSync(dir).filter((f) => !f.endsWith('.npy') && !f.endsWith('.md'));
  it('has the fixture files', () => expect(files.length).toBeGreaterThanOrEqual(18));
  for (const name of files) {
    it(name, async () => {
      const ref = await readNpyFile(join(dir, `${name}.npy`));
      const img = await decodeImage(join(dir, name));
      expect([img.height, img.width, 3]).toEqual(ref.shape);
      expect(mismatches(img.data, ref.data as Uint8Array)).toBe(0);
    });
  }
});

describe('decodeImage follows Pillow on PNG layouts the fixtures lack', () => {
  // Expected values checked against Pillow 9.4 on the same bytes.
  it('16-bit RGB, RGBA and gray+alpha keep the high byte; 16-bit gray (also with tRNS) clips', async () => {
    const rgb = await decodeImage(png(2, 1, 16, 2, [be16([0x1234, 0xff00, 0x00ff, 0xabcd, 0x0100, 0xffff])]));
    expect([...rgb.data]).toEqual([0x12, 0xff, 0x00, 0xab, 0x01, 0xff]);
    const rgba = await decodeImage(png(1, 1, 16, 6, [be16([0x8000, 0x7fff, 0x0001, 0x0000])]));
    expect([...rgba.data]).toEqual([0x80, 0x7f, 0x00]);
    const la = await decodeImage(png(3, 1, 16, 4, [be16([200, 0, 255, 65535, 256, 1])]));
    expect([...la.data]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1]);
    const trns = await decodeImage(png(3, 1, 16, 0, [be16([200, 1000, 65535])], [['tRNS', be16([1000])]]));
    expect([...trns.data]).toEqual([200, 200, 200, 255, 255, 255, 255, 255, 255]);
  });

  it('1/2/4-bit gray scale to 0..255; palette with tRNS drops alpha', async () => {
    const g2 = await decodeImage(png(4, 1, 2, 0, [Uint8Array.from([0b00011011])]));
    expect([...g2.data].filter((_, i) => i % 3 === 0)).toEqual([0, 85, 170, 255]);
    const g1 = await decodeImage(png(2, 1, 1, 0, [Uint8Array.from([0b01000000])]));
    expect([...g1.data]).toEqual([0, 0, 0, 255, 255, 255]);
    const plte = Uint8Array.from([10, 20, 30, 200, 100, 50]);
    const p = await decodeImage(png(2, 1, 8, 3, [Uint8Array.from([1, 0])], [['PLTE', plte], ['tRNS', Uint8Array.from([0, 0])]]));
    expect([...p.data]).toEqual([200, 100, 50, 10, 20, 30]);
  });

  it('ignores an embedded ICC profile (Pillow does not colour-manage)', async () => {
    const withIcc = await sharp(Buffer.alloc(16 * 8 * 3, 0).map((_, i) => (i * 37) % 256), {
      raw: { width: 16, height: 8, channels: 3 },
    })
      .withIccProfile('p3')
      .png()
      .toBuffer();
    // The same file with its iCCP chunk cut out must decode to the same pixels.
    const chunks: Buffer[] = [withIcc.subarray(0, 8)];
    let sawIcc = false;
    for (let o = 8; o < withIcc.length; ) {
      const len = withIcc.readUInt32BE(o);
      const type = withIcc.toString('latin1', o + 4, o + 8);
      if (type === 'iCCP') sawIcc = true;
      else chunks.push(withIcc.subarray(o, o + 12 + len));
      o += 12 + len;
    }
    expect(sawIcc).toBe(true);
    const a = await decodeImage(withIcc);
    const b = await decodeImage(Buffer.concat(chunks));
    expect(mismatches(a.data, b.data)).toBe(0);
  });

  it('accepts a JPEG with libjpeg warnings that Pillow accepts (extraneous bytes before a marker)', async () => {
    // Pillow 9.4 decodes this file to the same pixels as the clean one (checked); sharp's default
    // failOn 'warning' refuses it ("Corrupt JPEG data: 2 extraneous bytes before marker 0xda").
    const clean = readFileSync(join(FIXTURES, 'decode', 'pil_45x37_444_base_q95.jpg'));
    const sos = clean.indexOf(Buffer.from([0xff, 0xda]));
    expect(sos).toBeGreaterThan(0);
    const noisy = Buffer.concat([clean.subarray(0, sos), Buffer.from([0x12, 0x34]), clean.subarray(sos)]);
    expect(mismatches((await decodeImage(noisy)).data, (await decodeImage(clean)).data)).toBe(0);
  });

  it('does not apply EXIF orientation (Pillow does not)', async () => {
    const jpeg = await sharp(Buffer.alloc(40 * 24 * 3, 128), { raw: { width: 40, height: 24, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const img = await decodeImage(jpeg);
    expect([img.width, img.height]).toEqual([40, 24]);
  });
});

describe('decodeImage on Netpbm and BMP written by hand', () => {
  it('PGM maxval > 255 scales to 0..65535 then clips; PPM 16-bit scales to 0..255', async () => {
    const pgm = Buffer.from('P2\n# c\n4 1\n1000\n0 1 3 4\n');
    // round(v/1000*65535) = 0, 66, 197, 262 → clipped to 255
    expect([...(await decodeImage(pgm)).data].filter((_, i) => i % 3 === 0)).toEqual([0, 66, 197, 255]);
    const ppm = Buffer.concat([Buffer.from('P6 1 1 65535\n'), be16([65535, 32896, 128])]);
    // round(v/65535*255): 255, round(128.0019…) = 128, round(0.498…) = 0
    expect([...(await decodeImage(ppm)).data]).toEqual([255, 128, 0]);
    const pbm = Buffer.from('P1 3 1 101');
    expect([...(await decodeImage(pbm)).data]).toEqual([0, 0, 0, 255, 255, 255, 0, 0, 0]);
  });

  it('24-bit BMP is bottom-up BGR with rows padded to 4 bytes', async () => {
    const header = Buffer.alloc(54);
    header.write('BM', 0, 'latin1');
    header.writeUInt32LE(54 + 16, 2);
    header.writeUInt32LE(54, 10);
    header.writeUInt32LE(40, 14);
    header.writeInt32LE(1, 18);
    header.writeInt32LE(2, 22);
    header.writeUInt16LE(1, 26);
    header.writeUInt16LE(24, 28);
    const pixels = Buffer.from([3, 2, 1, 0, 6, 5, 4, 0]); // bottom row (B,G,R)=(3,2,1), top row (6,5,4)
    const img = await decodeImage(Buffer.concat([header, pixels]));
    expect([img.height, img.width]).toEqual([2, 1]);
    expect([...img.data]).toEqual([4, 5, 6, 1, 2, 3]);
  });
});

describe('decodeImage errors name the file and the fix', () => {
  const write = (name: string, data: Uint8Array | string) => {
    const p = join(tmp, name);
    writeFileSync(p, data);
    return p;
  };
  const fixturePng = readFileSync(join(FIXTURES, 'images', 'set_a', 'a07_noise_299_rgb.png'));

  it('0-byte file', async () => {
    const p = write('empty.png', '');
    await expect(decodeImage(p)).rejects.toThrow(
      new FormatError(`${p} is empty (0 bytes), not an image: remove it or replace it with the real file`),
    );
  });

  it('a text file with an image extension', async () => {
    const p = write('notes.jpg', 'these are not pixels\n');
    const err = await decodeImage(p).catch((e) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect(err.message).toMatch(new RegExp(`^cannot decode ${p}: .+: the file is corrupt, truncated or not an image; re-export it or remove it$`));
  });

  it('truncated PNG and JPEG', async () => {
    const p = write('cut.png', fixturePng.subarray(0, fixturePng.length >> 1));
    await expect(decodeImage(p)).rejects.toThrow(FormatError);
    await expect(decodeImage(p)).rejects.toThrow(`cannot decode ${p}:`);
    const jpeg = readFileSync(join(FIXTURES, 'decode', 'pil_45x37_444_base_q95.jpg'));
    const q = write('cut.jpg', jpeg.subarray(0, jpeg.length - 600));
    await expect(decodeImage(q)).rejects.toThrow(`cannot decode ${q}:`);
  });

  it('a PNG cut inside its header reads "corrupt header: the file…", without a doubled colon', async () => {
    // libvips says "Input buffer has corrupt header:" with nothing after the colon for these.
    const p = write('header-cut.png', fixturePng.subarray(0, 20));
    await expect(decodeImage(p)).rejects.toThrow(
      new FormatError(`cannot decode ${p}: Input buffer has corrupt header: the file is corrupt, truncated or not an image; re-export it or remove it`),
    );
  });

  it('corrupt PNG (bad CRC in the pixel data)', async () => {
    const bad = Buffer.from(fixturePng);
    const idat = bad.indexOf('IDAT', 0, 'latin1');
    bad[idat + 50] ^= 0xff;
    const p = write('corrupt.png', bad);
    await expect(decodeImage(p)).rejects.toThrow(`cannot decode ${p}:`);
  });

  it('truncated PNM and BMP', async () => {
    const p = write('cut.ppm', 'P6 4 4 255\n\x01\x02');
    await expect(decodeImage(p)).rejects.toThrow(
      `cannot decode ${p}: pixel data truncated (Netpbm P6): the file is corrupt or truncated; re-export it or remove it`,
    );
    const bmp = readFileSync(join(FIXTURES, 'decode', 'rgb565.bmp'));
    const q = write('cut.bmp', bmp.subarray(0, 200));
    await expect(decodeImage(q)).rejects.toThrow(`cannot decode ${q}: pixel data truncated`);
  });

  it('missing file', async () => {
    const p = join(tmp, 'nope.png');
    await expect(decodeImage(p)).rejects.toMatchObject({ code: 'E_NOT_FOUND', message: `image not found: ${p}: check the path` });
  });

  it('more than 100 megapixels is refused from the header, before decoding', async () => {
    expect(MAX_IMAGE_PIXELS).toBe(100_000_000);
    // A PNG header claiming 20000 x 5001 (a little over 100 MP); its pixel data is never read.
    const huge = png(20000, 5001, 8, 0, [new Uint8Array(1)]);
    const p = write('huge.png', huge);
    await expect(decodeImage(p)).rejects.toMatchObject({
      code: 'E_INPUT',
      message:
        `${p} is 20000x5001 = 100.02 megapixels, over the limit of 100 megapixels: ` +
        'downscale it first (the Inception network only sees 299x299)',
    });
    const ppm = write('huge.ppm', 'P5 20000 5001 255\n');
    await expect(decodeImage(ppm)).rejects.toMatchObject({ code: 'E_INPUT' });
    await expect(decodeImage(join(FIXTURES, 'images', 'set_a', 'a01_mnist_28_gray.png'), { maxPixels: 700 })).rejects.toThrow(
      /a01_mnist_28_gray.png is 28x28 = 784 pixels, over the limit of 700 pixels: downscale it first/,
    );
  });
});
