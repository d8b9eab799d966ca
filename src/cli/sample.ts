/**
 * @file `fidkit sample [--generator G] -n N -o DIR|grid.png`: draw N seeded, optionally truncated
 * latent codes, run the generator (bundled MNIST GAN/VAE — `mnist-gan` by default — or a user's ONNX file) and write the
 * images as one PNG each into a folder, or as one grid image when `-o` ends in `.png`.
 *
 * A folder must be new or empty: a set mixed with the files of an earlier run would be scored as
 * one. `--force` writes into a non-empty folder after deleting the numbered PNGs (`<digits>.png`)
 * an earlier run left there; other files are kept. A grid file is overwritten.
 * Progress goes to stderr for large N; the one-line summary (or `--json`) to stdout.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError, UsageError } from '../core/errors.js';
import { checkOutputs } from '../io/output-path.js';
import { formatTruncation } from '../generators/truncation.js';
import type { TruncationMode } from '../options/schema.js';
import { addOptions } from './flags.js';
import type { CommandContext } from './context.js';
import type { CommonFlags } from './options.js';
import { ProgressReporter } from './progress.js';

/** Largest grid (images); more belong in a folder. */
const MAX_GRID_IMAGES = 10_000;
/** Sample counts from which progress is shown. */
const PROGRESS_FROM = 2_000;
/** Zero padding of file numbers: 000000.png …, wider when N needs it. */
const MIN_DIGITS = 6;

/** The parsed flags (options/schema.ts entries of `sample`; defaults filled by commander). */
interface SampleFlags extends CommonFlags {
  generator: string;
  count: number;
  out: string;
  truncation: number;
  truncationMode: TruncationMode;
  seed: number;
  columns?: number;
  scale?: number;
  layout?: 'nchw' | 'nhwc';
  range?: '0,1' | '-1,1';
  latentDim?: number;
  model?: string;
  batchSize: number;
  force?: boolean;
  json?: boolean;
}

export function registerSample(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('sample')
    .description(
      'generate images with a generator: seeded latent codes z ~ N(0, I), optionally truncated, written as one PNG per image into a folder or as one grid image (-o ending in .png). ' +
        'An ONNX generator takes z [N, d] float32 and returns N×C×H×W or N×H×W×C images (C = 1 or 3) in [-1, 1] or [0, 1]: layout and range come from --layout/--range, ' +
        'else the model metadata fidkit.layout/fidkit.range, else the output shape and a final Tanh/Sigmoid.',
    );
  // --generator has the same default as sweep's and latent's (the options schema's): `fidkit sample -n 16 -o grid.png` just works.
  addOptions(cmd, 'sample')
    .action(async (flags: SampleFlags) => {
      const started = Date.now();
      const grid = flags.out.toLowerCase().endsWith('.png');
      if (!grid && (flags.columns !== undefined || flags.scale !== undefined)) {
        throw new UsageError(`--columns and --scale apply to a grid (-o ending in .png); ${flags.out} is a folder`);
      }
      if (grid && flags.count > MAX_GRID_IMAGES) {
        throw new UsageError(`a grid holds at most ${MAX_GRID_IMAGES} images, got -n ${flags.count}: write a folder (-o DIR) instead`);
      }
      const digits = Math.max(MIN_DIGITS, String(flags.count - 1).length);
      // Checked before the generator loads, emptied after: a failed load deletes nothing.
      const stale = grid ? (await checkGridPath(flags.out), []) : await checkFolder(flags.out, flags.force ?? false);
      await checkOutputs([{ path: flags.out, example: 'grid.png' }], [flags.generator, ...(flags.model ? [flags.model] : [])], { folder: !grid });
      const [{ loadGenerator }, { sampleBatches, sampleImages }, grids] = await Promise.all([
        import('../models/load-generator.js'),
        import('../generators/sample.js'),
        import('../report/image-grid.js'),
      ]);
      const generator = await loadGenerator(flags.generator, {
        layout: flags.layout,
        range: flags.range,
        latentDim: flags.latentDim,
        model: flags.model,
      });
      await Promise.all(stale.map((path) => rm(path, { force: true })));
      const options = { count: flags.count, truncation: flags.truncation, mode: flags.truncationMode, seed: flags.seed, batchSize: flags.batchSize };
      const { height, width, channels } = generator;
      let gridSize: { columns: number; rows: number; width: number; height: number } | undefined;
      try {
        if (grid) {
          const { images } = await sampleImages(generator, options);
          const picture = grids.composeGrid({ data: images, count: flags.count, height, width, channels }, { columns: flags.columns, scale: flags.scale });
          await (await import('../io/atomic-write.js')).writeFileAtomic(flags.out, await grids.encodePng(picture));
          const columns = Math.min(flags.columns ?? Math.ceil(Math.sqrt(flags.count)), flags.count);
          gridSize = { columns, rows: Math.ceil(flags.count / columns), width: picture.width, height: picture.height };
        } else {
          const progress = flags.quiet || flags.count < PROGRESS_FROM ? undefined : new ProgressReporter(ctx.io.stderr);
          progress?.update('sample', { type: 'start', done: 0, total: flags.count });
          for await (const b of sampleBatches(generator, options)) {
            await grids.writeImagePngs(flags.out, { data: b.images, count: b.count, height, width, channels }, { startIndex: b.start, digits });
            const done = b.start + b.count;
            progress?.update('sample', { type: done === flags.count ? 'end' : 'progress', done, total: flags.count });
          }
        }
      } finally {
        await generator.dispose();
      }
      const seconds = (Date.now() - started) / 1000;
      const psi = formatTruncation(flags.truncation);
      const files = grid ? undefined : { first: join(flags.out, fileName(0, digits)), last: join(flags.out, fileName(flags.count - 1, digits)) };
      if (flags.json) {
        const doc = {
          schema: 'fidkit.sample/1',
          generator: generator.name,
          sha256: generator.sha256,
          latentDim: generator.latentDim,
          height,
          width,
          channels,
          layout: generator.layout,
          range: generator.range,
          count: flags.count,
          truncation: flags.truncation === Infinity ? null : flags.truncation,
          truncationMode: flags.truncationMode,
          seed: flags.seed,
          output: flags.out,
          format: grid ? 'grid' : 'folder',
          ...(gridSize ? { grid: gridSize } : {}),
          ...(files ? { files } : {}),
          seconds,
        };
        ctx.io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
        return;
      }
      const what = gridSize
        ? `a ${gridSize.columns}×${gridSize.rows} grid (${gridSize.width}×${gridSize.height} px) of ${flags.count} images to ${flags.out}`
        : `${flags.count} images to ${flags.out} (${fileName(0, digits)} … ${fileName(flags.count - 1, digits)})`;
      ctx.io.stdout.write(
        `wrote ${what}: ${generator.name} (${height}×${width}×${channels}, latent ${generator.latentDim}), ψ ${psi}${flags.truncation === Infinity ? '' : ` (${flags.truncationMode})`}, seed ${flags.seed}, ${seconds.toFixed(1)} s\n`,
      );
    });
}

function fileName(index: number, digits: number): string {
  return `${String(index).padStart(digits, '0')}.png`;
}

/** A grid path must not be a folder. */
async function checkGridPath(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) throw new InputError(`${path} is a folder: -o ending in .png writes one grid image; name a file, or a folder without .png`);
}

/**
 * Make sure `dir` can take this run's PNGs alone: missing (created later), or empty, or — with
 * `force` — holding numbered PNGs of an earlier run, which are returned for deletion.
 * @throws {InputError} a file where the folder should be, or a non-empty folder without `force`
 */
async function checkFolder(dir: string, force: boolean): Promise<string[]> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) return [];
  if (!info.isDirectory()) throw new InputError(`${dir} is a file: -o names a folder for the PNGs, or a .png file for one grid`);
  const entries = await readdir(dir);
  if (entries.length === 0) return [];
  if (!force) {
    throw new InputError(`${dir} is not empty (${entries.length} entries): pass a new or empty folder, or --force to replace the numbered PNGs of an earlier run (other files are kept)`);
  }
  return entries.filter((name) => /^[0-9]+\.png$/.test(name)).map((name) => join(dir, name));
}
