/**
 * @file The four DINOv2 backbones as facebookresearch/dinov2's hub builders make them
 * (`dinov2/hub/backbones.py` → `models/vision_transformer.py`): `img_size=518`, `patch_size=14`,
 * LayerScale (`init_values=1.0`), no registers, `interpolate_offset=0.1`, no antialias on the
 * positional-embedding interpolation, LayerNorm ε = 1e-6, q/k/v/proj/MLP with biases; ViT-g/14 uses
 * SwiGLU (`ffn_layer="swiglufused"`: `SwiGLUFFNFused` with hidden `(int(4·1536·2/3) + 7) // 8 · 8 =
 * 4096`, fused `w12` and `w3`; without xFormers it is `SwiGLUFFN`, same keys and maths), the others
 * an exact-GELU MLP of width 4·D. Names as torch-fidelity 0.4 registers them.
 */

/** One backbone. */
export interface Dinov2Arch {
  /** fidkit's (and torch-fidelity's) name. */
  readonly name: string;
  /** The hub builder / weights file stem (`dinov2_vitl14` → `dinov2_vitl14_pretrain.pth`). */
  readonly hub: string;
  /** Embedding width = the CLS feature's width. */
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly ffn: 'gelu' | 'swiglu';
  /** MLP hidden width (for SwiGLU: each half of `w12`). */
  readonly hidden: number;
  /** Parameters in the pretrain file (for messages and memory estimates). */
  readonly parameters: number;
}

export const DINOV2_ARCHS: readonly Dinov2Arch[] = Object.freeze([
  { name: 'dinov2-vit-s-14', hub: 'dinov2_vits14', dim: 384, depth: 12, heads: 6, ffn: 'gelu', hidden: 1536, parameters: 22_056_576 },
  { name: 'dinov2-vit-b-14', hub: 'dinov2_vitb14', dim: 768, depth: 12, heads: 12, ffn: 'gelu', hidden: 3072, parameters: 86_580_480 },
  { name: 'dinov2-vit-l-14', hub: 'dinov2_vitl14', dim: 1024, depth: 24, heads: 16, ffn: 'gelu', hidden: 4096, parameters: 304_368_640 },
  { name: 'dinov2-vit-g-14', hub: 'dinov2_vitg14', dim: 1536, depth: 40, heads: 24, ffn: 'swiglu', hidden: 4096, parameters: 1_136_480_768 },
] as const);

export type Dinov2Name = 'dinov2-vit-s-14' | 'dinov2-vit-b-14' | 'dinov2-vit-l-14' | 'dinov2-vit-g-14';

/** The architecture of `name`. @throws {RangeError} for a name not in {@link DINOV2_ARCHS} */
export function dinov2Arch(name: string): Dinov2Arch {
  const arch = DINOV2_ARCHS.find((a) => a.name === name);
  if (!arch) throw new RangeError(`no DINOv2 model '${name}' (known: ${DINOV2_ARCHS.map((a) => a.name).join(', ')})`);
  return arch;
}

/** Patch size (the patch-embedding Conv's kernel and stride). */
export const DINOV2_PATCH = 14;
/** Side of the grid the positional embedding was trained at: img_size 518 / 14. */
export const DINOV2_POS_GRID = 37;
/** The network input side every preset resizes to. */
export const DINOV2_INPUT_SIZE = 224;
/** Patches per side at 224: 16. */
export const DINOV2_GRID = DINOV2_INPUT_SIZE / DINOV2_PATCH;
/** Tokens per image: the CLS token and 16×16 patches. */
export const DINOV2_TOKENS = 1 + DINOV2_GRID * DINOV2_GRID;
/** `interpolate_offset` of the hub models (a work-around for float rounding in the scale factor, kept for exactness). */
export const DINOV2_INTERPOLATE_OFFSET = 0.1;
/** `partial(nn.LayerNorm, eps=1e-6)`. */
export const DINOV2_LAYER_NORM_EPS = 1e-6;
