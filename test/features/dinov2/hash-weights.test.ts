/**
 * @file The DINOv2 hash weights and state-dict layout against the reference's: for ViT-S/14 and
 * ViT-L/14, every key of the hub model's `state_dict()` in order with its shape
 * (fixtures/dinov2/<model>/state_dict_keys.tsv, written by scripts/make-dinov2-fixtures.py from
 * facebookresearch/dinov2's own model) and the SHA-256 of every tensor's float32 bytes — so the JS
 * formula reproduces the Python one bit for bit. Also the layout check's refusals: another size,
 * register tokens, a missing key, a wrong shape.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DINOV2_ARCHS, dinov2Arch } from '../../../src/features/dinov2/arch.js';
import { dinov2HashValues, hashDinov2StateDict } from '../../../src/features/dinov2/hash-weights.js';
import { assertDinov2StateDict, dinov2StateDictSpec } from '../../../src/features/dinov2/state-dict.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'dinov2');

function table(name: string): { key: string; shape: number[]; sha: string; numel: number }[] {
  const [head, ...rows] = readFileSync(join(FIXTURES, name, 'state_dict_keys.tsv'), 'utf8').trim().split('\n');
  const cols = head.split('\t');
  return rows.map((r) => {
    const v = Object.fromEntries(r.split('\t').map((x, i) => [cols[i], x]));
    return { key: v.key, shape: v.shape.split('x').map(Number), sha: v.sha256_le_bytes, numel: Number(v.numel) };
  });
}

describe('DINOv2 state dicts and hash weights', () => {
  for (const name of ['dinov2-vit-s-14', 'dinov2-vit-l-14']) {
    it(`${name}: keys and shapes in order are the reference model's, and every tensor's bytes hash as Python's`, () => {
      const ref = table(name);
      const arch = dinov2Arch(name);
      expect(dinov2StateDictSpec(arch).map((s) => [s.key, [...s.shape]])).toEqual(ref.map((r) => [r.key, r.shape]));
      expect(ref.reduce((a, r) => a + r.numel, 0)).toBe(arch.parameters);
      // Every tensor of S/14; for L/14 (304 M values) the non-block tensors and the first and last block.
      const rows = name.endsWith('s-14') ? ref : ref.filter((r) => !r.key.startsWith('blocks.') || r.key.startsWith('blocks.0.') || r.key.startsWith('blocks.23.'));
      for (const r of rows) {
        const v = dinov2HashValues(r.key, r.shape);
        expect(createHash('sha256').update(new Uint8Array(v.buffer)).digest('hex'), r.key).toBe(r.sha);
      }
    });
  }

  it('counts the parameters of every model as the architecture table says', () => {
    for (const arch of DINOV2_ARCHS) expect(dinov2StateDictSpec(arch).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0), arch.name).toBe(arch.parameters);
    // g/14's SwiGLU: w12 is [2·4096, 1536], w3 [1536, 4096].
    const g = dinov2StateDictSpec(dinov2Arch('dinov2-vit-g-14'));
    expect(g.find((s) => s.key === 'blocks.39.mlp.w12.weight')?.shape).toEqual([8192, 1536]);
    expect(g.find((s) => s.key === 'blocks.39.mlp.w3.weight')?.shape).toEqual([1536, 4096]);
  });

  it('refuses another model, register tokens, a missing key and a wrong shape, naming the fix', () => {
    const s = dinov2Arch('dinov2-vit-s-14');
    const l = dinov2Arch('dinov2-vit-l-14');
    const sd = hashDinov2StateDict(s);
    expect(() => assertDinov2StateDict(sd, s, 'w.pth')).not.toThrow();
    expect(() => assertDinov2StateDict(sd, l, 'w.pth')).toThrow("w.pth is not the dinov2-vit-l-14 state dict (dinov2_vitl14_pretrain.pth): it holds dinov2-vit-s-14 weights (width 384, 12 blocks): use extractor: 'dinov2-vit-s-14'");
    const reg = new Map(sd);
    reg.set('register_tokens', { dtype: 'float32', shape: [1, 4, 384], data: new Float32Array(4 * 384) });
    expect(() => assertDinov2StateDict(reg, s, 'r.pth')).toThrow(/register tokens/);
    const missing = new Map(sd);
    missing.delete('blocks.3.ls1.gamma');
    expect(() => assertDinov2StateDict(missing, s, 'm.pth')).toThrow("key 'blocks.3.ls1.gamma' is missing");
    const wrong = new Map(sd);
    wrong.set('norm.weight', { dtype: 'float32', shape: [385], data: new Float32Array(385) });
    expect(() => assertDinov2StateDict(wrong, s, 'x.pth')).toThrow('norm.weight has shape [385], expected [384]');
  });
});
