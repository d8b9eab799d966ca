/**
 * @file Pre-norm Vision Transformer pieces on a {@link GraphBuilder}: layer norm, a linear layer from
 * a PyTorch `nn.Linear` weight, multi-head self-attention from a fused q/k/v projection, the MLP
 * (exact GELU, CLIP's QuickGELU, or SwiGLU), LayerScale and the residual block that joins them —
 * what DINOv2's `vision_transformer.py` and OpenAI CLIP's `VisionTransformer` both are made of.
 *
 * Tokens travel as a 2-D matrix `[rows, dim]` with `rows = batch · tokens` (token-major within an
 * image, as `x.reshape(B·N, D)` of PyTorch's `[B, N, D]`). That keeps every linear layer a `Gemm`
 * with `transB` on the weight exactly as PyTorch stores it (`[out, in]`): weights are initializers
 * without a transposed copy, so they can stay views of the weights file; only attention needs the
 * number of tokens per image, to regroup the rows.
 *
 * Parameters are initializer names (declared by the caller with `b.initializer`), so the caller
 * decides where their bytes come from. This file uses only `GraphBuilder`'s `op`/`initializer`
 * API, so it can be shared between extractors without other changes to the builder.
 *
 * Opset: 17 or newer (LayerNormalization).
 */

import type { GraphBuilder } from './graph-builder.js';

/** A PyTorch `nn.Linear`: `weight` is `[out, in]`; `bias` `[out]` is optional. */
export interface LinearParams {
  readonly weight: string;
  readonly bias?: string;
}

/** A PyTorch `nn.LayerNorm` over the last axis. */
export interface LayerNormParams {
  readonly weight: string;
  readonly bias: string;
  /** PyTorch's default is 1e-5; DINOv2 uses 1e-6. */
  readonly eps: number;
}

/**
 * Multi-head self-attention with one fused projection to q, k and v: `qkv.weight` is `[3·dim, dim]`,
 * its rows q's, then k's, then v's, each `heads` blocks of `dim / heads` (DINOv2's `attn.qkv`; CLIP's
 * `nn.MultiheadAttention` `in_proj_weight`/`in_proj_bias` have the same layout), and `proj` is the
 * output projection (`attn.proj`, `out_proj`).
 */
export interface AttentionParams {
  readonly qkv: LinearParams;
  readonly proj: LinearParams;
  readonly dim: number;
  readonly heads: number;
  /** Tokens per image (including class/register tokens). */
  readonly tokens: number;
}

/**
 * The MLP: `fc2(act(fc1(x)))` with `act` exact GELU (`nn.GELU()`, erf form) or QuickGELU
 * (`x·σ(1.702·x)`, OpenAI CLIP); or SwiGLU `w3(silu(x₁) · x₂)` where `x₁, x₂` are the two halves of
 * `w12(x)` along the features (DINOv2 ViT-g/14's `SwiGLUFFN`, `x12.chunk(2, dim=-1)`).
 */
export type MlpParams =
  | { readonly activation: 'gelu' | 'quick-gelu'; readonly fc1: LinearParams; readonly fc2: LinearParams }
  | { readonly activation: 'swiglu'; readonly w12: LinearParams; readonly w3: LinearParams; /** Width of each half of `w12`'s output. */ readonly hidden: number };

/** One pre-norm block: `x += ls1 · attn(norm1(x)); x += ls2 · mlp(norm2(x))`; no LayerScale when `ls*` is absent. */
export interface PreNormBlockParams {
  readonly norm1: LayerNormParams;
  readonly attention: AttentionParams;
  /** LayerScale γ `[dim]` after attention (DINOv2 `ls1.gamma`). */
  readonly ls1?: string;
  readonly norm2: LayerNormParams;
  readonly mlp: MlpParams;
  /** LayerScale γ `[dim]` after the MLP (DINOv2 `ls2.gamma`). */
  readonly ls2?: string;
}

/** A float32 scalar constant. */
export function scalar(b: GraphBuilder, prefix: string, value: number): string {
  return b.initializer(prefix, Float32Array.of(value), []);
}

/** An int64 vector constant (shapes, axes, split sizes). */
export function int64s(b: GraphBuilder, prefix: string, values: readonly number[]): string {
  return b.initializer(prefix, BigInt64Array.from(values.map(BigInt)), [values.length]);
}

/** `Reshape` to `shape` (−1 infers one axis, 0 keeps the input's). */
export function reshape(b: GraphBuilder, x: string, shape: readonly number[], name?: string): string {
  return b.op('Reshape', [x, int64s(b, 'shape', shape)], {}, name);
}

/** LayerNorm over the last axis (ONNX `LayerNormalization`, opset ≥ 17). */
export function layerNorm(b: GraphBuilder, x: string, p: LayerNormParams, name?: string): string {
  return b.op('LayerNormalization', [x, p.weight, p.bias], { axis: { int: -1 }, epsilon: { float: p.eps } }, name);
}

/** `x · Wᵀ + bias` for rows `x` `[rows, in]` and a PyTorch weight `[out, in]`. */
export function linear(b: GraphBuilder, x: string, p: LinearParams, name?: string): string {
  return b.gemm(x, p.weight, p.bias, { transB: true }, name);
}

/**
 * Exact GELU, `0.5·x·(1 + erf(x/√2))` (PyTorch `nn.GELU()`), written in the node pattern ONNX
 * Runtime fuses into one `Gelu` kernel.
 */
export function gelu(b: GraphBuilder, x: string, name?: string): string {
  const erf = b.op('Erf', [b.op('Div', [x, scalar(b, 'sqrt2', Math.SQRT2)])]);
  const onePlus = b.add(erf, scalar(b, 'one', 1));
  return b.mul(b.mul(x, onePlus), scalar(b, 'half', 0.5), name);
}

/** QuickGELU, `x·σ(1.702·x)` (OpenAI CLIP). */
export function quickGelu(b: GraphBuilder, x: string, name?: string): string {
  return b.mul(x, b.op('Sigmoid', [b.mul(x, scalar(b, 'quick_gelu_alpha', 1.702))]), name);
}

/** SiLU, `x·σ(x)`. */
export function silu(b: GraphBuilder, x: string, name?: string): string {
  return b.mul(x, b.op('Sigmoid', [x]), name);
}

/**
 * Multi-head self-attention on rows `x` `[batch·tokens, dim]`; returns rows of the same shape.
 * Computes `softmax((q·s)·kᵀ)·v` per head with `s = (dim/heads)^−½`, heads concatenated, then `proj`.
 */
export function selfAttention(b: GraphBuilder, x: string, p: AttentionParams, name = 'attn'): string {
  const headDim = p.dim / p.heads;
  if (!Number.isInteger(headDim)) throw new RangeError(`attention '${name}': dim ${p.dim} is not a multiple of ${p.heads} heads`);
  const qkv = linear(b, x, p.qkv, `${name}.qkv`);
  // [B·N, 3·D] → [B, N, 3, H, hd] → [3, B, H, N, hd]
  const grouped = b.transpose(reshape(b, qkv, [-1, p.tokens, 3, p.heads, headDim]), [2, 0, 3, 1, 4]);
  const [q, k, v] = b
    .node('Split', [grouped, int64s(b, 'qkv_split', [1, 1, 1])], { axis: { int: 0 } }, { name: `${name}.split`, outputCount: 3 })
    .map((t) => b.op('Squeeze', [t, int64s(b, 'axis0', [0])]));
  const scores = b.matMul(b.mul(q, scalar(b, 'attn_scale', 1 / Math.sqrt(headDim))), b.transpose(k, [0, 1, 3, 2]));
  const weights = b.op('Softmax', [scores], { axis: { int: -1 } }, `${name}.softmax`);
  // [B, H, N, hd] → [B, N, H, hd] → [B·N, D]
  const heads = reshape(b, b.transpose(b.matMul(weights, v), [0, 2, 1, 3]), [-1, p.dim]);
  return linear(b, heads, p.proj, `${name}.proj`);
}

/** The MLP of {@link MlpParams} on rows `x`. */
export function mlp(b: GraphBuilder, x: string, p: MlpParams, name = 'mlp'): string {
  if (p.activation === 'swiglu') {
    const halves = int64s(b, 'swiglu_split', [p.hidden, p.hidden]);
    const [x1, x2] = b.node('Split', [linear(b, x, p.w12, `${name}.w12`), halves], { axis: { int: -1 } }, { name: `${name}.chunk`, outputCount: 2 });
    return linear(b, b.mul(silu(b, x1), x2), p.w3, `${name}.w3`);
  }
  const hidden = linear(b, x, p.fc1, `${name}.fc1`);
  const act = p.activation === 'gelu' ? gelu(b, hidden) : quickGelu(b, hidden);
  return linear(b, act, p.fc2, `${name}.fc2`);
}

/** One pre-norm transformer block (see {@link PreNormBlockParams}) on rows `x`. */
export function preNormBlock(b: GraphBuilder, x: string, p: PreNormBlockParams, name = 'block'): string {
  let attn = selfAttention(b, layerNorm(b, x, p.norm1, `${name}.norm1`), p.attention, `${name}.attn`);
  if (p.ls1 !== undefined) attn = b.mul(attn, p.ls1, `${name}.ls1`);
  const h = b.add(x, attn, `${name}.residual1`);
  let ffn = mlp(b, layerNorm(b, h, p.norm2, `${name}.norm2`), p.mlp, `${name}.mlp`);
  if (p.ls2 !== undefined) ffn = b.mul(ffn, p.ls2, `${name}.ls2`);
  return b.add(h, ffn, `${name}.residual2`);
}
