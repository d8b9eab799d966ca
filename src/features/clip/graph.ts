/**
 * @file Writes the image tower of OpenAI's CLIP (openai/CLIP `clip/model.py` `VisionTransformer.forward`,
 * what `model.encode_image` runs) as an ONNX model from a CLIP state dict (the `visual.*` tensors of an
 * OpenAI archive, or the hash weights).
 *
 * Network: `conv1` (patch × patch, stride patch, no bias) → [N, W, g, g] flattened to g² tokens →
 * `class_embedding` prepended → `+ positional_embedding` → `ln_pre` → `layers` pre-norm residual blocks
 * (`x += attn(ln_1(x))`, nn.MultiheadAttention with fused `in_proj`, `width / 64` heads; `x += mlp(ln_2(x))`
 * with QuickGELU) → `ln_post` of the class token → `@ proj`. All LayerNorms use eps 1e-5. The blocks are
 * the shared pre-norm pieces of onnx/transformer.ts (tokens as rows [N·T, W], linear layers as Gemm on
 * the weights as PyTorch stores them).
 *
 * Input: `image`, float32 N×3×R×R, already preprocessed (preprocess.ts); dynamic batch.
 * Outputs: `embedding` (N×D, what `encode_image` returns; torch-fidelity's `clip` feature) and
 * `embedding_normalized` (the same divided by its L2 norm; CMMD's embedding).
 */

import type { StateDict } from '../../core/types.js';
import { GraphBuilder, type ModelOptions } from '../../onnx/graph-builder.js';
import { deferredFloat32 } from '../deferred-weights.js';
import { int64s, layerNorm, preNormBlock, reshape, type LayerNormParams } from '../../onnx/transformer.js';
import { clipTokens, type ClipModelSpec } from './models.js';
import { assertClipStateDict, clipVisualSpec } from './state-dict.js';

/** Name of the graph input. */
export const CLIP_INPUT = 'image';

/** The graph's outputs, which are the extractor's layers. */
export const CLIP_LAYERS = Object.freeze(['embedding', 'embedding_normalized'] as const);
export type ClipLayer = (typeof CLIP_LAYERS)[number];

const LN_EPS = 1e-5;

/**
 * The image tower of model `m` with its weights as deferred initializers over `stateDict`'s tensors.
 * @throws {FidkitError} `E_WEIGHTS` when the state dict is not that model's (keys, shapes, dtypes).
 */
export function clipGraph(stateDict: StateDict, m: ClipModelSpec, source = 'state dict'): GraphBuilder {
  assertClipStateDict(stateDict, m, source);
  const shapes = new Map(clipVisualSpec(m).map((e) => [e.key, e.shape]));
  const b = new GraphBuilder(`clip_${m.name.replace(/-/g, '_')}_visual`);
  const param = (key: string, dims?: readonly number[]): string =>
    b.initializer(key, deferredFloat32(stateDict.get(`visual.${key}`)!, `visual.${key}`, source, 'CLIP'), dims ?? shapes.get(`visual.${key}`)!);
  const ln = (name: string): LayerNormParams => ({ weight: param(`${name}.weight`), bias: param(`${name}.bias`), eps: LN_EPS });
  const w = m.width;
  const tokens = clipTokens(m);

  const image = b.input(CLIP_INPUT, 'float32', ['batch', 3, m.resolution, m.resolution]);
  const conv = b.conv(image, param('conv1.weight'), undefined, { strides: [m.patch, m.patch] }, 'conv1');
  // [N, W, g, g] → [N, W, g²] → [N, g², W]
  const patches = b.transpose(reshape(b, conv, [0, w, -1]), [0, 2, 1], 'patches');
  // class_embedding + zeros(N, 1, W): the class token broadcast over the batch.
  const batch = b.op('Shape', [patches], { start: { int: 0 }, end: { int: 1 } });
  const clsShape = b.concat([batch, int64s(b, 'cls_shape', [1, w])], 0);
  const cls = b.op('Expand', [param('class_embedding', [1, 1, w]), clsShape], {}, 'class_token');
  const embedded = b.add(b.concat([cls, patches], 1), param('positional_embedding'), 'embedded');
  let x = layerNorm(b, reshape(b, embedded, [-1, w]), ln('ln_pre'), 'ln_pre');
  for (let i = 0; i < m.layers; i++) {
    const p = `transformer.resblocks.${i}`;
    x = preNormBlock(
      b,
      x,
      {
        norm1: ln(`${p}.ln_1`),
        attention: {
          qkv: { weight: param(`${p}.attn.in_proj_weight`), bias: param(`${p}.attn.in_proj_bias`) },
          proj: { weight: param(`${p}.attn.out_proj.weight`), bias: param(`${p}.attn.out_proj.bias`) },
          dim: w,
          heads: m.heads,
          tokens,
        },
        norm2: ln(`${p}.ln_2`),
        mlp: {
          activation: 'quick-gelu',
          fc1: { weight: param(`${p}.mlp.c_fc.weight`), bias: param(`${p}.mlp.c_fc.bias`) },
          fc2: { weight: param(`${p}.mlp.c_proj.weight`), bias: param(`${p}.mlp.c_proj.bias`) },
        },
      },
      `resblocks.${i}`,
    );
  }
  // The class token of each image: row 0 of its T rows.
  const clsOut = b.op('Gather', [reshape(b, x, [-1, tokens, w]), b.initializer('cls_index', BigInt64Array.of(0n), [])], { axis: { int: 1 } });
  const embedding = b.matMul(layerNorm(b, clsOut, ln('ln_post'), 'ln_post'), param('proj'), 'embedding');
  const norm = b.op('ReduceL2', [embedding], { axes: { ints: [1] }, keepdims: { int: 1 } });
  const normalized = b.op('Div', [embedding, norm], {}, 'embedding_normalized');
  b.output(embedding, 'float32', ['batch', m.outputDim]);
  b.output(normalized, 'float32', ['batch', m.outputDim]);
  return b;
}

function modelOptions(m: ClipModelSpec): ModelOptions {
  return { opset: 17, docString: `OpenAI CLIP ${m.title} image encoder (encode_image), written by fidkit` };
}

/**
 * The serialised model as pieces to write one after the other, reading each weight tensor only while it is written.
 * @throws {FidkitError} as {@link clipGraph}; the iteration throws `E_WEIGHTS` for a non-float tensor.
 */
export function clipModelParts(stateDict: StateDict, m: ClipModelSpec, source?: string): { byteLength: number; parts: Iterable<Uint8Array> } {
  return clipGraph(stateDict, m, source).toParts(modelOptions(m));
}

/** The serialised model in one buffer (tests; prefer {@link clipModelParts} and a file). @throws {FidkitError} as {@link clipGraph} */
export function buildClipModel(stateDict: StateDict, m: ClipModelSpec, source?: string): Uint8Array {
  return clipGraph(stateDict, m, source).toBytes(modelOptions(m));
}
