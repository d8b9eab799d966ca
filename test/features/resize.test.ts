/**
 * The four resizes (features/resize.ts) to sizes other than the Inception's 299×299, with H ≠ W,
 * shrinking and enlarging, bit for bit against their references run in Python
 * (scripts/make-resize-fixtures.py: torch-fidelity's TF1 bilinear, torch's F.interpolate, Pillow's
 * float resize): the SHA-256 of each float32 planar output must match, so one ulp anywhere fails.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resizeImage, RESIZE_METHODS, type ResizeMethod } from '../../src/features/resize.js';
import { ONNX_RESIZE_METHODS } from '../../src/options/schema.js';
import { fixtureImage, type FixtureSet } from './inception/fixtures.js';

const expected = JSON.parse(readFileSync('fixtures/resize/expected.json', 'utf8'));

describe('resizeImage vs the references, bit for bit', () => {
  for (const [name, c] of Object.entries<any>(expected.cases)) {
    it(name, async () => {
      const out = resizeImage(await fixtureImage(c.set as FixtureSet, c.file), c.method as ResizeMethod, c.height, c.width);
      expect([out.height, out.width]).toEqual([c.height, c.width]);
      expect(Array.from(out.data.subarray(0, 6))).toEqual(c.first);
      const bytes = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(c.sha256);
    });
  }

  it('covers every method (with the ViT fixtures of resize-vit*.test.ts), and the options schema names exactly these (plus none)', () => {
    const vit = ['pil-u8-expected.json', 'torch2-bicubic.json'].flatMap((f) => Object.values<any>(JSON.parse(readFileSync(`fixtures/resize/${f}`, 'utf8')).cases));
    const methods = new Set([...Object.values<any>(expected.cases), ...vit].map((c) => c.method).filter((m) => m !== 'clip' && m !== 'cmmd'));
    expect([...methods].sort()).toEqual([...RESIZE_METHODS].sort());
    expect([...ONNX_RESIZE_METHODS]).toEqual([...RESIZE_METHODS, 'none']);
  });
});
