/**
 * @file `fidkit stats <input> -o stats.npz [--shard k/n]` and `fidkit stats merge <parts…> -o stats.npz`:
 * write FID statistics in pytorch-fid's layout, or one shard's raw moments, and combine shards.
 */
import type { Command } from 'commander';
import { InputError, UsageError } from '../core/errors.js';
import { checkOutputs } from '../io/output-path.js';
import { readMomentsFile, writeMomentsFile, writeStatisticsFile } from '../io/stats-file.js';
import { inputWarnings, loadInput, type FolderOptions } from '../api/inputs.js';
import { mergeShards, nonEmptyShardRange, type Shard } from '../stats/shards.js';
import { Moments } from '../stats/moments.js';
import { mark } from '../core/timeline.js';
import { VERSION } from '../core/version.js';
import { addOptions, apiOptions } from './flags.js';
import type { CommandContext } from './context.js';
import { addExtractorHelp, type CommonFlags } from './options.js';
import { ProgressReporter } from './progress.js';

export function registerStats(program: Command, ctx: CommandContext): void {
  const stats = program
    .command('stats')
    .description('write FID statistics (mu, sigma; pytorch-fid --save-stats layout) of an input, or one shard of its raw moments')
    .argument('<input>', 'an image folder, a .npy of features (N×D), a generator (gen:mnist-gan?n=10000) or bundled MNIST digits (mnist:test)');
  addExtractorHelp(addOptions(stats, 'stats'));
  // Not mandatory for commander, which would demand it of 'stats merge' too (it checks every ancestor's): checked below.
  stats.options.find((o) => o.long === '--output')!.mandatory = false;
  stats.action(async (input: string, flags: CommonFlags & { output?: string; shard?: Shard }) => {
    if (flags.output === undefined) throw new UsageError('stats needs -o FILE: the .npz to write');
    const output = flags.output;
    const shard = flags.shard;
    await checkOutputs([output], [input]);
    const say = (line: string): void => {
      if (!flags.quiet) ctx.io.stderr.write(`${line}\n`);
    };
    // What stderr shows also goes into the file's metadata (`warnings`), so the file says it too.
    const warnings: string[] = [];
    const warn = (w: string): void => {
      warnings.push(w);
      say(`warning: ${w}`);
    };
    const loaded = await loadInput(input, { moments: true, logits: false, features: false }, {
      ...(apiOptions('stats', flags) as FolderOptions), // with shard
      onProgress: flags.quiet ? undefined : new ProgressReporter(ctx.io.stderr).update,
      onWarning: warn,
      onNote: say,
    });
    for (const w of inputWarnings(loaded)) warn(w);
    mark('input loaded');
    let moments = loaded.moments;
    let what = `${loaded.count} images`;
    if (!moments) {
      const f = loaded.features;
      if (!f) throw new InputError(`${input} already holds statistics; 'stats' needs images or per-sample features (a .npy)`);
      const { start, end } = shard ? nonEmptyShardRange(f.rows, shard, input) : { start: 0, end: f.rows };
      moments = new Moments(f.cols, { label: input }).add({ data: f.data.subarray(start * f.cols, end * f.cols), rows: end - start, cols: f.cols });
      what = `rows ${start}…${end - 1} (${end - start} samples)`;
    }
    const name = loaded.metadata?.extractor;
    const metadata = {
      ...loaded.metadata,
      fidkitVersion: VERSION,
      source: input,
      ...(loaded.extractorIdentity && name !== undefined ? { extractors: { [name]: loaded.extractorIdentity } } : {}),
      warnings,
    };
    if (shard) {
      await writeMomentsFile(output, moments.state(), { ...metadata, shard });
      say(`wrote shard ${shard.index}/${shard.count} of ${input}: ${what}, to ${output}`);
    } else {
      await writeStatisticsFile(output, moments.statistics(), metadata);
      mark('statistics written');
      say(`wrote statistics of ${moments.count} samples to ${output}`);
    }
  });

  const merge = stats
    .command('merge')
    .description('combine shard files from `stats --shard k/n` into the statistics of the whole input')
    .argument('<parts...>', 'shard files (all n of them)');
  addOptions(merge, 'stats merge').action(async (parts: string[], flags: { output: string; quiet?: boolean }) => {
      await checkOutputs([flags.output], parts);
      const loaded = [];
      for (const path of parts) loaded.push({ path, ...(await readMomentsFile(path)) });
      const { moments, metadata } = mergeShards(loaded);
      await writeStatisticsFile(flags.output, moments.statistics(), { ...metadata, fidkitVersion: VERSION });
      if (!flags.quiet) ctx.io.stderr.write(`merged ${parts.length} shards (${moments.count} samples) into ${flags.output}\n`);
    });
}
