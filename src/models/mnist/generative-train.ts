/**
 * @file The training loop shared by the MNIST GAN and VAE (`fidkit train gan|vae`): seeded,
 * resumable minibatch training on the 60,000 training digits with the classifier's checkpoint files
 * and progress events (`train.ts`), then test-set metrics, then `model.json` + `weights.bin`.
 *
 * Reproducibility, as for the classifier: the initial weights come from the model's seeded init,
 * epoch e visits the digits in the order `RandomState(seed + 7919·e).permutation(60000)`, and step s
 * draws its noise (latent codes, the VAE's ε) from its own `RandomState(noiseSeed(seed, s))`, so a
 * run resumed from a checkpoint takes exactly the steps of an uninterrupted one.
 */
import { optionRef } from '../../options/mention.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { RandomState } from '../../random/random-state.js';
import { loadMnist, MNIST_SIZE, type MnistSplit } from './mnist-data.js';
import { packParams, paramCount, unpackParams, type ParamTable, type Weights } from '../../io/params.js';
import { loadTf, type Tf } from './tf.js';
import {
  CHECKPOINT_FORMAT,
  checkedRunSettings,
  checkOutDir,
  EpochOrder,
  readCheckpointFiles,
  writeCheckpointFiles,
  writeDigit,
  type CheckpointStateBase,
  type TrainRunOptions,
} from './train.js';

/** A model's training session on live tfjs variables. */
export interface ModelSession {
  /**
   * One optimisation step on a [B,28,28,1] batch scaled to [0,1] (B = the spec's batch size);
   * returns the values to record for this step, in the spec's `recorded` order.
   */
  step(batch: Float32Array, noise: RandomState, lr: number, t: number): number[];
  read(): Promise<{ weights: Weights; m: Weights; v: Weights }>;
  /** Metrics on the first `count` digits of `test` (deterministic, seeded by `seed`). */
  evaluate(test: MnistSplit, count: number, seed: number): Promise<Record<string, number>>;
  dispose(): void;
}

/** What the GAN and VAE modules give the loop. */
export interface ModelSpec {
  readonly model: 'gan' | 'vae';
  readonly format: string;
  /** Everything the model file and checkpoint hold (weights and other state, e.g. averages). */
  readonly params: ParamTable;
  /** The subset Adam updates, whose moments the checkpoint holds (default: all of `params`). */
  readonly optimised?: ParamTable;
  readonly batchSize: number;
  /** Names of the per-step values `step` returns; the first is the progress bar's `loss`. */
  readonly recorded: readonly string[];
  /** Options that must match to resume (e.g. the GAN's loss), stored in the checkpoint. */
  readonly options: Readonly<Record<string, string>>;
  learningRate(step: number): number;
  init(seed: number): Weights;
  createSession(tf: Tf, weights: Weights, moments?: { m: Weights; v: Weights }): ModelSession;
  /** Architecture and optimiser description for `model.json`. */
  describe(): Record<string, unknown>;
  /** What is wrong with a run of `steps` total steps that still runs (e.g. a training phase that gets no step). */
  warnings?(steps: number): string[];
  command(steps: number, seed: number): string;
}

export interface TrainModelOptions extends TrainRunOptions {
  /** Total optimisation steps to reach. */
  readonly steps: number;
}

export interface TrainModelResult {
  readonly steps: number;
  readonly seed: number;
  readonly seconds: number;
  readonly backend: string;
  readonly modelPath: string;
  readonly metrics: Record<string, number>;
  /** Per-step recorded values of the whole run (including resumed steps), by name. */
  readonly history: Record<string, number[]>;
  /**
   * The run's final figures: each recorded value's mean over the last {@link PROGRESS_WINDOW}
   * steps (those it was recorded in), exactly what the last progress event showed.
   */
  readonly final: TrailingMeans;
}

/** Means of recorded values over a window of steps. */
export interface TrailingMeans {
  /** First and last step of the window (1-based, inclusive). */
  readonly window: { readonly from: number; readonly to: number };
  /** By name, in recording order; values with no finite entry in the window (another phase's) are left out. */
  readonly values: Record<string, number>;
  /** By name: the steps of the window each value was recorded in (narrower where a phase began or ended inside it). */
  readonly windows: Record<string, { readonly from: number; readonly to: number }>;
}

/**
 * Each recorded series' mean over the last `size` steps of `history` (NaN entries, which mark
 * steps of another phase, skipped): what progress events and the final summary show, so the two
 * always agree, and a resumed run shows what an uninterrupted one would.
 */
export function trailingMeans(history: Readonly<Record<string, readonly number[]>>, recorded: readonly string[], size: number): TrailingMeans {
  const to = recorded.length === 0 ? 0 : history[recorded[0]].length;
  const from = Math.max(0, to - size);
  const values: Record<string, number> = {};
  const windows: Record<string, { from: number; to: number }> = {};
  for (const k of recorded) {
    let sum = 0;
    let n = 0;
    let first = -1;
    let last = -1;
    for (let i = from; i < to; i++) {
      const x = history[k][i];
      if (Number.isFinite(x)) {
        sum += x;
        n++;
        if (first < 0) first = i;
        last = i;
      }
    }
    if (n > 0) {
      values[k] = sum / n;
      windows[k] = { from: first + 1, to: last + 1 };
    }
  }
  return { window: { from: from + 1, to }, values, windows };
}

interface GenerativeState extends CheckpointStateBase {
  options: Record<string, string>;
  history: Record<string, number[]>;
}

/** Steps averaged in progress events and the final figures, and the steps between progress events. */
export const PROGRESS_WINDOW = 50;

/** Seed of step `step`'s noise generator: a multiplicative hash, distinct from the data-order seeds. */
export function noiseSeed(seed: number, step: number): number {
  return (Math.imul(step + 1, 0x9e3779b1) ^ Math.imul(seed + 1, 0x85ebca6b)) >>> 0;
}

/**
 * Train (or resume) a model described by `spec` and write it to `outDir`.
 * @throws {UsageError} bad options or a checkpoint trained with another seed or options;
 *   {@link FidkitError} when `--resume` finds no checkpoint or `mnist-data` is missing.
 */
export async function trainModel(spec: ModelSpec, options: TrainModelOptions): Promise<TrainModelResult> {
  const { steps, seed, checkpointEvery } = checkedRunSettings(options.steps, options);
  const clearOutDir = await checkOutDir(options.outDir, options);
  for (const w of spec.warnings?.(steps) ?? []) options.onWarning?.(w);

  const checkpointDir = join(options.outDir, 'checkpoint');
  const history: Record<string, number[]> = Object.fromEntries(spec.recorded.map((k) => [k, []]));
  let state: GenerativeState = { format: CHECKPOINT_FORMAT, model: spec.model, seed, step: 0, secondsSoFar: 0, options: { ...spec.options }, history };
  let weights = spec.init(seed);
  let moments: { m: Weights; v: Weights } | undefined;
  const optimised = spec.optimised ?? spec.params;
  if (options.resume) {
    const size = paramCount(spec.params) * 4;
    const momentSize = paramCount(optimised) * 4;
    const read = await readCheckpointFiles<GenerativeState>(checkpointDir, spec.model, size + 2 * momentSize);
    state = read.state;
    // Entries a phase does not record are NaN in memory and null in JSON.
    for (const k of Object.keys(state.history)) state.history[k] = state.history[k].map((x) => (x === null ? NaN : x));
    if (state.seed !== seed) throw new UsageError(`the checkpoint in ${checkpointDir} was trained with ${optionRef('trainSeed', state.seed)}, not ${seed}: pass ${optionRef('trainSeed', state.seed)} to resume it`);
    for (const [key, value] of Object.entries(spec.options)) {
      if (state.options?.[key] !== value) throw new UsageError(`the checkpoint in ${checkpointDir} was trained with --${key} ${String(state.options?.[key])}, not ${value}: pass --${key} ${String(state.options?.[key])} to resume it`);
    }
    weights = unpackParams(spec.params, read.bytes.subarray(0, size), read.source);
    moments = {
      m: unpackParams(optimised, read.bytes.subarray(size, size + momentSize), read.source),
      v: unpackParams(optimised, read.bytes.subarray(size + momentSize), read.source),
    };
  }

  const [train, test, tf] = await Promise.all([loadMnist('train'), loadMnist('test'), loadTf(options.backend)]);
  const testCount = Math.min(options.testCount ?? test.count, test.count);
  await clearOutDir();
  await mkdir(checkpointDir, { recursive: true });
  const session = spec.createSession(tf, weights, moments);
  const backend = tf.getBackend();
  const batchSize = spec.batchSize;
  try {
    options.onProgress?.({ type: 'start', step: state.step, total: steps, backend });
    const started = performance.now();
    const input = new Float32Array(batchSize * MNIST_SIZE * MNIST_SIZE);
    const order = new EpochOrder(seed, train.count, batchSize);
    while (state.step < steps) {
      const step = state.step;
      for (let i = 0; i < batchSize; i++) writeDigit(train, order.index(step, i), input, i);
      const lr = spec.learningRate(step);
      const values = session.step(input, new RandomState(noiseSeed(seed, step)), lr, step + 1);
      spec.recorded.forEach((k, i) => state.history[k].push(values[i]));
      state.step = step + 1;
      if (state.step % PROGRESS_WINDOW === 0 || state.step === steps) {
        const recent = trailingMeans(state.history, spec.recorded, PROGRESS_WINDOW);
        const first = Object.values(recent.values)[0] ?? NaN;
        options.onProgress?.({ type: 'progress', step: state.step, total: steps, loss: first, lr, values: recent.values, window: recent.window });
      }
      if (state.step % checkpointEvery === 0 || state.step === steps) {
        const elapsed = (performance.now() - started) / 1000;
        const now = await session.read();
        await writeCheckpointFiles(checkpointDir, { ...state, secondsSoFar: state.secondsSoFar + elapsed } as GenerativeState, [
          packParams(spec.params, now.weights),
          packParams(optimised, now.m),
          packParams(optimised, now.v),
        ]);
        options.onProgress?.({ type: 'checkpoint', step: state.step, path: checkpointDir });
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const metrics = await session.evaluate(test, testCount, seed);
    const trained = await session.read();
    const modelPath = join(options.outDir, 'model.json');
    await writeFileAtomic(join(options.outDir, 'weights.bin'), packParams(spec.params, trained.weights));
    const round = (x: number) => Number(x.toPrecision(5));
    await writeFileAtomic(
      modelPath,
      JSON.stringify(
        {
          format: spec.format,
          weights: 'weights.bin',
          parameters: spec.params.map(({ name, shape }) => ({ name, shape })),
          parameterCount: paramCount(spec.params),
          ...spec.describe(),
          training: {
            command: spec.command(steps, seed),
            steps,
            seed,
            batchSize,
            ...spec.options,
            backend,
            seconds: Math.round(state.secondsSoFar + seconds),
            testCount,
            metrics,
            // One value per step (the GAN's losses and gradient norm early in training are the point).
            history: Object.fromEntries(Object.entries(state.history).map(([k, v]) => [k, v.map(round)])),
          },
        },
        null,
        1,
      ) + '\n',
    );
    options.onProgress?.({ type: 'end', step: state.step, total: steps, seconds, metrics });
    return { steps, seed, seconds, backend, modelPath, metrics, history: state.history, final: trailingMeans(state.history, spec.recorded, PROGRESS_WINDOW) };
  } finally {
    session.dispose();
  }
}
