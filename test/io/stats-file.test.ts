import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NdArray } from '../../src/io/npy.js';
import { readNpz } from '../../src/io/npz.js';
import {
  readMomentsFile,
  readStatisticsFile,
  statisticsFromMembers,
  writeMomentsFile,
  writeStatisticsFile,
} from '../../src/io/stats-file.js';

const FRECHET = join(__dirname, '..', '..', 'fixtures', 'frechet');
const f64 = (shape: number[], values: number[]): NdArray => ({ dtype: 'float64', shape, data: Float64Array.from(values) });

describe('statistics files', () => {
  it("reads pytorch-fid's --save-stats files", async () => {
    const { stats, metadata } = await readStatisticsFile(join(FRECHET, 'd512_set1_stats.npz'));
    expect(stats.mu.length).toBe(512);
    expect(stats.sigma.length).toBe(512 * 512);
    expect(metadata).toBeUndefined();
  });

  it('writes what it reads, bit-exactly, with metadata numpy ignores', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-stats-'));
    const { stats } = await readStatisticsFile(join(FRECHET, 'd64_set1_stats.npz'));
    const out = join(dir, 'stats.npz');
    await writeStatisticsFile(out, { ...stats, count: 500 }, { extractor: 'inception-v3-compat', protocol: 'tf' });
    const members = readNpz(readFileSync(out));
    expect(Object.keys(members).sort()).toEqual(['fidkit', 'mu', 'sigma']);
    expect(members.mu.dtype).toBe('float64');
    const back = await readStatisticsFile(out);
    expect(Buffer.from(back.stats.sigma.buffer).equals(Buffer.from(stats.sigma.buffer))).toBe(true);
    expect(back.metadata).toMatchObject({ kind: 'stats', extractor: 'inception-v3-compat', protocol: 'tf', count: 500 });
    expect(back.stats.count).toBe(500);
    expect(readdirSync(dir)).toEqual(['stats.npz']); // no temporary file left behind
  });

  it('round-trips shard moments and refuses a shard where statistics are expected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-shard-'));
    const path = join(dir, 'part-1.npz');
    const state = { count: 3, mean: Float64Array.from([1, 2]), m2: Float64Array.from([2, 1, 1, 2]) };
    await writeMomentsFile(path, state, { shard: { index: 1, count: 4 } });
    const back = await readMomentsFile(path);
    expect(back.state.count).toBe(3);
    expect(Array.from(back.state.m2)).toEqual([2, 1, 1, 2]);
    expect(back.metadata?.shard).toEqual({ index: 1, count: 4 });
    await expect(readStatisticsFile(path)).rejects.toThrow(
      `${path} is a shard of raw moments (3 samples), not statistics: combine the shards with 'fidkit stats merge ${path} … -o stats.npz'`,
    );
  });

  it('refuses files that would give a wrong number', () => {
    expect(() => statisticsFromMembers({ mean: f64([1], [0]) }, 'x.npz')).toThrow(
      "x.npz has no 'mu' and 'sigma' arrays (found: mean); FID statistics files hold mu [D] and sigma [D, D]",
    );
    expect(() => statisticsFromMembers({ mu: f64([2], [0, 0]), sigma: f64([2, 3], [1, 0, 0, 0, 1, 0]) }, 'x.npz')).toThrow(
      "x.npz: 'sigma' must be square [D, D], got shape [2, 3]",
    );
    expect(() => statisticsFromMembers({ mu: f64([3], [0, 0, 0]), sigma: f64([2, 2], [1, 0, 0, 1]) }, 'x.npz')).toThrow(
      "x.npz: 'mu' has 3 entries but 'sigma' is 2×2",
    );
    expect(() => statisticsFromMembers({ mu: f64([2], [0, NaN]), sigma: f64([2, 2], [1, 0, 0, 1]) }, 'x.npz')).toThrow(
      "x.npz: 'mu' holds a non-finite value (NaN) at index 1",
    );
    expect(() => statisticsFromMembers({ mu: f64([2], [0, 0]), sigma: f64([2, 2], [1, Infinity, 0, 1]) }, 'x.npz')).toThrow(
      "x.npz: 'sigma' holds a non-finite value (Infinity) at index 1",
    );
  });
});
