/** `stats merge` refuses shards cut from different inputs (folders or .npy files), naming the files and the field. */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMomentsFile, readStatisticsFile, writeMomentsFile } from '../../src/io/stats-file.js';
import { FIXTURES, runCli } from './run-cli.js';

const SET1 = join(FIXTURES, 'frechet', 'd64_set1_features.npy');
const SET2 = join(FIXTURES, 'frechet', 'd64_set2_features.npy');

async function shard(input: string, k: string, out: string, ...flags: string[]): Promise<string> {
  const r = await runCli('stats', input, '--shard', k, '-o', out, ...flags);
  expect([r.code, r.stderr]).toEqual([0, expect.stringContaining(`wrote shard ${k}`)]);
  return out;
}

describe('stats merge of foreign shards', () => {
  it('refuses shard 1/2 of folder A with shard 2/2 of folder B', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-foreign-'));
    const mnist = ['--extractor', 'mnist', '--no-cache'];
    const a1 = await shard(join(FIXTURES, 'images', 'set_a'), '1/2', join(dir, 'a1.npz'), ...mnist);
    const a2 = await shard(join(FIXTURES, 'images', 'set_a'), '2/2', join(dir, 'a2.npz'), ...mnist);
    const b2 = await shard(join(FIXTURES, 'images', 'set_b'), '2/2', join(dir, 'b2.npz'), ...mnist);
    const r = await runCli('stats', 'merge', a1, b2, '-o', join(dir, 'm.npz'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^fidkit: ${b2} and ${a1} are shards of different inputs \\(inputId sha256:[0-9a-f]{12}… vs sha256:[0-9a-f]{12}…\\): merge only the shards of one input \\(folder, file, generator or digit set\\)\\n$`));
    expect(readdirSync(dir).sort()).toEqual(['a1.npz', 'a2.npz', 'b2.npz']);
    // The same folder seen through another path (another machine's mount) still merges.
    const copy = join(dir, 'elsewhere', 'set_a');
    mkdirSync(copy, { recursive: true });
    for (const f of readdirSync(join(FIXTURES, 'images', 'set_a'))) copyFileSync(join(FIXTURES, 'images', 'set_a', f), join(copy, f));
    const a2copy = await shard(copy, '2/2', join(dir, 'a2-copy.npz'), ...mnist);
    expect((await runCli('stats', 'merge', a1, a2copy, '-o', join(dir, 'm.npz'))).code).toBe(0);
    // The merged file says which classifier made it: the bundled one, with no warning.
    const merged = await readStatisticsFile(join(dir, 'm.npz'));
    expect(merged.metadata).toMatchObject({ extractor: 'mnist', warnings: [], extractors: { mnist: { official: true, source: 'bundled', warnings: [] } } });
    expect((await readMomentsFile(a2)).metadata?.inputCount).toBe(12);
  });

  it('shards of a generator merge into the statistics of the whole run; shards of another seed are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-foreign-'));
    const gen = 'gen:mnist-gan?n=90&seed=3';
    const flags = ['--extractor', 'mnist', '--no-cache', '-q'];
    const parts = [];
    for (const k of ['1/3', '2/3', '3/3']) {
      const out = join(dir, `g${k[0]}.npz`);
      expect((await runCli('stats', gen, '--shard', k, '-o', out, ...flags)).code).toBe(0);
      parts.push(out);
    }
    expect((await runCli('stats', 'merge', ...parts, '-o', join(dir, 'merged.npz'))).code).toBe(0);
    expect((await runCli('stats', gen, '-o', join(dir, 'whole.npz'), ...flags)).code).toBe(0);
    const [merged, whole] = await Promise.all([readStatisticsFile(join(dir, 'merged.npz')), readStatisticsFile(join(dir, 'whole.npz'))]);
    expect(merged.stats.count).toBe(90);
    let rel = 0;
    const scale = whole.stats.sigma.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (let i = 0; i < whole.stats.sigma.length; i++) rel = Math.max(rel, Math.abs(merged.stats.sigma[i] - whole.stats.sigma[i]) / scale);
    expect(rel).toBeLessThan(1e-12);
    const other = join(dir, 'other3.npz');
    expect((await runCli('stats', 'gen:mnist-gan?n=90&seed=4', '--shard', '3/3', '-o', other, ...flags)).code).toBe(0);
    const r = await runCli('stats', 'merge', parts[0], parts[1], other, '-o', join(dir, 'm.npz'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`fidkit: ${other} and ${parts[0]} are shards of different inputs (inputId sha256:`);
  });

  it('refuses A+B+A of .npy shards by their input, before the duplicate index', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-foreign-'));
    const a1 = await shard(SET1, '1/3', join(dir, 'a1.npz'));
    const b2 = await shard(SET2, '2/3', join(dir, 'b2.npz'));
    const a3 = await shard(SET1, '3/3', join(dir, 'a3.npz'));
    let r = await runCli('stats', 'merge', a1, b2, a3, '-o', join(dir, 'm.npz'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^fidkit: ${b2} and ${a1} are shards of different inputs \\(inputId sha256:`));
    r = await runCli('stats', 'merge', a1, b2, a1, '-o', join(dir, 'm.npz'));
    expect(r.stderr).toContain(`fidkit: ${b2} and ${a1} are shards of different inputs`);
    r = await runCli('stats', 'merge', a1, a1, '-o', join(dir, 'm.npz'));
    expect(r.stderr).toBe(`fidkit: shard 1/3 is given twice: ${a1} and ${a1}\n`);
  });

  it('merges shards of the previous version with each other, and refuses a mix of old and new', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-foreign-'));
    const fresh = [1, 2].map((k) => join(dir, `new${k}.npz`));
    for (const [i, p] of fresh.entries()) await shard(SET1, `${i + 1}/2`, p);
    // What fidkit 0.1.0 wrote: the same shards without inputId/inputCount.
    const old = [];
    for (const [i, p] of fresh.entries()) {
      const { state, metadata } = await readMomentsFile(p);
      const { inputId: _id, inputCount: _count, ...before } = metadata!;
      old.push(join(dir, `old${i + 1}.npz`));
      await writeMomentsFile(old[i], state, before);
    }
    const r = await runCli('stats', 'merge', ...old, '-o', join(dir, 'm.npz'));
    expect([r.code, r.stderr]).toEqual([0, `merged 2 shards (500 samples) into ${join(dir, 'm.npz')}\n`]);
    const mixed = await runCli('stats', 'merge', fresh[0], old[1], '-o', join(dir, 'm2.npz'));
    expect([mixed.code, mixed.stderr]).toEqual([
      1,
      `fidkit: ${old[1]} records no input (written by an earlier fidkit) but ${fresh[0]} does (inputId), so they cannot be shown to come from one input: re-create ${old[1]} with this fidkit\n`,
    ]);
  });
});
