/**
 * @file The FID Inception ONNX graph built from the hash weights: its structure (94 convolutions,
 * 8 padding-excluding average pools, 5 max pools, TF concat order via the output of the stored
 * pytorch-fid network input), the BatchNorm folding, and the weight checks.
 *
 * Numbers: pool3/logits of `a01` from pytorch-fid's own model input vs pytorch-fid's features:
 * max |Δ| ≤ 1e-3 and ≤ 1e-5 of the largest value (issue 3; measured 2e-5 and 6e-7). Folded vs
 * unfolded BatchNorm: ≤ 1e-5 of the largest value (measured ~3e-7), i.e. the fold changes nothing
 * beyond float32 noise. Module output shapes: those in `layer_summaries_a01_mnist_28_gray.png.json`.
 * (That file's statistics are not compared: they disagree with the fixture's own features.npy for
 * the same image from the first convolution on — pool3 mean 5.43 there, 3.13 in features.npy —
 * so they cannot come from the same input or weights; see the report of issue 3.)
 */
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { FidkitError } from '../../../src/core/errors.js';
import { buildInceptionModel, foldBatchNorm, INCEPTION_MODULES, INCEPTION_OUTPUT_DIMS } from '../../../src/features/inception/graph.js';
import { hashInceptionStateDict } from '../../../src/features/inception/hash-weights.js';
import { createSession, type Float32Tensor } from '../../../src/onnx/session.js';
import type { StateDict } from '../../../src/core/types.js';
import { FIXTURES, fixtureFiles, fixtureFloat32, maxAbsDiff } from './fixtures.js';

const FILE = 'a01_mnist_28_gray.png';

let stateDict: StateDict;
let model: Uint8Array;
let outputs: Record<string, Float32Tensor>;

const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

beforeAll(async () => {
  stateDict = hashInceptionStateDict();
  model = buildInceptionModel(stateDict, { moduleOutputs: true });
  const session = await createSession(model, { threads: 2 });
  const input = await fixtureFloat32(`inception-fid/set_a/model_input_${FILE}.npy`);
  outputs = await session.run({ image: { data: input, dims: [1, 3, 299, 299] } });
  await session.release();
});

describe('buildInceptionModel', () => {
  it('has the FID Inception structure', () => {
    const graph = onnxProto.onnx.ModelProto.decode(model).graph!;
    const count = (op: string) => graph.node!.filter((n) => n.opType === op).length;
    expect(count('Conv')).toBe(94);
    expect(count('Relu')).toBe(94);
    expect(count('BatchNormalization')).toBe(0);
    expect(count('MaxPool')).toBe(5);
    expect(count('Concat')).toBe(11 + 4);
    const avgPools = graph.node!.filter((n) => n.opType === 'AveragePool');
    expect(avgPools).toHaveLength(8);
    for (const pool of avgPools) expect(Number(pool.attribute!.find((a) => a.name === 'count_include_pad')!.i)).toBe(0);
    const declared = graph.output!.map((o) => [o.name, o.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))]);
    for (const [name, dim] of Object.entries(INCEPTION_OUTPUT_DIMS)) expect(declared).toContainEqual([name, ['batch', dim]]);
  });

  it('gives pytorch-fid\'s pool3 and logits from pytorch-fid\'s network input', async () => {
    const index = fixtureFiles('set_a').indexOf(FILE);
    for (const [output, file, dim] of [['pool3', 'features', 2048], ['logits_unbiased', 'logits_unbiased', 1008], ['logits', 'logits', 1008]] as const) {
      const reference = (await fixtureFloat32(`inception-fid/set_a/${file}.npy`)).subarray(index * dim, (index + 1) * dim);
      const diff = maxAbsDiff(outputs[output].data, reference);
      expect(diff).toBeLessThanOrEqual(1e-3);
      expect(diff / maxAbs(reference)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('exposes every top-level module with the shapes pytorch-fid reports', () => {
    const summaries = JSON.parse(readFileSync(`${FIXTURES}/inception-fid/layer_summaries_${FILE}.json`, 'utf8')).layers as { module: string; shape: number[] }[];
    const byIndex = INCEPTION_MODULES.map((m) => outputs[m].dims);
    expect(byIndex).toEqual(summaries.map((s) => s.shape));
    // The taps are the global averages of MaxPool_1, MaxPool_2 and Mixed_6e.
    const mean = (t: Float32Tensor, c: number) => {
      const plane = t.dims[2] * t.dims[3];
      return t.data.subarray(c * plane, (c + 1) * plane).reduce((a, b) => a + b, 0) / plane;
    };
    for (const [tap, module] of [['pool_64', 'MaxPool_1'], ['pool_192', 'MaxPool_2'], ['pool_768', 'Mixed_6e']] as const) {
      expect(Math.abs(outputs[tap].data[5] - mean(outputs[module], 5))).toBeLessThanOrEqual(1e-5 * Math.abs(outputs[tap].data[5]));
    }
  });

  it('gives the same network with BatchNorm left unfolded', async () => {
    const session = await createSession(buildInceptionModel(stateDict, { foldBatchNorm: false }), { threads: 2 });
    const input = await fixtureFloat32(`inception-fid/set_a/model_input_${FILE}.npy`);
    const unfolded = await session.run({ image: { data: input, dims: [1, 3, 299, 299] } }, ['pool3']);
    await session.release();
    expect(maxAbsDiff(unfolded.pool3.data, outputs.pool3.data) / maxAbs(outputs.pool3.data)).toBeLessThanOrEqual(1e-5);
  });

  it('refuses weights of another architecture, naming the keys', () => {
    const without = new Map(stateDict);
    without.delete('Mixed_6b.branch7x7_2.conv.weight');
    expect(() => buildInceptionModel(without, { source: 'my.pth' })).toThrow(/my\.pth.*missing 1 key\(s\): Mixed_6b\.branch7x7_2\.conv\.weight/);
    const reshaped = new Map(stateDict);
    reshaped.set('fc.weight', { dtype: 'float32', shape: [1000, 2048], data: new Float32Array(1000 * 2048) });
    expect(() => buildInceptionModel(reshaped)).toThrow(/fc\.weight is \[1000, 2048\], expected \[1008, 2048\]/);
    const extra = new Map(stateDict);
    extra.set('AuxLogits.fc.weight', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
    expect(() => buildInceptionModel(extra)).toThrow(FidkitError);
    const integers = new Map(stateDict);
    integers.set('fc.bias', { dtype: 'int32', shape: [1008], data: new Int32Array(1008) });
    expect(() => buildInceptionModel(integers)).toThrow(/fc\.bias holds int32 values/);
  });
});

describe('foldBatchNorm', () => {
  it('scales each output channel by γ/√(σ²+ε) and moves β − μγ/√(σ²+ε) into the bias', () => {
    // eps 1 and variances 3, 0 give √(σ²+ε) = 2, 1 exactly: scales 2/2 = 1 and 0.5/1 = 0.5.
    const beta = Float32Array.from([0.1, -0.2]);
    const { weight, bias } = foldBatchNorm(Float32Array.from([1, 2, 3, 4]), Float32Array.from([2, 0.5]), beta, Float32Array.from([1, -1]), Float32Array.from([3, 0]), 1);
    expect([...weight]).toEqual([1, 2, 1.5, 2]);
    // The bias is computed in float64 from the float32 inputs and rounded once.
    expect([...bias]).toEqual([Math.fround(beta[0] - 1), Math.fround(beta[1] + 0.5)]);
  });
});
