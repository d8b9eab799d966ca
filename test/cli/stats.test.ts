import { asCliUser } from '../../src/options/mention.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStatisticsFile } from '../../src/io/stats-file.js';
import { mergeShards, parseShard, shardRange } from '../../src/stats/shards.js';
import { FIXTURES, runCli } from './run-cli.js';

const FEATURES = join(FIXTURES, 'frechet', 'd64_set1_features.npy');

function maxRel(a: Float64Array, b: Float64Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

describe('shards', () => {
  it('split rows into contiguous slices that cover everything once', () => {
    const ranges = [1, 2, 3].map((index) => shardRange(10, { index, count: 3 }));
    expect(ranges).toEqual([{ start: 0, end: 3 }, { start: 3, end: 6 }, { start: 6, end: 10 }]);
    expect(shardRange(2, { index: 3, count: 3 })).toEqual({ start: 1, end: 2 });
    expect(() => asCliUser(() => parseShard('4/3'))).toThrow("--shard expects k/n with 1 ≤ k ≤ n (e.g. 3/8), got '4/3'");
  });
});

describe('mergeShards metadata', () => {
  it("keeps the first shard's extractor record and every shard's warnings, once each", () => {
    const state = (x: number) => ({ count: 2, mean: Float64Array.of(x), m2: Float64Array.of(1) });
    const meta = (index: number, warnings: string[]) => ({
      extractor: 'inception', weightsSha256: 'abc', shard: { index, count: 2 }, inputId: 'sha256:x', inputCount: 4,
      extractors: { inception: { weightsSha256: 'abc', official: false, warnings: ['w'] } }, warnings,
    });
    const { metadata } = mergeShards([
      { path: 'p1.npz', state: state(0), metadata: meta(1, ['w', 'p1: skipped 1 unreadable image(s)']) },
      { path: 'p2.npz', state: state(1), metadata: meta(2, ['w', 'p2: skipped 2 unreadable image(s)']) },
    ]);
    expect(metadata.warnings).toEqual(['w', 'p1: skipped 1 unreadable image(s)', 'p2: skipped 2 unreadable image(s)']);
    expect(metadata.extractors).toEqual({ inception: { weightsSha256: 'abc', official: false, warnings: ['w'] } });
    expect(metadata.count).toBe(4);
    // Shards of earlier versions record no warnings: none are invented.
    const { metadata: old } = mergeShards([{ path: 'o.npz', state: state(0), metadata: { shard: { index: 1, count: 1 } } }]);
    expect(old).not.toHaveProperty('warnings');
  });
});

describe('mergeShards refuses shards of different feature spaces', () => {
  const state = () => ({ count: 2, mean: Float64Array.of(0), m2: Float64Array.of(1) });
  const base = { extractor: 'inception', protocol: 'tf', layer: 'pool3', weightsSha256: 'abc', inputId: 'sha256:x', inputCount: 4 };
  it.each([
    ['extractor', { extractor: 'vgg16' }, "p2.npz was made with extractor 'vgg16' but p1.npz with 'inception'; merge only shards of one run"],
    ['protocol', { protocol: 'clean' }, "p2.npz was made with protocol 'clean' but p1.npz with 'tf'; merge only shards of one run"],
    ['layer', { layer: 'pool_768' }, "p2.npz was made with layer 'pool_768' but p1.npz with 'pool3'; merge only shards of one run"],
    ['weights', { weightsSha256: 'def' }, "p2.npz was made with weightsSha256 'def' but p1.npz with 'abc'; merge only shards of one run"],
  ])('another %s', (_, change, message) => {
    expect(() =>
      mergeShards([
        { path: 'p1.npz', state: state(), metadata: { ...base, shard: { index: 1, count: 2 } } },
        { path: 'p2.npz', state: state(), metadata: { ...base, ...change, shard: { index: 2, count: 2 } } },
      ]),
    ).toThrow(message);
  });
});

describe('fidkit stats', () => {
  it('merges three shards into exactly the statistics of one run (1e-12 relative)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-shards-'));
    const whole = join(dir, 'whole.npz');
    expect((await runCli('stats', FEATURES, '-o', whole)).code).toBe(0);
    const parts = [];
    for (const k of [1, 2, 3]) {
      const part = join(dir, `part-${k}.npz`);
      const r = await runCli('stats', FEATURES, '--shard', `${k}/3`, '-o', part);
      expect(r.code).toBe(0);
      parts.push(part);
    }
    const merged = join(dir, 'stats.npz');
    const r = await runCli('stats', 'merge', ...parts.reverse(), '-o', merged);
    expect(r.stderr).toContain('merged 3 shards (500 samples)');
    expect(r.code).toBe(0);
    const a = await readStatisticsFile(merged);
    const b = await readStatisticsFile(whole);
    expect(a.stats.count).toBe(500);
    expect(maxRel(a.stats.sigma, b.stats.sigma)).toBeLessThan(1e-12);
    expect(maxRel(a.stats.mu, b.stats.mu)).toBeLessThan(1e-12);
    // The merged file scores like the original statistics.
    const fid = await runCli('score', merged, join(FIXTURES, 'frechet', 'd64_set2_stats.npz'), '--json');
    expect(JSON.parse(fid.stdout).metrics.fid.value).toBeCloseTo(9.18561380741588, 8);
  });

  it('refuses an incomplete or duplicated set of shards, naming them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-shards-'));
    const p1 = join(dir, 'p1.npz');
    const p2 = join(dir, 'p2.npz');
    await runCli('stats', FEATURES, '--shard', '1/3', '-o', p1);
    await runCli('stats', FEATURES, '--shard', '2/3', '-o', p2);
    const missing = await runCli('stats', 'merge', p1, p2, '-o', join(dir, 'x.npz'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('shards 3/3 are missing');
    const twice = await runCli('stats', 'merge', p1, p1, p2, '-o', join(dir, 'x.npz'));
    expect(twice.stderr).toContain(`shard 1/3 is given twice: ${p1} and ${p1}`);
    const asStats = await runCli('score', p1, p2);
    expect(asStats.code).toBe(1);
    expect(asStats.stderr).toContain('is a shard of raw moments');
  });
});
