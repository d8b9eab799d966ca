/**
 * @file The CLIP hash weights against the tensors scripts/make-clip-fixtures.py saved into the reference
 * archives (fixtures/clip/<model>/state_dict_keys.tsv: SHA-256 of each tensor's float32 little-endian
 * bytes, its dtype in the archive, float64 sum): the embeddings, the first and last blocks and the head of
 * ViT-B/32 and ViT-L/14@336 must be bit for bit the same, float16 roundings included. Also the float16
 * rounding itself (ties to even, subnormals) and the archive helper's float16 encoding.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clipHashRule, clipHashValues, roundToHalf } from '../../../src/features/clip/hash-weights.js';
import { CLIP_VIT_B_32, CLIP_VIT_L_14_336, type ClipModelSpec } from '../../../src/features/clip/models.js';
import { clipVisualSpec } from '../../../src/features/clip/state-dict.js';
import { halfToFloat } from '../../../src/io/float16.js';
import { FIXTURES } from '../../cli/run-cli.js';
import { halfBits } from './hash-archive.js';

interface Row {
  key: string;
  shape: string;
  dtype: string;
  sha256_f32_le: string;
  sum_f64: string;
}

function rows(m: ClipModelSpec): Map<string, Row> {
  const [head, ...lines] = readFileSync(join(FIXTURES, 'clip', m.name, 'state_dict_keys.tsv'), 'utf8').trim().split('\n');
  const cols = head.split('\t');
  return new Map(
    lines.map((l) => {
      const v = l.split('\t');
      const r = Object.fromEntries(cols.map((c, i) => [c, v[i]])) as unknown as Row;
      return [r.key, r];
    }),
  );
}

function checkKeys(m: ClipModelSpec, keep: (key: string) => boolean): number {
  const table = rows(m);
  let n = 0;
  for (const e of clipVisualSpec(m)) {
    if (!keep(e.key)) continue;
    const row = table.get(e.key);
    expect(row, e.key).toBeDefined();
    expect(row!.shape, e.key).toBe(e.shape.join('x'));
    expect(row!.dtype, e.key).toBe(e.half ? 'float16' : 'float32');
    expect(clipHashRule(e.key, e.shape).half, e.key).toBe(e.half);
    const v = clipHashValues(e.key, e.shape);
    expect(createHash('sha256').update(new Uint8Array(v.buffer)).digest('hex'), e.key).toBe(row!.sha256_f32_le);
    n++;
  }
  return n;
}

describe('CLIP hash weights', () => {
  // A subset of the blocks keeps this fast; extractor.test.ts runs every weight against the reference embeddings.
  it('ViT-B/32: embeddings, blocks 0 and 11 and the head equal the reference archive, bit for bit', () => {
    const keep = (k: string): boolean => !k.includes('resblocks.') || k.includes('resblocks.0.') || k.includes('resblocks.11.');
    expect(checkKeys(CLIP_VIT_B_32, keep)).toBe(6 + 2 * 12 + 2);
  });

  it('ViT-L/14@336: embeddings, block 0, block 23 and the head equal the reference archive', () => {
    const keep = (k: string): boolean => !k.includes('resblocks.') || k.includes('resblocks.0.') || k.includes('resblocks.23.');
    expect(checkKeys(CLIP_VIT_L_14_336, keep)).toBe(6 + 2 * 12 + 2);
  });

  it('roundToHalf rounds to the nearest float16, ties to even, subnormals included', () => {
    expect(roundToHalf(1 + 2 ** -11)).toBe(1); // tie between 1 and 1 + 2^-10: even is 1
    expect(roundToHalf(1 + 3 * 2 ** -11)).toBe(1 + 2 * 2 ** -10); // tie: even is 1 + 2^-9
    expect(roundToHalf(1 + 2 ** -11 + 2 ** -30)).toBe(1 + 2 ** -10); // just above the tie
    expect(roundToHalf(-0.1)).toBe(halfToFloat(0xae66));
    expect(roundToHalf(2 ** -25)).toBe(0); // half the smallest subnormal: ties to even (0)
    expect(roundToHalf(3 * 2 ** -25)).toBe(2 * 2 ** -24);
    expect(roundToHalf(65504)).toBe(65504);
    // Every float16 value is its own rounding, and halfBits inverts halfToFloat on all finite ones.
    let bad = 0;
    for (let h = 0; h < 0x10000; h++) {
      if (((h >> 10) & 0x1f) === 31) continue;
      const v = halfToFloat(h);
      if (roundToHalf(v) !== v || (halfBits(v) !== h && !(v === 0 && (h & 0x7fff) === 0))) bad++;
    }
    expect(bad).toBe(0);
  });
});
