/**
 * @file The state dict of a DINOv2 backbone as the official `dinov2_vit*14_pretrain.pth` files hold it
 * (the hub model's `state_dict()`: `load_state_dict(strict=True)` accepts exactly these keys) and the
 * check that a loaded one is that: every key present with its shape, floating point, nothing else —
 * so a file of another size, a `_reg` (register-token) file or a wrapped checkpoint is refused with
 * what it is, before anything is built.
 */

import { FidkitError } from '../../core/errors.js';
import type { StateDict } from '../../core/types.js';
import { optionRef } from '../../options/mention.js';
import { DINOV2_ARCHS, DINOV2_PATCH, DINOV2_POS_GRID, type Dinov2Arch } from './arch.js';

/** One expected tensor. */
export interface Dinov2TensorSpec {
  readonly key: string;
  readonly shape: readonly number[];
}

/** The keys and shapes of `arch`'s state dict, in `state_dict()` order. */
export function dinov2StateDictSpec(arch: Dinov2Arch): Dinov2TensorSpec[] {
  const { dim: d, hidden: h } = arch;
  const spec: Dinov2TensorSpec[] = [
    { key: 'cls_token', shape: [1, 1, d] },
    { key: 'pos_embed', shape: [1, DINOV2_POS_GRID * DINOV2_POS_GRID + 1, d] },
    { key: 'mask_token', shape: [1, d] },
    { key: 'patch_embed.proj.weight', shape: [d, 3, DINOV2_PATCH, DINOV2_PATCH] },
    { key: 'patch_embed.proj.bias', shape: [d] },
  ];
  for (let i = 0; i < arch.depth; i++) {
    const b = `blocks.${i}`;
    spec.push(
      { key: `${b}.norm1.weight`, shape: [d] },
      { key: `${b}.norm1.bias`, shape: [d] },
      { key: `${b}.attn.qkv.weight`, shape: [3 * d, d] },
      { key: `${b}.attn.qkv.bias`, shape: [3 * d] },
      { key: `${b}.attn.proj.weight`, shape: [d, d] },
      { key: `${b}.attn.proj.bias`, shape: [d] },
      { key: `${b}.ls1.gamma`, shape: [d] },
      { key: `${b}.norm2.weight`, shape: [d] },
      { key: `${b}.norm2.bias`, shape: [d] },
    );
    if (arch.ffn === 'swiglu') {
      spec.push(
        { key: `${b}.mlp.w12.weight`, shape: [2 * h, d] },
        { key: `${b}.mlp.w12.bias`, shape: [2 * h] },
        { key: `${b}.mlp.w3.weight`, shape: [d, h] },
        { key: `${b}.mlp.w3.bias`, shape: [d] },
      );
    } else {
      spec.push(
        { key: `${b}.mlp.fc1.weight`, shape: [h, d] },
        { key: `${b}.mlp.fc1.bias`, shape: [h] },
        { key: `${b}.mlp.fc2.weight`, shape: [d, h] },
        { key: `${b}.mlp.fc2.bias`, shape: [d] },
      );
    }
    spec.push({ key: `${b}.ls2.gamma`, shape: [d] });
  }
  spec.push({ key: 'norm.weight', shape: [d] }, { key: 'norm.bias', shape: [d] });
  return spec;
}

/**
 * Checks `sd` against `arch`'s layout: keys, shapes, floating-point dtypes, no extra keys.
 * @param source names the weights in messages (the `.pth` path).
 * @throws {FidkitError} `E_WEIGHTS` naming the first problem and, when the file is another DINOv2
 *   model, which one (so the fix is the right `--extractor`).
 */
export function assertDinov2StateDict(sd: StateDict, arch: Dinov2Arch, source: string): void {
  const fail = (what: string): never => {
    throw new FidkitError('E_WEIGHTS', `${source} is not the ${arch.name} state dict (${arch.hub}_pretrain.pth): ${what}`);
  };
  const width = sd.get('cls_token')?.shape.at(-1);
  const other = DINOV2_ARCHS.find((a) => a !== arch && a.dim === width && sd.has(`blocks.${a.depth - 1}.norm1.weight`) && !sd.has(`blocks.${a.depth}.norm1.weight`));
  if (other) fail(`it holds ${other.name} weights (width ${other.dim}, ${other.depth} blocks): use ${optionRef('extractor', other.name)}`);
  if (sd.has('register_tokens')) fail('it has register tokens (a dinov2_*_reg4 file), which fidkit does not support: use the file without registers');
  const spec = dinov2StateDictSpec(arch);
  const expected = new Set(spec.map((s) => s.key));
  for (const { key, shape } of spec) {
    const t = sd.get(key);
    if (!t) {
      const keys = [...sd.keys()];
      fail(`key '${key}' is missing (it has ${keys.length} keys${keys.length ? `, starting ${keys.slice(0, 3).join(', ')}` : ''})`);
    }
    if (t!.shape.length !== shape.length || t!.shape.some((v, i) => v !== shape[i])) fail(`${key} has shape [${t!.shape.join(', ')}], expected [${shape.join(', ')}]`);
    if (t!.dtype !== 'float32' && t!.dtype !== 'float64') fail(`${key} holds ${t!.dtype} values, expected floating point`);
  }
  const extra = [...sd.keys()].filter((k) => !expected.has(k));
  if (extra.length > 0) fail(`unexpected key${extra.length > 1 ? 's' : ''} ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ` and ${extra.length - 3} more` : ''}`);
}
