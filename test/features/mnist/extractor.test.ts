import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MNIST_CLASSIFIER, BUNDLED_MNIST_CLASSIFIER_SHA256, loadMnistClassifier } from '../../../src/features/mnist/index.js';
import { extractorEntry, loadExtractor, officialWeights } from '../../../src/features/registry.js';
import { loadMnist } from '../../../src/models/mnist/mnist-data.js';
import type { DecodedImage } from '../../../src/io/decoded-image.js';

/** The first `count` test digits as 8-bit RGB images (gray copied to the three channels). */
async function testDigits(count: number): Promise<{ images: DecodedImage[]; labels: Uint8Array }> {
  const test = await loadMnist('test');
  const images = Array.from({ length: count }, (_, i) => {
    const data = new Uint8Array(784 * 3);
    for (let p = 0; p < 784; p++) data.fill(test.images[i * 784 + p], 3 * p, 3 * p + 3);
    return { data, width: 28, height: 28 };
  });
  return { images, labels: test.labels.subarray(0, count) };
}

describe('the bundled MNIST classifier (extractor mnist)', () => {
  it('classifies ≥ 99.0% of test digits 0–999 correctly', async () => {
    // The bundled weights score 99.27% on the full test set and 99.2% (8 errors) on this slice
    // (models/README.md), so the bound allows 2 more errors; a wrong or damaged
    // weights file, a wrong layout (HWIO→OIHW, NHWC flatten) or wrong preprocessing falls far below.
    const { extractor } = await loadMnistClassifier();
    const { images, labels } = await testDigits(1000);
    const { logits } = await extractor.extract(images, ['logits']);
    await extractor.dispose();
    let correct = 0;
    for (let i = 0; i < 1000; i++) {
      const row = logits.data.subarray(i * 10, i * 10 + 10);
      if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
    }
    expect(correct / 1000).toBeGreaterThanOrEqual(0.99);
  });

  it('gives logits (10) and features (128), deterministic and independent of batch split', async () => {
    const { extractor, sha256 } = await loadMnistClassifier();
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(extractor.layers).toEqual(['logits', 'features']);
    expect(extractor.dims).toEqual({ logits: 10, features: 128 });
    expect(extractor.defaultLayerFor('is')).toBe('logits');
    for (const metric of ['fid', 'kid', 'prdc'] as const) expect(extractor.defaultLayerFor(metric)).toBe('features');
    const { images } = await testDigits(20);
    const all = await extractor.extract(images);
    expect(all.logits).toMatchObject({ rows: 20, cols: 10 });
    expect(all.features).toMatchObject({ rows: 20, cols: 128 });
    expect(all.features.data.every((v) => v >= 0)).toBe(true); // ReLU output
    const again = await extractor.extract(images);
    expect(again.logits.data).toEqual(all.logits.data);
    const [first, second] = [await extractor.extract(images.slice(0, 7)), await extractor.extract(images.slice(7))];
    // Single-threaded per-row maths in ONNX Runtime: rows do not depend on their batch (1e-5 allows for kernel choice by batch size).
    for (const layer of ['logits', 'features'] as const) {
      const joined = new Float32Array([...first[layer].data, ...second[layer].data]);
      joined.forEach((v, i) => expect(Math.abs(v - all[layer].data[i])).toBeLessThan(1e-5));
    }
    await expect(extractor.extract(images, ['pool3' as 'logits'])).rejects.toThrow("unknown MNIST layer 'pool3': expected one of logits, features");
    await extractor.dispose();
  });

  it('is registered as mnist, loads from the package folder in well under a second, and takes --weights DIR', async () => {
    expect(BUNDLED_MNIST_CLASSIFIER.replaceAll('\\', '/')).toMatch(/\/models\/mnist-classifier\/$/);
    expect(extractorEntry('mnist').defaultLayers.is).toBe('logits');
    expect(extractorEntry('mnist').defaultLayers.fid).toBe('features');
    const started = performance.now();
    const loaded = await loadExtractor('mnist');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(loaded.name).toBe('mnist');
    await loaded.extractor.dispose();
    const explicit = await loadExtractor('mnist', { protocol: 'mnist-luma', weights: BUNDLED_MNIST_CLASSIFIER });
    expect(explicit.weightsId).toBe(loaded.weightsId);
    await explicit.extractor.dispose();
    await expect(loadExtractor('mnist', { protocol: 'tf' })).rejects.toThrow("extractor 'mnist' takes only protocol mnist-luma (its own preprocessing), not 'tf': drop the protocol option or pass one of those");
    await expect(loadExtractor('mnist', { weights: '/nonexistent/dir' })).rejects.toThrow('MNIST classifier not found at /nonexistent/dir/model.json');
  });

  it('marks the bundled classifier official (by the pinned hash of its weights.bin) and any other one not, with a warning', async () => {
    const bytes = readFileSync(join(BUNDLED_MNIST_CLASSIFIER, 'weights.bin'));
    // Retraining the bundled model means updating BUNDLED_MNIST_CLASSIFIER_SHA256 (reports compare with it).
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(BUNDLED_MNIST_CLASSIFIER_SHA256);
    const bundled = await loadExtractor('mnist');
    expect(bundled.identity).toMatchObject({ weightsSha256: BUNDLED_MNIST_CLASSIFIER_SHA256, official: true, source: 'bundled', warnings: [] });
    await bundled.extractor.dispose();
    // A copy is the same classifier: official, given by the user.
    const copy = mkdtempSync(join(tmpdir(), 'fidkit-classifier-'));
    cpSync(BUNDLED_MNIST_CLASSIFIER, copy, { recursive: true });
    const same = await loadExtractor('mnist', { weights: copy });
    expect(same.identity).toMatchObject({ official: true, source: 'user', weights: join(copy, 'model.json'), warnings: [] });
    await same.extractor.dispose();
    // One float changed: another classifier, whose MNIST scores are not comparable.
    const changed = Buffer.from(bytes);
    changed[0] ^= 1;
    writeFileSync(join(copy, 'weights.bin'), changed);
    const other = await loadExtractor('mnist', { weights: copy });
    const sha = createHash('sha256').update(changed).digest('hex');
    const warning = `${join(copy, 'model.json')} is not fidkit's bundled MNIST classifier (weights SHA-256 ${sha}, expected ${BUNDLED_MNIST_CLASSIFIER_SHA256}): MNIST scores are not comparable with those of the bundled one`;
    expect(other.identity).toEqual({ weightsSha256: sha, official: false, weights: join(copy, 'model.json'), source: 'user', protocol: 'mnist-luma', warnings: [warning] });
    expect(other.warnings).toEqual([warning]);
    await other.extractor.dispose();
    // What statistics files record is judged by the same hashes.
    expect(officialWeights('mnist', BUNDLED_MNIST_CLASSIFIER_SHA256)).toBe(true);
    expect(officialWeights('mnist', sha)).toBe(false);
    expect(officialWeights('inception', '6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2')).toBe(true);
    expect(officialWeights('inception', 'hash-weights-v1')).toBe(false);
    // vgg16 is judged by torchvision's published prefix (397923af), as torch.hub judges it.
    expect(officialWeights('vgg16', sha)).toBe(false);
    expect(officialWeights('vgg16', `397923af${'0'.repeat(56)}`)).toBe(true);
    expect(officialWeights('no-such-extractor', sha)).toBeNull();
    expect(officialWeights(undefined, undefined)).toBeNull();
  });
});
