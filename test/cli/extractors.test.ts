/** `fidkit extractors`: the extractor table as a list and as JSON, with the cache state of each download. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './run-cli.js';

describe('fidkit extractors', () => {
  it('lists every extractor with layers, default layers, protocols, weights source and cache state', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'fidkit-extractors-'));
    const r = await runCli('extractors', '--cache-dir', cacheDir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('inception — the FID Inception-v3');
    expect(r.stdout).toContain('  layers          pool3 (2048), logits_unbiased (1008), logits (1008), pool_64 (64), pool_192 (192), pool_768 (768)\n');
    expect(r.stdout).toContain('  default layer   fid, kid, prdc: pool3; is: logits_unbiased\n');
    expect(r.stdout).toContain('  protocols       tf (default), pytorch-fid, clean\n');
    expect(r.stdout).toContain('SHA-256 6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2');
    expect(r.stdout).toContain(`not cached (downloaded on first use to ${join(cacheDir, 'pt_inception-2015-12-05-6726825d.pth')}; or pass --weights-inception PATH)`);
    expect(r.stdout).toContain('  default layer   fid, kid, prdc: features; is: logits\n');
    expect(r.stdout).toContain('  protocols       mnist-luma\n');
  });

  it('--json is one document; a file in the cache shows as cached', () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'fidkit-extractors-'));
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, 'pt_inception-2015-12-05-6726825d.pth'), 'x');
    const r = spawnCli('extractors', '--json', '--cache-dir', cacheDir);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schema).toBe('fidkit.extractors/1');
    expect(doc.cacheDir).toBe(cacheDir);
    const inception = doc.extractors.find((e: { name: string }) => e.name === 'inception');
    expect(inception.layers[0]).toEqual({ name: 'pool3', dim: 2048 });
    expect(inception.defaultLayers).toEqual({ fid: 'pool3', kid: 'pool3', prdc: 'pool3', is: 'logits_unbiased' });
    expect(inception.weights).toMatchObject({ kind: 'download', cached: true, sha256: '6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2', bytes: null, flag: '--weights-inception' });
    const mnist = doc.extractors.find((e: { name: string }) => e.name === 'mnist');
    expect(mnist.weights).toMatchObject({ kind: 'bundled', cached: true });
    expect(mnist.batchSize).toBe(500);
    // How each names the Fréchet distance on its features, as papers do.
    expect(Object.fromEntries(doc.extractors.map((e: { name: string; fdName: string }) => [e.name, e.fdName]))).toEqual({
      inception: 'FID', mnist: 'FD_MNIST', vgg16: 'FD_VGG16', 'dinov2-vit-s-14': 'FD_DINOv2_s14', 'dinov2-vit-b-14': 'FD_DINOv2_b14', 'dinov2-vit-l-14': 'FD_DINOv2', 'dinov2-vit-g-14': 'FD_DINOv2_g14', 'clip-vit-b-32': 'FD_CLIP', 'clip-vit-l-14': 'FD_CLIP', 'clip-vit-l-14-336': 'FD_CLIP', 'onnx:PATH.onnx': 'FD_onnx',
    });
  });
});
