import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FidkitError, UsageError } from '../../../src/core/errors.js';
import { classifierLearningRate, trainClassifier } from '../../../src/models/mnist/train.js';

// Short runs (a few steps of batch 64 on the WASM backend, ~0.3 s each) scored on 100 test digits.
const tmp = () => mkdtempSync(join(tmpdir(), 'fidkit-train-'));

describe('trainClassifier', () => {
  it('is seeded and resumable: 2 steps + resume to 4 gives the same weights, bit for bit, as 4 steps', async () => {
    const straight = tmp();
    const split = tmp();
    const events: string[] = [];
    await trainClassifier({ steps: 4, seed: 3, outDir: straight, testCount: 100, onProgress: (e) => events.push(e.type) });
    await trainClassifier({ steps: 2, seed: 3, outDir: split, testCount: 100 });
    const resumed = await trainClassifier({ steps: 4, seed: 3, outDir: split, resume: true, testCount: 100 });
    expect(resumed.steps).toBe(4);
    expect(readFileSync(join(split, 'weights.bin')).equals(readFileSync(join(straight, 'weights.bin')))).toBe(true);
    expect(events[0]).toBe('start');
    expect(events.at(-1)).toBe('end');
    const model = JSON.parse(readFileSync(join(straight, 'model.json'), 'utf8'));
    expect(model.format).toBe('fidkit.mnist-classifier/1');
    expect(model.training).toMatchObject({ steps: 4, seed: 3, batchSize: 64, testCount: 100 });
  });

  it('refuses to resume without a checkpoint, or with another seed', async () => {
    const dir = tmp();
    await expect(trainClassifier({ steps: 2, outDir: dir, resume: true })).rejects.toThrow(FidkitError);
    await expect(trainClassifier({ steps: 2, outDir: dir, resume: true })).rejects.toThrow(`no checkpoint to resume in ${join(dir, 'checkpoint')}`);
    await trainClassifier({ steps: 1, seed: 1, outDir: dir, testCount: 100 });
    await expect(trainClassifier({ steps: 2, seed: 2, outDir: dir, resume: true })).rejects.toThrow(UsageError);
    await expect(trainClassifier({ steps: 2, seed: 2, outDir: dir, resume: true })).rejects.toThrow('was trained with seed: 1, not 2: pass seed: 1 to resume it');
  });

  it('halves the learning rate every 1,000 steps', () => {
    expect([0, 999, 1000, 2500, 3499].map(classifierLearningRate)).toEqual([1e-3, 1e-3, 5e-4, 2.5e-4, 1.25e-4]);
  });
});
