/**
 * @file DINOv2 ViT-S/14 through the user path, against facebookresearch/dinov2's model code fed by each
 * reference's own preprocessing (fixtures/dinov2, scripts/make-dinov2-fixtures.py): a zip-format `.pth`
 * of the hash weights (the official files' format) is written to a temporary folder, and the built
 * binary runs `fidkit features DIR --extractor dinov2-vit-s-14 --weights FILE.pth --protocol P -o f.npy`
 * for P = dgm-eval (the default, also run without --protocol), edm2, torch-fidelity on all 24 fixture
 * images, and once with `--weights test:hash`.
 *
 * Tolerance: max |Δ| ≤ 1e-5 × max |reference| per preset (the bound; observed 8.2e-7 to 1.0e-6:
 * the network inputs are bit-exact, preprocess.test.ts, so this is ONNX Runtime's float32 against PyTorch's). ViT-L/14 is checked the same way by bench/dinov2.ts (≈ 1 s per image here, too slow for the suite).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dinov2Arch } from '../../../src/features/dinov2/arch.js';
import { sha256File } from '../../../src/io/cache.js';
import { readNpyFile } from '../../../src/io/npy.js';
import { FIXTURES, spawnCliAsync as runCli } from '../../cli/run-cli.js';
import { linkBothSets, relativeMaxDiff } from '../compare.js';
import { writeDinov2HashPth } from './hash-pth.js';

const NAME = 'dinov2-vit-s-14';
const DIM = 384;
const IMAGES = join(FIXTURES, 'images');
const files = (set: string): string[] => readFileSync(join(FIXTURES, 'dinov2', `${set}.files.txt`), 'utf8').trim().split('\n');
let tmp = '';
let pth = '';
let cache = '';
let both = '';

/** The 24 reference rows of a preset (set_a then set_b). */
async function reference(protocol: string): Promise<Float32Array> {
  const a = (await readNpyFile(join(FIXTURES, 'dinov2', NAME, protocol, 'set_a.npy'))).data as Float32Array;
  const b = (await readNpyFile(join(FIXTURES, 'dinov2', NAME, protocol, 'set_b.npy'))).data as Float32Array;
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fidkit-dinov2-'));
  pth = join(tmp, 'dinov2_vits14_hash.pth');
  cache = join(tmp, 'cache');
  writeDinov2HashPth(dinov2Arch(NAME), pth);
  both = linkBothSets(tmp, { set_a: files('set_a'), set_b: files('set_b') });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('DINOv2 ViT-S/14 through fidkit features', () => {
  for (const protocol of ['dgm-eval', 'edm2', 'torch-fidelity']) {
    it(`--protocol ${protocol} matches the reference on all 24 images within 1e-5 of the largest value`, async () => {
      const out = join(tmp, `${protocol}.npy`);
      const r = await runCli('features', both, '--extractor', NAME, '--weights', pth, '--protocol', protocol, '-o', out, '--cache-dir', cache, '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ rows: 24, dim: DIM, layer: 'dinov2', extractor: NAME, protocol, weightsSha256: await sha256File(pth) });
      const got = await readNpyFile(out);
      expect(got.shape).toEqual([24, DIM]);
      expect(relativeMaxDiff(got.data as Float32Array, await reference(protocol)), protocol).toBeLessThanOrEqual(1e-5);
    });
  }

  it('uses dgm-eval when no --protocol is given, from the graph cached by the first run', async () => {
    const out = join(tmp, 'default.npy');
    const r = await runCli('features', both, '--extractor', NAME, '--weights', pth, '-o', out, '--cache-dir', cache, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).protocol).toBe('dgm-eval');
    expect(relativeMaxDiff((await readNpyFile(out)).data as Float32Array, await reference('dgm-eval'))).toBeLessThanOrEqual(1e-5);
  });

  it('--weights test:hash gives the same features without a file, and says they are test weights', async () => {
    const out = join(tmp, 'hash.npy');
    const r = await runCli('features', join(IMAGES, 'set_a'), '--extractor', NAME, '--weights', 'test:hash', '--protocol', 'torch-fidelity', '-o', out, '--cache-dir', cache, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('deterministic dinov2-vit-s-14 test weights');
    const want = (await readNpyFile(join(FIXTURES, 'dinov2', NAME, 'torch-fidelity', 'set_a.npy'))).data as Float32Array;
    expect(relativeMaxDiff((await readNpyFile(out)).data as Float32Array, want)).toBeLessThanOrEqual(1e-5);
  });

  it('rebuilds a cached model whose external weights file is missing (a model file alone is not a complete pair)', async () => {
    const onnxDir = join(cache, 'onnx');
    const data = readdirSync(onnxDir).filter((f) => f.startsWith(`${NAME}-`) && f.endsWith('.onnx.data') && !f.includes('-hash-'));
    expect(data).toHaveLength(1);
    rmSync(join(onnxDir, data[0]));
    const out = join(tmp, 'rebuilt.npy');
    const r = await runCli('features', join(IMAGES, 'set_b'), '--extractor', NAME, '--weights', pth, '--protocol', 'torch-fidelity', '-o', out, '--cache-dir', cache, '--no-cache', '-q');
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(onnxDir, data[0]))).toBe(true);
    const want = (await readNpyFile(join(FIXTURES, 'dinov2', NAME, 'torch-fidelity', 'set_b.npy'))).data as Float32Array;
    expect(relativeMaxDiff((await readNpyFile(out)).data as Float32Array, want)).toBeLessThanOrEqual(1e-5);
  });

  it('offline with an empty cache: names the official URL, the cache path and the flag', async () => {
    const r = await runCli('features', join(IMAGES, 'set_a'), '--extractor', 'dinov2-vit-l-14', '--offline', '-o', join(tmp, 'off.npy'), '--cache-dir', join(tmp, 'empty-cache'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dinov2_vitl14_pretrain.pth is not in the cache');
    expect(r.stderr).toContain('https://dl.fbaipublicfiles.com/dinov2/dinov2_vitl14/dinov2_vitl14_pretrain.pth');
    expect(r.stderr).toContain(join(tmp, 'empty-cache', 'dinov2_vitl14_pretrain.pth'));
    expect(r.stderr).toContain('pass --weights PATH to a local copy');
  });

  it('refuses weights of another DINOv2 size before building, naming the right extractor', async () => {
    const r = await runCli('features', join(IMAGES, 'set_a'), '--extractor', 'dinov2-vit-b-14', '--weights', pth, '-o', join(tmp, 'x.npy'), '--cache-dir', cache);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${pth} is not the dinov2-vit-b-14 state dict (dinov2_vitb14_pretrain.pth): it holds dinov2-vit-s-14 weights (width 384, 12 blocks): use --extractor dinov2-vit-s-14`);
  });
});
