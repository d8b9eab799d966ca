/**
 * The bring-your-own ONNX extractor (`--extractor onnx:PATH.onnx`):
 * - the FID Inception graph fidkit builds (hash weights), saved to a file and described by flags,
 *   gives the built-in extractor's features bit for bit under each protocol's equivalent spec;
 * - a tiny hand-built model whose outputs are its input flattened (and doubled) shows exactly
 *   what reaches the network, for every preprocessing option, against an independent reference
 *   written out here (the resizes themselves are proven in test/features/resize.test.ts);
 * - how each field is decided (flag > metadata > the model's input shape > default) and what
 *   fidkit refuses, with its messages.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildInceptionModel } from '../../../src/features/inception/graph.js';
import { hashInceptionStateDict } from '../../../src/features/inception/hash-weights.js';
import { loadInception } from '../../../src/features/inception/index.js';
import type { InceptionProtocol } from '../../../src/features/inception/protocols.js';
import { loadOnnxExtractor, type OnnxExtractorOptions } from '../../../src/features/onnx/index.js';
import { loadExtractor } from '../../../src/features/registry.js';
import { resizeImage, type ResizeMethod } from '../../../src/features/resize.js';
import { withMetadata } from '../../../src/generators/onnx-generator.js';
import type { DecodedImage } from '../../../src/io/decoded-image.js';
import { GraphBuilder, type Dim } from '../../../src/onnx/graph-builder.js';
import { fixtureImage, fixtureImages } from '../inception/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'fidkit-onnx-extractor-'));
const save = (name: string, bytes: Uint8Array) => {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
};

/** Inception spec per protocol: what `--onnx-*` flags make the built-in preprocessing. */
const SPECS: Record<InceptionProtocol, OnnxExtractorOptions> = {
  tf: { onnxResize: 'tf-bilinear', onnxSize: '299', onnxRange: '0,255', onnxMean: [128], onnxStd: [128] },
  'pytorch-fid': { onnxResize: 'torch-bilinear', onnxSize: '299', onnxRange: '-1,1' },
  clean: { onnxResize: 'pil-bicubic', onnxSize: '299', onnxRange: '0,255', onnxMean: [128, 128, 128], onnxStd: [128, 128, 128] },
};

describe('the Inception graph as a bring-your-own ONNX model', () => {
  let model: Uint8Array;
  let path: string;
  beforeAll(() => {
    model = buildInceptionModel(hashInceptionStateDict());
    path = save('inception-hash.onnx', model);
  });

  for (const protocol of ['tf', 'pytorch-fid', 'clean'] as const) {
    it(`reproduces the built-in extractor's features bit for bit (protocol ${protocol})`, async () => {
      // Every set_a image for tf (sizes 28² … 320×200, gray, RGBA, palette, 16-bit); four for the others.
      const all = await fixtureImages('set_a');
      const images = protocol === 'tf' ? all : [all[0], all[5], all[7], all[8]];
      const builtIn = await loadInception({ model, protocol, threads: 2 });
      const byo = await loadOnnxExtractor(path, { ...SPECS[protocol], onnxOutput: 'pool3', onnxLogits: 'logits_unbiased', threads: 2 });
      try {
        expect(byo.dims).toEqual({ features: 2048, logits: 1008 });
        expect(byo.decidedBy).toMatchObject({ size: 'flag', layout: 'model', resize: 'flag', output: 'flag' });
        const want = await builtIn.extract(images, ['pool3', 'logits_unbiased']);
        const got = await byo.extract(images);
        expect(got.features.rows).toBe(images.length);
        expect(Buffer.from(got.features.data.buffer).equals(Buffer.from(want.pool3.data.buffer))).toBe(true);
        expect(Buffer.from(got.logits.data.buffer).equals(Buffer.from(want.logits_unbiased.data.buffer))).toBe(true);
      } finally {
        await builtIn.dispose();
        await byo.dispose();
      }
    }, 120_000);
  }

  it('records the model SHA-256 and the spec; the first output is the default feature output', async () => {
    const loaded = await loadExtractor(`onnx:${path}`, { onnx: { onnxResize: 'tf-bilinear' } });
    try {
      expect(loaded.name).toBe('onnx');
      expect(loaded.weightsId).toBe(createHash('sha256').update(model).digest('hex'));
      expect(loaded.extractor.dims).toEqual({ features: 2048 });
      expect(loaded.extractor.protocol).toBe('onnx-spec(size=299x299 resize=tf-bilinear resize_to=299x299 range=0,1 mean=0,0,0 std=1,1,1 channels=rgb layout=nchw output=pool3)');
      expect(loaded.identity).toMatchObject({ weightsSha256: loaded.weightsId, official: null, weights: path, source: 'user', protocol: loaded.extractor.protocol, warnings: [] });
      expect(loaded.identity.spec).toMatchObject({ model: path, sha256: loaded.weightsId, size: '299x299', resize: 'tf-bilinear', output: 'pool3', logits: null, dims: { features: 2048 }, decidedBy: { size: 'model', range: 'default' } });
      await expect(loaded.extractor.extract([(await fixtureImages('set_a'))[0]], ['logits'] as never)).rejects.toThrow(
        `${path}: the Inception Score needs class logits, and no output was named for them: pass onnxLogits: OUTPUT, or store metadata fidkit.logits in the model`,
      );
    } finally {
      await loaded.extractor.dispose();
    }
  }, 60_000);
});

// ── a tiny model: outputs = the input flattened, and doubled ─────────────────────────────────────

interface Tiny { layout?: 'nchw' | 'nhwc'; h?: Dim; w?: Dim; batch?: Dim; outDims?: 'fixed' | 'symbolic'; inputs?: number; meta?: Record<string, string> }

function tinyModel({ layout = 'nchw', h = 4, w = 6, batch = 'batch', outDims = 'fixed', inputs = 1, meta }: Tiny = {}): string {
  const g = new GraphBuilder('tiny');
  const x = g.input('x', 'float32', layout === 'nchw' ? [batch, 3, h, w] : [batch, h, w, 3]);
  if (inputs > 1) g.input('y', 'float32', [batch, 1]);
  const flat = g.flatten(x, 1, 'flat');
  const twice = g.mul(flat, g.initializer('two', new Float32Array([2]), [1]), 'twice');
  const d = typeof h === 'number' && typeof w === 'number' ? 3 * h * w : 'd';
  g.output(flat, 'float32', [batch, outDims === 'fixed' ? d : 'd']);
  g.output(twice, 'float32', [batch, outDims === 'fixed' ? d : 'd']);
  const bytes = g.toBytes();
  return save(`tiny-${Math.random().toString(36).slice(2)}.onnx`, meta ? withMetadata(bytes, meta) : bytes);
}

/** A W×H RGB image whose pixel (x, y, c) is (7x + 13y + 61c) mod 256: every value differs from its neighbours. */
function pattern(width: number, height: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (7 * x + 13 * y + 61 * c) % 256;
  return { data, width, height };
}

const f32 = Math.fround;

/**
 * The model input written out from the definitions (README "Bring your own ONNX extractor"):
 * resize (or not) to rh×rw, centre crop at torchvision's offsets, range, (x − mean)/std, channel order, layout.
 */
function reference(image: DecodedImage, o: { resize: ResizeMethod | 'none'; rh: number; rw: number; h: number; w: number; top: number; left: number; range: string; mean?: number[]; std?: number[]; bgr?: boolean; nhwc?: boolean }): Float32Array {
  const planar = o.resize === 'none' ? null : resizeImage(image, o.resize, o.rh, o.rw);
  const unit = o.resize === 'torch-bilinear';
  const value = (c: number, y: number, x: number) => (planar ? planar.data[(c * o.rh + y) * o.rw + x] : image.data[(y * image.width + x) * 3 + c]);
  const map = (v: number): number => {
    if (o.range === '0,255') return unit ? f32(v * 255) : v;
    if (o.range === '0,1') return unit ? v : f32(v / 255);
    return unit ? f32(2 * v - 1) : f32(v / 127.5 - 1);
  };
  const out = new Float32Array(3 * o.h * o.w);
  for (let k = 0; k < 3; k++) {
    for (let y = 0; y < o.h; y++) {
      for (let x = 0; x < o.w; x++) {
        const c = o.bgr ? 2 - k : k;
        const v = f32(f32(map(value(c, o.top + y, o.left + x)) - f32(o.mean?.[k] ?? 0)) / f32(o.std?.[k] ?? 1));
        out[o.nhwc ? (y * o.w + x) * 3 + k : (k * o.h + y) * o.w + x] = v;
      }
    }
  }
  return out;
}

async function features(path: string, images: DecodedImage[], options: OnnxExtractorOptions, layers?: ('features' | 'logits')[]) {
  const x = await loadOnnxExtractor(path, options);
  try {
    return { x, got: await x.extract(images, layers) };
  } finally {
    await x.dispose();
  }
}

describe('every preprocessing option, on a model that returns its input', () => {
  const nchw = tinyModel();
  const nhwc = tinyModel({ layout: 'nhwc' });
  const img = pattern(9, 7); // W 9 × H 7

  for (const resize of ['tf-bilinear', 'torch-bilinear', 'pil-bicubic', 'pil-bilinear'] as const) {
    for (const range of ['0,1', '0,255', '-1,1'] as const) {
      it(`resize ${resize}, range ${range}`, async () => {
        const { got, x } = await features(nchw, [img], { onnxResize: resize, onnxRange: range });
        expect(x.dims.features).toBe(72);
        expect(Array.from(got.features.data)).toEqual(Array.from(reference(img, { resize, rh: 4, rw: 6, h: 4, w: 6, top: 0, left: 0, range })));
      });
    }
  }

  it('mean and std per channel, in the network channel order; bgr; nhwc', async () => {
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const opts = { onnxResize: 'pil-bicubic', onnxMean: mean, onnxStd: std } as const;
    const a = await features(nchw, [img], opts);
    expect(Array.from(a.got.features.data)).toEqual(Array.from(reference(img, { resize: 'pil-bicubic', rh: 4, rw: 6, h: 4, w: 6, top: 0, left: 0, range: '0,1', mean, std })));
    const b = await features(nchw, [img], { ...opts, onnxChannels: 'bgr' });
    expect(Array.from(b.got.features.data)).toEqual(Array.from(reference(img, { resize: 'pil-bicubic', rh: 4, rw: 6, h: 4, w: 6, top: 0, left: 0, range: '0,1', mean, std, bgr: true })));
    const c = await features(nhwc, [img], { ...opts, onnxChannels: 'bgr' });
    expect(c.x.spec.layout).toBe('nhwc');
    expect(Array.from(c.got.features.data)).toEqual(Array.from(reference(img, { resize: 'pil-bicubic', rh: 4, rw: 6, h: 4, w: 6, top: 0, left: 0, range: '0,1', mean, std, bgr: true, nhwc: true })));
    // The same numbers in another order: the layout and channel order only move values.
    expect([...c.got.features.data].sort()).toEqual([...b.got.features.data].sort());
  });

  it('resize-to HxW, then the centre crop at round-half-even offsets', async () => {
    // 7 → 4 rows: (7 − 4)/2 = 1.5 → 2; 9 → 6 columns: 1.5 → 2. No resize (pil at the same size copies).
    const a = await features(nchw, [img], { onnxResize: 'pil-bilinear', onnxResizeTo: '7x9' });
    expect(Array.from(a.got.features.data)).toEqual(Array.from(reference(img, { resize: 'none', rh: 7, rw: 9, h: 4, w: 6, top: 2, left: 2, range: '0,1' })));
    // 5 → 4: 0.5 → 0; 7 → 6: 0.5 → 0.
    const b = await features(nchw, [img], { onnxResize: 'tf-bilinear', onnxResizeTo: '5x7' });
    expect(Array.from(b.got.features.data)).toEqual(Array.from(reference(img, { resize: 'tf-bilinear', rh: 5, rw: 7, h: 4, w: 6, top: 0, left: 0, range: '0,1' })));
    // 9 → 6 columns: 1.5 → 2; 6 → 4 rows: 1.
    const c = await features(nchw, [img], { onnxResize: 'torch-bilinear', onnxResizeTo: '6x9' });
    expect(Array.from(c.got.features.data)).toEqual(Array.from(reference(img, { resize: 'torch-bilinear', rh: 6, rw: 9, h: 4, w: 6, top: 1, left: 2, range: '0,1' })));
  });

  it("resize-to short:N keeps the aspect as torchvision's Resize(N): the longer side is int(N·long/short)", async () => {
    // W 9 × H 7, short:7 → H 7, W int(7·9/7) = 9; short:6 → H 6, W int(6·9/7) = int(7.71) = 7, crop (6−4)/2 = 1, (7−6)/2 = 0.5 → 0.
    const a = await features(nchw, [img], { onnxResize: 'tf-bilinear', onnxResizeTo: 'short:6' });
    expect(Array.from(a.got.features.data)).toEqual(Array.from(reference(img, { resize: 'tf-bilinear', rh: 6, rw: 7, h: 4, w: 6, top: 1, left: 0, range: '0,1' })));
    // A portrait image: W 7 × H 9 → W 6, H int(6·9/7) = 7: crop (7 − 4)/2 = 1.5 → 2 rows, 0 columns.
    const tall = pattern(7, 9);
    const b = await features(nchw, [tall], { onnxResize: 'pil-bicubic', onnxResizeTo: 'short:6' });
    expect(Array.from(b.got.features.data)).toEqual(Array.from(reference(tall, { resize: 'pil-bicubic', rh: 7, rw: 6, h: 4, w: 6, top: 2, left: 0, range: '0,1' })));
  });

  it('resize none takes images of the size as they are and refuses others', async () => {
    const exact = pattern(6, 4);
    const a = await features(nchw, [exact], { onnxResize: 'none', onnxRange: '0,255', onnxMean: [1, 2, 3] });
    expect(Array.from(a.got.features.data)).toEqual(Array.from(reference(exact, { resize: 'none', rh: 4, rw: 6, h: 4, w: 6, top: 0, left: 0, range: '0,255', mean: [1, 2, 3] })));
    await expect(features(nchw, [img], { onnxResize: 'none' })).rejects.toThrow(
      'image 0 of the batch: image is 9x7 (W×H), the model takes 6x4 and the resize is none: pass onnxResize: METHOD, or resize the images first',
    );
  });

  it('--onnx-output picks the feature output, --onnx-logits the IS one; D from the graph, or from a probe when symbolic', async () => {
    const a = await features(nchw, [img], { onnxResize: 'tf-bilinear', onnxOutput: 'twice', onnxLogits: 'flat' });
    const b = await features(nchw, [img], { onnxResize: 'tf-bilinear' });
    expect(a.x.layers).toEqual(['features', 'logits']);
    expect(Array.from(a.got.features.data)).toEqual(Array.from(b.got.features.data).map((v) => f32(2 * v)));
    expect(Array.from(a.got.logits.data)).toEqual(Array.from(b.got.features.data));
    const symbolic = tinyModel({ outDims: 'symbolic' });
    const c = await features(symbolic, [img], { onnxResize: 'tf-bilinear' });
    expect(c.x.dims.features).toBe(72);
    expect(Array.from(c.got.features.data)).toEqual(Array.from(b.got.features.data));
  });

  it('a fixed batch is fed whole, the last one padded; rows do not depend on the batch', async () => {
    const fixed = tinyModel({ batch: 2 });
    const images = [img, pattern(5, 5), pattern(12, 3)];
    const a = await features(fixed, images, { onnxResize: 'pil-bilinear' });
    const b = await features(nchw, images, { onnxResize: 'pil-bilinear' });
    expect(a.got.features.rows).toBe(3);
    expect(Array.from(a.got.features.data)).toEqual(Array.from(b.got.features.data));
  });

  it('size and layout come from a dynamic model only through flags or metadata', async () => {
    const dynamic = tinyModel({ h: 'h', w: 'w' });
    await expect(loadOnnxExtractor(dynamic, { onnxResize: 'tf-bilinear' })).rejects.toThrow(
      `${dynamic}: input 'x' [?, 3, ?, ?] does not fix its height and width: pass onnxSize: N or onnxSize: 'HxW' (or store metadata fidkit.size in the model)`,
    );
    const a = await features(dynamic, [img], { onnxResize: 'tf-bilinear', onnxSize: '4x6' });
    const b = await features(nchw, [img], { onnxResize: 'tf-bilinear' });
    expect(Array.from(a.got.features.data)).toEqual(Array.from(b.got.features.data));
    const ambiguous = tinyModel({ h: 5, w: 3 });
    await expect(loadOnnxExtractor(ambiguous, { onnxResize: 'tf-bilinear' })).rejects.toThrow(
      `${ambiguous}: cannot tell the layout of input 'x' [?, 3, 5, 3]: pass onnxLayout: 'nchw' or onnxLayout: 'nhwc' (or store metadata fidkit.layout in the model)`,
    );
    const x = await loadOnnxExtractor(ambiguous, { onnxResize: 'tf-bilinear', onnxLayout: 'nchw' });
    expect(x.spec.size).toEqual({ height: 5, width: 3 });
    await x.dispose();
  });
});

describe('metadata fidkit.* and what is refused', () => {
  const img = pattern(9, 7);

  it('metadata gives the spec; flags override it', async () => {
    const meta = { 'fidkit.resize': 'pil-bicubic', 'fidkit.range': '-1,1', 'fidkit.mean': '0.5,0.25,0', 'fidkit.std': '0.5', 'fidkit.channels': 'bgr', 'fidkit.output': 'twice', 'fidkit.resize_to': 'short:6' };
    const path = tinyModel({ meta });
    const a = await features(path, [img], {});
    expect(a.x.decidedBy).toMatchObject({ resize: 'metadata', range: 'metadata', mean: 'metadata', std: 'metadata', channels: 'metadata', output: 'metadata', resizeTo: 'metadata', size: 'model', layout: 'model' });
    const want = reference(img, { resize: 'pil-bicubic', rh: 6, rw: 7, h: 4, w: 6, top: 1, left: 0, range: '-1,1', mean: [0.5, 0.25, 0], std: [0.5, 0.5, 0.5], bgr: true });
    expect(Array.from(a.got.features.data)).toEqual(Array.from(want).map((v) => f32(2 * v)));
    const b = await features(path, [img], { onnxResize: 'tf-bilinear', onnxChannels: 'rgb', onnxOutput: 'flat' });
    expect(b.x.decidedBy).toMatchObject({ resize: 'flag', channels: 'flag', output: 'flag', range: 'metadata' });
    expect(Array.from(b.got.features.data)).toEqual(Array.from(reference(img, { resize: 'tf-bilinear', rh: 6, rw: 7, h: 4, w: 6, top: 1, left: 0, range: '-1,1', mean: [0.5, 0.25, 0], std: [0.5, 0.5, 0.5] })));
  });

  it('refuses with the file, the reason and the fix', async () => {
    const plain = tinyModel();
    await expect(loadOnnxExtractor(plain, {})).rejects.toThrow(
      `${plain}: the model does not say how images are resized: pass onnxResize: METHOD with METHOD one of tf-bilinear, torch-bilinear, pil-bicubic, pil-bilinear, pil-bicubic-u8, pil-bilinear-u8, torch-bicubic, torch-bicubic-aa, none (or store metadata fidkit.resize in the model); a wrong guess shifts every score, so fidkit does not guess`,
    );
    const badMeta = tinyModel({ meta: { 'fidkit.std': '0.5,0' } });
    await expect(loadOnnxExtractor(badMeta, { onnxResize: 'tf-bilinear' })).rejects.toThrow(
      `${badMeta}: metadata fidkit.std is '0.5,0', expected one number > 0 or three, comma-separated (one per channel): fix it, or override it with the onnxStd option`,
    );
    await expect(loadOnnxExtractor(plain, { onnxResize: 'tf-bilinear', onnxSize: '299' })).rejects.toThrow(
      `${plain}: input 'x' is fixed at 4x6 (H×W), but the size 299x299 was given (the onnxSize option): drop it or fix it`,
    );
    await expect(loadOnnxExtractor(plain, { onnxResize: 'tf-bilinear', onnxOutput: 'pool3' })).rejects.toThrow(`${plain} has no output 'pool3' (the onnxOutput option); its outputs: flat, twice`);
    await expect(loadOnnxExtractor(plain, { onnxResize: 'tf-bilinear', onnxResizeTo: '3x9' })).rejects.toThrow(
      `${plain}: resizing to 3x9 leaves less than the input size 4x6 to crop: make the onnxResizeTo option at least the size`,
    );
    const twoInputs = tinyModel({ inputs: 2 });
    await expect(loadOnnxExtractor(twoInputs, { onnxResize: 'tf-bilinear' })).rejects.toThrow(
      `${twoInputs} has 2 inputs (x, y); fidkit feeds one tensor of images: export a graph whose only input is the image batch`,
    );
    await expect(loadOnnxExtractor(join(tmp, 'missing.onnx'), {})).rejects.toThrow(`ONNX model not found: ${join(tmp, 'missing.onnx')}: check the path in extractor: 'onnx:${join(tmp, 'missing.onnx')}'`);
    const notOnnx = save('not.onnx', new TextEncoder().encode('hello'));
    await expect(loadOnnxExtractor(notOnnx, {})).rejects.toThrow(`${notOnnx} is not an ONNX model`);
  });

  it('the table resolves onnx:PATH and checks the protocol', async () => {
    const plain = tinyModel();
    await expect(loadExtractor('onnx', {})).rejects.toThrow("extractor 'onnx' needs an argument: extractor: 'onnx:PATH.onnx'");
    await expect(loadExtractor(`onnx:${plain}`, { protocol: 'tf', onnx: { onnxResize: 'tf-bilinear' } })).rejects.toThrow(
      "extractor 'onnx' takes only protocol onnx-spec (its own preprocessing), not 'tf': drop the protocol option or pass one of those",
    );
    const loaded = await loadExtractor(`onnx:${plain}`, { onnx: { onnxResize: 'tf-bilinear' } });
    expect(loaded.extractor.defaultLayerFor('fid')).toBe('features');
    await loaded.extractor.dispose();
    // Decoded fixture images go through the same path (a sanity check that real images load).
    const a01 = await fixtureImage('set_a', 'a01_mnist_28_gray.png');
    const r = await features(plain, [a01], { onnxResize: 'pil-bicubic' });
    expect(r.got.features.rows).toBe(1);
  });
});

