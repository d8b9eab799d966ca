/**
 * @file `fidkit stats <input> -o stats.npz [--shard k/n]` and `fidkit stats merge <parts…> -o stats.npz`:
 * write FID statistics in pytorch-fid's layout, or one shard's raw moments, and combine shards.
 */
import type { Command } from 'commander';
import { InputError, UsageError } from '../errors.js';
import { readMomentsFile, writeMomentsFile, writeStatisticsFile } from '../io/stats-file.js';
import { loadInput } from '../score.js';
import { mergeShards, parseShard, shardRange, type Shard } from '../shards.js';
import { Moments } from '../stats/moments.js';
import { VERSION } from '../version.js';
import type { CommandContext } from './main.js';

export function registerStats(program: Command, ctx: CommandContext): void {
  const stats = program
    .command('stats')
    // Options after 'merge' belong to merge (both commands have -o).
    .enablePositionalOptions()
    .description('write FID statistics (mu, sigma; pytorch-fid --save-stats layout) of an input, or one shard of its raw moments')
    .argument('<input>', 'a .npy of features (N×D)')
    // Not requiredOption: commander would demand it of 'stats merge' too, which has its own -o.
    .option('-o, --output <file>', 'the .npz to write (required)')
    .option('--shard <k/n>', 'process only slice k of n (rows ⌊(k−1)N/n⌋…⌊kN/n⌋−1) and write raw moments for `stats merge`')
    .action(async (input: string, flags: { output?: string; shard?: string }) => {
      if (flags.output === undefined) throw new UsageError("stats needs -o FILE: the .npz to write");
      const output = flags.output;
      const shard: Shard | undefined = flags.shard === undefined ? undefined : parseShard(flags.shard);
      const loaded = await loadInput(input);
      if (!loaded.features) {
        throw new InputError(`${input} already holds statistics; 'stats' needs per-sample features (a .npy)`);
      }
      const f = loaded.features;
      const { start, end } = shard ? shardRange(f.rows, shard) : { start: 0, end: f.rows };
      const rows = { data: f.data.subarray(start * f.cols, end * f.cols), rows: end - start, cols: f.cols };
      const moments = new Moments(f.cols).add(rows);
      const metadata = { fidkitVersion: VERSION, source: input };
      if (shard) {
        await writeMomentsFile(output, moments.state(), { ...metadata, shard });
        ctx.io.stderr.write(`wrote shard ${shard.index}/${shard.count} (rows ${start}…${end - 1}, ${end - start} samples) to ${output}\n`);
      } else {
        await writeStatisticsFile(output, moments.statistics(), metadata);
        ctx.io.stderr.write(`wrote statistics of ${moments.count} samples to ${output}\n`);
      }
    });

  stats
    .command('merge')
    .description('combine shard files from `stats --shard k/n` into the statistics of the whole input')
    .argument('<parts...>', 'shard files (all n of them)')
    .requiredOption('-o, --output <file>', 'the .npz statistics to write')
    .action(async (parts: string[], flags: { output: string }) => {
      const loaded = [];
      for (const path of parts) loaded.push({ path, ...(await readMomentsFile(path)) });
      const { moments, metadata } = mergeShards(loaded);
      await writeStatisticsFile(flags.output, moments.statistics(), { ...metadata, fidkitVersion: VERSION });
      ctx.io.stderr.write(`merged ${parts.length} shards (${moments.count} samples) into ${flags.output}\n`);
    });
}
