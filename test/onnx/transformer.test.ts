/**
 * @file The pre-norm ViT pieces (src/onnx/transformer.ts) through ONNX Runtime against a plain
 * float64 implementation written here from the PyTorch definitions (nn.LayerNorm, nn.Linear,
 * softmax(q·kᵀ/√hd)·v per head from a fused qkv, GELU/QuickGELU/SwiGLU, LayerScale, residuals), on
 * a tiny block: 2 images × 5 tokens, dim 8, 2 heads, seeded weights. Tolerance 2e-5 of the largest
 * value (float32 sums of a few dozen terms); each MLP kind is run, and the test checks the kinds
 * give different outputs so a pattern wired to the wrong activation fails.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/onnx/graph-builder.js';
import { createSession } from '../../src/onnx/session.js';
import { preNormBlock, type MlpParams } from '../../src/onnx/transformer.js';

const BATCH = 2;
const TOKENS = 5;
const DIM = 8;
const HEADS = 2;
const HIDDEN = 12;

/** A small deterministic generator (LCG), values in [-1, 1). */
function values(seed: number, n: number, scale = 1, offset = 0): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return offset + scale * (s / 2 ** 31 - 1);
  });
}

type Act = MlpParams['activation'];

interface Weights {
  readonly [key: string]: Float64Array;
}

function weightsFor(act: Act): Weights {
  const w: Record<string, Float64Array> = {
    'norm1.weight': values(1, DIM, 0.2, 1),
    'norm1.bias': values(2, DIM, 0.1),
    'qkv.weight': values(3, 3 * DIM * DIM, 0.5),
    'qkv.bias': values(4, 3 * DIM, 0.1),
    'proj.weight': values(5, DIM * DIM, 0.5),
    'proj.bias': values(6, DIM, 0.1),
    ls1: values(7, DIM, 0.3, 0.5),
    'norm2.weight': values(8, DIM, 0.2, 1),
    'norm2.bias': values(9, DIM, 0.1),
    ls2: values(10, DIM, 0.3, 0.5),
  };
  if (act === 'swiglu') {
    w['w12.weight'] = values(11, 2 * HIDDEN * DIM, 0.5);
    w['w12.bias'] = values(12, 2 * HIDDEN, 0.1);
    w['w3.weight'] = values(13, DIM * HIDDEN, 0.5);
    w['w3.bias'] = values(14, DIM, 0.1);
  } else {
    w['fc1.weight'] = values(11, HIDDEN * DIM, 0.5);
    w['fc1.bias'] = values(12, HIDDEN, 0.1);
    w['fc2.weight'] = values(13, DIM * HIDDEN, 0.5);
    w['fc2.bias'] = values(14, DIM, 0.1);
  }
  return w;
}

// ---- float64 reference, rows × cols matrices in C order ----

function linearRef(x: Float64Array, rows: number, w: Float64Array, bias: Float64Array, out: number, inn: number): Float64Array {
  const y = new Float64Array(rows * out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      let s = bias[o];
      for (let i = 0; i < inn; i++) s += x[r * inn + i] * w[o * inn + i];
      y[r * out + o] = s;
    }
  }
  return y;
}

function layerNormRef(x: Float64Array, rows: number, w: Float64Array, bias: Float64Array, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * DIM, (r + 1) * DIM);
    const mean = row.reduce((a, b) => a + b, 0) / DIM;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / DIM;
    for (let i = 0; i < DIM; i++) y[r * DIM + i] = ((row[i] - mean) / Math.sqrt(variance + eps)) * w[i] + bias[i];
  }
  return y;
}

const erf = (x: number): number => {
  // Abramowitz–Stegun 7.1.26 is too coarse; integrate the series instead (|x| small here).
  let sum = 0;
  let term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function blockRef(x: Float64Array, w: Weights, act: Act, eps: number): Float64Array {
  const rows = BATCH * TOKENS;
  const hd = DIM / HEADS;
  const qkv = linearRef(layerNormRef(x, rows, w['norm1.weight'], w['norm1.bias'], eps), rows, w['qkv.weight'], w['qkv.bias'], 3 * DIM, DIM);
  const heads = new Float64Array(rows * DIM);
  for (let b = 0; b < BATCH; b++) {
    for (let h = 0; h < HEADS; h++) {
      const at = (t: number, which: number, d: number): number => qkv[(b * TOKENS + t) * 3 * DIM + which * DIM + h * hd + d];
      for (let i = 0; i < TOKENS; i++) {
        const scores = Array.from({ length: TOKENS }, (_, j) => {
          let s = 0;
          for (let d = 0; d < hd; d++) s += at(i, 0, d) * at(j, 1, d);
          return s / Math.sqrt(hd);
        });
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, c) => a + c, 0);
        for (let d = 0; d < hd; d++) heads[(b * TOKENS + i) * DIM + h * hd + d] = e.reduce((a, c, j) => a + (c / z) * at(j, 2, d), 0);
      }
    }
  }
  const attn = linearRef(heads, rows, w['proj.weight'], w['proj.bias'], DIM, DIM);
  const h1 = x.map((v, i) => v + w.ls1[i % DIM] * attn[i]);
  const n2 = layerNormRef(h1, rows, w['norm2.weight'], w['norm2.bias'], eps);
  let ffn: Float64Array;
  if (act === 'swiglu') {
    const x12 = linearRef(n2, rows, w['w12.weight'], w['w12.bias'], 2 * HIDDEN, DIM);
    const hidden = new Float64Array(rows * HIDDEN);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < HIDDEN; i++) {
        const a = x12[r * 2 * HIDDEN + i];
        hidden[r * HIDDEN + i] = a * sigmoid(a) * x12[r * 2 * HIDDEN + HIDDEN + i];
      }
    }
    ffn = linearRef(hidden, rows, w['w3.weight'], w['w3.bias'], DIM, HIDDEN);
  } else {
    const f = act === 'gelu' ? (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2)) : (v: number) => v * sigmoid(1.702 * v);
    ffn = linearRef(linearRef(n2, rows, w['fc1.weight'], w['fc1.bias'], HIDDEN, DIM).map(f), rows, w['fc2.weight'], w['fc2.bias'], DIM, HIDDEN);
  }
  return h1.map((v, i) => v + w.ls2[i % DIM] * ffn[i]);
}

async function blockOnnx(x: Float64Array, w: Weights, act: Act, eps: number): Promise<Float32Array> {
  const b = new GraphBuilder('block');
  const dims: Record<string, number[]> = {
    'qkv.weight': [3 * DIM, DIM],
    'proj.weight': [DIM, DIM],
    'fc1.weight': [HIDDEN, DIM],
    'fc2.weight': [DIM, HIDDEN],
    'w12.weight': [2 * HIDDEN, DIM],
    'w3.weight': [DIM, HIDDEN],
  };
  const p = (key: string): string => b.initializer(key, Float32Array.from(w[key]), dims[key] ?? [w[key].length]);
  const input = b.input('x', 'float32', ['rows', DIM]);
  const mlp: MlpParams =
    act === 'swiglu'
      ? { activation: act, w12: { weight: p('w12.weight'), bias: p('w12.bias') }, w3: { weight: p('w3.weight'), bias: p('w3.bias') }, hidden: HIDDEN }
      : { activation: act, fc1: { weight: p('fc1.weight'), bias: p('fc1.bias') }, fc2: { weight: p('fc2.weight'), bias: p('fc2.bias') } };
  const y = preNormBlock(b, input, {
    norm1: { weight: p('norm1.weight'), bias: p('norm1.bias'), eps },
    attention: { qkv: { weight: p('qkv.weight'), bias: p('qkv.bias') }, proj: { weight: p('proj.weight'), bias: p('proj.bias') }, dim: DIM, heads: HEADS, tokens: TOKENS },
    ls1: p('ls1'),
    norm2: { weight: p('norm2.weight'), bias: p('norm2.bias'), eps },
    mlp,
    ls2: p('ls2'),
  });
  b.output(y, 'float32', ['rows', DIM]);
  const session = await createSession(b.toBytes({ opset: 17 }), { threads: 1 });
  try {
    const out = await session.run({ x: { data: Float32Array.from(x), dims: [BATCH * TOKENS, DIM] } });
    return out[y].data;
  } finally {
    await session.release();
  }
}

describe('pre-norm ViT block (transformer.ts) against a float64 reference', () => {
  const x = values(99, BATCH * TOKENS * DIM, 2);
  const results: Partial<Record<Act, Float32Array>> = {};

  for (const act of ['gelu', 'quick-gelu', 'swiglu'] as const) {
    it(`matches for the ${act} MLP with LayerScale, eps 1e-6`, async () => {
      const w = weightsFor(act);
      const want = blockRef(x, w, act, 1e-6);
      const got = await blockOnnx(x, w, act, 1e-6);
      results[act] = got;
      const scale = Math.max(...want.map(Math.abs));
      const worst = Math.max(...want.map((v, i) => Math.abs(v - got[i])));
      expect(worst / scale).toBeLessThanOrEqual(2e-5);
      // The block did something: the output is not the input.
      expect(Math.max(...want.map((v, i) => Math.abs(v - x[i])))).toBeGreaterThan(0.1);
    });
  }

  it('gives different outputs for GELU and QuickGELU (the activations are not confused)', () => {
    const a = results.gelu!;
    const q = results['quick-gelu']!;
    expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - q[i])))).toBeGreaterThan(1e-3);
  });
});
