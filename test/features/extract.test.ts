import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExtractorImage, FeatureExtractor } from '../../src/features/extractor.js';
import { extractFiles, type ExtractionProgress } from '../../src/features/extract.js';
import { momentsFromFeatures } from '../../src/stats/moments.js';
import type { FeatureMatrix } from '../../src/core/types.js';

// A stub extractor (mobilenet-style test double): layer `mean` = per-channel mean pixel (3-d),
// layer `size` = [height, width]. Deterministic and cheap, so the pipeline is tested on its own.
function stubExtractor(calls: number[]): FeatureExtractor<'mean' | 'size'> {
  return {
    name: 'stub',
    layers: ['mean', 'size'],
    dims: { mean: 3, size: 2 },
    protocol: 'none',
    defaultLayerFor: (m) => (m === 'is' ? 'size' : 'mean'),
    async extract(batch: readonly ExtractorImage[]) {
      calls.push(batch.length);
      const mean = new Float32Array(batch.length * 3);
      const size = new Float32Array(batch.length * 2);
      batch.forEach((img, i) => {
        for (let p = 0; p < img.height * img.width; p++) for (let c = 0; c < 3; c++) mean[i * 3 + c] += img.data[p * 3 + c] / (img.height * img.width);
        size[i * 2] = img.height;
        size[i * 2 + 1] = img.width;
      });
      return { mean: { data: mean, rows: batch.length, cols: 3 }, size: { data: size, rows: batch.length, cols: 2 } } as Record<'mean' | 'size', FeatureMatrix>;
    },
    async dispose() {},
  };
}

const IMAGES = join(__dirname, '..', '..', 'fixtures', 'images', 'set_a');
const files = ['a01_mnist_28_gray.png', 'a05_gradient_32_rgb.png', 'a06_checker_64x48_rgb.png', 'a09_rgba_64_rgba.png', 'a10_palette_48_p.png'].map((f) =>
  join(IMAGES, f),
);

describe('extractFiles', () => {
  it('keeps layers in file order, folds moments, and does not depend on the batch size', async () => {
    const results = [];
    for (const batchSize of [1, 2, 5, 50]) {
      const calls: number[] = [];
      const r = await extractFiles(files, stubExtractor(calls), { batchSize, momentsLayer: 'mean', keepLayers: ['mean', 'size'] });
      expect(calls.every((n) => n <= batchSize)).toBe(true);
      results.push(r);
    }
    const first = results[0];
    expect(first.count).toBe(5);
    expect(Array.from(first.kept.size.data)).toEqual([28, 28, 32, 32, 48, 64, 64, 64, 48, 48]);
    for (const r of results) {
      expect(Array.from(r.kept.mean.data)).toEqual(Array.from(first.kept.mean.data));
      expect(Array.from(r.moments!.statistics().sigma)).toEqual(Array.from(momentsFromFeatures(first.kept.mean).sigma));
    }
  });

  it('reports progress that never decreases and ends at the total', async () => {
    const events: ExtractionProgress[] = [];
    await extractFiles(files, stubExtractor([]), { batchSize: 2, keepLayers: ['size'], onProgress: (e) => events.push(e) });
    expect(events[0]).toEqual({ type: 'start', done: 0, total: 5 });
    expect(events.at(-1)).toEqual({ type: 'end', done: 5, total: 5 });
    for (let i = 1; i < events.length; i++) expect(events[i].done).toBeGreaterThanOrEqual(events[i - 1].done);
  });

  it('stops at an unreadable image naming it, or skips and counts it with skipBad', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-extract-'));
    const bad = join(dir, 'bad.png');
    writeFileSync(bad, 'not an image');
    const list = [files[0], bad, files[1]];
    await expect(extractFiles(list, stubExtractor([]), { batchSize: 2, keepLayers: ['size'] })).rejects.toThrow(
      new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}[\\s\\S]*pass skipBad: true`),
    );
    const r = await extractFiles(list, stubExtractor([]), { batchSize: 2, keepLayers: ['size'], skipBad: true });
    expect(r.count).toBe(2);
    expect(r.skipped.map((s) => s.path)).toEqual([bad]);
    expect(r.kept.size.rows).toBe(2);
  });

  it('refuses an unknown layer and a bad batch size', async () => {
    await expect(extractFiles(files, stubExtractor([]), { batchSize: 2, keepLayers: ['pool3'] })).rejects.toThrow(
      "extractor 'stub' has no layer 'pool3'; its layers are mean, size",
    );
    await expect(extractFiles(files, stubExtractor([]), { batchSize: 0 })).rejects.toThrow('batch size must be a positive integer, got 0');
  });
});
