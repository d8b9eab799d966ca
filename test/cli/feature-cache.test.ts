import { mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli as runInProcess, spawnCliAsync as runCli } from './run-cli.js';

/** A binary 16×16 grayscale PGM: same byte size whatever the pixels. */
function pgm(pixel: (x: number, y: number) => number): Buffer {
  const header = Buffer.from('P5\n16 16\n255\n', 'latin1');
  const body = Buffer.alloc(16 * 16);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) body[y * 16 + x] = pixel(x, y);
  return Buffer.concat([header, body]);
}

// What the README and --help say the default cache key does and does not notice: an image replaced
// by another of the same size, with its modification time restored (rsync -t, cp -p, tar), is
// served from the cache — the old numbers — and --cache-strict, which keys on contents, recomputes.
describe('feature cache key', () => {
  it('serves a same-size replacement with restored mtime from the cache; --cache-strict recomputes', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'fidkit-cache-key-'));
    const dir = join(tmp, 'images');
    mkdirSync(dir);
    const gradient = pgm((x, y) => 8 * x + 4 * y);
    const checker = pgm((x, y) => (((x >> 2) + (y >> 2)) & 1 ? 255 : 0));
    expect(checker.length).toBe(gradient.length);
    writeFileSync(join(dir, 'a.pgm'), pgm((x) => 16 * x));
    writeFileSync(join(dir, 'b.pgm'), pgm((_, y) => 16 * y));
    writeFileSync(join(dir, 'c.pgm'), gradient);
    const c = join(dir, 'c.pgm');
    const mtime = 1_700_000_000; // whole seconds, so restoring it is exact on every file system
    utimesSync(c, mtime, mtime);
    const cache = ['--cache-dir', join(tmp, 'cache')];
    const args = ['score', dir, '--metrics', 'is', '--is-splits', '1', '--json', '--weights', 'test:hash'];
    const isMean = (r: { stdout: string }) => JSON.parse(r.stdout).metrics.is.mean as number;

    const first = await runCli(...args, ...cache);
    expect(first.code).toBe(0);
    expect(first.stderr).not.toContain('using cached features');
    writeFileSync(c, checker); // same size, other content …
    utimesSync(c, mtime, mtime); // … and the old modification time, as rsync -t would leave it
    expect(statSync(c).mtimeMs).toBe(mtime * 1000);

    const fast = await runCli(...args, ...cache);
    expect(fast.stderr).toContain(`${dir}: using cached features (3 images`);
    expect(isMean(fast)).toBe(isMean(first)); // the old images' number: what the documentation warns of

    const strict = await runCli(...args, ...cache, '--cache-strict');
    expect(strict.stderr).not.toContain('using cached features');
    // The new images' number: IS 1.0157 against the old images' 1.2065 (hash weights).
    expect(Math.abs(isMean(strict) - isMean(first))).toBeGreaterThan(0.1);
  });

  it('is described as it is in --help and the README, which point to --cache-strict and no longer promise "never stale"', async () => {
    for (const command of ['score', 'stats', 'features']) {
      const help = (await runInProcess(command, '--help')).stdout.replace(/\s+/g, ' ');
      expect(help, command).toContain('--cache-strict key the feature cache on file contents (SHA-256) instead of sizes and modification times; the default key notices');
      expect(help, command).toContain('but not an image replaced by one of the same size with its time restored');
    }
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain('but not an image replaced by another of the same size whose modification time was restored');
    expect(readme).toContain('`--cache-strict` keys on the files\' contents');
    // The old overstatement (about a changed folder); "another spec or another model is never served stale
    // features" (ONNX extractors, keyed on both) is true and stays.
    expect(readme).not.toMatch(/folder is never served stale|never served stale numbers/);
  });
});
