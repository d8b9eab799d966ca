/**
 * @file VGG16 hash weights and state-dict layout vs scripts/make-vgg16-fixtures.py: torchvision's 32 keys
 * in `state_dict()` order with their shapes (from fixtures/vgg16/state_dict_keys.tsv), and the SHA-256 of
 * every tensor's little-endian bytes, the float64 sums and first values — all exact — so the weights the
 * tests build are bit for bit the ones torch-fidelity's extractor loaded for the reference features.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hashVgg16StateDict, vgg16HashScale, vgg16HashValues } from '../../../src/features/vgg16/hash-weights.js';
import { assertVgg16StateDict, VGG16_CONVS, VGG16_STATE_DICT_SPEC } from '../../../src/features/vgg16/state-dict.js';
import type { StateDict, Tensor } from '../../../src/core/types.js';

const rows = readFileSync('fixtures/vgg16/state_dict_keys.tsv', 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [, key, shape, dtype, numel, rule, sha256, sum, first] = line.split('\t');
    return { key, shape: shape.split('x').map(Number), dtype, numel: Number(numel), rule, sha256, sum: Number(sum), first: Number(first) };
  });

describe('VGG16 state-dict layout', () => {
  it("has torchvision's 32 keys in order, with their shapes (138,357,544 floats)", () => {
    expect(VGG16_STATE_DICT_SPEC.map((e) => e.key)).toEqual(rows.map((r) => r.key));
    expect(VGG16_STATE_DICT_SPEC.map((e) => [...e.shape])).toEqual(rows.map((r) => r.shape));
    expect(rows.every((r) => r.dtype === 'float32')).toBe(true);
    expect(rows.reduce((a, r) => a + r.numel, 0)).toBe(138_357_544);
    expect(VGG16_CONVS.map((c) => c.index)).toEqual([0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]);
    expect(VGG16_CONVS.filter((c) => c.poolAfter).map((c) => c.index)).toEqual([2, 7, 14, 21, 28]);
  });

  it('refuses a state dict that is not VGG16, naming what is wrong', () => {
    const fake = (shape: number[]): Tensor => ({ dtype: 'float32', shape, data: new Float32Array(0) });
    const sd: StateDict = new Map(VGG16_STATE_DICT_SPEC.map((e) => [e.key, fake([...e.shape])]));
    expect(() => assertVgg16StateDict(sd, 'ok.pth')).not.toThrow();
    sd.delete('classifier.6.bias');
    sd.set('features.1.running_mean', fake([64]));
    sd.set('features.0.weight', fake([64, 3, 5, 5]));
    expect(() => assertVgg16StateDict(sd, 'bad.pth')).toThrow(
      "bad.pth is not torchvision's VGG16 state dict (it looks like vgg16_bn, the batch-norm variant) (32 keys expected): " +
        'missing 1 key(s): classifier.6.bias; unexpected 1 key(s): features.1.running_mean; ' +
        'wrong 1 tensor(s): features.0.weight is [64, 3, 5, 5], expected [64, 3, 3, 3]. ' +
        "Pass torchvision's vgg16-397923af.pth (VGG16_Weights.IMAGENET1K_V1, what torch-fidelity loads) or a state dict saved from torchvision.models.vgg16().",
    );
  });
});

describe('VGG16 hash weights', () => {
  it('use the rule the fixture names for every key', () => {
    for (const r of rows) {
      const scale = vgg16HashScale(r.key, r.shape);
      if (r.rule === '(2u-1)*0.1') expect(scale, r.key).toBe(0.1);
      else expect(r.rule, r.key).toBe(`(2u-1)*sqrt(6/${r.shape.slice(1).reduce((a, b) => a * b, 1)})`);
    }
    expect(() => vgg16HashScale('features.1.running_mean', [64])).toThrow(/no rule/);
  });

  it("match the SHA-256 of every tensor's little-endian bytes, the float64 sums and first values", () => {
    const sd = hashVgg16StateDict();
    expect([...sd.keys()]).toEqual(rows.map((r) => r.key));
    for (const r of rows) {
      const data = sd.get(r.key)!.data as Float32Array;
      expect(data.length, r.key).toBe(r.numel);
      expect(createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex'), r.key).toBe(r.sha256);
      let sum = 0;
      for (let i = 0; i < data.length; i++) sum += data[i];
      // numpy sums pairwise, this loop in order: float64 summation noise only (≤ 1e-12 per term).
      expect(Math.abs(sum - r.sum), r.key).toBeLessThanOrEqual(1e-12 * r.numel);
      expect(data[0], r.key).toBe(r.first);
    }
  });

  it('are generated on each read, not kept (the dict itself holds no memory)', () => {
    const t = hashVgg16StateDict().get('features.0.bias')!;
    expect(t.data).not.toBe(t.data);
    expect(t.data).toEqual(vgg16HashValues('features.0.bias', [64]));
  });
});
