/**
 * `--extractor onnx:PATH.onnx` through the built binary: the Inception graph saved to a file gives
 * `fidkit features` the built-in extractor's features bit for bit; `fidkit score` records the
 * model's SHA-256 and spec per input and per metric, and the feature cache keys on both; bad
 * `--onnx-*` values are usage errors (exit 2).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildInceptionModel } from '../../src/features/inception/graph.js';
import { hashInceptionStateDict } from '../../src/features/inception/hash-weights.js';
import { readNpyFile } from '../../src/io/npy.js';
import { GraphBuilder } from '../../src/onnx/graph-builder.js';
import { FIXTURES, spawnCliAsync } from './run-cli.js';

const SET_A = join(FIXTURES, 'images', 'set_a');
const SET_B = join(FIXTURES, 'images', 'set_b');
let tmp = '';
let inception = '';
let tiny = '';

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fidkit-onnx-cli-'));
  inception = join(tmp, 'inception.onnx');
  writeFileSync(inception, buildInceptionModel(hashInceptionStateDict()));
  // A tiny model: 3×8×8 input, output = the input flattened (192 features).
  const g = new GraphBuilder('tiny');
  const flat = g.flatten(g.input('x', 'float32', ['n', 3, 8, 8]), 1, 'flat');
  g.output(flat, 'float32', ['n', 192]);
  tiny = join(tmp, 'tiny.onnx');
  writeFileSync(tiny, g.toBytes());
});

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('fidkit features --extractor onnx:…', () => {
  it("gives the built-in Inception's features bit for bit from the saved graph and the tf spec", async () => {
    const byo = join(tmp, 'byo.npy');
    const builtIn = join(tmp, 'builtin.npy');
    const spec = ['--onnx-resize', 'tf-bilinear', '--onnx-size', '299', '--onnx-range', '0,255', '--onnx-mean', '128', '--onnx-std', '128', '--onnx-output', 'pool3'];
    const [a, b] = await Promise.all([
      spawnCliAsync('features', SET_A, '--extractor', `onnx:${inception}`, ...spec, '-o', byo, '--no-cache', '--json', '-q'),
      spawnCliAsync('features', SET_A, '--weights', 'test:hash', '-o', builtIn, '--no-cache', '-q'),
    ]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);
    const summary = JSON.parse(a.stdout);
    expect(summary).toMatchObject({ rows: 12, dim: 2048, layer: 'features', extractor: 'onnx', weightsSha256: sha256(inception) });
    expect(summary.protocol).toBe('onnx-spec(size=299x299 resize=tf-bilinear resize_to=299x299 range=0,255 mean=128,128,128 std=128,128,128 channels=rgb layout=nchw output=pool3)');
    expect(summary.extractors.onnx).toMatchObject({ weightsSha256: sha256(inception), official: null, source: 'user' });
    expect(summary.extractors.onnx.spec).toMatchObject({ model: inception, sha256: sha256(inception), resize: 'tf-bilinear', mean: [128, 128, 128], dims: { features: 2048 } });
    const x = (await readNpyFile(byo)).data as Float32Array;
    const y = (await readNpyFile(builtIn)).data as Float32Array;
    expect(x.length).toBe(12 * 2048);
    expect(Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength))).toBe(true);
  }, 180_000);
});

describe('fidkit score --extractor onnx:…', () => {
  it('records the model and spec (extractors.onnx) and per metric; the cache keys on the spec', async () => {
    const cacheDir = join(tmp, 'cache');
    const args = ['score', SET_A, SET_B, '--extractor', `onnx:${tiny}`, '--onnx-resize', 'pil-bicubic', '--metrics', 'fid,kid', '--kid-subset-size', '10', '--json', '--cache-dir', cacheDir];
    const first = await spawnCliAsync(...args);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    const protocol = 'onnx-spec(size=8x8 resize=pil-bicubic resize_to=8x8 range=0,1 mean=0,0,0 std=1,1,1 channels=rgb layout=nchw output=flat)';
    for (const input of report.inputs) expect(input).toMatchObject({ extractor: 'onnx', protocol, weightsSha256: sha256(tiny), officialWeights: null, dim: 192 });
    expect(report.extractors.onnx).toMatchObject({ weightsSha256: sha256(tiny), official: null, weights: tiny, protocol });
    expect(report.extractors.onnx.spec).toMatchObject({ model: tiny, sha256: sha256(tiny), size: '8x8', resize: 'pil-bicubic', resize_to: '8x8', range: '0,1', output: 'flat', decidedBy: { resize: 'flag', size: 'model' } });
    expect(report.metrics.fid.features).toEqual({ extractor: 'onnx', layer: 'features', protocol });
    expect(report.metrics.kid.features).toEqual({ extractor: 'onnx', layer: 'features', protocol });
    expect(first.stderr).not.toContain('using cached features');
    const again = await spawnCliAsync(...args);
    expect(again.stderr).toContain('using cached features');
    expect(JSON.parse(again.stdout).metrics.fid.value).toBe(report.metrics.fid.value);
    // Another spec is another cache entry, and other numbers.
    const shifted = await spawnCliAsync(...args, '--onnx-mean', '0.5');
    expect(shifted.code).toBe(0);
    expect(shifted.stderr).not.toContain('using cached features');
    expect(JSON.parse(shifted.stdout).inputs[0].protocol).toContain('mean=0.5,0.5,0.5');
  }, 120_000);

  const usage: [string, string[], string][] = [
    ['a zero size', ['--onnx-size', '0'], "Expected a size N or HxW (e.g. 224 or 224x256) for --onnx-size but received '0'."],
    ['a zero std', ['--onnx-std', '0.2,0,0.2'], "Expected one number > 0 or three, comma-separated (one per channel) for --onnx-std but received '0.2,0,0.2'."],
    ['two means', ['--onnx-mean', '1,2'], "Expected one finite number or three, comma-separated (one per channel) for --onnx-mean but received '1,2'."],
    ['an unknown resize', ['--onnx-resize', 'lanczos'], "Expected one of tf-bilinear, torch-bilinear, pil-bicubic, pil-bilinear, pil-bicubic-u8, pil-bilinear-u8, torch-bicubic, torch-bicubic-aa, none for --onnx-resize but received 'lanczos'."],
    ['a bad resize-to', ['--onnx-resize-to', 'short'], "Expected HxW or short:N (e.g. 256x256 or short:256) for --onnx-resize-to but received 'short'."],
  ];
  for (const [what, flags, message] of usage) {
    it(`${what} is a usage error`, async () => {
      const r = await spawnCliAsync('score', SET_A, '--extractor', `onnx:${tiny}`, '--onnx-resize', 'tf-bilinear', ...flags);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    });
  }

  it('a missing resize, or --onnx-* flags without an onnx extractor, are usage errors naming the fix', async () => {
    const missing = await spawnCliAsync('score', SET_A, '--extractor', `onnx:${tiny}`, '--no-cache');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`fidkit: ${tiny}: the model does not say how images are resized: pass --onnx-resize METHOD with METHOD one of tf-bilinear, torch-bilinear, pil-bicubic, pil-bilinear, pil-bicubic-u8, pil-bilinear-u8, torch-bicubic, torch-bicubic-aa, none`);
    const stray = await spawnCliAsync('score', SET_A, '--onnx-resize', 'tf-bilinear', '--onnx-size', '299', '--no-cache');
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("fidkit: --onnx-size, --onnx-resize describe an ONNX model's preprocessing: use them with --extractor onnx:PATH.onnx");
  });
});
