/**
 * Feature spaces in `fidkit score`: FD is named after the extractor that made the features (FID,
 * FD_VGG16, FD_MNIST, FD_onnx, FD when unknown), statistics of different spaces are refused, and CMMD
 * runs on .npy embeddings (its default extractor, CLIP ViT-L/14@336, is named when absent).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fdNameOf, registerExtractor } from '../../src/features/registry.js';
import { readStatisticsFile, writeStatisticsFile } from '../../src/io/stats-file.js';
import { FIXTURES, runCli } from './run-cli.js';

const stats = { mu: Float64Array.of(0, 0), sigma: Float64Array.of(1, 0, 0, 1) };
const shifted = { mu: Float64Array.of(1, 0), sigma: Float64Array.of(1, 0, 0, 1) };
const INCEPTION = { extractor: 'inception', protocol: 'tf', layer: 'pool3', weightsSha256: '6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2' };
const VGG16 = { extractor: 'vgg16', protocol: 'tf-imagenet', layer: 'fc2_relu', weightsSha256: '397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0' };
const C = (name: string) => join(FIXTURES, 'cmmd', name);
const cmmdExpected = JSON.parse(readFileSync(C('expected.json'), 'utf8'));
let tmp = '';

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fidkit-spaces-'));
});

describe('FD named after its feature space', () => {
  it('fdNameOf: the entry’s name as papers write it, FD_<name> by default, FD when unknown', () => {
    expect(fdNameOf('inception')).toBe('FID');
    expect(fdNameOf('vgg16')).toBe('FD_VGG16');
    expect(fdNameOf('mnist')).toBe('FD_MNIST');
    expect(fdNameOf('onnx')).toBe('FD_onnx');
    expect(fdNameOf('onnx:/models/swav.onnx')).toBe('FD_onnx');
    expect(fdNameOf(undefined)).toBe('FD');
    // An extractor a later fidkit (or a plugin) registered, read from a statistics file's metadata.
    expect(fdNameOf('some-plugin-net')).toBe('FD_some-plugin-net');
    // DINOv2: ViT-L/14 is FD_DINOv2 (dgm-eval, EDM2); the other sizes carry theirs.
    expect(fdNameOf('dinov2-vit-l-14')).toBe('FD_DINOv2');
    expect(fdNameOf('dinov2-vit-s-14')).toBe('FD_DINOv2_s14');
    expect(fdNameOf('dinov2-vit-g-14')).toBe('FD_DINOv2_g14');
    // The field a new entry sets (DINOv2: FD_DINOv2, CLIP: FD_CLIP) is what reports show.
    registerExtractor({
      name: 'test-space-dino', description: 'test', layers: { cls: 4 }, defaultLayers: { fid: 'cls', kid: 'cls', prdc: 'cls', is: 'cls' },
      protocols: ['test'], weights: { kind: 'argument', what: 'none' }, batchSize: 1, fdName: 'FD_DINOv2', load: () => Promise.reject(new Error('not loadable')),
    });
    expect(fdNameOf('test-space-dino')).toBe('FD_DINOv2');
  });

  it('table row and JSON name: FID for Inception statistics, FD_VGG16 for VGG16 ones, FD for files that do not say; the key stays fid', async () => {
    const cases = [[INCEPTION, 'FID'], [VGG16, 'FD_VGG16'], [{}, 'FD']] as const;
    for (const [meta, name] of cases) {
      const [a, b] = [join(tmp, `${name}-a.npz`), join(tmp, `${name}-b.npz`)];
      await writeStatisticsFile(a, stats, meta);
      await writeStatisticsFile(b, shifted, meta);
      const json = await runCli('score', a, b, '--json');
      expect(json.code).toBe(0);
      const report = JSON.parse(json.stdout);
      expect(report.metrics.fid).toMatchObject({ value: 1, name });
      const table = await runCli('score', a, b);
      expect(table.stdout).toMatch(new RegExp(`^${name}\\s+1\\s`, 'm'));
    }
    // Feature files record no extractor either.
    const npy = JSON.parse((await runCli('score', C('iid_100_100_x.npy'), C('iid_100_100_y.npy'), '--json', '-q')).stdout);
    expect(npy.metrics.fid.name).toBe('FD');
  });

  it('a folder scored with the bundled MNIST classifier against its own statistics: FD_MNIST, and the file records the space', async () => {
    const folder = join(FIXTURES, 'images', 'set_a');
    const out = join(tmp, 'mnist-a.npz');
    expect((await runCli('stats', folder, '--extractor', 'mnist', '--no-cache', '-q', '-o', out)).code).toBe(0);
    const { metadata } = await readStatisticsFile(out);
    expect(metadata).toMatchObject({ kind: 'stats', extractor: 'mnist', protocol: 'mnist-luma', layer: 'features', count: 12 });
    expect(metadata?.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    const r = await runCli('score', folder, out, '--extractor', 'mnist', '--no-cache', '--json', '-q');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.metrics.fid.name).toBe('FD_MNIST');
    expect(Math.abs(report.metrics.fid.value)).toBeLessThan(1e-6);
  });
});

describe('statistics of different spaces are refused', () => {
  it('different extractors: exit 1, naming both files and what differs', async () => {
    const [a, b] = [join(tmp, 'inc.npz'), join(tmp, 'vgg.npz')];
    await writeStatisticsFile(a, stats, INCEPTION);
    await writeStatisticsFile(b, stats, VGG16);
    const r = await runCli('score', a, b);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `fidkit: fid: ${a} and ${b} come from different feature spaces (extractor 'inception' vs 'vgg16', protocol 'tf' vs 'tf-imagenet', layer 'pool3' vs 'fc2_relu'); a Fréchet distance between them means nothing — make both with the same extractor, protocol and layer (fidkit stats … --extractor … --protocol …)\n`,
    );
  });

  it('the same extractor through another protocol or layer', async () => {
    const [tf, clean, pool] = [join(tmp, 'tf.npz'), join(tmp, 'clean.npz'), join(tmp, 'other-layer.npz')];
    await writeStatisticsFile(tf, stats, INCEPTION);
    await writeStatisticsFile(clean, stats, { ...INCEPTION, protocol: 'clean' });
    await writeStatisticsFile(pool, stats, { ...INCEPTION, layer: 'logits' });
    const p = await runCli('score', tf, clean);
    expect(p.code).toBe(1);
    expect(p.stderr).toContain(`fid: ${tf} and ${clean} come from different feature spaces (protocol 'tf' vs 'clean')`);
    const l = await runCli('score', pool, tf);
    expect(l.stderr).toContain(`fid: ${pool} and ${tf} come from different feature spaces (layer 'logits' vs 'pool3')`);
  });

  it('two onnx:PATH models (their weights are the network): refused; one side without metadata (pytorch-fid’s files): allowed', async () => {
    const [m1, m2] = [join(tmp, 'model1.npz'), join(tmp, 'model2.npz')];
    const onnx = { extractor: 'onnx', protocol: 'onnx-spec', layer: 'features' };
    await writeStatisticsFile(m1, stats, { ...onnx, weightsSha256: '11'.repeat(32) });
    await writeStatisticsFile(m2, stats, { ...onnx, weightsSha256: '22'.repeat(32) });
    const r = await runCli('score', m1, m2);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`fid: ${m1} and ${m2} come from different onnx models (SHA-256 ${'11'.repeat(32)} vs ${'22'.repeat(32)})`);
    const plain = join(tmp, 'plain.npz');
    await writeStatisticsFile(plain, shifted, {});
    const ok = JSON.parse((await runCli('score', m1, plain, '--json')).stdout);
    expect(ok.metrics.fid).toMatchObject({ value: 1, name: 'FD_onnx' });
  });
});

describe('fidkit score --metrics cmmd', () => {
  const pair = ['shifted_150_97_x.npy', 'shifted_150_97_y.npy'].map(C);
  const want = cmmdExpected.cases.shifted_150_97;

  it('on .npy embeddings: the float64 NumPy value within 1e-9, every sample kept and said so', async () => {
    const r = await runCli('score', ...pair, '--metrics', 'cmmd', '--json');
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout).metrics.cmmd;
    expect(Math.abs(m.value - want.float64_exact.value) / want.float64_exact.value).toBeLessThanOrEqual(1e-9);
    expect(m).toMatchObject({ sigma: 10, scale: 1000, estimator: 'biased', counts: [150, 97], dropLastBatch: null, dropped: [0, 0] });
    expect(m.features).toEqual({ extractor: null, layer: null, protocol: null });
    const table = await runCli('score', ...pair, '--metrics', 'cmmd');
    expect(table.stdout).toMatch(/^CMMD\s+0\.67501\d*\s+σ = 10, ×1000, all N² pairs; every sample \(150, 97\)$/m);
  });

  it('--cmmd-drop-last-batch 32 drops each set’s last partial batch, as google-research cmmd', async () => {
    const r = await runCli('score', ...pair, '--metrics', 'cmmd', '--cmmd-drop-last-batch', '32', '--json');
    const m = JSON.parse(r.stdout).metrics.cmmd;
    expect(Math.abs(m.value - want.drop_last_batch_32.float64_exact.value) / want.drop_last_batch_32.float64_exact.value).toBeLessThanOrEqual(1e-9);
    expect(m).toMatchObject({ counts: [128, 96], dropLastBatch: 32, dropped: [22, 1] });
    const table = await runCli('score', ...pair, '--metrics', 'cmmd', '--cmmd-drop-last-batch', '32');
    expect(table.stdout).toContain('last partial batch of 32 dropped (128, 96 kept)');
  });

  it('--cmmd-sigma: another kernel width, with a warning that it is not the paper’s', async () => {
    const r = await runCli('score', ...pair, '--metrics', 'cmmd', '--cmmd-sigma', '1', '--json');
    const report = JSON.parse(r.stdout);
    expect(report.metrics.cmmd.sigma).toBe(1);
    expect(report.metrics.cmmd.value).toBeGreaterThan(2 * want.float64_exact.value);
    expect(report.warnings).toEqual(["cmmd: σ = 1 (--cmmd-sigma) is not the paper's 10; the value is comparable only with CMMDs of the same σ"]);
  });

  it('warns when the rows are not L2-normalised embeddings', async () => {
    const r = await runCli('score', join(FIXTURES, 'frechet', 'd64_set1_features.npy'), join(FIXTURES, 'frechet', 'd64_set2_features.npy'), '--metrics', 'cmmd', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).warnings[0]).toMatch(/^cmmd: the rows of .*d64_set1_features\.npy are not unit length \(mean \|‖x‖ − 1\| = [0-9.e+-]+\); CMMD is defined on L2-normalised CLIP embeddings, so σ = 10 means something else here$/);
  });

  it('on folders without --extractor: reads its default extractor, CLIP ViT-L/14@336 (offline with an empty cache: says where its archive comes from)', async () => {
    const folder = join(FIXTURES, 'images', 'set_a');
    const r = await runCli('score', folder, join(FIXTURES, 'images', 'set_b'), '--metrics', 'cmmd', '--offline', '--cache-dir', join(tmp, 'empty-cache'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('clip-ViT-L-14-336px.pt is not in the cache');
    expect(r.stderr).toContain('https://openaipublic.azureedge.net/clip/models/3035c92b350959924f9f00213499208652fc7ea050643e8b385c2dac08641f02/ViT-L-14-336px.pt');
    // With an explicit extractor it runs on folders (here the bundled MNIST classifier's 128-d features).
    const ok = await runCli('score', folder, join(FIXTURES, 'images', 'set_b'), '--metrics', 'cmmd', '--extractor', 'mnist', '--no-cache', '--json', '-q');
    expect(ok.code).toBe(0);
    const m = JSON.parse(ok.stdout).metrics.cmmd;
    expect(m.value).toBeGreaterThan(0);
    expect(m.features).toMatchObject({ extractor: 'mnist', layer: 'features' });
  });
});
