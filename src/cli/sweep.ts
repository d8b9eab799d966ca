/**
 * @file `fidkit sweep`: the truncation sweep of a generator against a reference — one table row per
 * ψ plus real-data and other-generator rows, `--json` (schema fidkit.sweep/1) and `--plot` (PNG or
 * SVG: FID and IS against ψ, precision against recall). Also `npm start`'s job.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { checkOutputs } from '../io/output-path.js';
import { BUNDLED_GENERATORS } from '../generators/model-files.js';
import { DEFAULT_TRUNCATION_MODE, TRUNCATION_MODES, parseTruncation, type TruncationMode } from '../generators/truncation.js';
import { writeSweepPlot, type SweepPlotPoint } from '../report/plot.js';
import { renderTable } from '../report/table.js';
import { DEFAULT_GENERATED_COUNT, MNIST_PREFIX } from '../sources.js';
import { DEFAULT_TRUNCATIONS, sweep, type SweepReport, type SweepRow } from '../sweep.js';
import type { CommandContext } from './main.js';
import { addFolderOptions, folderOptions, integerAtLeast, oneOf, type FolderFlags } from './options.js';
import { ProgressReporter } from './progress.js';

interface SweepFlags extends FolderFlags {
  generator: string;
  truncation: number[];
  truncationMode: TruncationMode;
  count: number;
  model?: string;
  seed: number;
  reference?: string;
  real?: string;
  compare?: string;
  k?: number;
  layout?: 'nchw' | 'nhwc';
  range?: '0,1' | '-1,1';
  latentDim?: number;
  json?: boolean;
  plot?: string;
  quiet?: boolean;
}

/** `mnist-test` and friends are accepted for the bundled sets' `mnist:` names. */
const ALIASES: Readonly<Record<string, string>> = { 'mnist-test': 'mnist:test', 'mnist-train-10k': 'mnist:train-10k' };
const alias = (text: string) => ALIASES[text] ?? text;

export function registerSweep(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('sweep')
    .description(
      "score a generator at several truncation thresholds ψ against a reference: IS, FID, precision, recall, density and coverage per ψ, plus rows for real data and other generators (e.g. the VAE); images are generated in memory, never written",
    )
    .option('--generator <name>', `generator: ${BUNDLED_GENERATORS.join(', ')} or FILE.onnx`, 'mnist-gan')
    .addOption(
      new Option('--truncation <list>', "comma-separated thresholds ψ; 'none' = untruncated")
        .default([...DEFAULT_TRUNCATIONS], DEFAULT_TRUNCATIONS.map((t) => (t === Infinity ? 'none' : t)).join(','))
        .argParser((text: string) => text.split(',').map(parseTruncation)),
    )
    .addOption(
      new Option('--truncation-mode <mode>', 'scale: z·ψ, so ψ = 1 is the untruncated generator and ψ > 1 spreads codes out; resample: redraw components with |z| > ψ (BigGAN)')
        .default(DEFAULT_TRUNCATION_MODE)
        .argParser(oneOf('--truncation-mode', TRUNCATION_MODES)),
    )
    .addOption(new Option('-n, --count <n>', 'samples per set').default(DEFAULT_GENERATED_COUNT).argParser(integerAtLeast('-n', 2)))
    .addOption(new Option('--seed <s>', 'seed of the latent codes (the same codes for every ψ) and of the IS shuffle').default(0).argParser(integerAtLeast('--seed', 0)))
    .option('--reference <input>', 'reference set: mnist-test, a folder, a .npz of statistics (FID only) or a .npy of features (default: mnist-test for the bundled generators)')
    .option('--real <input>', "a real set scored like the generated ones, or 'none' (default: the first n training digits, mnist:train-10k?n=N, when the reference is mnist-test)")
    .option('--compare <list>', "other generators (or gen:/mnist: inputs) scored untruncated, comma-separated, or 'none' (default: mnist-vae when sweeping mnist-gan)")
    .addOption(new Option('--k <n>', 'neighbourhood size of precision/recall/density/coverage').default(5).argParser(integerAtLeast('--k', 1)))
    .addOption(new Option('--layout <layout>', 'ONNX generators: output layout').argParser(oneOf('--layout', ['nchw', 'nhwc'] as const)))
    .addOption(new Option('--range <range>', 'ONNX generators: output value range').argParser(oneOf('--range', ['0,1', '-1,1'] as const)))
    .addOption(new Option('--latent-dim <d>', 'ONNX generators: latent width when the model leaves it dynamic').argParser(integerAtLeast('--latent-dim', 1)))
    .option('--model <dir>', 'mnist-gan/mnist-vae: a folder written by `fidkit train gan|vae` instead of the bundled weights')
    .option('--json', 'print one JSON document (schema fidkit.sweep/1) instead of the table')
    .option('--plot <file>', 'write the figure: FID and IS against ψ, precision against recall (.png or .svg)');
  addFolderOptions(cmd).action(async (flags: SweepFlags) => {
    const bundled = (BUNDLED_GENERATORS as readonly string[]).includes(flags.generator);
    const reference = alias(flags.reference ?? (bundled ? 'mnist:test' : ''));
    if (!reference) throw new UsageError('--reference is required for an ONNX generator: a folder of real images, a .npz of statistics or a .npy of features');
    // MNIST generators are scored with the MNIST classifier unless --extractor says otherwise.
    const extractor = flags.extractor === undefined && reference.startsWith(MNIST_PREFIX) ? 'mnist' : flags.extractor;
    // The real row uses as many digits as each generated set (FID's bias depends on n), up to the 10,000 bundled.
    const real =
      flags.real === 'none' ? undefined : flags.real !== undefined ? alias(flags.real) : /^mnist:test(\?|$)/.test(reference) ? `mnist:train-10k?n=${Math.min(flags.count, 10_000)}` : undefined;
    const compare =
      flags.compare === 'none' ? [] : flags.compare !== undefined ? flags.compare.split(',').map((s) => alias(s.trim())) : flags.generator === 'mnist-gan' ? ['mnist-vae'] : [];
    const stderr = ctx.io.stderr;
    const progress = flags.quiet ? undefined : new ProgressReporter(stderr);
    if (!flags.quiet && !flags.json) {
      stderr.write(
        `sweep: ${flags.generator}, ψ ∈ {${flags.truncation.map((t) => (t === Infinity ? 'none' : t)).join(', ')}} (${flags.truncationMode}), ${flags.count} samples per set, seed ${flags.seed}; reference ${reference}; extractor ${extractor}\n`,
      );
    }
    if (flags.plot) await checkOutputs([{ path: flags.plot, flag: '--plot', example: 'sweep.png' }], [reference, ...(real ? [real] : []), ...compare, ...(flags.model ? [flags.model] : [])]);
    const report = await sweep({
      ...folderOptions(flags),
      extractor,
      generator: flags.generator,
      generatorOptions: { layout: flags.layout, range: flags.range, latentDim: flags.latentDim, model: flags.model },
      truncations: flags.truncation,
      mode: flags.truncationMode,
      count: flags.count,
      seed: flags.seed,
      reference,
      real,
      compare,
      k: flags.k,
      onProgress: progress?.update,
      onWarning: flags.quiet ? undefined : (w) => stderr.write(`warning: ${w}\n`),
      onNote: flags.quiet ? undefined : (n) => stderr.write(`${n}\n`),
    });
    if (flags.plot) await writeSweepPlot(flags.plot, plotData(report));
    if (flags.json) {
      ctx.io.stdout.write(JSON.stringify({ ...report, plot: flags.plot ?? null }, null, 2) + '\n');
      return;
    }
    ctx.io.stdout.write(renderSweepTable(report));
    ctx.io.stdout.write(`\n${report.rows.length} set${report.rows.length === 1 ? '' : 's'} of ${report.count} samples in ${report.seconds.toFixed(1)} s (n = ${report.count}: -n sets it; FID and recall depend on n)\n`);
    if (flags.plot) ctx.io.stdout.write(`plot: ${flags.plot}\n`);
  });
}

/** The sweep's table: one row per set. */
export function renderSweepTable(report: SweepReport): string {
  const header = ['set', 'ψ', 'n', 'IS', '± std', 'FID', 'precision', 'recall', 'density', 'coverage'];
  const psi = (r: SweepRow) => (r.kind !== 'truncation' ? '—' : r.truncation === null ? 'none' : String(r.truncation));
  const round = (x: number | null | undefined, digits: number) => (x === null || x === undefined ? null : Number(x.toFixed(digits)));
  const rows = report.rows.map((r) => [
    r.kind === 'truncation' ? report.generator : r.label,
    psi(r),
    r.count,
    round(r.is?.mean, 3),
    round(r.is?.std, 3),
    round(r.fid, 3),
    round(r.precision, 4),
    round(r.recall, 4),
    round(r.density, 4),
    round(r.coverage, 4),
  ]);
  const title = `truncation sweep of ${report.generator} (${report.mode}) against ${report.reference.input} (${report.reference.count ?? '?'} samples), extractor ${report.extractor ?? '?'}, k = ${report.k}\n`;
  return title + renderTable(header, rows);
}

function plotData(report: SweepReport): { title: string; subtitle: string; sweep: SweepPlotPoint[]; references: SweepPlotPoint[]; sweepLabel: string } {
  const point = (r: SweepRow): SweepPlotPoint => ({
    label: r.label,
    truncation: r.truncation,
    ...(r.fid !== null ? { fid: r.fid } : {}),
    ...(r.is ? { is: r.is.mean } : {}),
    ...(r.precision !== null ? { precision: r.precision } : {}),
    ...(r.recall !== null ? { recall: r.recall } : {}),
  });
  return {
    title: `Truncation sweep: ${report.generator} against ${report.reference.input}`,
    subtitle: `${report.count} samples per set, ${report.mode} truncation, seed ${report.seed}, extractor ${report.extractor ?? '?'}, k = ${report.k} (fidkit ${report.fidkit})`,
    sweepLabel: `${report.generator}, truncated`,
    sweep: report.rows.filter((r) => r.kind === 'truncation').map(point),
    references: report.rows.filter((r) => r.kind !== 'truncation').map(point),
  };
}
