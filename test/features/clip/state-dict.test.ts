/**
 * @file The CLIP state-dict check: text-tower keys are ignored, another ViT's weights are named with the
 * extractor to use, a missing key is listed, and the float16 flags follow CLIP's `convert_weights`.
 */
import { describe, expect, it } from 'vitest';
import { FidkitError } from '../../../src/core/errors.js';
import type { StateDict } from '../../../src/core/types.js';
import { hashClipStateDict } from '../../../src/features/clip/hash-weights.js';
import { CLIP_VIT_B_32, CLIP_VIT_L_14, CLIP_VIT_L_14_336 } from '../../../src/features/clip/models.js';
import { assertClipStateDict, clipVisualSpec } from '../../../src/features/clip/state-dict.js';

function errorOf(f: () => unknown): FidkitError {
  try {
    f();
  } catch (e) {
    return e as FidkitError;
  }
  throw new Error('expected an error');
}

describe('CLIP state dict check', () => {
  it('accepts the image tower with text-tower keys beside it', () => {
    const sd: StateDict = new Map(hashClipStateDict(CLIP_VIT_B_32));
    sd.set('token_embedding.weight', { dtype: 'float32', shape: [2, 2], data: new Float32Array(4) });
    sd.set('input_resolution', { dtype: 'int64', shape: [], data: BigInt64Array.of(224n) });
    expect(() => assertClipStateDict(sd, CLIP_VIT_B_32)).not.toThrow();
  });

  it("names the model whose weights were given, and the archive to pass", () => {
    const e = errorOf(() => assertClipStateDict(hashClipStateDict(CLIP_VIT_L_14_336), CLIP_VIT_L_14, 'ViT-L-14-336px.pt'));
    expect(e.code).toBe('E_WEIGHTS');
    expect(e.message).toMatch(/^ViT-L-14-336px\.pt is not OpenAI's CLIP ViT-L\/14 image encoder \(it is ViT-L\/14@336px's: use .*clip-vit-l-14-336/);
    expect(e.message).toContain('visual.positional_embedding is [577, 1024], expected [257, 1024]');
    expect(e.message).toContain('ViT-L-14.pt (https://openaipublic.azureedge.net/clip/models/b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836/ViT-L-14.pt)');
  });

  it('lists missing keys', () => {
    const sd = new Map(hashClipStateDict(CLIP_VIT_B_32));
    sd.delete('visual.ln_post.bias');
    expect(errorOf(() => assertClipStateDict(sd, CLIP_VIT_B_32, 'x.pt')).message).toContain('missing 1 key(s): visual.ln_post.bias');
  });

  it('marks float16 exactly the tensors convert_weights halves: conv, linear, attention, proj', () => {
    const half = clipVisualSpec(CLIP_VIT_B_32).filter((e) => e.half).map((e) => e.key.replace(/resblocks\.\d+/, 'resblocks.N'));
    expect([...new Set(half)].sort()).toEqual(
      ['visual.conv1.weight', 'visual.proj', ...['attn.in_proj_weight', 'attn.in_proj_bias', 'attn.out_proj.weight', 'attn.out_proj.bias', 'mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias'].map((k) => `visual.transformer.resblocks.N.${k}`)].sort(),
    );
  });
});
