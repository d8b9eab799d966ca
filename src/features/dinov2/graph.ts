/**
 * @file Writes a DINOv2 backbone, as `DinoVisionTransformer.forward` runs it at a 224×224 input, as an
 * ONNX model from its state dict (`dinov2_vit*14_pretrain.pth`, or the hash weights):
 *
 * patch embedding (Conv 14×14, stride 14, bias) → tokens [B, 256, D] (row-major patches, as
 * `flatten(2).transpose(1, 2)`) → CLS token prepended, positional embedding added (interpolated to the
 * 16×16 grid at build time, pos-embed.ts) → `depth` pre-norm blocks with LayerScale (onnx/transformer.ts:
 * LayerNorm ε 1e-6, fused-qkv attention, exact-GELU MLP or SwiGLU for g/14) → the CLS token → final
 * LayerNorm (per token, so taking CLS first is the same) = `x_norm_clstoken`, what `model(x)` returns
 * and torch-fidelity, dgm-eval and EDM2 use as the feature.
 *
 * Input `image` float32 N×3×224×224 (normalised by the preset, preprocess.ts), dynamic batch.
 * Output `dinov2` N×D (torch-fidelity's feature name).
 *
 * Memory: every weight goes in unchanged (Linear as Gemm with transB on torch's [out, in]; the conv
 * weight is already ONNX's layout), as deferred data (../deferred-weights.ts) over the state dict's tensors — views of
 * the `.pth` bytes, read from the file tensor by tensor, or hash weights generated while written — and
 * the model is written with its weights as external data (ViT-g/14 is 4.5 GB, past protobuf's 2 GiB).
 * Only the interpolated positional embedding (257·D floats) and the CLS+position sum are new arrays.
 */

import { FidkitError } from '../../core/errors.js';
import type { StateDict, Tensor } from '../../core/types.js';
import { GraphBuilder, type ModelOptions } from '../../onnx/graph-builder.js';
import { deferredFloat32 } from '../deferred-weights.js';
import { int64s, layerNorm, preNormBlock, reshape, type LayerNormParams, type MlpParams } from '../../onnx/transformer.js';
import { DINOV2_GRID, DINOV2_INPUT_SIZE, DINOV2_LAYER_NORM_EPS, DINOV2_PATCH, DINOV2_TOKENS, type Dinov2Arch } from './arch.js';
import { interpolatePosEmbed } from './pos-embed.js';
import { assertDinov2StateDict } from './state-dict.js';

/** Name of the graph input. */
export const DINOV2_INPUT = 'image';
/** Name of the graph output and of the extractor's one layer (torch-fidelity's). */
export const DINOV2_OUTPUT = 'dinov2';

const modelOptions = (arch: Dinov2Arch): ModelOptions => ({ opset: 17, docString: `DINOv2 ${arch.hub} CLS token after the final norm at 224x224, written by fidkit` });

/**
 * The graph with its weights as deferred initializers over `sd`'s tensors.
 * @throws {FidkitError} `E_WEIGHTS` when `sd` is not `arch`'s state dict.
 */
export function dinov2Graph(sd: StateDict, arch: Dinov2Arch, source = 'state dict'): GraphBuilder {
  assertDinov2StateDict(sd, arch, source);
  const d = arch.dim;
  const b = new GraphBuilder(arch.hub);
  const param = (key: string, dims: readonly number[] = sd.get(key)!.shape): string => b.initializer(key, deferredFloat32(sd.get(key)!, key, source, 'DINOv2'), dims);
  const norm = (prefix: string): LayerNormParams => ({ weight: param(`${prefix}.weight`), bias: param(`${prefix}.bias`), eps: DINOV2_LAYER_NORM_EPS });

  const image = b.input(DINOV2_INPUT, 'float32', ['batch', 3, DINOV2_INPUT_SIZE, DINOV2_INPUT_SIZE]);
  const patches = b.conv(image, param('patch_embed.proj.weight'), param('patch_embed.proj.bias'), { strides: [DINOV2_PATCH, DINOV2_PATCH] }, 'patch_embed');
  // [B, D, 16, 16] → [B, D, 256] → [B, 256, D]
  const tokens = b.transpose(reshape(b, patches, [0, d, DINOV2_GRID * DINOV2_GRID]), [0, 2, 1]);
  const pos = interpolatePosEmbed(floats(sd.get('pos_embed')!, 'pos_embed', source), d);
  const cls = floats(sd.get('cls_token')!, 'cls_token', source);
  // torch: cat(cls, patches) + pos — the CLS row is cls + pos[0], rounded once, as here.
  const clsPos = Float32Array.from({ length: d }, (_, c) => cls[c] + pos[c]);
  const withPos = b.add(tokens, b.initializer('pos_embed_patches', pos.subarray(d), [1, DINOV2_TOKENS - 1, d]), 'pos_add');
  const batch = b.op('Shape', [tokens], { start: { int: 0 }, end: { int: 1 } });
  const clsShape = b.concat([batch, int64s(b, 'cls_shape_tail', [1, d])], 0);
  const clsRows = b.op('Expand', [b.initializer('cls_pos', clsPos, [1, 1, d]), clsShape], {}, 'cls_expand');
  let x = reshape(b, b.concat([clsRows, withPos], 1, 'tokens'), [-1, d]);

  for (let i = 0; i < arch.depth; i++) {
    const p = `blocks.${i}`;
    const mlp: MlpParams =
      arch.ffn === 'swiglu'
        ? { activation: 'swiglu', w12: { weight: param(`${p}.mlp.w12.weight`), bias: param(`${p}.mlp.w12.bias`) }, w3: { weight: param(`${p}.mlp.w3.weight`), bias: param(`${p}.mlp.w3.bias`) }, hidden: arch.hidden }
        : { activation: 'gelu', fc1: { weight: param(`${p}.mlp.fc1.weight`), bias: param(`${p}.mlp.fc1.bias`) }, fc2: { weight: param(`${p}.mlp.fc2.weight`), bias: param(`${p}.mlp.fc2.bias`) } };
    x = preNormBlock(
      b,
      x,
      {
        norm1: norm(`${p}.norm1`),
        attention: { qkv: { weight: param(`${p}.attn.qkv.weight`), bias: param(`${p}.attn.qkv.bias`) }, proj: { weight: param(`${p}.attn.proj.weight`), bias: param(`${p}.attn.proj.bias`) }, dim: d, heads: arch.heads, tokens: DINOV2_TOKENS },
        ls1: param(`${p}.ls1.gamma`),
        norm2: norm(`${p}.norm2`),
        mlp,
        ls2: param(`${p}.ls2.gamma`),
      },
      p,
    );
  }
  // Rows → [B, 257, D] → the CLS row [B, D] → final norm.
  const clsToken = b.op('Gather', [reshape(b, x, [-1, DINOV2_TOKENS, d]), b.initializer('cls_index', BigInt64Array.of(0n), [])], { axis: { int: 1 } }, 'cls');
  const out = layerNorm(b, clsToken, norm('norm'), DINOV2_OUTPUT);
  b.output(out, 'float32', ['batch', d]);
  return b;
}

/**
 * The model as a small `.onnx` whose weights point into the external data file `dataFile` (a plain
 * name, next to the model), and that file's bytes in pieces.
 * @throws {FidkitError} as {@link dinov2Graph}; iterating the data throws `E_WEIGHTS` for a non-float tensor.
 */
export function dinov2ModelParts(sd: StateDict, arch: Dinov2Arch, dataFile: string, source?: string): ReturnType<GraphBuilder['toExternalParts']> {
  return dinov2Graph(sd, arch, source).toExternalParts(dataFile, modelOptions(arch));
}

/** The whole model in one buffer (small models and tests; ViT-g/14 does not fit protobuf's 2 GiB). @throws {FidkitError} as {@link dinov2Graph} */
export function buildDinov2Model(sd: StateDict, arch: Dinov2Arch, source?: string): Uint8Array {
  return dinov2Graph(sd, arch, source).toBytes(modelOptions(arch));
}

function floats(tensor: Tensor, key: string, source: string): Float32Array | Float64Array {
  const data = tensor.data;
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  throw new FidkitError('E_WEIGHTS', `${source}: ${key} holds ${tensor.dtype} values, expected floating point`);
}
