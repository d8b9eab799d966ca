/**
 * @file Writes the FID InceptionV3 (TensorFlow's `inception-2015-12-05` as ported by pytorch-fid)
 * as an ONNX model from a pytorch-fid state dict.
 *
 * Network (anchors.md §2.1, fixtures/REFERENCE.md §1): 94 × [Conv (no bias) → BatchNorm
 * (eps 0.001) → ReLU], max pools, average pools that do not count the padding
 * (`count_include_pad=False`, TF `SAME`), a max pool in Mixed_7c's pool branch, concatenations
 * in TF order, global average pool → `pool3` (N×2048), `logits_unbiased = pool3·Wᵀ` and
 * `logits = pool3·Wᵀ + b` (N×1008). Taps `pool_64`, `pool_192`, `pool_768` are the global
 * averages of MaxPool_1, MaxPool_2 and Mixed_6e (pytorch-fid's `--dims 64/192/768`).
 *
 * BatchNorm is folded into the convolution at build time: `W' = W·γ/√(σ²+ε)`,
 * `b' = β − μ·γ/√(σ²+ε)`, computed in float64 and rounded once to float32. ONNX Runtime would fuse
 * an explicit BatchNormalization itself (at every optimisation level above `disabled`, in float32,
 * same speed — measured); folding here does it with one rounding and keeps the saved model
 * independent of ORT's optimiser. Folded vs unfolded pool3 differ by ~3e-7 of the maximum (tested),
 * far inside PyTorch's own 1-vs-2-thread noise (REFERENCE.md "Fair tolerances").
 *
 * Input: `image`, float32 N×3×299×299, already resized and scaled to [−1, 1] (see protocols.ts).
 * The batch dimension is dynamic.
 */

import { FidkitError } from '../../core/errors.js';
import type { StateDict, Tensor } from '../../core/types.js';
import { GraphBuilder } from '../../onnx/graph-builder.js';
import { assertInceptionStateDict } from './state-dict.js';

/** Input size of the network (height = width). */
export const INCEPTION_INPUT_SIZE = 299;

/** Name of the graph input. */
export const INCEPTION_INPUT = 'image';

/** Graph outputs and their widths, in the order they are declared. */
export const INCEPTION_OUTPUT_DIMS = Object.freeze({
  pool3: 2048,
  logits_unbiased: 1008,
  logits: 1008,
  pool_64: 64,
  pool_192: 192,
  pool_768: 768,
});
export type InceptionOutput = keyof typeof INCEPTION_OUTPUT_DIMS;

/** Top-level modules, in forward order (the names of `layer_summaries_*.json`). */
export const INCEPTION_MODULES = Object.freeze([
  'Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3', 'MaxPool_1', 'Conv2d_3b_1x1', 'Conv2d_4a_3x3', 'MaxPool_2',
  'Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a', 'Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e',
  'Mixed_7a', 'Mixed_7b', 'Mixed_7c', 'AvgPool',
] as const);

/** BatchNorm epsilon of every BasicConv2d in the TF graph (`variance_epsilon`). */
const BN_EPS = 0.001;

export interface InceptionGraphOptions {
  /** Fold BatchNorm into the convolutions (default true); false emits BatchNormalization nodes. */
  readonly foldBatchNorm?: boolean;
  /** Also output every top-level module's activation (NCHW), named as in INCEPTION_MODULES; for debugging. */
  readonly moduleOutputs?: boolean;
  /** Where the weights came from, named in error messages (e.g. the `.pth` path). */
  readonly source?: string;
}

/** A value in the graph with its channel count (the input channels of the conv that reads it). */
interface Value {
  readonly name: string;
  readonly channels: number;
}

/** Conv geometry: kernel [kh, kw], stride, padding [ph, pw]. */
interface ConvSpec {
  readonly kernel: readonly [number, number];
  readonly stride?: number;
  readonly pad?: readonly [number, number];
}

/**
 * Builds the ONNX model bytes of the FID Inception network from a state dict with pytorch-fid's
 * keys (`Mixed_5b.branch1x1.conv.weight`, …; `*.num_batches_tracked` optional).
 * @throws {FidkitError} (`E_WEIGHTS`) naming missing keys, unexpected keys, wrong shapes and non-float tensors.
 */
export function buildInceptionModel(stateDict: StateDict, options: InceptionGraphOptions = {}): Uint8Array {
  assertInceptionStateDict(stateDict, options.source);
  const net = new InceptionWriter(stateDict, options.foldBatchNorm ?? true, options.source ?? 'state dict');
  const b = net.b;
  const moduleOut = new Map<string, Value>();
  const mark = (module: string, v: Value): Value => {
    moduleOut.set(module, v);
    return v;
  };

  let x: Value = { name: b.input(INCEPTION_INPUT, 'float32', ['batch', 3, INCEPTION_INPUT_SIZE, INCEPTION_INPUT_SIZE]), channels: 3 };
  x = mark('Conv2d_1a_3x3', net.conv(x, 'Conv2d_1a_3x3', 32, { kernel: [3, 3], stride: 2 }));
  x = mark('Conv2d_2a_3x3', net.conv(x, 'Conv2d_2a_3x3', 32, { kernel: [3, 3] }));
  x = mark('Conv2d_2b_3x3', net.conv(x, 'Conv2d_2b_3x3', 64, { kernel: [3, 3], pad: [1, 1] }));
  x = mark('MaxPool_1', net.maxPool(x, 2, 0));
  const tap64 = x;
  x = mark('Conv2d_3b_1x1', net.conv(x, 'Conv2d_3b_1x1', 80, { kernel: [1, 1] }));
  x = mark('Conv2d_4a_3x3', net.conv(x, 'Conv2d_4a_3x3', 192, { kernel: [3, 3] }));
  x = mark('MaxPool_2', net.maxPool(x, 2, 0));
  const tap192 = x;
  x = mark('Mixed_5b', net.inceptionA(x, 'Mixed_5b', 32));
  x = mark('Mixed_5c', net.inceptionA(x, 'Mixed_5c', 64));
  x = mark('Mixed_5d', net.inceptionA(x, 'Mixed_5d', 64));
  x = mark('Mixed_6a', net.inceptionB(x, 'Mixed_6a'));
  x = mark('Mixed_6b', net.inceptionC(x, 'Mixed_6b', 128));
  x = mark('Mixed_6c', net.inceptionC(x, 'Mixed_6c', 160));
  x = mark('Mixed_6d', net.inceptionC(x, 'Mixed_6d', 160));
  x = mark('Mixed_6e', net.inceptionC(x, 'Mixed_6e', 192));
  const tap768 = x;
  x = mark('Mixed_7a', net.inceptionD(x, 'Mixed_7a'));
  x = mark('Mixed_7b', net.inceptionE(x, 'Mixed_7b', 'avg'));
  x = mark('Mixed_7c', net.inceptionE(x, 'Mixed_7c', 'max'));
  const pooled = mark('AvgPool', { name: b.globalAveragePool(x.name, 'pool3_gap'), channels: x.channels });

  const pool3 = b.flatten(pooled.name, 1, 'pool3');
  const fcWeight = net.param('fc.weight');
  const fcBias = net.param('fc.bias');
  // pool3·Wᵀ as a MatMul against the transposed matrix, so no Gemm transpose at run time.
  const logitsUnbiased = b.matMul(pool3, b.initializer('fc_weight_t', transpose2d(fcWeight, 1008, 2048), [2048, 1008]), 'logits_unbiased');
  const logits = b.add(logitsUnbiased, b.initializer('fc_bias', fcBias, [1008]), 'logits');
  const tap = (name: string, v: Value): string => b.flatten(b.globalAveragePool(v.name, `${name}_gap`), 1, name);
  const outputNames: Record<InceptionOutput, string> = {
    pool3,
    logits_unbiased: logitsUnbiased,
    logits,
    pool_64: tap('pool_64', tap64),
    pool_192: tap('pool_192', tap192),
    pool_768: tap('pool_768', tap768),
  };
  for (const [name, dim] of Object.entries(INCEPTION_OUTPUT_DIMS)) {
    b.output(outputNames[name as InceptionOutput], 'float32', ['batch', dim]);
  }
  if (options.moduleOutputs) {
    for (const module of INCEPTION_MODULES) {
      const v = moduleOut.get(module) as Value;
      // An Identity gives each module output its module's name without renaming internal values.
      const named = b.op('Identity', [v.name], {}, module);
      b.output(named, 'float32', ['batch', v.channels, 'height', 'width']);
    }
  }
  return b.toBytes({ opset: 17, docString: 'FID InceptionV3 (inception-2015-12-05, pytorch-fid layout), written by fidkit' });
}

/** Holds the builder and the state dict; the block methods mirror torchvision's Inception modules. */
class InceptionWriter {
  readonly b = new GraphBuilder('fid_inception_v3');

  constructor(
    private readonly stateDict: StateDict,
    private readonly fold: boolean,
    private readonly source: string,
  ) {}

  /**
   * Reads a parameter as float32 (keys and shapes were checked up front by `assertInceptionStateDict`).
   * @throws {FidkitError} `E_WEIGHTS` for a non-float tensor.
   */
  param(key: string): Float32Array {
    return toFloat32(this.stateDict.get(key) as Tensor, key, this.source);
  }

  /** BasicConv2d: Conv (no bias) → BatchNorm(eps 0.001) → ReLU, BN folded unless told otherwise. */
  conv(x: Value, module: string, outChannels: number, spec: ConvSpec): Value {
    const [kh, kw] = spec.kernel;
    const [ph, pw] = spec.pad ?? [0, 0];
    const stride = spec.stride ?? 1;
    const weight = this.param(`${module}.conv.weight`);
    const gamma = this.param(`${module}.bn.weight`);
    const beta = this.param(`${module}.bn.bias`);
    const mean = this.param(`${module}.bn.running_mean`);
    const variance = this.param(`${module}.bn.running_var`);
    const convOptions = { strides: [stride, stride], pads: [ph, pw, ph, pw] } as const;
    const dims = [outChannels, x.channels, kh, kw];
    let y: string;
    if (this.fold) {
      const { weight: w, bias } = foldBatchNorm(weight, gamma, beta, mean, variance, BN_EPS);
      y = this.b.conv(x.name, this.b.initializer(`${module}.w`, w, dims), this.b.initializer(`${module}.b`, bias, [outChannels]), convOptions, `${module}/conv`);
    } else {
      const c = this.b.conv(x.name, this.b.initializer(`${module}.w`, weight, dims), undefined, convOptions, `${module}/conv`);
      const init = (suffix: string, data: Float32Array): string => this.b.initializer(`${module}.bn.${suffix}`, data, [outChannels]);
      y = this.b.op('BatchNormalization', [c, init('weight', gamma), init('bias', beta), init('mean', mean), init('var', variance)], {
        epsilon: { float: BN_EPS },
      });
    }
    return { name: this.b.relu(y), channels: outChannels };
  }

  maxPool(x: Value, stride: number, pad: number): Value {
    return { name: this.b.maxPool(x.name, { kernel: [3, 3], strides: [stride, stride], pads: [pad, pad, pad, pad] }), channels: x.channels };
  }

  /** 3×3 stride-1 average pool over in-image cells only (TF `SAME`, pytorch-fid's patch). */
  avgPool(x: Value): Value {
    return {
      name: this.b.averagePool(x.name, { kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], countIncludePad: false }),
      channels: x.channels,
    };
  }

  concat(module: string, parts: readonly Value[]): Value {
    return { name: this.b.concat(parts.map((p) => p.name), 1, `${module}_concat`), channels: parts.reduce((a, p) => a + p.channels, 0) };
  }

  /** FIDInceptionA: [1x1, 5x5, 3x3dbl, avg-pool → 1x1]. */
  inceptionA(x: Value, m: string, poolFeatures: number): Value {
    const b1 = this.conv(x, `${m}.branch1x1`, 64, { kernel: [1, 1] });
    const b5 = this.conv(this.conv(x, `${m}.branch5x5_1`, 48, { kernel: [1, 1] }), `${m}.branch5x5_2`, 64, { kernel: [5, 5], pad: [2, 2] });
    let b3 = this.conv(x, `${m}.branch3x3dbl_1`, 64, { kernel: [1, 1] });
    b3 = this.conv(b3, `${m}.branch3x3dbl_2`, 96, { kernel: [3, 3], pad: [1, 1] });
    b3 = this.conv(b3, `${m}.branch3x3dbl_3`, 96, { kernel: [3, 3], pad: [1, 1] });
    const bp = this.conv(this.avgPool(x), `${m}.branch_pool`, poolFeatures, { kernel: [1, 1] });
    return this.concat(m, [b1, b5, b3, bp]);
  }

  /** InceptionB (unpatched): [3x3 s2, 3x3dbl s2, max-pool s2]. */
  inceptionB(x: Value, m: string): Value {
    const b3 = this.conv(x, `${m}.branch3x3`, 384, { kernel: [3, 3], stride: 2 });
    let bd = this.conv(x, `${m}.branch3x3dbl_1`, 64, { kernel: [1, 1] });
    bd = this.conv(bd, `${m}.branch3x3dbl_2`, 96, { kernel: [3, 3], pad: [1, 1] });
    bd = this.conv(bd, `${m}.branch3x3dbl_3`, 96, { kernel: [3, 3], stride: 2 });
    return this.concat(m, [b3, bd, this.maxPool(x, 2, 0)]);
  }

  /** FIDInceptionC: [1x1, 7x7 (1×7, 7×1), 7x7dbl (7×1, 1×7, 7×1, 1×7), avg-pool → 1x1]. */
  inceptionC(x: Value, m: string, c7: number): Value {
    const row = { kernel: [1, 7], pad: [0, 3] } as const;
    const col = { kernel: [7, 1], pad: [3, 0] } as const;
    const b1 = this.conv(x, `${m}.branch1x1`, 192, { kernel: [1, 1] });
    let b7 = this.conv(x, `${m}.branch7x7_1`, c7, { kernel: [1, 1] });
    b7 = this.conv(b7, `${m}.branch7x7_2`, c7, row);
    b7 = this.conv(b7, `${m}.branch7x7_3`, 192, col);
    let bd = this.conv(x, `${m}.branch7x7dbl_1`, c7, { kernel: [1, 1] });
    bd = this.conv(bd, `${m}.branch7x7dbl_2`, c7, col);
    bd = this.conv(bd, `${m}.branch7x7dbl_3`, c7, row);
    bd = this.conv(bd, `${m}.branch7x7dbl_4`, c7, col);
    bd = this.conv(bd, `${m}.branch7x7dbl_5`, 192, row);
    const bp = this.conv(this.avgPool(x), `${m}.branch_pool`, 192, { kernel: [1, 1] });
    return this.concat(m, [b1, b7, bd, bp]);
  }

  /** InceptionD (unpatched): [3x3 s2, 7x7x3 s2, max-pool s2]. */
  inceptionD(x: Value, m: string): Value {
    const b3 = this.conv(this.conv(x, `${m}.branch3x3_1`, 192, { kernel: [1, 1] }), `${m}.branch3x3_2`, 320, { kernel: [3, 3], stride: 2 });
    let b7 = this.conv(x, `${m}.branch7x7x3_1`, 192, { kernel: [1, 1] });
    b7 = this.conv(b7, `${m}.branch7x7x3_2`, 192, { kernel: [1, 7], pad: [0, 3] });
    b7 = this.conv(b7, `${m}.branch7x7x3_3`, 192, { kernel: [7, 1], pad: [3, 0] });
    b7 = this.conv(b7, `${m}.branch7x7x3_4`, 192, { kernel: [3, 3], stride: 2 });
    return this.concat(m, [b3, b7, this.maxPool(x, 2, 0)]);
  }

  /** FIDInceptionE_1 (avg pool) / FIDInceptionE_2 (max pool): [1x1, cat(2a, 2b), cat(3a, 3b), pool → 1x1]. */
  inceptionE(x: Value, m: string, pool: 'avg' | 'max'): Value {
    const row = { kernel: [1, 3], pad: [0, 1] } as const;
    const col = { kernel: [3, 1], pad: [1, 0] } as const;
    const b1 = this.conv(x, `${m}.branch1x1`, 320, { kernel: [1, 1] });
    const b3 = this.conv(x, `${m}.branch3x3_1`, 384, { kernel: [1, 1] });
    const b3cat = this.concat(`${m}_3x3`, [this.conv(b3, `${m}.branch3x3_2a`, 384, row), this.conv(b3, `${m}.branch3x3_2b`, 384, col)]);
    let bd = this.conv(x, `${m}.branch3x3dbl_1`, 448, { kernel: [1, 1] });
    bd = this.conv(bd, `${m}.branch3x3dbl_2`, 384, { kernel: [3, 3], pad: [1, 1] });
    const bdcat = this.concat(`${m}_3x3dbl`, [this.conv(bd, `${m}.branch3x3dbl_3a`, 384, row), this.conv(bd, `${m}.branch3x3dbl_3b`, 384, col)]);
    const pooled = pool === 'avg' ? this.avgPool(x) : this.maxPool(x, 1, 1);
    const bp = this.conv(pooled, `${m}.branch_pool`, 192, { kernel: [1, 1] });
    return this.concat(m, [b1, b3cat, bdcat, bp]);
  }

}

/**
 * Folds eval-mode BatchNorm into the preceding bias-free convolution, in float64, rounding once to float32.
 * `weight` is O×(rest) row-major; returns the scaled weight and the new bias.
 */
export function foldBatchNorm(
  weight: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  eps: number,
): { weight: Float32Array; bias: Float32Array } {
  const out = gamma.length;
  const per = weight.length / out;
  const folded = new Float32Array(weight.length);
  const bias = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const scale = gamma[o] / Math.sqrt(variance[o] + eps);
    bias[o] = beta[o] - mean[o] * scale;
    for (let i = o * per; i < (o + 1) * per; i++) folded[i] = weight[i] * scale;
  }
  return { weight: folded, bias };
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = data[r * cols + c];
  return t;
}

function toFloat32(tensor: Tensor, key: string, source: string): Float32Array {
  if (tensor.data instanceof Float32Array) return tensor.data;
  if (tensor.data instanceof Float64Array) return Float32Array.from(tensor.data);
  throw new FidkitError('E_WEIGHTS', `${source}: ${key} holds ${tensor.dtype} values, expected floating point; the file is not FID Inception weights`);
}
