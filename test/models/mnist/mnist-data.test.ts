import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/core/errors.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist, mnistDataDir, readIdx } from '../../../src/models/mnist/mnist-data.js';

describe('readIdx', () => {
  it('reads the header and data of a small uint8 file', () => {
    const bytes = Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
    const { shape, data } = readIdx(bytes);
    expect(shape).toEqual([2, 3]);
    expect([...data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects other types and truncated files, naming the file', () => {
    expect(() => readIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), 'x.idx')).toThrow('x.idx holds IDX type 0xd, expected 0x08 (unsigned bytes)');
    expect(() => readIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 1]), 'y.idx')).toThrow(FormatError);
    expect(() => readIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 1]), 'y.idx')).toThrow('y.idx has 1 data bytes, its header (shape 3) says 3');
  });
});

describe('loadMnist', () => {
  it('loads the test split: 10,000 digits with the published class counts', async () => {
    const test = await loadMnist('test');
    expect(test.count).toBe(10_000);
    expect(test.images.length).toBe(10_000 * 784);
    const counts = new Array(10).fill(0);
    for (const label of test.labels) counts[label]++;
    // Class counts of the MNIST test set (LeCun et al.; also torchvision's MNIST).
    expect(counts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(test.labels[0]).toBe(7); // the well-known first test digit
  });

  it('loads the training split: 60,000 digits', async () => {
    const train = await loadMnist('train');
    expect(train.count).toBe(60_000);
    expect(train.labels[0]).toBe(5);
  });

  it('serves the bundled test and train-10k splits byte-identical to the mnist-data originals', async () => {
    const dir = mnistDataDir();
    const [test, train10k] = await Promise.all([loadMnist('test'), loadMnist('train-10k')]);
    expect(Buffer.from(test.images).equals(readFileSync(join(dir, 't10k-images-idx3-ubyte')).subarray(16))).toBe(true);
    expect(Buffer.from(test.labels).equals(readFileSync(join(dir, 't10k-labels-idx1-ubyte')).subarray(8))).toBe(true);
    expect(train10k.count).toBe(10_000);
    expect(Buffer.from(train10k.images).equals(readFileSync(join(dir, 'train-images-idx3-ubyte')).subarray(16, 16 + 10_000 * 784))).toBe(true);
    expect(Buffer.from(train10k.labels).equals(readFileSync(join(dir, 'train-labels-idx1-ubyte')).subarray(8, 8 + 10_000))).toBe(true);
  });

  it('says how to restore a missing bundled file', async () => {
    await expect(loadMnist('test', '/nonexistent')).rejects.toThrow('reinstall fidkit to restore data/mnist/');
  });
});
