/**
 * @file The three preprocessing protocols against the reference network inputs. Tolerance: exact.
 * The recipes in protocols.ts reproduce each reference's float32 roundings, so anything but
 * bit-equality is a regression (REFERENCE.md suggests ≤ 1e-6, the issue ≤ 1e-4; the smallest
 * preprocessing mistake measured there moves inputs by far more):
 * - `tf` / `clean`: SHA-256 of the HWC float32 input of all 24 images (`protocols/<p>/expected.json`),
 *   plus the two stored tensors (`network_input_*.npz`);
 * - `pytorch-fid`: the two stored NCHW tensors (`inception-fid/set_a/model_input_*.npy`).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/core/errors.js';
import { readNpzFile } from '../../../src/io/npz.js';
import {
  fmaF32,
  INCEPTION_PROTOCOLS,
  networkInput,
  parseProtocol,
  writeNetworkInput,
} from '../../../src/features/inception/protocols.js';
import { chwToHwc, FIXTURES, fixtureFloat32, fixtureImage, maxAbsDiff, SETS } from './fixtures.js';

interface InputSummary {
  shape: number[];
  sha256_le_bytes_c_order: string;
  sum: number;
}

const sha256 = (a: Float32Array): string => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

describe.each(['tf', 'clean'] as const)('protocol %s', (protocol) => {
  const expected = JSON.parse(readFileSync(`${FIXTURES}/protocols/${protocol}/expected.json`, 'utf8'));

  it.each(SETS)('reproduces the network input of every image of %s bit for bit (SHA-256)', async (set) => {
    const summaries = expected[set].network_input_summaries_hwc as Record<string, InputSummary>;
    expect(Object.keys(summaries)).toHaveLength(12);
    const mismatches: string[] = [];
    for (const [file, summary] of Object.entries(summaries)) {
      const hwc = chwToHwc(networkInput(await fixtureImage(set, file), protocol), 299, 299);
      if (sha256(hwc) !== summary.sha256_le_bytes_c_order) {
        mismatches.push(`${file}: sum ${hwc.reduce((a, b) => a + b, 0)} vs ${summary.sum}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it.each(['a01_mnist_28_gray.png', 'a08_gradient_320x200_rgb.png'])('equals the stored HWC tensor of %s', async (file) => {
    const stored = (await readNpzFile(`${FIXTURES}/protocols/${protocol}/set_a/network_input_${file}.npz`)).x;
    expect(stored.shape).toEqual([299, 299, 3]);
    const hwc = chwToHwc(networkInput(await fixtureImage('set_a', file), protocol), 299, 299);
    expect(maxAbsDiff(hwc, stored.data as Float32Array)).toBe(0);
  });
});

describe('protocol pytorch-fid', () => {
  it.each(['a01_mnist_28_gray.png', 'a08_gradient_320x200_rgb.png'])('equals pytorch-fid model input of %s bit for bit', async (file) => {
    const stored = await fixtureFloat32(`inception-fid/set_a/model_input_${file}.npy`);
    const x = networkInput(await fixtureImage('set_a', file), 'pytorch-fid');
    expect(maxAbsDiff(x, stored)).toBe(0);
  });

  it('passes a 299×299 image through unchanged except for 2x/255 − 1', async () => {
    const image = await fixtureImage('set_a', 'a07_noise_299_rgb.png');
    const x = networkInput(image, 'pytorch-fid');
    for (const i of [0, 1, 1000, 299 * 299 - 1]) {
      for (let c = 0; c < 3; c++) expect(x[c * 299 * 299 + i]).toBe(Math.fround(2 * Math.fround(image.data[i * 3 + c] / 255) - 1));
    }
  });
});

describe('fmaF32', () => {
  it('rounds a·b + c once, also when the double sum sits on a float32 midpoint', () => {
    const a = 1 + 2 ** -12;
    // a² = 1 + 2⁻¹¹ + 2⁻²⁴ is halfway between two float32 values; + 2⁻⁶⁰ makes the exact sum round up,
    // while rounding the double (which drops 2⁻⁶⁰) to float32 would round to even (down).
    expect(Math.fround(a * a + 2 ** -60)).toBe(1 + 2 ** -11);
    expect(fmaF32(a, a, 2 ** -60)).toBe(1 + 2 ** -11 + 2 ** -23);
    expect(fmaF32(a, a, -(2 ** -60))).toBe(1 + 2 ** -11);
    expect(fmaF32(-a, a, -(2 ** -60))).toBe(-(1 + 2 ** -11 + 2 ** -23));
    expect(fmaF32(0.5, 0.25, 0.125)).toBe(0.25);
  });
});

describe('inputs and options', () => {
  const rgb = (width: number, height: number, fill = 7) => ({ data: new Uint8Array(width * height * 3).fill(fill), width, height });

  it('maps a constant image to a constant input under every protocol, for any size', () => {
    // tf interpolates as a + (b − a)·f, exact on constants; the others weight-and-sum, where the
    // float32 weights need not sum to exactly 1 (PyTorch and Pillow behave the same): 1e-6.
    for (const protocol of Object.keys(INCEPTION_PROTOCOLS) as (keyof typeof INCEPTION_PROTOCOLS)[]) {
      for (const [w, h] of [[1, 1], [5, 300], [640, 17]]) {
        const x = networkInput(rgb(w, h, 200), protocol);
        const want = protocol === 'pytorch-fid' ? Math.fround(2 * Math.fround(200 / 255) - 1) : (200 - 128) / 128;
        const tolerance = protocol === 'tf' ? 0 : 1e-6;
        expect(Math.abs(x.reduce((m, v) => Math.min(m, v), Infinity) - want)).toBeLessThanOrEqual(tolerance);
        expect(Math.abs(x.reduce((m, v) => Math.max(m, v), -Infinity) - want)).toBeLessThanOrEqual(tolerance);
      }
    }
  });

  it('writes into a batch buffer at an offset without touching the rest', () => {
    const out = new Float32Array(2 * 3 * 299 * 299).fill(42);
    writeNetworkInput(rgb(10, 10, 128), 'tf', out, 3 * 299 * 299);
    expect(out[3 * 299 * 299 - 1]).toBe(42);
    expect(out[3 * 299 * 299]).toBe(0);
    expect(() => writeNetworkInput(rgb(10, 10), 'tf', out, 3 * 299 * 299 + 1)).toThrow(/buffer too small/);
  });

  it('rejects malformed images and unknown protocols with the fix', () => {
    expect(() => networkInput({ data: new Uint8Array(11), width: 2, height: 2 }, 'tf')).toThrow(InputError);
    expect(() => networkInput({ data: new Uint8Array(11), width: 2, height: 2 }, 'tf')).toThrow(/11 bytes, but 2x2 RGB needs 12/);
    expect(() => networkInput({ data: new Uint8Array(0), width: 0, height: 0 }, 'clean')).toThrow(/positive integers/);
    expect(() => parseProtocol('tensorflow')).toThrow(/expected one of tf, pytorch-fid, clean/);
    expect(parseProtocol('clean')).toBe('clean');
  });
});
