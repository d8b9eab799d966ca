/**
 * @file Writes torchvision's VGG16, as torch-fidelity's `FeatureExtractorVGG16` runs it, as an ONNX
 * model from a torchvision state dict (`vgg16-397923af.pth` or any `vgg16().state_dict()`).
 *
 * Network (torchvision `vgg.py`, configuration "D"): 13 × [Conv 3×3, padding 1, with bias → ReLU], a
 * 2×2 stride-2 max pool after convs 2, 4, 7, 10 and 13, `AdaptiveAvgPool2d((7, 7))` — the identity at a
 * 224×224 input, whose feature map is then exactly 7×7, so it is left out — `flatten` in C·H·W order,
 * classifier.0 (25088→4096) → ReLU → (Dropout, off in eval) → classifier.3 (4096→4096) = `fc2`, and
 * `fc2_relu` = ReLU(fc2). torch-fidelity deletes classifier.4–6, so classifier.6 is not in the graph.
 *
 * Input: `image`, float32 N×3×224×224, already resized and normalised (preprocess.ts); dynamic batch.
 * Outputs: `fc2`, `fc2_relu` (N×4096).
 *
 * Memory: the weights go into the model unchanged — conv weights are [O, I, 3, 3] in both torch and
 * ONNX, and the linear layers run as Gemm with `transB` on torch's [out, in] matrices — so every
 * initializer is deferred (../deferred-weights.ts) over the state dict's tensor: a view of the `.pth` bytes (no copy)
 * or a hash-weight tensor generated while it is written. {@link vgg16ModelParts} yields the model in
 * pieces for a file; the 528 MB of weights are never copied into a second buffer.
 */

import { GraphBuilder, type ModelOptions } from '../../onnx/graph-builder.js';
import { deferredFloat32 } from '../deferred-weights.js';
import type { StateDict } from '../../core/types.js';
import { VGG16_INPUT_SIZE } from './preprocess.js';
import { assertVgg16StateDict, VGG16_CONVS, VGG16_FC_DIM } from './state-dict.js';

/** Name of the graph input. */
export const VGG16_INPUT = 'image';

/** Graph outputs and their widths (torch-fidelity's feature names). */
export const VGG16_OUTPUT_DIMS = Object.freeze({ fc2: VGG16_FC_DIM, fc2_relu: VGG16_FC_DIM });
export type Vgg16Output = keyof typeof VGG16_OUTPUT_DIMS;

export interface Vgg16GraphOptions {
  /** Where the weights came from, named in error messages (e.g. the `.pth` path). */
  readonly source?: string;
}

const MODEL_OPTIONS: ModelOptions = { opset: 17, docString: "torchvision VGG16 up to fc2 (torch-fidelity's FeatureExtractorVGG16), written by fidkit" };

/**
 * The VGG16 graph with its weights as deferred initializers over `stateDict`'s tensors.
 * @throws {FidkitError} `E_WEIGHTS` when the state dict is not torchvision's VGG16 (keys, shapes, dtypes).
 */
export function vgg16Graph(stateDict: StateDict, options: Vgg16GraphOptions = {}): GraphBuilder {
  const source = options.source ?? 'state dict';
  assertVgg16StateDict(stateDict, source);
  const b = new GraphBuilder('vgg16_fc2');
  const param = (key: string, dims: readonly number[]): string => b.initializer(key, deferredFloat32(stateDict.get(key)!, key, source, 'VGG16'), dims);
  let x = b.input(VGG16_INPUT, 'float32', ['batch', 3, VGG16_INPUT_SIZE, VGG16_INPUT_SIZE]);
  for (const c of VGG16_CONVS) {
    const w = param(`features.${c.index}.weight`, [c.outChannels, c.inChannels, 3, 3]);
    const bias = param(`features.${c.index}.bias`, [c.outChannels]);
    x = b.relu(b.conv(x, w, bias, { pads: [1, 1, 1, 1] }, `features.${c.index}`));
    if (c.poolAfter) x = b.maxPool(x, { kernel: [2, 2], strides: [2, 2] });
  }
  const flat = b.flatten(x, 1, 'flatten');
  const fc1 = b.relu(b.gemm(flat, param('classifier.0.weight', [VGG16_FC_DIM, 512 * 7 * 7]), param('classifier.0.bias', [VGG16_FC_DIM]), { transB: true }, 'fc1'));
  const fc2 = b.gemm(fc1, param('classifier.3.weight', [VGG16_FC_DIM, VGG16_FC_DIM]), param('classifier.3.bias', [VGG16_FC_DIM]), { transB: true }, 'fc2');
  const fc2Relu = b.relu(fc2, 'fc2_relu');
  b.output(fc2, 'float32', ['batch', VGG16_FC_DIM]);
  b.output(fc2Relu, 'float32', ['batch', VGG16_FC_DIM]);
  return b;
}

/**
 * The serialised model as pieces to write one after the other (`writeFileAtomic(path, parts)`),
 * reading each weight tensor only while it is written.
 * @throws {FidkitError} as {@link vgg16Graph}; the iteration throws `E_WEIGHTS` for a non-float tensor.
 */
export function vgg16ModelParts(stateDict: StateDict, options: Vgg16GraphOptions = {}): { byteLength: number; parts: Iterable<Uint8Array> } {
  return vgg16Graph(stateDict, options).toParts(MODEL_OPTIONS);
}

/**
 * The serialised model in one buffer (≈ 528 MB with real weights; prefer {@link vgg16ModelParts} and a file).
 * @throws {FidkitError} as {@link vgg16Graph}.
 */
export function buildVgg16Model(stateDict: StateDict, options: Vgg16GraphOptions = {}): Uint8Array {
  return vgg16Graph(stateDict, options).toBytes(MODEL_OPTIONS);
}
