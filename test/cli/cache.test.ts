import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './run-cli.js';

const BIN = join(ROOT, 'bin', 'fidkit.js');

/** Run the built CLI with FIDKIT_CACHE set to `cache`. */
function fidkit(cache: string, ...argv: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...argv], { cwd: ROOT, env: { ...process.env, FIDKIT_CACHE: cache }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fidkit cache ls|clear and --cache-max', () => {
  it('lists what each entry was made from, evicts the least recently used past the cap, clears by age', () => {
    const cache = mkdtempSync(join(tmpdir(), 'fidkit-cache-cli-'));
    const features = join(cache, 'features');
    const stats = (input: string, ...more: string[]) => fidkit(cache, 'stats', input, '--extractor', 'mnist', '-o', join(cache, 'out.npz'), '-q', ...more);
    expect(stats('mnist:test?n=40').code).toBe(0);
    expect(stats('mnist:test?n=60').code).toBe(0);
    // An entry as fidkit wrote them before it kept metadata: no .json beside it.
    const [oldKey] = readdirSync(features).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    const oldN = JSON.parse(fidkit(cache, 'cache', 'ls', '--json').stdout).entries.find((e: { key: string }) => e.key === oldKey).count as number;
    rmSync(join(features, `${oldKey}.json`));
    const month = new Date(Date.now() - 31 * 86_400_000);
    utimesSync(join(features, `${oldKey}.npz`), month, month);

    const ls = fidkit(cache, 'cache', 'ls');
    expect(ls.code).toBe(0);
    expect(ls.stderr).toBe('');
    const lines = ls.stdout.trimEnd().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['key', 'source', 'extractor', 'weights', 'protocol', 'layers', 'N', 'MB', 'last used']);
    expect(lines).toHaveLength(5); // header, rule, two entries, total
    // Least recently used first: the old entry, every field it cannot know shown as '?'.
    expect(lines[2].split(/\s{2,}/).slice(0, 7)).toEqual([oldKey.slice(0, 12), '?', '?', '?', '?', '?', '?']);
    const other = oldN === 40 ? 60 : 40;
    expect(lines[3].split(/\s{2,}/).slice(1, 7)).toEqual([`mnist:test?n=${other}`, 'mnist', expect.stringMatching(/^[0-9a-f]{12}$/), 'mnist-luma', 'features', String(other)]);
    expect(lines[4]).toMatch(new RegExp(`^2 entries, \\d+ kB in ${features}$`));

    const doc = JSON.parse(fidkit(cache, 'cache', 'ls', '--json').stdout);
    expect(doc.schema).toBe('fidkit.cache/1');
    expect(doc.entries[0]).toMatchObject({ key: oldKey, source: null, extractor: null, count: null, created: null });
    expect(doc.entries[1]).toMatchObject({ source: `mnist:test?n=${other}`, extractor: 'mnist', protocol: 'mnist-luma', layers: { moments: 'features' }, count: other });
    expect(doc.entries[1].weights).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.totalBytes).toBe(doc.entries[0].bytes + doc.entries[1].bytes);

    // A cap that holds one entry: writing a third evicts both others, never itself, and says so.
    const capped = stats('mnist:test?n=50', '--cache-max', '1kB');
    expect(capped.code).toBe(0);
    const loud = fidkit(cache, 'stats', 'mnist:test?n=30', '--extractor', 'mnist', '-o', join(cache, 'out.npz'), '--cache-max', '1kB');
    expect(loud.stderr).toContain('feature cache: evicted 1 least recently used entry (');
    expect(loud.stderr).toContain('to stay within --cache-max 1 kB');
    const left = JSON.parse(fidkit(cache, 'cache', 'ls', '--json').stdout).entries;
    expect(left.map((e: { source: string }) => e.source)).toEqual(['mnist:test?n=30']);

    // --older-than keeps what was used recently.
    expect(stats('mnist:test?n=40').code).toBe(0);
    const twoDays = new Date(Date.now() - 2 * 86_400_000);
    const keyOf = (source: string) => JSON.parse(fidkit(cache, 'cache', 'ls', '--json').stdout).entries.find((e: { source: string }) => e.source === source).key;
    utimesSync(join(features, `${keyOf('mnist:test?n=40')}.npz`), twoDays, twoDays);
    const cleared = fidkit(cache, 'cache', 'clear', '--older-than', '1d');
    expect(cleared.code).toBe(0);
    expect(cleared.stderr).toMatch(new RegExp(`^removed 1 cached entry last used over 1d ago \\(\\d+ kB\\) from ${features}\\n$`));
    expect(JSON.parse(fidkit(cache, 'cache', 'ls', '--json').stdout).entries.map((e: { source: string }) => e.source)).toEqual(['mnist:test?n=30']);

    const bad = fidkit(cache, 'cache', 'clear', '--older-than', '3 weeks');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Expected an age such as 30d, 12h or 90m (days, hours, minutes) for --older-than but received '3 weeks'.");
    const badMax = fidkit(cache, 'stats', 'mnist:test?n=30', '--extractor', 'mnist', '-o', join(cache, 'out.npz'), '--cache-max', 'lots');
    expect(badMax.code).toBe(2);
    expect(badMax.stderr).toContain("Expected a size such as 2GB, 500MB or 0 for --cache-max but received 'lots'.");
  }, 60_000);
});
