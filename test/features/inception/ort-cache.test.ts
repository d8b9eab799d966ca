/**
 * @file ONNX Runtime's optimised copy of the Inception graph in the cache: the first session writes
 * it (atomically, named for the ORT version and the machine), the next loads it with ORT's
 * rewrites off, and both give the same features bit for bit; a broken copy is replaced, and
 * `--no-cache` (cache: false) neither reads nor writes one. Hash weights, fixture images.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FeatureExtractor } from '../../../src/features/extractor.js';
import { buildInceptionModel } from '../../../src/features/inception/graph.js';
import { hashInceptionStateDict } from '../../../src/features/inception/hash-weights.js';
import { loadInceptionGraph } from '../../../src/features/inception/load.js';
import { fixtureImages } from './fixtures.js';

let modelPath: string;
let cacheDir: string;

beforeAll(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'fidkit-ort-cache-'));
  mkdirSync(join(cacheDir, 'onnx'));
  modelPath = join(cacheDir, 'onnx', 'inception-test-g1.onnx');
  writeFileSync(modelPath, buildInceptionModel(hashInceptionStateDict()));
}, 120_000);

const onnxFiles = () => readdirSync(join(cacheDir, 'onnx')).sort();

async function pool3(extractor: FeatureExtractor): Promise<Float32Array> {
  try {
    const images = await fixtureImages('set_a');
    return (await extractor.extract(images.slice(0, 4), ['pool3'])).pool3.data as Float32Array;
  } finally {
    await extractor.dispose();
  }
}

describe("ONNX Runtime's optimised graph in the cache", () => {
  it('is written by the first session, used by the next, and changes no feature', async () => {
    const request = { protocol: 'pytorch-fid' as const, cacheDir };
    const first = await pool3(await loadInceptionGraph(modelPath, modelPath, request, 'test'));
    const files = onnxFiles();
    expect(files).toHaveLength(2);
    const copy = files.find((f) => f !== 'inception-test-g1.onnx')!;
    expect(copy).toMatch(/^inception-test-g1-ort\d+\.\d+\.\d+-[0-9a-f]{12}\.onnx$/); // no temporary file left
    const written = statSync(join(cacheDir, 'onnx', copy)).mtimeMs;
    const second = await pool3(await loadInceptionGraph(modelPath, modelPath, request, 'test'));
    expect(second).toEqual(first);
    expect(statSync(join(cacheDir, 'onnx', copy)).mtimeMs).toBe(written); // loaded, not rewritten
    const plain = await pool3(await loadInceptionGraph(modelPath, modelPath, { ...request, cache: false }, 'test'));
    expect(plain).toEqual(first);

    // A broken copy (a crash of another tool, a truncated sync) is replaced by a good one.
    writeFileSync(join(cacheDir, 'onnx', copy), 'not a model');
    const third = await pool3(await loadInceptionGraph(modelPath, modelPath, request, 'test'));
    expect(third).toEqual(first);
    expect(statSync(join(cacheDir, 'onnx', copy)).size).toBeGreaterThan(1e6);
    expect(onnxFiles()).toEqual(files);
  }, 120_000);

  it('cache: false writes no copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-ort-cache-'));
    const path = join(dir, 'm.onnx');
    writeFileSync(path, readFileSync(modelPath));
    await (await loadInceptionGraph(path, path, { protocol: 'tf', cacheDir: dir, cache: false }, 'test')).dispose();
    expect(readdirSync(dir)).toEqual(['m.onnx']);
  }, 60_000);
});
