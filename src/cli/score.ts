/**
 * @file `fidkit score <input1> [<input2>]`: parse flags, call `score()`, print the table (or
 * one JSON document with --json) on stdout and warnings on stderr. No maths here.
 */
import type { Command } from 'commander';
import { renderScoreReport } from '../report/score-report.js';
import { score, type ScoreOptions } from '../api/score.js';
import { addOptions, apiOptions } from './flags.js';
import type { CommandContext } from './context.js';
import { addExtractorHelp, type CommonFlags } from './options.js';
import { ProgressReporter } from './progress.js';

interface ScoreFlags extends CommonFlags {
  json?: boolean;
}

export function registerScore(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('score')
    .description(
      'score input1 (generated samples) against input2 (reference): each input is an image folder, a .npz of FID statistics (mu, sigma) or a .npy of features/logits (N×D)',
    )
    .argument('<input1>', 'the set being evaluated (generated samples)')
    .argument('[input2]', 'the reference set (real data)');
  addExtractorHelp(addOptions(cmd, 'score')).action(async (input1: string, input2: string | undefined, flags: ScoreFlags) => {
      const progress = flags.quiet ? undefined : new ProgressReporter(ctx.io.stderr);
      // Warnings print as they happen; the report repeats them (with the rest) for --json, not stderr.
      const shown = new Set<string>();
      const warn = (w: string): void => {
        if (flags.quiet || shown.has(w)) return;
        shown.add(w);
        ctx.io.stderr.write(`warning: ${w}\n`);
      };
      const report = await score(input2 === undefined ? [input1] : [input1, input2], {
        ...(apiOptions('score', flags) as ScoreOptions),
        onProgress: progress?.update,
        onWarning: warn,
        onNote: flags.quiet ? undefined : (n) => ctx.io.stderr.write(`${n}\n`),
      });
      for (const w of report.warnings) warn(w);
      ctx.io.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : renderScoreReport(report));
    });
}
