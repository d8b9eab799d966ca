import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGenerator } from '../../src/models/load-generator.js';
import { sampleImages, toRgb8 } from '../../src/generators/sample.js';
import { decodeImage } from '../../src/io/images.js';
import { makeTinyGenerator } from '../generators/tiny-onnx-generator.js';
import { runCli } from './run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'fidkit-sample-cli-'));

/** The generator's own images for these settings, as 8-bit RGB (what a written PNG must decode to). */
async function expectedRgb(spec: string, count: number, options: { seed?: number; truncation?: number; mode?: 'resample' | 'scale' } = {}) {
  const gen = await loadGenerator(spec);
  const { images } = await sampleImages(gen, { count, ...options });
  await gen.dispose();
  return toRgb8(images, count, gen.height, gen.width, gen.channels);
}

describe('fidkit sample', () => {
  it('writes a folder of N numbered PNGs that decode to the generator\'s quantised output', async () => {
    const dir = join(tmp(), 'samples');
    const r = await runCli('sample', '--generator', 'mnist-vae', '-n', '12', '--seed', '3', '--truncation', '0.8', '-o', dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^wrote 12 images to ${dir} \\(000000\\.png … 000011\\.png\\): mnist-vae \\(28×28×1, latent 16\\), ψ 0\\.8 \\(scale\\), seed 3, \\d+\\.\\d s\\n$`),
    );
    const files = readdirSync(dir).sort();
    expect(files).toEqual(Array.from({ length: 12 }, (_, i) => `${String(i).padStart(6, '0')}.png`));
    const expected = await expectedRgb('mnist-vae', 12, { seed: 3, truncation: 0.8 });
    for (const i of [0, 5, 11]) {
      const img = await decodeImage(join(dir, files[i]));
      expect([img.height, img.width]).toEqual([28, 28]);
      expect(Buffer.from(img.data).equals(Buffer.from(expected[i].data))).toBe(true);
    }
    // Another batch size writes the same bytes.
    const other = join(tmp(), 'b');
    expect((await runCli('sample', '--generator', 'mnist-vae', '-n', '5', '--seed', '3', '--truncation', '0.8', '--batch-size', '2', '-o', other)).code).toBe(0);
    for (const f of readdirSync(other)) expect(readFileSync(join(other, f)).equals(readFileSync(join(dir, f)))).toBe(true);
  });

  it('writes one grid PNG of the documented size, with --json', async () => {
    const path = join(tmp(), 'grid.png');
    const r = await runCli('sample', '--generator', 'mnist-gan', '-n', '10', '--columns', '4', '--scale', '2', '--truncation', '0.5', '--truncation-mode', 'scale', '-o', path, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    // 4 columns × 3 rows of 56-pixel tiles with 2-pixel gaps around and between them.
    expect(doc).toMatchObject({
      schema: 'fidkit.sample/1',
      generator: 'mnist-gan',
      height: 28,
      width: 28,
      channels: 1,
      count: 10,
      truncation: 0.5,
      truncationMode: 'scale',
      seed: 0,
      output: path,
      format: 'grid',
      grid: { columns: 4, rows: 3, width: 4 * 58 + 2, height: 3 * 58 + 2 },
    });
    const grid = await decodeImage(path);
    expect([grid.width, grid.height]).toEqual([234, 176]);
    // Image 5 sits in row 1, column 1: its top-left pixel block starts at (2 + 58, 2 + 58).
    const [, , , , , fifth] = await expectedRgb('mnist-gan', 10, { truncation: 0.5, mode: 'scale' });
    for (const [y, x] of [[0, 0], [14, 14], [27, 20]]) {
      for (const [dy, dx] of [[0, 0], [1, 1]]) {
        const at = ((60 + 2 * y + dy) * 234 + 60 + 2 * x + dx) * 3;
        expect(grid.data[at]).toBe(fifth.data[(y * 28 + x) * 3]);
      }
    }
  });

  it('samples a user ONNX generator (NCHW RGB in [-1,1]) into PNGs', async () => {
    const dir = tmp();
    const model = join(dir, 'g.onnx');
    writeFileSync(model, makeTinyGenerator({ shape: [3, 6, 5], final: 'Tanh' }).bytes);
    const out = join(dir, 'out');
    const r = await runCli('sample', '--generator', model, '-n', '3', '-o', out, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ generator: model, latentDim: 8, height: 6, width: 5, channels: 3, layout: 'nchw', range: '-1,1', files: { first: join(out, '000000.png'), last: join(out, '000002.png') } });
    const expected = await expectedRgb(model, 3);
    const img = await decodeImage(join(out, '000002.png'));
    expect(Buffer.from(img.data).equals(Buffer.from(expected[2].data))).toBe(true);
    // --range overrides the Tanh: different pixels.
    const r2 = await runCli('sample', '--generator', model, '-n', '3', '-o', join(dir, 'out2'), '--range', '0,1');
    expect(r2.code).toBe(0);
    expect(readFileSync(join(dir, 'out2', '000002.png')).equals(readFileSync(join(out, '000002.png')))).toBe(false);
    // --range -1,1 (a value starting with '-') says what the Tanh said: the same bytes.
    const r3 = await runCli('sample', '--generator', model, '-n', '3', '-o', join(dir, 'out3'), '--range', '-1,1');
    expect(r3.code).toBe(0);
    expect(readFileSync(join(dir, 'out3', '000002.png')).equals(readFileSync(join(out, '000002.png')))).toBe(true);
  });

  it('defaults --generator to mnist-gan, as sweep does: the same images as naming it', async () => {
    const [a, b] = [tmp(), tmp()];
    const implicit = await runCli('sample', '-n', '3', '--seed', '5', '-o', a, '--json');
    expect(implicit.code).toBe(0);
    expect(JSON.parse(implicit.stdout).generator).toBe('mnist-gan');
    expect((await runCli('sample', '--generator', 'mnist-gan', '-n', '3', '--seed', '5', '-o', b)).code).toBe(0);
    for (const f of ['000000.png', '000001.png', '000002.png']) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f)))).toBe(true);
    expect((await runCli('sample', '--help')).stdout).toMatch(/--generator <name\|file\.onnx>\s+generator: mnist-gan, mnist-vae or an ONNX file\s+\(default: mnist-gan\)/);
  });

  it('refuses a non-empty folder; --force replaces the numbered PNGs and keeps other files', async () => {
    const dir = tmp();
    for (const f of ['000000.png', '000007.png', 'notes.txt']) writeFileSync(join(dir, f), 'old');
    const refused = await runCli('sample', '--generator', 'mnist-gan', '-n', '2', '-o', dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`fidkit: ${dir} is not empty (3 entries): pass a new or empty folder, or --force to replace the numbered PNGs of an earlier run (other files are kept)\n`);
    const forced = await runCli('sample', '--generator', 'mnist-gan', '-n', '2', '-o', dir, '--force');
    expect(forced.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['000000.png', '000001.png', 'notes.txt']);
  });

  it('usage errors exit 2 with the fix', async () => {
    const dir = tmp();
    const cases: [string[], string][] = [
      [['--generator', 'mnist-gan', '-n', '2', '-o', dir, '--columns', '2'], `fidkit: --columns and --scale apply to a grid (-o ending in .png); ${dir} is a folder\n`],
      [['--generator', 'mnist-gan', '-n', '2', '-o', dir, '--layout', 'nchw'], 'fidkit: --layout applies to .onnx generators only; mnist-gan is bundled (28×28 grayscale in [0, 1])\n'],
      [['--generator', 'mnist-gan', '-n', '2', '-o', dir, '--truncation', '0'], "error: option '--truncation <psi|none>' argument '0' is invalid. Expected a threshold ψ > 0 or 'none' for --truncation but received '0'.\n"],
      [['--generator', 'mnist-gan', '-n', '2', '-o', dir, '--range', '0,255'], "error: option '--range <range>' argument '0,255' is invalid. Expected one of 0,1, -1,1 for --range but received '0,255'.\n"],
      [['--generator', 'mnist-gan', '-o', dir], "error: required option '-n, --count <n>' not specified\n"],
      [['--generator', 'mnist-gan', '-n', '20000', '-o', join(dir, 'g.png')], 'fidkit: a grid holds at most 10000 images, got -n 20000: write a folder (-o DIR) instead\n'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli('sample', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr.startsWith(message)).toBe(true);
    }
    // -o naming an existing folder with .png, or a file as the folder: input errors (exit 1).
    mkdirSync(join(dir, 'x.png'));
    const r = await runCli('sample', '--generator', 'mnist-gan', '-n', '2', '-o', join(dir, 'x.png'));
    expect([r.code, r.stderr]).toEqual([1, `fidkit: ${join(dir, 'x.png')} is a folder: -o ending in .png writes one grid image; name a file, or a folder without .png\n`]);
  });
});
