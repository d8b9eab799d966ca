/**
 * @file `fidkit latent interpolate|reconstruct|inpaint`: the latent-space experiments on the bundled
 * MNIST GAN and VAE (`src/latent/experiments.ts`). Each writes one grid PNG (`-o`) and prints its
 * numbers as a table on stdout (or one JSON document with `--json`); warnings and optimiser progress
 * go to stderr. tfjs and the experiments load only when a subcommand runs.
 */
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { InputError, UsageError } from '../core/errors.js';
import { checkOutputs } from '../io/output-path.js';
import type { BundledGeneratorName } from '../models/mnist/model-files.js';
import type { DigitPrediction } from '../latent/classify.js';
import type { LatentFitProgress } from '../latent/optimize.js';
import type { LatentGrid } from '../latent/experiments.js';
import type { MaskSpec } from '../latent/masks.js';
import type { TargetSpec } from '../latent/targets.js';
import { formatNumber, renderTable, type Cell } from '../report/table.js';
import { addOptions, apiOptions } from './flags.js';
import type { CommandContext } from './context.js';
import type { CommonFlags as QuietFlag } from './options.js';
import { Progress, stepsFormat } from './progress.js';

/** Gap between grid tiles, in pixels, and its gray level. */
const GRID_PADDING = 2;
const GRID_BACKGROUND = 0.5;

/** The parsed flags (options/schema.ts entries of `latent <experiment>`; defaults filled by commander). */
interface CommonFlags extends QuietFlag {
  generator: BundledGeneratorName;
  model?: string;
  out: string;
  scale: number;
  json?: boolean;
}

interface InterpolateFlags extends CommonFlags {
  from?: string;
  to?: string;
  frames: number;
}

interface FitFlags extends CommonFlags {
  index?: number;
  image?: string;
  starts: number;
  steps: number;
  lr: number;
  seed: number;
  priorWeight: number;
}

interface InpaintFlags extends FitFlags {
  mask: string;
}

export function registerLatent(program: Command, ctx: CommandContext): void {
  const latent = program
    .command('latent')
    .description('latent-space experiments on the bundled MNIST GAN and VAE: interpolate, reconstruct, inpaint (each writes a grid PNG and prints its numbers)');

  addOptions(
    latent
      .command('interpolate')
      .description(
        'decode the codes between two endpoints along the straight line (lerp) and the great circle (slerp), and classify every frame. ' +
          'Endpoints: seed:N (z ~ N(0, I) from seed N), index:N (VAE: encoder mean μ(x) of MNIST test digit N), an image file (VAE: its μ(x)), or a bare N ' +
          '(a seed for mnist-gan, a test index for mnist-vae). Grid: row 1 linear, row 2 spherical, t = 0 … 1 left to right.',
      ),
    'latent interpolate',
  ).action(async (flags: InterpolateFlags) => {
    await checkOut(flags.out, [flags.from, flags.to]);
    const { interpolate, parseEndpoint } = await import('../latent/experiments.js');
    // A malformed endpoint is a usage error (exit 2).
    const endpointOf = (flag: string, text: string | undefined) => {
      try {
        return text === undefined ? undefined : parseEndpoint(text, flags.generator);
      } catch (err) {
        throw new UsageError(`${flag}: ${(err as Error).message}`);
      }
    };
    const r = await interpolate({ generator: flags.generator, model: flags.model, from: endpointOf('--from', flags.from), to: endpointOf('--to', flags.to), frames: flags.frames });
    warn(ctx, flags, r.warnings);
    const picture = await writeGrid(flags.out, r.grid, flags.scale);
    if (flags.json) return printJson(ctx, 'interpolate', r, flags.out, picture);
    const endpoint = (e: typeof r.from): string => `${e.endpoint}${e.label !== undefined ? ` (label ${e.label})` : ''}, ‖z‖ ${fmt(e.norm)}`;
    ctx.io.stdout.write(
      `${describeModel(r)}\nfrom ${endpoint(r.from)}\nto   ${endpoint(r.to)}\ncos Ω ${fmt(r.cosine)} (angle ${fmt((Math.acos(Math.max(-1, Math.min(1, r.cosine))) * 180) / Math.PI)}°)\n\n` +
        renderTable(
          ['t', '‖z‖ linear', 'digit', 'p', '‖z‖ spherical', 'digit', 'p'],
          r.frames.map((f) => [round(f.t, 4), round(f.linear.norm, 3), ...predictionCells(f.linear.prediction), round(f.spherical.norm, 3), ...predictionCells(f.spherical.prediction)]),
        ) +
        `\n${wrote(flags.out, picture, r.grid)}`,
    );
  });

  addOptions(
    latent
      .command('reconstruct')
      .description(
        'find codes z minimising the mean squared error between G(z) and a digit (pixels in [0,1]) with Adam from several random starts; print the MSE before and after per start. ' +
          'Grid: the target, for mnist-vae the encoder\'s reconstruction decode(μ(x)), then G(z) of every start.',
      ),
    'latent reconstruct',
  ).action(async (flags: FitFlags) => {
    const target = targetOf(flags);
    await checkOut(flags.out, [flags.image]);
    const { reconstruct } = await import('../latent/experiments.js');
    const r = await reconstruct({ ...fitOptions(flags, target), onProgress: fitProgress(ctx, flags) });
    warn(ctx, flags, r.warnings);
    const picture = await writeGrid(flags.out, r.grid, flags.scale);
    if (flags.json) return printJson(ctx, 'reconstruct', r, flags.out, picture);
    const encoder = r.encoder
      ? `encoder decode(μ(x)): MSE ${fmt(r.encoder.mse)}, ‖μ‖ ${fmt(r.encoder.norm)}${r.encoder.prediction ? `, classified ${describePrediction(r.encoder.prediction)}` : ''}\n`
      : '';
    ctx.io.stdout.write(
      `${describeModel(r)}\n${describeTarget(r.target)}\n${describeSettings(r.settings, r.seconds)}\n\n` +
        renderTable(
          ['start', 'MSE start', 'MSE end', '‖z‖', 'digit', 'p', 'best'],
          r.starts.map((s, i) => [i + 1, sig(s.initialMse), sig(s.finalMse), round(s.norm, 3), ...predictionCells(s.prediction), i === r.best ? '*' : '']),
        ) +
        `\nbest: start ${r.best + 1}, MSE ${fmt(r.starts[r.best].finalMse)}\n${encoder}${wrote(flags.out, picture, r.grid)}`,
    );
  });

  addOptions(
    latent
      .command('inpaint')
      .description(
        'hide a region of a digit and fit codes z to the visible pixels only (Adam from several random starts); print per start the visible-pixel MSE (fitted) and the hidden-region MSE against the original (guessed). ' +
          'Grid: the original, the masked input (hidden pixels mid-gray), the best start\'s inpainted image (visible pixels kept, hidden ones generated), then G(z) of every start.',
      ),
    'latent inpaint',
  ).action(async (flags: InpaintFlags) => {
    const target = targetOf(flags);
    const mask = await maskOf(flags.mask);
    await checkOut(flags.out, [flags.image]);
    const { inpaint } = await import('../latent/experiments.js');
    const r = await inpaint({ ...fitOptions(flags, target), mask, onProgress: fitProgress(ctx, flags) });
    warn(ctx, flags, r.warnings);
    const picture = await writeGrid(flags.out, r.grid, flags.scale);
    if (flags.json) return printJson(ctx, 'inpaint', r, flags.out, picture);
    ctx.io.stdout.write(
      `${describeModel(r)}\n${describeTarget(r.target)}\nmask ${r.mask}: ${r.hiddenPixels} pixels hidden, ${r.visiblePixels} visible\n${describeSettings(r.settings, r.seconds)}\n\n` +
        renderTable(
          ['start', 'visible MSE start', 'visible MSE end', 'hidden MSE', '‖z‖', 'digit', 'p', 'best'],
          r.starts.map((s, i) => [i + 1, sig(s.initialVisibleMse), sig(s.visibleMse), sig(s.hiddenMse), round(s.norm, 3), ...predictionCells(s.prediction), i === r.best ? '*' : '']),
        ) +
        `\nbest: start ${r.best + 1}, visible MSE ${fmt(r.starts[r.best].visibleMse)}, hidden MSE ${fmt(r.starts[r.best].hiddenMse)} (digit/p: the classifier on the inpainted image)\n${wrote(flags.out, picture, r.grid)}`,
    );
  });
}

function targetOf(flags: FitFlags): TargetSpec {
  if ((flags.index === undefined) === (flags.image === undefined)) throw new UsageError('give the target as exactly one of --index I (an MNIST test digit) or --image FILE');
  return flags.index !== undefined ? { kind: 'index', index: flags.index } : { kind: 'image', path: flags.image! };
}

/** `--mask` as a MaskSpec; a malformed one is a usage error (exit 2). */
async function maskOf(text: string): Promise<MaskSpec> {
  const { parseMask } = await import('../latent/masks.js');
  try {
    return parseMask(text);
  } catch (err) {
    throw new UsageError(`--mask: ${(err as Error).message}`);
  }
}

/** reconstruct()'s and inpaint()'s options: the schema entries of the fit, read under their API keys (--lr → learningRate). */
function fitOptions(flags: FitFlags, target: TargetSpec) {
  const { generator, model, starts, steps, learningRate, seed, priorWeight } = apiOptions('latent reconstruct', flags) as Omit<FitFlags, 'lr'> & { learningRate: number };
  return { generator, model, target, starts, steps, learningRate, seed, priorWeight };
}

/** `-o` must name a writable .png file that is not a folder nor an input image (checked before the slow part). */
async function checkOut(path: string, inputs: (string | undefined)[]): Promise<void> {
  if (!path.toLowerCase().endsWith('.png')) throw new UsageError(`-o ${path}: the grid is written as PNG; give a file name ending in .png`);
  if ((await stat(path).catch(() => undefined))?.isDirectory()) throw new InputError(`${path} is a folder: -o names the grid PNG file to write`);
  await checkOutputs([{ path, example: 'grid.png' }], inputs.filter((i) => i !== undefined));
}

async function writeGrid(path: string, grid: LatentGrid, scale: number): Promise<{ width: number; height: number }> {
  const [{ composeGrid, encodePng }, { writeFileAtomic }] = await Promise.all([import('../report/image-grid.js'), import('../io/atomic-write.js')]);
  const picture = composeGrid(grid, { columns: grid.columns, scale, padding: GRID_PADDING, background: GRID_BACKGROUND });
  await writeFileAtomic(path, await encodePng(picture));
  return { width: picture.width, height: picture.height };
}

function printJson(ctx: CommandContext, experiment: string, result: { grid: LatentGrid }, out: string, picture: { width: number; height: number }): void {
  const { grid, ...rest } = result;
  const doc = {
    schema: `fidkit.latent-${experiment}/1`,
    ...rest,
    output: { path: out, width: picture.width, height: picture.height, columns: grid.columns, rows: Math.ceil(grid.count / grid.columns), layout: grid.layout },
  };
  ctx.io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
}

function warn(ctx: CommandContext, flags: CommonFlags, warnings: readonly string[]): void {
  if (!flags.quiet) for (const w of warnings) ctx.io.stderr.write(`warning: ${w}\n`);
}

function wrote(out: string, picture: { width: number; height: number }, grid: LatentGrid): string {
  return `wrote ${out} (${picture.width}×${picture.height} px): ${grid.layout}\n`;
}

function describeModel(r: { generator: string; modelPath: string; latentDim: number }): string {
  return `${r.generator} (${r.modelPath}), latent dimension ${r.latentDim}`;
}

function describeTarget(t: { source: string; label?: number; prediction?: DigitPrediction }): string {
  return `target: ${t.source}${t.label !== undefined ? `, label ${t.label}` : ''}${t.prediction ? `, classified ${describePrediction(t.prediction)}` : ''}`;
}

function describeSettings(s: { starts: number; steps: number; learningRate: number; seed: number; priorWeight: number }, seconds: number): string {
  return `${s.starts} starts (seed ${s.seed}) × ${s.steps} Adam steps, lr ${s.learningRate}, prior weight ${s.priorWeight}; ${seconds.toFixed(1)} s`;
}

function describePrediction(p: DigitPrediction): string {
  return `${p.digit} (p ${p.probability.toFixed(3)})`;
}

function predictionCells(p: DigitPrediction | undefined): Cell[] {
  // p as a fixed-width string: 1.000 rather than 1, so the column reads evenly.
  return p ? [p.digit, p.probability.toFixed(3)] : [undefined, undefined];
}

/** 4 significant digits (the MSEs span 1e-1 … 1e-6). */
function sig(x: number): number {
  return Number(x.toPrecision(4));
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

function fmt(x: number): string {
  return formatNumber(x, 4);
}

/** Optimiser progress on stderr: a bar on a terminal (not CI), else a line every few seconds. */
function fitProgress(ctx: CommandContext, flags: CommonFlags): ((e: LatentFitProgress) => void) | undefined {
  if (flags.quiet) return undefined;
  const progress = new Progress(ctx.io.stderr, stepsFormat('fit'));
  let started = false;
  return (e) => {
    const detail = `best MSE ${fmt(Math.min(...e.mse))}`;
    if (!started) {
      started = true;
      progress.start(e.total, e.step, detail);
    }
    if (e.step === e.total) progress.end(e.step, detail);
    else progress.update(e.step, detail);
  };
}
