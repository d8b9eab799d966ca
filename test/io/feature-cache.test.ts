import { existsSync, mkdtempSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearFeatureCache, evictFeatureCache, featureCacheDir, listFeatureCache, readFeatureCache, writeFeatureCache, type FeatureCacheEntry } from '../../src/io/feature-cache.js';
import { byteSize, duration } from '../../src/options/validate.js';
import { formatBytes } from '../../src/core/bytes.js';

/** An entry of `rows` × 8 features (8·4·rows bytes of data plus the npz framing). */
function entry(rows: number): FeatureCacheEntry {
  return { count: rows, skipped: [], features: { rows, cols: 8, data: new Float32Array(rows * 8).map((_, i) => i % 7) } };
}

const info = (source: string) => ({ source, extractor: 'mnist', weights: 'ab'.repeat(32), protocol: 'mnist-luma', layers: { features: 'features' } });

/** Set an entry's last use to `minutesAgo` minutes before now. */
function age(dir: string, key: string, minutesAgo: number): void {
  const t = new Date(Date.now() - minutesAgo * 60_000);
  utimesSync(join(featureCacheDir(dir), `${key}.npz`), t, t);
}

describe('feature cache metadata', () => {
  it('keeps what an entry was made from beside it, and a read marks it used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-fc-'));
    const before = Date.now();
    await writeFeatureCache('k1', entry(10), dir, info('/data/samples'));
    const [listed] = await listFeatureCache(dir);
    expect(listed.key).toBe('k1');
    expect(listed.info).toMatchObject({ source: '/data/samples', extractor: 'mnist', weights: 'ab'.repeat(32), protocol: 'mnist-luma', layers: { features: 'features' }, count: 10 });
    expect(Date.parse(listed.info!.created)).toBeGreaterThanOrEqual(before - 1000);
    const files = readdirSync(featureCacheDir(dir)).sort();
    expect(files).toEqual(['k1.json', 'k1.npz']);
    expect(listed.bytes).toBe(files.reduce((s, f) => s + statSync(join(featureCacheDir(dir), f)).size, 0));

    age(dir, 'k1', 60);
    expect((await listFeatureCache(dir))[0].lastUsed.getTime()).toBeLessThan(Date.now() - 59 * 60_000);
    const hit = await readFeatureCache('k1', dir);
    expect(hit?.count).toBe(10);
    expect((await listFeatureCache(dir))[0].lastUsed.getTime()).toBeGreaterThanOrEqual(Date.now() - 5_000);
  });

  it('lists entries written without metadata with no info, least recently used first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-fc-'));
    await writeFeatureCache('old', entry(4), dir); // as fidkit wrote them before it kept metadata
    await writeFeatureCache('new', entry(4), dir, info('mnist:test'));
    age(dir, 'old', 10);
    age(dir, 'new', 20);
    const listed = await listFeatureCache(dir);
    expect(listed.map((e) => e.key)).toEqual(['new', 'old']);
    expect(listed[1].info).toBeUndefined();
  });
});

describe('cache clear --older-than', () => {
  it('removes only the entries last used before the cutoff, with their metadata', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-fc-'));
    for (const k of ['a', 'b', 'c']) await writeFeatureCache(k, entry(16), dir, info(k));
    age(dir, 'a', 3 * 24 * 60); // 3 days
    age(dir, 'b', 25 * 60); // 25 hours
    age(dir, 'c', 5);
    const r = await clearFeatureCache(dir, { olderThanMs: duration.parse('1d')! });
    expect(r.removed.map((e) => e.key).sort()).toEqual(['a', 'b']);
    expect(readdirSync(featureCacheDir(dir)).sort()).toEqual(['c.json', 'c.npz']);
    const all = await clearFeatureCache(dir);
    expect(all.removed.map((e) => e.key)).toEqual(['c']);
    expect(existsSync(featureCacheDir(dir))).toBe(false);
  });
});

describe('cache size cap', () => {
  it('evicts the least recently used entries until the rest fit, never the one just written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-fc-'));
    for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) {
      await writeFeatureCache(k, entry(1000), dir, info(k)); // ~32.5 kB each
      age(dir, k, 40 - 10 * i); // a oldest, d newest
    }
    await readFeatureCache('a', dir); // a is now the most recently used
    const sizes = Object.fromEntries((await listFeatureCache(dir)).map((e) => [e.key, e.bytes]));
    const cap = sizes.a + sizes.d + 10; // room for two entries
    const r = await evictFeatureCache(cap, { keep: 'd', cacheDir: dir });
    expect(r.removed.map((e) => e.key)).toEqual(['b', 'c']);
    expect(r.bytes).toBe(sizes.b + sizes.c);
    expect((await listFeatureCache(dir)).map((e) => e.key).sort()).toEqual(['a', 'd']);
    // A cap below the entry just written removes everything else and keeps that entry.
    const tiny = await evictFeatureCache(0, { keep: 'd', cacheDir: dir });
    expect(tiny.removed.map((e) => e.key)).toEqual(['a']);
    expect((await listFeatureCache(dir)).map((e) => e.key)).toEqual(['d']);
  });

  it('reads sizes and ages as the flags write them', () => {
    expect(byteSize.parse('2GB')).toBe(2e9);
    expect(byteSize.parse('500 MB')).toBe(5e8);
    expect(byteSize.parse('1.5g')).toBe(1.5e9);
    expect(byteSize.parse('800MiB')).toBe(800 * 2 ** 20);
    expect(byteSize.parse('0')).toBe(0);
    expect(byteSize.parse('12345')).toBe(12345);
    for (const bad of ['', '2 XB', '-1GB', 'GB', '1e9']) expect(byteSize.parse(bad)).toBeUndefined();
    expect(duration.parse('30d')).toBe(30 * 86_400_000);
    expect(duration.parse('12h')).toBe(12 * 3_600_000);
    expect(duration.parse('90m')).toBe(90 * 60_000);
    for (const bad of ['30', '1w', 'd', '-1d']) expect(duration.parse(bad)).toBeUndefined();
    expect(formatBytes(2e9)).toBe('2 GB');
    expect(formatBytes(390_123_456)).toBe('390 MB');
    expect(formatBytes(999)).toBe('999 B');
  });
});
