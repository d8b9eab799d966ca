/**
 * @file Hash weights vs the Python generator: SHA-256 of the raw little-endian bytes of all 566 tensors,
 * float64 sums and first values from fixtures/inception-fid/state_dict_keys.tsv, and the per-index test
 * vectors (FNV hash, mixed x, u, float32 bits) from weights_info.json. All comparisons are exact.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fnv1a32, hashMix } from '../../../src/features/hash-fill.js';
import { hashInceptionStateDict, hashWeightTensor, hashWeightValue } from '../../../src/features/inception/hash-weights.js';
import type { StateDict } from '../../../src/core/types.js';

const DIR = 'fixtures/inception-fid';

interface Row {
  key: string;
  shape: number[];
  dtype: string;
  numel: number;
  sha256: string;
  sum: number;
  first: number;
}

function readRows(): Row[] {
  const lines = readFileSync(`${DIR}/state_dict_keys.tsv`, 'utf8').trim().split('\n');
  const head = lines[0].split('\t');
  const col = (name: string): number => head.indexOf(name);
  return lines.slice(1).map((line) => {
    const f = line.split('\t');
    const shape = f[col('shape')] === 'scalar' ? [] : f[col('shape')].split('x').map(Number);
    return {
      key: f[col('key')],
      shape,
      dtype: f[col('dtype')],
      numel: Number(f[col('numel')]),
      sha256: f[col('sha256_le_bytes')],
      sum: Number(f[col('sum_f64')]),
      first: Number(f[col('first_value')]),
    };
  });
}

const info = JSON.parse(readFileSync(`${DIR}/weights_info.json`, 'utf8')) as {
  num_keys: number;
  num_float_params: number;
  hash_test_vectors: {
    key: string;
    fnv1a32: number;
    shape: number[];
    samples: { i: number; x_uint32: number; u: number; value_f32: number; value_f32_bits_hex: string }[];
  }[];
};

const f32Bits = (v: number): string => {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, v, false);
  return b.getUint32(0, false).toString(16).padStart(8, '0');
};

describe('hash weights', () => {
  const rows = readRows();
  let sd: StateDict;
  let buildMs = 0;
  beforeAll(() => {
    const t0 = performance.now();
    sd = hashInceptionStateDict();
    buildMs = performance.now() - t0;
  });

  it('reproduces the test vectors of weights_info.json (hash, x, u, float32 bits)', () => {
    expect(info.hash_test_vectors.length).toBeGreaterThanOrEqual(8);
    for (const v of info.hash_test_vectors) {
      const h = fnv1a32(v.key);
      expect(h).toBe(v.fnv1a32);
      for (const s of v.samples) {
        const x = hashMix(h, s.i);
        expect(x).toBe(s.x_uint32);
        expect(x / 2 ** 32).toBe(s.u);
        const value = hashWeightValue(v.key, s.i, v.shape);
        expect(value).toBe(s.value_f32);
        expect(f32Bits(value)).toBe(s.value_f32_bits_hex);
        // The tensor filler's inlined loop must agree with the scalar path.
        expect(hashWeightTensor(v.key, v.shape).data[s.i]).toBe(value);
      }
    }
  });

  it('has the 566 keys of state_dict_keys.tsv, in order, with their shapes and dtypes', () => {
    expect(rows.length).toBe(info.num_keys);
    expect([...sd.keys()]).toEqual(rows.map((r) => r.key));
    let floats = 0;
    for (const r of rows) {
      const t = sd.get(r.key)!;
      expect(t.shape, r.key).toEqual(r.shape);
      expect(t.dtype, r.key).toBe(r.dtype);
      expect(t.data.length, r.key).toBe(r.numel);
      if (t.dtype === 'float32') floats += r.numel;
    }
    expect(floats).toBe(info.num_float_params);
  });

  it('matches the SHA-256 of every tensor\'s little-endian bytes, the float64 sums and first values', () => {
    for (const r of rows) {
      const t = sd.get(r.key)!;
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      expect(createHash('sha256').update(bytes).digest('hex'), r.key).toBe(r.sha256);
      let sum = 0;
      for (let i = 0; i < t.data.length; i++) sum += Number(t.data[i]);
      // sum_f64 is numpy's pairwise float64 sum; ours is sequential, so allow float64 summation noise only.
      expect(Math.abs(sum - r.sum), r.key).toBeLessThanOrEqual(1e-12 * Math.max(1, r.numel));
      expect(Number(t.data[0]), r.key).toBe(r.first);
    }
  });

  it('builds in a few seconds', () => {
    // Measured ≈ 0.1–0.5 s on the 2-core dev machine; the bound only catches an accidental slow path.
    expect(buildMs).toBeLessThan(10_000);
  });

  it('refuses keys it has no rule for', () => {
    expect(() => hashWeightValue('AuxLogits.fc.weight', 0, [1000, 768])).toThrow(/no rule/);
    expect(() => hashWeightValue('Mixed_5b.branch1x1.conv.bias', 0, [64])).toThrow(/no rule/);
  });
});
