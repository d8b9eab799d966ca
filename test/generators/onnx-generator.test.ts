import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { FidkitError, FormatError, InputError, UsageError } from '../../src/core/errors.js';
import {
  buildGanGeneratorModel,
  buildVaeDecoderModel,
  buildVaeEncoderModel,
  loadBundledGenerator,
  loadBundledVaeEncoder,
} from '../../src/models/mnist/bundled-generators.js';
import { generate, GENERATOR_PARAMS, initGanWeights } from '../../src/models/mnist/gan.js';
import type { ImageGenerator } from '../../src/generators/generator.js';
import { loadGenerator } from '../../src/models/load-generator.js';
import type { Vars } from '../../src/models/mnist/matmul.js';
import { bundledModelDir, readGenerativeModel } from '../../src/models/mnist/model-files.js';
import { inspectGeneratorModel, loadOnnxGenerator, parseValueRange, withMetadata } from '../../src/generators/onnx-generator.js';
import { fillNormal, type ParamTable, type Weights } from '../../src/io/params.js';
import { loadTf } from '../../src/models/mnist/tf.js';
import { decodeLogits, DECODER_PARAMS, encode, ENCODER_PARAMS, initVaeWeights } from '../../src/models/mnist/vae.js';
import { GraphBuilder } from '../../src/onnx/graph-builder.js';
import { RandomState } from '../../src/random/random-state.js';
import { makeTinyGenerator, type TinyGeneratorSpec } from './tiny-onnx-generator.js';

const tmp = mkdtempSync(join(tmpdir(), 'fidkit-onnx-gen-'));
const opened: ImageGenerator[] = [];
afterAll(async () => {
  for (const g of opened) await g.dispose();
});
const keep = <T extends ImageGenerator>(g: T): T => (opened.push(g), g);

const codes = (count: number, d: number, seed = 1): Float32Array => fillNormal(new RandomState(seed), new Float32Array(count * d));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Run a tfjs forward pass on plain weights (the training code's own functions). */
async function tfForward(table: ParamTable, weights: Weights, x: Float32Array, rows: number, f: (tf: Awaited<ReturnType<typeof loadTf>>, v: Vars, x: tfTypes.Tensor2D) => tfTypes.Tensor2D): Promise<Float32Array> {
  const tf = await loadTf();
  const out = tf.tidy(() => {
    const v: Vars = {};
    for (const { name, shape } of table) v[name] = tf.tensor(weights[name], [...shape]);
    return f(tf, v, tf.tensor2d(x, [rows, x.length / rows]));
  });
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

// Tolerance 1e-5 on pixels in [0, 1] (and on μ, |μ| of order 1): ONNX Runtime's Gemm and tfjs-WASM's
// matMul sum a few hundred float32 products in different orders, which moves results by ~1e-6.
const TF_TOLERANCE = 1e-5;

describe('bundled generators as ONNX graphs', () => {
  it('the GAN generator graph equals tfjs generate() within 1e-5 (seeded weights and the bundled file)', async () => {
    const d = GENERATOR_PARAMS[0].shape[0];
    const z = codes(6, d);
    for (const weights of [initGanWeights(3), (await readGenerativeModel('gan', bundledModelDir('mnist-gan'))).weights]) {
      const gen = keep(await loadOnnxGenerator(buildGanGeneratorModel(weights), { name: 'gan' }));
      expect([gen.latentDim, gen.height, gen.width, gen.channels]).toEqual([d, 28, 28, 1]);
      // The graph's metadata says how to read it, as the user contract asks of any file.
      expect(gen.decidedBy).toEqual({ layout: 'metadata', range: 'metadata' });
      const onnx = await gen.generate(z, 6);
      const tf = await tfForward(GENERATOR_PARAMS, weights, z, 6, generate);
      expect(maxAbsDiff(onnx, tf)).toBeLessThan(TF_TOLERANCE);
      // Not a constant image: the comparison would be vacuous.
      expect(Math.max(...onnx) - Math.min(...onnx)).toBeGreaterThan(0.1);
    }
  });

  it('the VAE decoder graph equals sigmoid(decodeLogits) and the encoder graph equals encode().mu within 1e-5', async () => {
    const weights = initVaeWeights(5);
    const d = DECODER_PARAMS[0].shape[0];
    const z = codes(5, d, 2);
    const dec = keep(await loadOnnxGenerator(buildVaeDecoderModel(weights), { name: 'vae' }));
    expect([dec.latentDim, dec.height, dec.width, dec.channels]).toEqual([d, 28, 28, 1]);
    const tfImages = await tfForward(DECODER_PARAMS, weights, z, 5, (tf, v, x) => tf.sigmoid(decodeLogits(tf, v, x)));
    expect(maxAbsDiff(await dec.generate(z, 5), tfImages)).toBeLessThan(TF_TOLERANCE);

    const { createSession } = await import('../../src/onnx/session.js');
    const session = await createSession(buildVaeEncoderModel(weights));
    const x = tfImages; // [5, 784] pixels in [0, 1]
    const { mu } = await session.run({ images: { data: x, dims: [5, 784] } });
    await session.release();
    const tfMu = await tfForward(ENCODER_PARAMS, weights, x, 5, (tf, v, t) => encode(tf, v, t).mu);
    expect(mu.dims).toEqual([5, d]);
    expect(maxAbsDiff(mu.data, tfMu)).toBeLessThan(TF_TOLERANCE);
  });

  it('loads the bundled models by name with the weights file as sha256, and the VAE encoder', async () => {
    const gan = keep(await loadGenerator('mnist-gan'));
    const { bytes } = await readGenerativeModel('gan', bundledModelDir('mnist-gan'));
    const { createHash } = await import('node:crypto');
    expect(gan.name).toBe('mnist-gan');
    expect(gan.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const images = await gan.generate(codes(3, gan.latentDim), 3);
    expect(images.length).toBe(3 * 784);
    expect(images.every((v) => v >= 0 && v <= 1)).toBe(true);

    const encoder = await loadBundledVaeEncoder();
    const vae = keep(await loadBundledGenerator('mnist-vae'));
    expect(encoder.latentDim).toBe(vae.latentDim);
    const mu = await encoder.encodeMean(await vae.generate(codes(2, vae.latentDim), 2), 2);
    expect(mu.length).toBe(2 * encoder.latentDim);
    expect(mu.every(Number.isFinite)).toBe(true);
    await expect(encoder.encodeMean(new Float32Array(10), 1)).rejects.toThrow('the VAE encoder takes 784 pixels per image: got 10 values for 1 images, expected 784');
    await encoder.dispose();
  });
});

/** Expected [N, H, W, C] in [0, 1] from a raw output, by explicit index arithmetic. */
function expectedUnit(raw: Float64Array, count: number, shape: readonly number[], layout: 'nchw' | 'nhwc', range: '0,1' | '-1,1'): Float64Array {
  const [a, b, c] = shape;
  const [h, w, ch] = layout === 'nchw' ? [b, c, a] : [a, b, c];
  const out = new Float64Array(count * h * w * ch);
  for (let n = 0; n < count; n++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < ch; k++) {
          const src = layout === 'nchw' ? ((n * ch + k) * h + y) * w + x : ((n * h + y) * w + x) * ch + k;
          const v = range === '-1,1' ? (raw[src] + 1) / 2 : raw[src];
          out[((n * h + y) * w + x) * ch + k] = Math.min(1, Math.max(0, v));
        }
  return out;
}

// Tolerance 1e-6: the reference sums 8 float32 products in float64, ORT in float32 (error ~1e-7).
const TINY_TOLERANCE = 1e-6;

async function checkTiny(spec: TinyGeneratorSpec, layout: 'nchw' | 'nhwc', range: '0,1' | '-1,1', options: Parameters<typeof loadOnnxGenerator>[1] = {}, count = 5) {
  const tiny = makeTinyGenerator(spec);
  const gen = keep(await loadOnnxGenerator(tiny.bytes, options));
  expect(gen.layout).toBe(layout);
  expect(gen.range).toBe(range);
  const z = codes(count, gen.latentDim, 4);
  const images = await gen.generate(z, count);
  expect(maxAbsDiff(images, expectedUnit(tiny.reference(z, count), count, spec.shape, layout, range))).toBeLessThan(TINY_TOLERANCE);
  return { gen, images };
}

describe('users\' ONNX generators', () => {
  it('N×1×7×7 Tanh with metadata range -1,1: NCHW from the shape, range from the metadata', async () => {
    const { gen } = await checkTiny({ shape: [1, 7, 7], final: 'Tanh', metadata: { 'fidkit.range': '-1,1' } }, 'nchw', '-1,1');
    expect(gen.decidedBy).toEqual({ layout: 'output shape', range: 'metadata' });
    expect([gen.height, gen.width, gen.channels]).toEqual([7, 7, 1]);
  });

  it('RGB N×3×7×5 ending in Tanh: transposed to N×7×5×3, range from the Tanh', async () => {
    const { gen } = await checkTiny({ shape: [3, 7, 5], final: 'Tanh' }, 'nchw', '-1,1');
    expect(gen.decidedBy).toEqual({ layout: 'output shape', range: 'output operator' });
    expect([gen.height, gen.width, gen.channels]).toEqual([7, 5, 3]);
  });

  it('NHWC N×6×4×3 ending in Sigmoid: kept as is, range [0,1] from the Sigmoid', async () => {
    const { gen } = await checkTiny({ shape: [6, 4, 3], final: 'Sigmoid' }, 'nhwc', '0,1');
    expect(gen.decidedBy).toEqual({ layout: 'output shape', range: 'output operator' });
  });

  it('metadata layout and range on an unactivated output: clamped into [0,1]', async () => {
    const spec: TinyGeneratorSpec = { shape: [6, 4, 1], final: 'none', weightScale: 1, metadata: { 'fidkit.layout': 'NHWC', 'fidkit.range': '[0, 1]' } };
    const { gen, images } = await checkTiny(spec, 'nhwc', '0,1');
    expect(gen.decidedBy).toEqual({ layout: 'metadata', range: 'metadata' });
    // The raw output leaves [0,1] (|w|,|b| ≤ 1 and z ~ N(0,1)), so clamping was exercised at both ends.
    expect(images.some((v) => v === 0) && images.some((v) => v === 1)).toBe(true);
  });

  it('flags win over metadata and shape inference', async () => {
    const spec: TinyGeneratorSpec = { shape: [6, 4, 1], final: 'Sigmoid', metadata: { 'fidkit.range': '0,1', 'fidkit.layout': 'nhwc' } };
    const { gen } = await checkTiny(spec, 'nhwc', '-1,1', { range: '-1,1' });
    expect(gen.decidedBy).toEqual({ layout: 'metadata', range: 'option' });
    // [N,1,1,3] reads as NCHW with 1 channel of 1×3 unless --layout nhwc says RGB 1×1.
    const rgb = await checkTiny({ shape: [1, 1, 3], final: 'Tanh' }, 'nhwc', '-1,1', { layout: 'nhwc' });
    expect(rgb.gen.channels).toBe(3);
  });

  it('a fixed batch size is fed in whole batches, the last padded; [N, d, 1, 1] inputs are accepted', async () => {
    const fixed = await checkTiny({ shape: [1, 5, 5], final: 'Tanh', batch: 4 }, 'nchw', '-1,1', {}, 10);
    expect(fixed.gen.fixedBatch).toBe(4);
    await checkTiny({ shape: [1, 5, 5], final: 'Tanh', inputOnes: 2 }, 'nchw', '-1,1', {}, 3);
    // Batching (dynamic models) never changes the images.
    const small = await checkTiny({ shape: [1, 5, 5], final: 'Tanh' }, 'nchw', '-1,1', { batchSize: 3 }, 10);
    expect(maxAbsDiff(small.images, fixed.images)).toBeLessThan(TINY_TOLERANCE);
  });

  it('a dynamic latent width needs --latent-dim; a static one must agree with it', async () => {
    const dyn = makeTinyGenerator({ shape: [1, 4, 4], latentDim: 6, dynamicLatent: true });
    await expect(loadOnnxGenerator(dyn.bytes, { name: 'dyn.onnx' })).rejects.toThrow(new UsageError("dyn.onnx: the latent width of input 'z' is not fixed in the model: pass latentDim: D"));
    await checkTiny({ shape: [1, 4, 4], latentDim: 6, dynamicLatent: true }, 'nchw', '-1,1', { latentDim: 6 });
    const fixed = makeTinyGenerator({ shape: [1, 4, 4], latentDim: 6 });
    await expect(loadOnnxGenerator(fixed.bytes, { name: 'g.onnx', latentDim: 7 })).rejects.toThrow(
      new UsageError("g.onnx: input 'z' has latent width 6, but latentDim: 7 was given: drop the latentDim option"),
    );
  });

  it('reads files, hashes their bytes, and names them', async () => {
    const tiny = makeTinyGenerator({ shape: [3, 4, 4], final: 'Tanh' });
    const path = join(tmp, 'tiny.onnx');
    writeFileSync(path, tiny.bytes);
    const gen = keep(await loadGenerator(path));
    const { createHash } = await import('node:crypto');
    expect(gen.name).toBe(path);
    expect(gen.sha256).toBe(createHash('sha256').update(tiny.bytes).digest('hex'));
    await expect(gen.generate(new Float32Array(7), 1)).rejects.toThrow(new InputError(`${path} takes latent codes of width 8: got 7 values for 1 codes, expected 1 × 8 = 8`));
  });

  it('reports the output operator through Reshape/Identity, and metadata', () => {
    const info = inspectGeneratorModel(makeTinyGenerator({ shape: [1, 4, 4], final: 'none', metadata: { a: 'b' } }).bytes);
    expect(info.outputOp).toBe('Gemm');
    expect(info.metadata).toEqual({ a: 'b' });
    expect(info.input).toEqual({ name: 'z', elementType: 1, dims: [undefined, 8] });
    expect(inspectGeneratorModel(makeTinyGenerator({ shape: [1, 4, 4], final: 'Sigmoid' }).bytes).outputOp).toBe('Sigmoid');
    // withMetadata replaces a key and keeps the others.
    const twice = withMetadata(withMetadata(makeTinyGenerator({ shape: [1, 4, 4] }).bytes, { a: '1', b: '2' }), { a: '3' });
    expect(inspectGeneratorModel(twice).metadata).toEqual({ b: '2', a: '3' });
    expect(parseValueRange(' ( -1 , 1 ) ')).toBe('-1,1');
    expect(parseValueRange('0,255')).toBeUndefined();
  });
});

/** A graph with inputs/outputs declared by hand, for the contract's errors. */
function handMade(build: (g: GraphBuilder) => void): Uint8Array {
  const g = new GraphBuilder('bad');
  build(g);
  return g.toBytes();
}

describe('contract errors', () => {
  it('a missing file, a folder, and bytes that are not ONNX', async () => {
    const missing = join(tmp, 'nope.onnx');
    await expect(loadGenerator(missing)).rejects.toThrow(new FidkitError('E_NOT_FOUND', `generator not found: ${missing}: check the path (a generator is mnist-gan, mnist-vae or an .onnx file)`));
    await expect(loadOnnxGenerator(tmp)).rejects.toThrow(new InputError(`${tmp} is a folder, where an .onnx generator file was expected`));
    const fake = join(tmp, 'fake.onnx');
    writeFileSync(fake, Buffer.from('\x89PNG\r\n\x1a\n this is not a model'));
    const err = await loadGenerator(fake).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(new RegExp(`^${fake.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not an ONNX model \\(.*\\): export the generator with torch\\.onnx\\.export or tf2onnx$`));
  });

  it('the input must be one float32 [N, d] tensor', async () => {
    const int64 = handMade((g) => g.output(g.op('Identity', [g.input('z', 'int64', ['N', 4])]), 'int64', ['N', 4]));
    await expect(loadOnnxGenerator(int64, { name: 'm' })).rejects.toThrow(new InputError("m: input 'z' is int64, expected float32 latent codes z [N, d]"));
    const rank3 = handMade((g) => g.output(g.op('Identity', [g.input('z', 'float32', ['N', 4, 2])]), 'float32', ['N', 4, 2]));
    await expect(loadOnnxGenerator(rank3, { name: 'm' })).rejects.toThrow(new InputError("m: input 'z' has shape [?, 4, 2], expected rank 2 [N, d] (or [N, d, 1, 1]): reshape z inside the graph"));
    const two = handMade((g) => g.output(g.add(g.input('z', 'float32', ['N', 4]), g.input('y', 'float32', ['N', 4])), 'float32', ['N', 4]));
    await expect(loadOnnxGenerator(two, { name: 'm' })).rejects.toThrow(
      new InputError('m has 2 inputs (z, y); fidkit feeds only the latent codes z [N, d]: export a graph whose only input is z (fix labels or other inputs inside the graph)'),
    );
  });

  it('the output must be float32 images of rank 4 with 1 or 3 channels, layout decidable', async () => {
    const flat = handMade((g) => g.output(g.op('Tanh', [g.input('z', 'float32', ['N', 4])]), 'float32', ['N', 4]));
    await expect(loadOnnxGenerator(flat, { name: 'm' })).rejects.toThrow(
      new InputError("m: output 'Tanh' has shape [?, 4] (rank 2), expected images of rank 4, N×C×H×W or N×H×W×C: reshape inside the graph"),
    );
    const double = handMade((g) => g.output(g.cast(g.input('z', 'float32', ['N', 4]), 'float64'), 'float64', ['N', 4]));
    await expect(loadOnnxGenerator(double, { name: 'm' })).rejects.toThrow(new InputError("m: output 'Cast' is float64, expected float32 images: export it with a float32 output (cast inside the graph)"));
    await expect(loadOnnxGenerator(makeTinyGenerator({ shape: [2, 7, 5] }).bytes, { name: 'm' })).rejects.toThrow(
      new InputError('m: output shape [1, 2, 7, 5] has no channel axis of size 1 or 3 (N×C×H×W or N×H×W×C expected): fidkit reads grayscale or RGB images'),
    );
    await expect(loadOnnxGenerator(makeTinyGenerator({ shape: [3, 4, 3] }).bytes, { name: 'm' })).rejects.toThrow(
      new UsageError("m: output shape [1, 3, 4, 3] could be N×C×H×W or N×H×W×C: pass layout: 'nchw' or layout: 'nhwc' (or store metadata fidkit.layout in the model)"),
    );
    await expect(loadOnnxGenerator(makeTinyGenerator({ shape: [2, 7, 5] }).bytes, { name: 'm', layout: 'nchw' })).rejects.toThrow(
      new InputError('m: output shape [1, 2, 7, 5] read as NCHW has 2 channels, expected 1 or 3 (layout from the layout option: check it)'),
    );
    const badMeta = makeTinyGenerator({ shape: [1, 4, 4], metadata: { 'fidkit.layout': 'chw' } }).bytes;
    await expect(loadOnnxGenerator(badMeta, { name: 'm' })).rejects.toThrow(new FormatError("m: metadata fidkit.layout is 'chw', expected nchw or nhwc: fix it, or override it with the layout option"));
  });

  it('refuses to guess the range, and NaN output is an error', async () => {
    await expect(loadOnnxGenerator(makeTinyGenerator({ shape: [1, 4, 4], final: 'Relu' }).bytes, { name: 'm' })).rejects.toThrow(
      new UsageError("m: cannot tell the value range of the output (it ends in Relu, not Tanh or Sigmoid): pass range: '-1,1' or range: '0,1' (or store metadata fidkit.range in the model)"),
    );
    const log = keep(await loadOnnxGenerator(makeTinyGenerator({ shape: [1, 4, 4], final: 'Log' }).bytes, { name: 'm', range: '0,1' }));
    await expect(log.generate(codes(3, 8), 3)).rejects.toThrow(/^m: the generator's output has NaN for latent row 0: the model fails on this code/);
  });

  it('+Inf output is an error naming the latent row, not clamped to white', async () => {
    // images = (z·0 + 1) / c with c = 2 everywhere but 0 at the last pixel: 0.5 except +Inf there, every row.
    const inf = handMade((g) => {
      const z = g.input('z', 'float32', ['N', 2]);
      const h = g.gemm(z, g.initializer('w', new Float32Array(2 * 16), [2, 16]), g.initializer('b', new Float32Array(16).fill(1), [16]));
      const shaped = g.op('Reshape', [h, g.initializer('shape', BigInt64Array.from([-1n, 1n, 4n, 4n]), [4])]);
      const divisor = Float32Array.from({ length: 16 }, (_, i) => (i === 15 ? 0 : 2));
      g.output(g.op('Div', [shaped, g.initializer('c', divisor, [1, 1, 4, 4])], {}, 'images'), 'float32', ['N', 1, 4, 4]);
    });
    const gen = keep(await loadOnnxGenerator(inf, { name: 'inf.onnx', range: '0,1' }));
    await expect(gen.generate(codes(3, 2), 3)).rejects.toThrow(
      new InputError("inf.onnx: the generator's output has Infinity for latent row 0: the model fails on this code (check its weights, or the latent scale it was trained with)"),
    );
  });

  it('loadGenerator: unknown names list the valid ones; ONNX-only flags are refused for bundled models', async () => {
    await expect(loadGenerator('mnist-gam')).rejects.toThrow(new UsageError("unknown generator 'mnist-gam'; valid generators: mnist-gan, mnist-vae, or a path to an .onnx file"));
    await expect(loadGenerator('mnist-gan', { layout: 'nchw', range: '0,1' })).rejects.toThrow(
      new UsageError('the options layout, range apply to .onnx generators only; mnist-gan is bundled (28×28 grayscale in [0, 1])'),
    );
    await expect(loadGenerator('x.onnx', { model: 'dir' })).rejects.toThrow(new UsageError('the model option applies to the bundled generators (mnist-gan, mnist-vae), not to x.onnx'));
  });
});
