/**
 * torch's bicubic `F.interpolate` (features/torch-bicubic.ts) against torch run in Python
 * (scripts/make-vit-resize-fixtures.py torch): 6 fixture images × 5 sizes (shrink, mixed, enlarge,
 * 224², 336²), without antialias on v/255 (`torch-bicubic`) and with it on 0..255
 * (`torch-bicubic-aa`).
 * - torch 2.13 (the reference fidkit follows), with and without antialias: bit for bit (SHA-256 of
 *   every output, and the 512 samples equal).
 * - torch 1.13 rounds differently from torch 2.13 (weights and sums): bounded here, so a reader knows
 *   what mixing torch versions costs.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resizeImage, RESIZE_DOMAIN, type PlanarImage, type ResizeMethod } from '../../src/features/resize.js';
import { torchBicubic } from '../../src/features/torch-bicubic.js';
import { fixtureImage, type FixtureSet } from './inception/fixtures.js';

function load(stem: string): { cases: Record<string, any>; samples: Float32Array; torch: string } {
  const json = JSON.parse(readFileSync(`fixtures/resize/${stem}.json`, 'utf8'));
  const buf = readFileSync(`fixtures/resize/${stem}.f32`);
  const samples = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { cases: json.cases, samples, torch: json.provenance.torch };
}
const torch2 = load('torch2-bicubic');
const torch1 = load('torch1-bicubic');
const N_SAMPLES = 512;

function sha256(out: PlanarImage): string {
  return createHash('sha256').update(new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength)).digest('hex');
}

/** max |out − reference| over the case's 512 samples, and how many are equal to the bit. */
function compare(out: PlanarImage, c: any, samples: Float32Array): { maxAbs: number; equal: number } {
  const n = out.data.length;
  let maxAbs = 0;
  let equal = 0;
  for (let k = 0; k < N_SAMPLES; k++) {
    const d = Math.abs(out.data[Math.floor((k * n) / N_SAMPLES)] - samples[c.samples + k]);
    maxAbs = Math.max(maxAbs, d);
    if (d === 0) equal++;
  }
  return { maxAbs, equal };
}

const outputs = new Map<string, PlanarImage>();
async function output(c: any): Promise<PlanarImage> {
  const key = `${c.file} ${c.method} ${c.height}x${c.width}`;
  if (!outputs.has(key)) outputs.set(key, resizeImage(await fixtureImage(c.set as FixtureSet, c.file), c.method as ResizeMethod, c.height, c.width));
  return outputs.get(key)!;
}

describe(`torch-bicubic and torch-bicubic-aa vs torch ${torch2.torch}`, () => {
  expect(torch2.torch.startsWith('2.')).toBe(true);
  for (const [name, c] of Object.entries<any>(torch2.cases)) {
    it(name, async () => {
      const out = await output(c);
      expect([out.height, out.width]).toEqual([c.height, c.width]);
      expect(compare(out, c, torch2.samples)).toEqual({ maxAbs: 0, equal: N_SAMPLES });
      expect(Array.from(out.data.subarray(0, 6))).toEqual(c.first);
      expect(sha256(out)).toBe(c.sha256);
      // Not clamped: the overshoot of the reference is there too (checker and noise images).
      const [min, max] = out.data.reduce(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);
      expect([min, max]).toEqual([c.min, c.max]);
    });
  }

  it('exercises overshoot on both sides, enlarging and shrinking', () => {
    const cases = Object.values<any>(torch2.cases);
    expect(cases.some((c) => c.method === 'torch-bicubic' && c.min < 0 && c.max > 1)).toBe(true);
    expect(cases.some((c) => c.method === 'torch-bicubic-aa' && c.min < 0 && c.max > 255)).toBe(true);
    expect(RESIZE_DOMAIN['torch-bicubic']).toBe('0,1');
    expect(RESIZE_DOMAIN['torch-bicubic-aa']).toBe('0,255');
  });

  it('an unchanged size is a copy with antialias, and the identity without it', () => {
    const src = Float32Array.from({ length: 2 * 5 * 7 }, (_, i) => Math.fround(Math.sin(i) * 3));
    expect(Array.from(torchBicubic(src, 2, 5, 7, 5, 7, true))).toEqual(Array.from(src));
    expect(Array.from(torchBicubic(src, 2, 5, 7, 5, 7, false))).toEqual(Array.from(src));
  });
});

describe(`torch ${torch1.torch} rounds differently (what mixing torch versions costs)`, () => {
  it('differs from fidkit (= torch 2) by at most 2.7e-6 on [0,1] without antialias and 1.3e-4 on 0..255 with it', async () => {
    const worst: Record<string, number> = { 'torch-bicubic': 0, 'torch-bicubic-aa': 0 };
    for (const c of Object.values<any>(torch1.cases)) {
      worst[c.method] = Math.max(worst[c.method], compare(await output(c), c, torch1.samples).maxAbs);
    }
    expect(worst['torch-bicubic']).toBeLessThanOrEqual(2.7e-6);
    expect(worst['torch-bicubic-aa']).toBeLessThanOrEqual(1.3e-4);
    // …and they do differ: torch 1.13 is not what fidkit reproduces.
    expect(worst['torch-bicubic']).toBeGreaterThan(0);
  });
});
