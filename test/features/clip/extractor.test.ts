/**
 * @file The CLIP ViT-B/32 extractor through the user path, against the reference code's own embeddings
 * (fixtures/clip/clip-vit-b-32, scripts/make-clip-fixtures.py: openai/CLIP's `clip.load` + `preprocess` +
 * `encode_image`, and torch-fidelity 0.4's `FeatureExtractorCLIP`, on a TorchScript archive of the hash
 * weights): an archive in OpenAI's layout (float16 storages, `__torch__` module tree) is written to a
 * temporary folder and the built binary runs
 * `fidkit features DIR --extractor clip-vit-b-32 --weights FILE.pt [--protocol clip|torch-fidelity] [--layer …] -o f.npy`.
 *
 * Tolerance: max |Δ| ≤ 1e-5 × max |reference| per preset and layer over all 24 images (the issue's bound;
 * observed ~1.3e-6). One `.onnx` is built per weights file and shared through one cache folder, deleted afterwards.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIP_VIT_B_32 } from '../../../src/features/clip/models.js';
import { sha256File } from '../../../src/io/cache.js';
import { readNpyFile } from '../../../src/io/npy.js';
import { FIXTURES, spawnCliAsync as runCli } from '../../cli/run-cli.js';
import { linkBothSets, relativeMaxDiff } from '../compare.js';
import { writeClipHashArchive } from './hash-archive.js';

const DIR = join(FIXTURES, 'clip', 'clip-vit-b-32');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));
const IMAGES = join(FIXTURES, 'images');
let tmp = '';
let archive = '';
let cache = '';
let both = '';

/** The reference rows of both sets (a01… then b01…, the order of the `both` folder). */
async function reference(preset: string, layer: string): Promise<Float32Array> {
  const a = (await readNpyFile(join(DIR, preset, 'set_a', `${layer}.npy`))).data as Float32Array;
  const b = (await readNpyFile(join(DIR, preset, 'set_b', `${layer}.npy`))).data as Float32Array;
  return Float32Array.of(...a, ...b);
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fidkit-clip-'));
  archive = join(tmp, 'ViT-B-32-hash.pt');
  cache = join(tmp, 'cache');
  writeClipHashArchive(archive, CLIP_VIT_B_32);
  both = linkBothSets(tmp, expected.files);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('CLIP ViT-B/32 through fidkit features', () => {
  it("defaults to torch-fidelity's preprocessing and matches FeatureExtractorCLIP on all 24 images within 1e-5", async () => {
    const out = join(tmp, 'tf.npy');
    const r = await runCli('features', both, '--extractor', 'clip-vit-b-32', '--weights', archive, '-o', out, '--cache-dir', cache, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 24, dim: 512, layer: 'embedding', extractor: 'clip-vit-b-32', protocol: 'torch-fidelity', weightsSha256: await sha256File(archive) });
    expect(r.stderr).toContain("is not OpenAI's CLIP ViT-B/32 archive (ViT-B-32.pt)");
    const got = (await readNpyFile(out)).data as Float32Array;
    expect(relativeMaxDiff(got, await reference('torch-fidelity', 'embedding'))).toBeLessThanOrEqual(1e-5);
  }, 180_000);

  it("--protocol clip matches OpenAI's preprocess + encode_image, both layers, within 1e-5", async () => {
    for (const layer of ['embedding', 'embedding_normalized']) {
      const out = join(tmp, `clip-${layer}.npy`);
      const r = await runCli('features', both, '--extractor', 'clip-vit-b-32', '--weights', archive, '--protocol', 'clip', '--layer', layer, '-o', out, '--cache-dir', cache, '-q');
      expect(r.code, r.stderr).toBe(0);
      const got = (await readNpyFile(out)).data as Float32Array;
      expect(relativeMaxDiff(got, await reference('clip', layer)), layer).toBeLessThanOrEqual(1e-5);
      if (layer === 'embedding_normalized') {
        for (let i = 0; i < 24; i++) expect(Math.hypot(...got.subarray(i * 512, (i + 1) * 512))).toBeCloseTo(1, 5);
      }
    }
  }, 120_000);

  it('--weights test:hash builds the same network without a file', async () => {
    const out = join(tmp, 'hash.npy');
    const r = await runCli('features', join(IMAGES, 'set_a'), '--extractor', 'clip-vit-b-32', '--weights', 'test:hash', '--protocol', 'clip', '-o', out, '--cache-dir', cache, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 12, protocol: 'clip' });
    const want = (await readNpyFile(join(DIR, 'clip', 'set_a', 'embedding.npy'))).data as Float32Array;
    expect(relativeMaxDiff((await readNpyFile(out)).data as Float32Array, want)).toBeLessThanOrEqual(1e-5);
  }, 180_000);

  it('refuses weights of another network, naming the file and the archive to use', async () => {
    const tiny = join(FIXTURES, 'pth', 'torchscript_tiny_clip.pt');
    const r = await runCli('features', join(IMAGES, 'set_a'), '--extractor', 'clip-vit-b-32', '--weights', tiny, '-o', join(tmp, 'x.npy'), '--cache-dir', cache);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${tiny} is not OpenAI's CLIP ViT-B/32 image encoder`);
    expect(r.stderr).toMatch(/visual\.conv1\.weight is \[64, 3, 4, 4\], expected \[768, 3, 32, 32\]/);
    expect(r.stderr).toContain('ViT-B-32.pt');
  });

  it('refuses a preset the model does not take, listing those it does', async () => {
    const r = await runCli('features', join(IMAGES, 'set_a'), '--extractor', 'clip-vit-b-32', '--weights', 'test:hash', '--protocol', 'cmmd', '-o', join(tmp, 'y.npy'), '--cache-dir', cache);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("extractor 'clip-vit-b-32' takes protocols torch-fidelity, clip, not 'cmmd'");
  });
});
