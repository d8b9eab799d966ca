/**
 * @file `fidkit score <input1> [<input2>]`: parse flags, call `score()`, print the table (or
 * one JSON document with --json) on stdout and warnings on stderr. No maths here.
 */
import { Option, type Command } from 'commander';
import { DEFAULTS, FID_SINGULAR_MODES, METRICS, type FidSingularMode, type MetricName } from '../defaults.js';
import { O, type KidKernelName } from '../options/schema.js';
import { optionFor } from './flags.js';
import { renderScoreReport } from '../report/score-report.js';
import { score } from '../score.js';
import type { CommandContext } from './main.js';
import { addFolderOptions, folderOptions, integerAtLeast, listOf, oneOf, type FolderFlags } from './options.js';
import { ProgressReporter } from './progress.js';

interface ScoreFlags extends FolderFlags {
  metrics?: MetricName[];
  json?: boolean;
  seed: number;
  kidSubsets: number;
  kidSubsetSize?: number;
  kidKernel: KidKernelName;
  kidKernelRbfSigma: number;
  isSplits: number;
  isShuffle: boolean;
  k?: number;
  fidSingular: FidSingularMode;
  quiet?: boolean;
}

export function registerScore(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('score')
    .description(
      'score input1 (generated samples) against input2 (reference): each input is an image folder, a .npz of FID statistics (mu, sigma) or a .npy of features/logits (N×D)',
    )
    .argument('<input1>', 'the set being evaluated (generated samples)')
    .argument('[input2]', 'the reference set (real data)')
    .addOption(new Option('--metrics <list>', `comma-separated: ${METRICS.join(', ')} (default: fid with two inputs, is with one)`).argParser(listOf('metric', METRICS)))
    .option('--json', 'print one JSON document (schema fidkit.score/1) instead of a table')
    .addOption(new Option('--seed <n>', 'seed of the IS shuffle and KID subsets').default(DEFAULTS.seed).argParser(integerAtLeast('--seed', 0)))
    .addOption(new Option('--kid-subsets <n>', 'number of KID subsets').default(DEFAULTS.kidSubsets).argParser(integerAtLeast('--kid-subsets', 1)))
    .addOption(new Option('--kid-subset-size <n>', `rows per KID subset (default ${DEFAULTS.kidSubsetSize}, shrunk with a warning when a set is smaller)`).argParser(integerAtLeast('--kid-subset-size', 2)))
    .addOption(optionFor(O.kidKernel))
    .addOption(optionFor(O.kidKernelRbfSigma))
    .addOption(new Option('--is-splits <n>', 'number of Inception Score splits').default(DEFAULTS.isSplits).argParser(integerAtLeast('--is-splits', 1)))
    .option('--no-is-shuffle', "don't shuffle rows before the IS splits (the original OpenAI formula)")
    .addOption(new Option('--k <n>', `neighbourhood size for pr (default ${DEFAULTS.prK}) and prdc (default ${DEFAULTS.prdcK})`).argParser(integerAtLeast('--k', 1)))
    .addOption(
      new Option('--fid-singular <mode>', "singular covariance product: 'exact' value, or 'pytorch-fid' (add 1e-6·I where pytorch-fid does)")
        .default(DEFAULTS.fidSingular)
        .argParser(oneOf('--fid-singular', FID_SINGULAR_MODES)),
    );
  addFolderOptions(cmd).action(async (input1: string, input2: string | undefined, flags: ScoreFlags) => {
      const progress = flags.quiet ? undefined : new ProgressReporter(ctx.io.stderr);
      // Warnings print as they happen; the report repeats them (with the rest) for --json, not stderr.
      const shown = new Set<string>();
      const warn = (w: string): void => {
        if (flags.quiet || shown.has(w)) return;
        shown.add(w);
        ctx.io.stderr.write(`warning: ${w}\n`);
      };
      const report = await score(input2 === undefined ? [input1] : [input1, input2], {
        ...folderOptions(flags),
        onProgress: progress?.update,
        onWarning: warn,
        onNote: flags.quiet ? undefined : (n) => ctx.io.stderr.write(`${n}\n`),
        metrics: flags.metrics,
        seed: flags.seed,
        isSplits: flags.isSplits,
        isShuffle: flags.isShuffle,
        kidSubsets: flags.kidSubsets,
        kidSubsetSize: flags.kidSubsetSize,
        kidKernel: flags.kidKernel,
        kidKernelRbfSigma: flags.kidKernelRbfSigma,
        k: flags.k,
        fidSingular: flags.fidSingular,
      });
      for (const w of report.warnings) warn(w);
      ctx.io.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : renderScoreReport(report));
    });
}
