/**
 * Test helper: tiny ONNX generators made with the graph builder — z [N, d] → Gemm → Reshape to
 * [N, a, b, c] → an optional final operator — with a float64 reference of their raw output, so tests
 * can check fidkit's layout and range conversion against an independent computation.
 */
import { GraphBuilder, type Dim } from '../../src/onnx/graph-builder.js';
import { withMetadata } from '../../src/generators/onnx-generator.js';
import { RandomState } from '../../src/random/random-state.js';

export interface TinyGeneratorSpec {
  /** Per-image output dims after N, in the graph's own layout, e.g. [3, 7, 5] for NCHW RGB 7×5. */
  readonly shape: readonly [number, number, number];
  /** Latent width; the input declares it unless `dynamicLatent`. Default 8. */
  readonly latentDim?: number;
  /** Declare d as a symbolic dim (the model still computes with `latentDim`). */
  readonly dynamicLatent?: boolean;
  /** A fixed batch size in the input and output shapes; default dynamic. */
  readonly batch?: number;
  /** Trailing 1s on the input shape ([N, d, 1, 1] for 2). */
  readonly inputOnes?: number;
  /** The last operator; 'none' leaves the Gemm output (reshaped) as it is. Default 'Tanh'. */
  readonly final?: 'Tanh' | 'Sigmoid' | 'Log' | 'Relu' | 'none';
  /** Scale of the weights (uniform in ±scale); default 0.5. */
  readonly weightScale?: number;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly seed?: number;
}

export interface TinyGenerator {
  readonly bytes: Uint8Array;
  /** The raw output of `count` codes, [count, ...shape] in the graph's layout, computed in float64. */
  reference(z: Float32Array, count: number): Float64Array;
}

const FINAL: Record<NonNullable<TinyGeneratorSpec['final']>, (v: number) => number> = {
  Tanh: Math.tanh,
  Sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  Log: Math.log,
  Relu: (v) => Math.max(v, 0),
  none: (v) => v,
};

export function makeTinyGenerator(spec: TinyGeneratorSpec): TinyGenerator {
  const d = spec.latentDim ?? 8;
  const per = spec.shape[0] * spec.shape[1] * spec.shape[2];
  const rng = new RandomState(spec.seed ?? 7);
  const scale = spec.weightScale ?? 0.5;
  const weight = Float32Array.from({ length: d * per }, () => (2 * rng.randomSample() - 1) * scale);
  const bias = Float32Array.from({ length: per }, () => (2 * rng.randomSample() - 1) * scale);
  const final = spec.final ?? 'Tanh';
  const g = new GraphBuilder('tiny_generator');
  const batch: Dim = spec.batch ?? 'N';
  const ones = Array.from({ length: spec.inputOnes ?? 0 }, () => 1);
  let z = g.input('z', 'float32', [batch, spec.dynamicLatent ? 'd' : d, ...ones]);
  if (ones.length > 0) z = g.flatten(z, 1);
  const h = g.gemm(z, g.initializer('w', weight, [d, per]), g.initializer('b', bias, [per]));
  const shaped = g.op('Reshape', [h, g.initializer('shape', BigInt64Array.from([-1, ...spec.shape].map(BigInt)), [4])]);
  const out = final === 'none' ? g.op('Identity', [shaped], {}, 'images') : g.op(final, [shaped], {}, 'images');
  g.output(out, 'float32', [batch, ...spec.shape]);
  const bytes = g.toBytes();
  return {
    bytes: spec.metadata ? withMetadata(bytes, spec.metadata) : bytes,
    reference(codes, count) {
      const out64 = new Float64Array(count * per);
      for (let n = 0; n < count; n++) {
        for (let j = 0; j < per; j++) {
          let s = bias[j];
          for (let k = 0; k < d; k++) s += codes[n * d + k] * weight[k * per + j];
          out64[n * per + j] = FINAL[final](s);
        }
      }
      return out64;
    },
  };
}
