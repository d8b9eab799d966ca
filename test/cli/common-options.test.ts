/**
 * The flags every command takes (`-q, --quiet`), checked over the whole command tree, and the
 * folder flags shared by every command that reads folders: `--ext` and the warnings about skipped
 * and ignored files.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCli } from '../../src/cli/main.js';
import { FIXTURES, runCli } from './run-cli.js';

const A = (f: string) => join(FIXTURES, 'images', 'set_a', f);
let tmp = '';

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fidkit-common-'));
});

function folder(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, src] of Object.entries(files)) {
    if (typeof src === 'string') copyFileSync(src, join(dir, file));
    else writeFileSync(join(dir, file), src);
  }
  return dir;
}

/** Every command path of the program, e.g. ['stats', 'merge']. */
function commandPaths(): string[][] {
  const program = createCli({ io: { stdout: { write: () => true }, stderr: { write: () => true } }, setExitCode: () => undefined });
  const walk = (cmd: Command, path: string[]): string[][] => cmd.commands.flatMap((c) => [[...path, c.name()], ...walk(c, [...path, c.name()])]);
  return walk(program, []);
}

const COMMANDS = [
  ['score'],
  ['stats'],
  ['stats', 'merge'],
  ['features'],
  ['verify'],
  ['cache'],
  ['cache', 'ls'],
  ['cache', 'clear'],
  ['train'],
  ['sweep'],
  ['latent'],
  ['sample'],
];

describe('common flags', () => {
  it('include every command of the program in the table below', () => {
    const paths = commandPaths().map((p) => p.join(' '));
    for (const c of COMMANDS) expect(paths).toContain(c.join(' '));
    expect(paths.filter((p) => p.startsWith('latent ')).length).toBeGreaterThan(0);
  });

  it.each(commandPaths().map((p) => [p.join(' '), p]))('fidkit %s --help lists -q, --quiet', async (_name, path) => {
    const r = await runCli(...(path as string[]), '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/-q, --quiet\s+no progress or warnings/);
  });

  it('stats -q writes nothing on stderr (before: exit 2, unknown option)', async () => {
    const out = join(tmp, 'q.npz');
    const r = await runCli('stats', join(FIXTURES, 'frechet', 'd64_set1_features.npy'), '--shard', '1/1', '-o', out, '-q');
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    const merged = await runCli('stats', 'merge', out, '-o', join(tmp, 'm.npz'), '--quiet');
    expect(merged).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('-q keeps errors', async () => {
    const r = await runCli('stats', join(tmp, 'missing'), '-o', join(tmp, 'x.npz'), '-q');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`fidkit: input not found: ${join(tmp, 'missing')} — check the path\n`);
  });
});

describe('folder flags', () => {
  it('stats warns about skipped and ignored files as score does, and -q silences it', async () => {
    const dir = folder('bad', { 'a.png': A('a01_mnist_28_gray.png'), 'b.png': A('a02_mnist_28_gray.png'), 'c.png': Buffer.from('not a png'), 'notes.txt': Buffer.from('hi') });
    // The MNIST classifier: these are 28×28 digits, and it loads in a fraction of the Inception's time.
    const flags = ['--skip-bad', '--extractor', 'mnist', '--no-cache'];
    const r = await runCli('stats', dir, '-o', join(tmp, 'bad.npz'), ...flags);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${dir}: skipped 1 unreadable image(s), e.g. `);
    expect(r.stderr).toContain(`warning: ${dir}: ignored 1 file(s) without an image extension (--ext chooses the extensions)\n`);
    const quiet = await runCli('stats', dir, '-o', join(tmp, 'bad.npz'), ...flags, '-q');
    expect(quiet).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('features and sweep (a folder reference) print the same warnings about skipped and ignored files', async () => {
    const digits = Object.fromEntries(
      ['a01_mnist_28_gray.png', 'a02_mnist_28_gray.png', 'a03_mnist_up84_gray.png', 'a04_mnist_up299_gray.png'].flatMap((f, i) => [
        [`d${i}.png`, A(f)],
        [`e${i}.png`, A(f)],
      ]),
    );
    const dir = folder('bad-many', { ...digits, 'c.png': Buffer.from('not a png'), 'notes.txt': Buffer.from('hi') });
    const skipped = `warning: ${dir}: skipped 1 unreadable image(s), e.g. `;
    const ignored = `warning: ${dir}: ignored 1 file(s) without an image extension (--ext chooses the extensions)\n`;
    const flags = ['--skip-bad', '--extractor', 'mnist', '--no-cache'];
    const f = await runCli('features', dir, '-o', join(tmp, 'bad-many.npy'), ...flags);
    expect(f.code).toBe(0);
    expect(f.stderr).toContain(skipped);
    expect(f.stderr).toContain(ignored);
    const s = await runCli('sweep', '--generator', 'mnist-gan', '-n', '20', '--truncation', '1', '--reference', dir, '--real', 'none', '--compare', 'none', ...flags);
    expect(s.code).toBe(0);
    expect(s.stderr.split(skipped).length).toBe(2); // once, not once per row
    expect(s.stderr.split(ignored).length).toBe(2);
    expect(await runCli('features', dir, '-o', join(tmp, 'bad-many.npy'), ...flags, '-q')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('--ext png reads only the pngs, --ext .PNG,jpg both, and the feature cache tells the two lists apart', async () => {
    const dir = folder('ext', { 'a.png': A('a01_mnist_28_gray.png') });
    await sharp(A('a12_checker_28_rgb.png')).jpeg().toFile(join(dir, 'b.jpg'));
    const cache = join(tmp, 'cache');
    const png = await runCli('features', dir, '-o', join(tmp, 'png.npy'), '--ext', 'png', '--weights', 'test:hash', '--cache-dir', cache, '-q');
    expect(png.code).toBe(0);
    expect(readFileSync(join(tmp, 'png.txt'), 'utf8')).toBe(`${join(dir, 'a.png')}\n`);
    const both = await runCli('features', dir, '-o', join(tmp, 'both.npy'), '--ext', '.PNG,jpg', '--weights', 'test:hash', '--cache-dir', cache, '--json', '-q');
    expect(both.code).toBe(0);
    expect(JSON.parse(both.stdout).rows).toBe(2);
    expect(readFileSync(join(tmp, 'both.txt'), 'utf8')).toBe(`${join(dir, 'a.png')}\n${join(dir, 'b.jpg')}\n`);
  }, 20_000);

  it('refuses an unsupported --ext naming the supported ones (exit 2)', async () => {
    const r = await runCli('stats', tmp, '-o', join(tmp, 'x.npz'), '--ext', 'png,gif');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "error: option '--ext <list>' argument 'png,gif' is invalid. Expected a comma-separated list of image extensions out of bmp, jpeg, jpg, pgm, png, ppm, tif, tiff, webp for --ext but received 'png,gif'.",
    );
  });

  it("the empty-folder message's --ext suggestion works as written", async () => {
    const dir = folder('jpgs', {});
    await sharp(A('a12_checker_28_rgb.png')).jpeg().toFile(join(dir, 'b.jpg'));
    const miss = await runCli('score', dir, '--metrics', 'is', '--ext', 'png', '--weights', 'test:hash', '--no-cache', '-q');
    expect(miss.code).toBe(1);
    expect(miss.stderr).toBe(`fidkit: ${dir} has 0 images with extensions png (1 other file ignored): check the path or pass --ext LIST\n`);
    // Before the extractor loads (which would warn about the test weights; with real weights, seconds or a download).
    for (const argv of [['score', dir, '--metrics', 'is'], ['score', dir, A('a01_mnist_28_gray.png').replace(/[^/]+$/, '')], ['features', dir, '-o', join(tmp, 'none.npy')]]) {
      const early = await runCli(...argv, '--ext', 'png', '--weights', 'test:hash', '--no-cache');
      expect([early.code, early.stderr], argv.join(' ')).toEqual([1, `fidkit: ${dir} has 0 images with extensions png (1 other file ignored): check the path or pass --ext LIST\n`]);
    }
    const hit = await runCli('score', dir, '--metrics', 'is', '--is-splits', '1', '--ext', 'jpg', '--weights', 'test:hash', '--no-cache', '--json', '-q');
    expect(hit.code).toBe(0);
    expect(JSON.parse(hit.stdout).inputs[0]).toMatchObject({ count: 1, ignored: 0 });
  }, 20_000);
});
