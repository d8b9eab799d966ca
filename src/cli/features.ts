/**
 * @file `fidkit features <input> -o features.npy|features.npz`: write one layer's per-image features
 * (N×D float32, rows in `score`'s order) and the row ids — `features.txt` next to a `.npy`, or the
 * `files` member (fixed-width unicode, `np.load` reads it without pickle) of a `.npz`.
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { exportFeatures, type ExportFeaturesOptions } from '../api/export-features.js';
import { inputWarnings } from '../api/inputs.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { writeNpy } from '../io/npy.js';
import { writeNpz } from '../io/npz.js';
import { checkOutputs } from '../io/output-path.js';
import { addOptions, apiOptions } from './flags.js';
import type { CommandContext } from './context.js';
import { addExtractorHelp, type CommonFlags } from './options.js';
import { ProgressReporter } from './progress.js';

export const FEATURES_SCHEMA = 'fidkit.features/1';

interface FeaturesFlags extends CommonFlags {
  output: string;
  json?: boolean;
}

export function registerFeatures(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('features')
    .description("write one layer's features of every image (N×D float32, rows in sorted file order, as score uses them) and the file list")
    .argument('<input>', 'an image folder, a generator (gen:mnist-gan?n=10000) or bundled MNIST digits (mnist:test)');
  addExtractorHelp(addOptions(cmd, 'features')).action(async (input: string, flags: FeaturesFlags) => {
    const output = flags.output;
    const npz = /\.npz$/i.test(output);
    if (!npz && !/\.npy$/i.test(output)) throw new UsageError(`-o ${output}: the output must end in .npy (with a .txt file list beside it) or .npz`);
    // Both files are checked before any extraction: not an input, and writable.
    await checkOutputs(npz ? [output] : [output, output.replace(/\.npy$/i, '.txt')], [input]);
    const say = (line: string): void => {
      if (!flags.quiet) ctx.io.stderr.write(`${line}\n`);
    };
    const warnings: string[] = [];
    const warn = (w: string): void => {
      warnings.push(w);
      say(`warning: ${w}`);
    };
    const r = await exportFeatures(input, {
      ...(apiOptions('features', flags) as ExportFeaturesOptions),
      onProgress: flags.quiet ? undefined : new ProgressReporter(ctx.io.stderr).update,
      onWarning: warn,
      onNote: say,
    });
    for (const w of inputWarnings({ path: r.input, skipped: r.skipped, ignored: r.ignored })) warn(w);
    const { data, rows, cols } = r.features;
    const matrix = { dtype: 'float32' as const, shape: [rows, cols], data };
    let list: string | null = null;
    if (npz) {
      await writeFileAtomic(output, writeNpz({ features: matrix, files: { strings: r.ids } }));
    } else {
      list = output.replace(/\.npy$/i, '.txt');
      await writeFileAtomic(output, writeNpy(matrix));
      await writeFileAtomic(list, r.ids.map((id) => `${id}\n`).join(''));
    }
    say(`wrote ${rows}×${cols} features (layer ${r.layer}) of ${r.input} to ${output}${list ? ` (file list: ${list})` : ''}`);
    if (flags.json) {
      const summary = {
        schema: FEATURES_SCHEMA,
        path: output,
        files: list,
        input: r.input,
        rows,
        dim: cols,
        layer: r.layer,
        extractor: r.extractor,
        protocol: r.protocol,
        weightsSha256: r.weightsSha256,
        extractors: { [r.extractor]: r.extractorIdentity },
        shard: r.shard ?? null,
        skipped: r.skipped.length,
        ignored: r.ignored,
        warnings,
      };
      ctx.io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    }
  });
}
