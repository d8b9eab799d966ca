/**
 * @file The ONNX graph builder, run through ONNX Runtime on tiny graphs whose results are computed
 * here by hand: Conv (+bias, stride, padding), Relu, MaxPool, AveragePool with and without
 * counting padding, Concat, GlobalAveragePool, Flatten, MatMul, Gemm, Add/Sub/Mul, Cast, Transpose;
 * a dynamic batch; and the builder's own errors. Tolerance 1e-6 (float32 sums of a few terms).
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import onnxProto from 'onnx-proto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXTERNAL_ALIGNMENT, GraphBuilder } from '../../src/onnx/graph-builder.js';
import { createSession } from '../../src/onnx/session.js';

const run = async (b: GraphBuilder, feeds: Record<string, { data: Float32Array; dims: number[] }>) => {
  const session = await createSession(b.toBytes(), { threads: 1 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
};

const close = (got: Float32Array, want: number[]) => {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-6));
};

// A 1×1×3×3 input 1..9.
const X3 = Float32Array.from({ length: 9 }, (_, i) => i + 1);

describe('GraphBuilder through ONNX Runtime', () => {
  it('computes Conv with bias, padding and stride, then Relu', async () => {
    const b = new GraphBuilder('conv');
    const x = b.input('x', 'float32', [1, 1, 3, 3]);
    // Two output channels: a 2×2 box filter, and its negative (Relu clears it).
    const w = b.initializer('w', Float32Array.from([1, 1, 1, 1, -1, -1, -1, -1]), [2, 1, 2, 2]);
    const bias = b.initializer('b', Float32Array.from([0.5, 0]), [2]);
    const y = b.relu(b.conv(x, w, bias, { strides: [2, 2], pads: [1, 1, 0, 0] }));
    b.output(y, 'float32', [1, 2, 2, 2]);
    const out = await run(b, { x: { data: X3, dims: [1, 1, 3, 3] } });
    // Padded top/left by one, stride 2: windows at (-1,-1), (-1,1), (1,-1), (1,1).
    close(out[y].data, [1.5, 2 + 3 + 0.5, 4 + 7 + 0.5, 5 + 6 + 8 + 9 + 0.5, 0, 0, 0, 0]);
  });

  it('averages over in-image cells only when countIncludePad is false (TF SAME pooling)', async () => {
    const b = new GraphBuilder('pools');
    const x = b.input('x', 'float32', [1, 1, 3, 3]);
    const options = { kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] } as const;
    const tf = b.averagePool(x, { ...options, countIncludePad: false });
    const torch = b.averagePool(x, { ...options, countIncludePad: true });
    const max = b.maxPool(x, options);
    b.output(tf, 'float32', [1, 1, 3, 3]);
    b.output(torch, 'float32', [1, 1, 3, 3]);
    b.output(max, 'float32', [1, 1, 3, 3]);
    const out = await run(b, { x: { data: X3, dims: [1, 1, 3, 3] } });
    // Top-left corner: cells 1,2,4,5.
    expect(out[tf].data[0]).toBeCloseTo(12 / 4, 6);
    expect(out[torch].data[0]).toBeCloseTo(12 / 9, 6);
    expect(out[tf].data[4]).toBeCloseTo(45 / 9, 6);
    close(out[max].data, [5, 6, 6, 8, 9, 9, 8, 9, 9]);
  });

  it('concatenates, pools globally, flattens and multiplies with a dynamic batch', async () => {
    const b = new GraphBuilder('head');
    const x = b.input('x', 'float32', ['batch', 1, 3, 3]);
    const twice = b.add(x, x);
    const cat = b.concat([x, twice], 1);
    const pooled = b.flatten(b.globalAveragePool(cat));
    const w = b.initializer('w', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    const viaMatMul = b.matMul(pooled, w);
    const viaGemm = b.gemm(pooled, b.initializer('wt', Float32Array.from([1, 4, 2, 5, 3, 6]), [3, 2]), b.initializer('c', Float32Array.from([1, 1, 1]), [3]), { transB: true });
    const scaled = b.mul(b.sub(viaMatMul, viaGemm), viaMatMul);
    const asDouble = b.cast(pooled, 'float64');
    const back = b.transpose(b.cast(asDouble, 'float32'), [1, 0]);
    b.output(viaMatMul, 'float32', ['batch', 3]);
    b.output(scaled, 'float32', ['batch', 3]);
    b.output(back, 'float32', [2, 'batch']);
    const two = new Float32Array(18);
    two.set(X3);
    two.set(X3.map((v) => -v), 9);
    const out = await run(b, { x: { data: two, dims: [2, 1, 3, 3] } });
    // Means: image 0 → [5, 10], image 1 → [−5, −10].
    close(out[viaMatMul].data, [5 + 40, 10 + 50, 15 + 60, -45, -60, -75]);
    close(out[scaled].data, [-45, -60, -75, 45, 60, 75]);
    close(out[back].data, [5, -5, 10, -10]);
    expect(out[viaMatMul].dims).toEqual([2, 3]);
  });

  it('reports wiring mistakes when the graph is built, naming the value', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('x', 'float32', [1]);
    expect(() => b.input('x', 'float32', [1])).toThrow(/'x' is used twice/);
    expect(() => b.relu('nope')).toThrow(/reads 'nope', which no earlier node produced/);
    expect(() => b.initializer('w', new Float32Array(5), [2, 3])).toThrow(/\[2, 3\] needs 6 values, got 5/);
    expect(() => b.output('ghost', 'float32', [1])).toThrow(InputError);
    expect(() => b.toBytes()).toThrow(/has no outputs/);
    b.output(b.relu(x), 'float32', [1]);
    expect(b.toBytes().length).toBeGreaterThan(0);
    expect(b.nodeCount).toBe(1);
  });

  it('writes deferred initializers in pieces that decode to the same model as in-memory ones', async () => {
    const weights = Float32Array.from([1, -2, 3, -4, 5, -6]);
    const make = (deferred: boolean) => {
      const b = new GraphBuilder('deferred');
      const x = b.input('x', 'float32', ['batch', 3]);
      const data = deferred
        ? {
            type: 'float32' as const,
            byteLength: 24,
            // Two pieces, as a file view or a generator would yield them.
            *chunks() {
              const bytes = new Uint8Array(weights.buffer);
              yield bytes.subarray(0, 10);
              yield bytes.subarray(10);
            },
          }
        : weights;
      const w = b.initializer('w', data, [2, 3]);
      b.output(b.gemm(x, w, b.initializer('c', Float32Array.from([0.5, 0]), [2]), { transB: true }, 'y'), 'float32', ['batch', 2]);
      return b;
    };
    const { byteLength, parts } = make(true).toParts();
    const pieces = [...parts];
    expect(pieces.reduce((a, p) => a + p.length, 0)).toBe(byteLength);
    const decoded = (bytes: Uint8Array) => onnxProto.onnx.ModelProto.toObject(onnxProto.onnx.ModelProto.decode(bytes), { longs: Number, bytes: Array });
    const model = decoded(make(true).toBytes());
    const reference = decoded(make(false).toBytes());
    // Same graph; the deferred initializer comes last in the list, the one rule protobuf's field order changes.
    const byName = (inits: { name: string }[]) => [...inits].sort((a, b) => a.name.localeCompare(b.name));
    expect(byName(model.graph.initializer)).toEqual(byName(reference.graph.initializer));
    expect({ ...model.graph, initializer: [] }).toEqual({ ...reference.graph, initializer: [] });
    const out = await run(make(true), { x: { data: Float32Array.from([1, 1, 1]), dims: [1, 3] } });
    close(out.y.data, [2 + 0.5, -5]);
  });

  it('writes deferred initializers as external data that ONNX Runtime loads from next to the model', async () => {
    const b = new GraphBuilder('external');
    const x = b.input('x', 'float32', ['batch', 3]);
    const deferred = (values: number[]) => ({
      type: 'float32' as const,
      byteLength: values.length * 4,
      *chunks() {
        yield new Uint8Array(Float32Array.from(values).buffer);
      },
    });
    const w1 = b.initializer('w1', deferred([1, -2, 3, -4, 5, -6]), [2, 3]);
    const w2 = b.initializer('w2', deferred([10, 100]), [2]);
    const y = b.add(b.gemm(x, w1, b.initializer('c', Float32Array.from([0.5, 0]), [2]), { transB: true }), w2, 'y');
    b.output(y, 'float32', ['batch', 2]);
    expect(() => b.toExternalParts('../w.bin')).toThrow(/plain file name/);
    const { model, data } = b.toExternalParts('weights.bin');
    const pieces = [...data.parts];
    const bytes = Buffer.concat(pieces);
    expect(bytes.length).toBe(data.byteLength);
    // The second tensor starts at the next 4096-byte boundary, zero padding between.
    expect(data.byteLength).toBe(EXTERNAL_ALIGNMENT + 8);
    expect(new Float32Array(bytes.buffer.slice(bytes.byteOffset + EXTERNAL_ALIGNMENT, bytes.byteOffset + EXTERNAL_ALIGNMENT + 8))).toEqual(Float32Array.from([10, 100]));
    // Neither weight is inside the model file.
    expect(model.length).toBeLessThan(1000);
    const dir = await mkdtemp(join(tmpdir(), 'fidkit-external-'));
    try {
      await writeFile(join(dir, 'weights.bin'), bytes);
      await writeFile(join(dir, 'm.onnx'), model);
      const session = await createSession(join(dir, 'm.onnx'), { threads: 1 });
      try {
        const out = await session.run({ x: { data: Float32Array.from([1, 1, 1]), dims: [1, 3] } });
        close(out[y].data, [2 + 0.5 + 10, -5 + 100]);
      } finally {
        await session.release();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a deferred initializer of the wrong size, and one that yields the wrong number of bytes', () => {
    const b = new GraphBuilder('bad-deferred');
    expect(() => b.initializer('w', { type: 'float32', byteLength: 20, chunks: () => [] }, [2, 3])).toThrow(/\[2, 3\] needs 6 float32 values, got 20 bytes/);
    const x = b.input('x', 'float32', [1, 3]);
    const w = b.initializer('w', { type: 'float32', byteLength: 24, chunks: () => [new Uint8Array(8)] }, [2, 3]);
    b.output(b.gemm(x, w, undefined, { transB: true }), 'float32', [1, 2]);
    expect(() => [...b.toParts().parts]).toThrow("ONNX graph 'bad-deferred': initializer 'w' yielded 8 bytes, expected 24");
  });
});
