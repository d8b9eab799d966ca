/**
 * @file `fidkit sweep`: the truncation sweep of a generator against a reference — one table row per
 * ψ plus real-data and other-generator rows, `--json` (schema fidkit.sweep/1) and `--plot` (PNG or
 * SVG: FID and IS against ψ, precision against recall). Also `npm start`'s job. The command parses
 * (flags and defaults from the options schema), calls `sweep()`, which holds the whole policy, and
 * prints; its header line comes from `planSweep()`.
 */
import type { Command } from 'commander';
import { checkOutputs } from '../io/output-path.js';
import { writeSweepPlot, type SweepPlotPoint } from '../report/plot.js';
import { renderTable } from '../report/table.js';
import { planSweep, sampleSizeEffects, sweep, type SweepOptions, type SweepPlan, type SweepReport, type SweepRow } from '../api/sweep.js';
import { addOptions, apiOptions } from './flags.js';
import type { CommandContext } from './context.js';
import { addExtractorHelp, type CommonFlags } from './options.js';
import { ProgressReporter } from './progress.js';

interface SweepFlags extends CommonFlags {
  model?: string;
  json?: boolean;
  plot?: string;
}

export function registerSweep(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('sweep')
    .description(
      'score a generator at several truncation thresholds ψ against a reference: IS, FID, precision, recall, density and coverage per ψ, plus rows for real data and other generators (e.g. the VAE); images are generated in memory, never written',
    );
  // --extractor and --batch-size have no flag default: the sweep picks them by a rule when they are not given.
  addExtractorHelp(addOptions(cmd, 'sweep')).action(async (flags: SweepFlags) => {
    const stderr = ctx.io.stderr;
    const progress = flags.quiet ? undefined : new ProgressReporter(stderr);
    // How an ONNX generator's output is read travels apart; the rest are sweep()'s options as they are.
    const { layout, range, latentDim, model, json: _json, plot: _plot, quiet: _quiet, ...given } = apiOptions('sweep', flags);
    const options: SweepOptions = {
      ...(given as SweepOptions),
      generatorOptions: { layout, range, latentDim, model } as SweepOptions['generatorOptions'],
      onProgress: progress?.update,
      onWarning: flags.quiet ? undefined : (w) => stderr.write(`warning: ${w}\n`),
      onNote: flags.quiet ? undefined : (n) => stderr.write(`${n}\n`),
    };
    const plan = planSweep(options);
    if (!flags.quiet) stderr.write(headerLine(plan));
    if (flags.plot) {
      await checkOutputs([{ path: flags.plot, flag: '--plot', example: 'sweep.png' }], [plan.reference, ...(plan.real ? [plan.real] : []), ...plan.compare, ...(flags.model ? [flags.model] : [])]);
    }
    const report = await sweep(options);
    if (flags.plot) await writeSweepPlot(flags.plot, plotData(report));
    if (flags.json) {
      ctx.io.stdout.write(JSON.stringify({ ...report, plot: flags.plot ?? null }, null, 2) + '\n');
      return;
    }
    ctx.io.stdout.write(renderSweepTable(report));
    ctx.io.stdout.write(`\n${summaryLine(report)}\n`);
    if (flags.plot) ctx.io.stdout.write(`plot: ${flags.plot}\n`);
  });
}

/** The header on stderr: what will run, the extractor and why. */
export function headerLine(plan: SweepPlan): string {
  const psi = plan.truncations.map((t) => (t === Infinity ? 'none' : t)).join(', ');
  const reference = `${plan.reference}${plan.referenceN === null ? ' (all of it)' : `, n = ${plan.referenceN}`}`;
  const rows = [plan.real ? `real ${plan.real}` : '', plan.compare.length ? `compare ${plan.compare.join(', ')}` : ''].filter(Boolean).join('; ');
  return (
    `sweep: ${plan.generator}, ψ ∈ {${psi}} (${plan.mode}), n = ${plan.count} per set, seed ${plan.seed}; reference ${reference}` +
    `${rows ? `; ${rows}` : ''}; extractor ${plan.extractor} (${plan.extractorReason}), batch size ${plan.batchSize}, k = ${plan.k}\n`
  );
}

/** The line under the table: both sample sizes, and what differing ones do to the numbers. */
export function summaryLine(report: SweepReport): string {
  const sets = `${report.rows.length} set${report.rows.length === 1 ? '' : 's'} of ${report.count} samples`;
  const ref = report.reference.count;
  const head = `${sets} against ${ref ?? 'an unknown number of'} reference samples (${report.reference.input}) in ${report.seconds.toFixed(1)} s`;
  if (ref === report.count) return `${head}; -n sets both, and ${report.fdName}, precision, recall and coverage depend on it`;
  if (ref === null) return `${head}; ${report.fdName}, precision, recall and coverage depend on both sample sizes`;
  return `${head}\nsample sizes differ: ${sampleSizeEffects(report.count, ref, report.k)}`;
}

/** The sweep's table: one row per set. */
export function renderSweepTable(report: SweepReport): string {
  const header = ['set', 'ψ', 'n', 'IS', '± std', report.fdName, 'precision', 'recall', 'density', 'coverage'];
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

function plotData(report: SweepReport): { title: string; subtitle: string; sweep: SweepPlotPoint[]; references: SweepPlotPoint[]; sweepLabel: string; fdName: string } {
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
    fdName: report.fdName,
    sweep: report.rows.filter((r) => r.kind === 'truncation').map(point),
    references: report.rows.filter((r) => r.kind !== 'truncation').map(point),
  };
}
