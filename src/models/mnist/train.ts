/**
 * @file Training the MNIST classifier (`fidkit train classifier`): seeded, resumable minibatch Adam
 * on the 60,000 training digits, then accuracy on the 10,000 test digits.
 *
 * Reproducibility: the initial weights come from `initClassifierWeights(seed)`, epoch e visits the
 * training set in the order `RandomState(seed + 7919·e).permutation(60000)`, and the learning rate
 * depends on the step only (1e-3 halved every 1,000 steps), so a run resumed from a checkpoint takes
 * the same steps as an uninterrupted one. Adam (Kingma & Ba 2015; β1 0.9, β2 0.999, ε 1e-7, tfjs's
 * defaults) is written out here so its moments are checkpointed with the weights.
 *
 * Files in `outDir`: `model.json` + `weights.bin` (the trained model, the format
 * `src/features/mnist/` loads) and `checkpoint/{state.json,tensors-<step>.bin}` (weights, Adam moments,
 * step, loss history), written atomically every `checkpointEvery` steps and at the end. The checkpoint
 * files and the progress events are shared with the GAN and VAE trainer (`generative-train.ts`).
 */
import { optionName, optionRef } from '../../options/mention.js';
import { DEFAULTS } from '../../options/schema.js';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { FidkitError, FormatError, InputError, UsageError } from '../../core/errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { createAdam as createAdamState } from './adam.js';
import { RandomState } from '../../random/random-state.js';
import {
  CLASSIFIER_FORMAT,
  CLASSIFIER_PARAMS,
  classifierParamCount,
  packClassifierWeights,
  unpackClassifierWeights,
  type ClassifierWeights,
} from '../../features/mnist/weights.js';
import { createClassifierNet, initClassifierWeights, type ClassifierNet } from './classifier.js';
import { loadMnist, MNIST_SIZE, type MnistSplit } from './mnist-data.js';
import { loadTf, type Tf, type TfBackendName } from './tf.js';

/** Progress of a training run; the CLI draws these, the library never prints. */
export type TrainProgress =
  | { readonly type: 'start'; readonly step: number; readonly total: number; readonly backend: string }
  | {
      readonly type: 'progress';
      readonly step: number;
      readonly total: number;
      /** The main loss (the classifier's cross-entropy, the GAN's generator loss, the VAE's negative ELBO). */
      readonly loss: number;
      readonly lr: number;
      /** All recorded per-step values of the model, averaged over the same window (e.g. `dLoss`, `gLoss`). */
      readonly values?: Readonly<Record<string, number>>;
      /** The steps `loss` and `values` average (1-based, inclusive). */
      readonly window?: { readonly from: number; readonly to: number };
    }
  | { readonly type: 'checkpoint'; readonly step: number; readonly path: string }
  | {
      readonly type: 'end';
      readonly step: number;
      readonly total: number;
      readonly seconds: number;
      /** The classifier's test accuracy. */
      readonly testAccuracy?: number;
      /** The test-set metrics of the GAN or VAE. */
      readonly metrics?: Readonly<Record<string, number>>;
    };

/** Options every `fidkit train` model takes. */
export interface TrainRunOptions {
  /** Seed of the initial weights and the data order. Default 0. */
  readonly seed?: number;
  /** Folder for the model and checkpoints (created). */
  readonly outDir: string;
  /** Continue from `outDir/checkpoint` (which must exist and have the same seed). */
  readonly resume?: boolean;
  /**
   * Start over in a non-empty `outDir`, deleting the model and checkpoint an earlier run left there
   * (other files are kept). Without it (or `resume`) a non-empty `outDir` is refused.
   */
  readonly force?: boolean;
  /** Steps between checkpoints. Default 500. */
  readonly checkpointEvery?: number;
  /** Test digits scored at the end (first N of the test set). Default all 10,000. */
  readonly testCount?: number;
  /** Force a tfjs backend (default: the fastest available). */
  readonly backend?: TfBackendName;
  readonly onProgress?: (event: TrainProgress) => void;
  /** A setting that makes the run pointless but not impossible (the CLI prints it on stderr). */
  readonly onWarning?: (message: string) => void;
}

/**
 * The run settings every trainer checks before it starts, with their defaults filled in.
 * @throws {UsageError} a step count, seed or checkpoint interval out of range
 */
export function checkedRunSettings(steps: number, options: TrainRunOptions): { steps: number; seed: number; checkpointEvery: number } {
  const seed = options.seed ?? 0;
  const checkpointEvery = options.checkpointEvery ?? 500;
  if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`${optionName('classifierSteps')} must be a positive integer, got ${steps}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError(`${optionName('trainSeed')} must be an integer in [0, 4294967295], got ${seed}`);
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1) throw new UsageError(`checkpointEvery must be a positive integer, got ${checkpointEvery}`);
  return { steps, seed, checkpointEvery };
}

/** What a training run writes into its folder: what `force` deletes first. */
export const TRAIN_OUTPUTS = Object.freeze(['model.json', 'weights.bin', 'checkpoint']);

/**
 * Check that `outDir` can take a new run before any work: missing (created later), empty, or
 * resumed (`resume`), or replaced (`force`). Returns what to do right before training starts —
 * with `force`, delete the earlier run's {@link TRAIN_OUTPUTS} — so a run that fails early (no
 * `mnist-data`, a bad checkpoint) leaves the earlier model in place.
 * @throws {UsageError} `resume` and `force` together
 * @throws {InputError} a file where the folder should be, or a non-empty folder without `resume` or `force`
 */
export async function checkOutDir(outDir: string, options: Pick<TrainRunOptions, 'resume' | 'force'>): Promise<() => Promise<void>> {
  const nothing = async () => undefined;
  if (options.resume && options.force) throw new UsageError(`${optionRef('resume')} continues the run in ${optionName('trainOut')} and ${optionRef('trainForce')} starts it over: pass one of them`);
  const info = await stat(outDir).catch(() => undefined);
  if (!info) return nothing;
  if (!info.isDirectory()) throw new InputError(`${optionRef('trainOut', outDir)} is a file: pass a folder (new or empty) for the model and its checkpoints`);
  if (options.resume) return nothing;
  const entries = await readdir(outDir);
  if (entries.length === 0) return nothing;
  if (!options.force) {
    const earlier = entries.filter((e) => TRAIN_OUTPUTS.includes(e));
    throw new InputError(
      `${optionRef('trainOut', outDir)} is not empty (${earlier.length > 0 ? `it holds ${earlier.join(', ')} of an earlier run` : `${entries.length} entries`}): ` +
        `pass ${optionRef('resume')} to continue that run, ${optionRef('trainForce')} to start over (deleting its ${TRAIN_OUTPUTS.join(', ')}; other files are kept), or a new folder`,
    );
  }
  return async () => {
    for (const name of TRAIN_OUTPUTS) await rm(join(outDir, name), { recursive: true, force: true });
  };
}

export interface TrainClassifierOptions extends TrainRunOptions {
  /** Total optimisation steps (batches) to reach. Default {@link DEFAULT_CLASSIFIER_STEPS}. */
  readonly steps?: number;
}

export interface TrainClassifierResult {
  readonly steps: number;
  readonly seed: number;
  /** Wall-clock seconds of this invocation's training steps (not counting earlier, resumed ones). */
  readonly seconds: number;
  /** Fraction of the test digits classified correctly. */
  readonly testAccuracy: number;
  readonly testCount: number;
  readonly backend: string;
  readonly modelPath: string;
}

/** Steps of the bundled classifier's run (the options schema's default): 3,500 batches of 64 ≈ 3.7 epochs. */
export const DEFAULT_CLASSIFIER_STEPS = DEFAULTS.classifierSteps;
export const CLASSIFIER_BATCH_SIZE = 64;
const BASE_LR = 1e-3;
const LR_HALVING_STEPS = 1000;
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;
/** Losses are averaged over this many steps for the progress events and the history. */
const LOSS_WINDOW = 50;
const STATE_FORMAT = 'fidkit.train-checkpoint/1';

/** Learning rate at `step` (0-based). */
export function classifierLearningRate(step: number): number {
  return BASE_LR * 0.5 ** Math.floor(step / LR_HALVING_STEPS);
}

interface CheckpointState extends CheckpointStateBase {
  model: 'classifier';
  lossHistory: Array<[step: number, loss: number]>;
}

/**
 * Train (or continue training) the classifier and write it to `outDir`.
 * @throws {UsageError} bad options or a checkpoint from another seed; {@link FidkitError} when
 *   `--resume` finds no checkpoint or `mnist-data` is missing.
 */
export async function trainClassifier(options: TrainClassifierOptions): Promise<TrainClassifierResult> {
  const { steps, seed, checkpointEvery } = checkedRunSettings(options.steps ?? DEFAULT_CLASSIFIER_STEPS, options);
  const clearOutDir = await checkOutDir(options.outDir, options);

  const checkpointDir = join(options.outDir, 'checkpoint');
  let state: CheckpointState = { format: STATE_FORMAT, model: 'classifier', seed, step: 0, lossHistory: [], secondsSoFar: 0 };
  let weights: ClassifierWeights = initClassifierWeights(seed);
  let moments: { m: ClassifierWeights; v: ClassifierWeights } | undefined;
  if (options.resume) {
    ({ state, weights, moments } = await readCheckpoint(checkpointDir));
    if (state.seed !== seed) {
      throw new UsageError(`the checkpoint in ${checkpointDir} was trained with ${optionRef('trainSeed', state.seed)}, not ${seed}: pass ${optionRef('trainSeed', state.seed)} to resume it`);
    }
  }

  const [train, test, tf] = await Promise.all([loadMnist('train'), loadMnist('test'), loadTf(options.backend)]);
  const testCount = Math.min(options.testCount ?? test.count, test.count);
  await clearOutDir();
  await mkdir(checkpointDir, { recursive: true });
  const net = createClassifierNet(tf, weights);
  const adam = createAdam(tf, net, moments);
  const backend = tf.getBackend();
  try {
    options.onProgress?.({ type: 'start', step: state.step, total: steps, backend });
    const started = performance.now();
    const input = new Float32Array(CLASSIFIER_BATCH_SIZE * MNIST_SIZE * MNIST_SIZE);
    const labels = new Int32Array(CLASSIFIER_BATCH_SIZE);
    const order = new EpochOrder(seed, train.count, CLASSIFIER_BATCH_SIZE);
    let windowLoss = 0;
    let windowSteps = 0;
    while (state.step < steps) {
      const step = state.step;
      for (let i = 0; i < CLASSIFIER_BATCH_SIZE; i++) {
        const index = order.index(step, i);
        writeDigit(train, index, input, i);
        labels[i] = train.labels[index];
      }
      const lr = classifierLearningRate(step);
      const loss = adam.step(input, labels, lr, step + 1);
      windowLoss += loss;
      windowSteps++;
      state.step = step + 1;
      if (windowSteps === LOSS_WINDOW || state.step === steps) {
        state.lossHistory.push([state.step, windowLoss / windowSteps]);
        options.onProgress?.({ type: 'progress', step: state.step, total: steps, loss: windowLoss / windowSteps, lr, window: { from: state.step - windowSteps + 1, to: state.step } });
        windowLoss = 0;
        windowSteps = 0;
      }
      if (state.step % checkpointEvery === 0 || state.step === steps) {
        const elapsed = (performance.now() - started) / 1000;
        await writeCheckpoint(checkpointDir, { ...state, secondsSoFar: state.secondsSoFar + elapsed }, await net.read(), await adam.read());
        options.onProgress?.({ type: 'checkpoint', step: state.step, path: checkpointDir });
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const testAccuracy = await classifierAccuracy(tf, net, test, testCount);
    const modelPath = join(options.outDir, 'model.json');
    const trainedWeights = await net.read();
    await writeFileAtomic(join(options.outDir, 'weights.bin'), packClassifierWeights(trainedWeights));
    await writeFileAtomic(
      modelPath,
      JSON.stringify(
        {
          format: CLASSIFIER_FORMAT,
          weights: 'weights.bin',
          parameters: CLASSIFIER_PARAMS.map(({ name, shape }) => ({ name, shape })),
          parameterCount: classifierParamCount(),
          input: '28x28 grayscale, pixel/255, NHWC (tfjs) / NCHW (ONNX)',
          training: {
            command: `fidkit train classifier --steps ${steps} --seed ${seed}`,
            steps,
            seed,
            batchSize: CLASSIFIER_BATCH_SIZE,
            optimizer: `Adam(lr ${BASE_LR} halved every ${LR_HALVING_STEPS} steps, beta1 ${ADAM.beta1}, beta2 ${ADAM.beta2}, eps ${ADAM.epsilon})`,
            backend,
            seconds: Math.round(state.secondsSoFar + seconds),
            testAccuracy,
            testCount,
            lossHistory: state.lossHistory.map(([s, l]) => [s, Number(l.toPrecision(5))]),
          },
        },
        null,
        1,
      ) + '\n',
    );
    options.onProgress?.({ type: 'end', step: state.step, total: steps, seconds, testAccuracy });
    return { steps, seed, seconds, testAccuracy, testCount, backend, modelPath };
  } finally {
    adam.dispose();
    net.dispose();
  }
}

/**
 * The training data order every trainer uses: epoch e visits the digits in
 * `RandomState(seed + 7919·e).permutation(N)` order, and batch `step` takes positions
 * step·B … step·B + B − 1 of its epoch's permutation (wrapping, so a batch never straddles two
 * epochs' orders). A function of (seed, step) only, which is what makes `--resume` exact.
 */
export class EpochOrder {
  private order?: Int32Array;
  private epoch = -1;
  constructor(
    private readonly seed: number,
    private readonly count: number,
    private readonly batchSize: number,
  ) {}

  /** The digit at position `i` of batch `step`. */
  index(step: number, i: number): number {
    const epoch = Math.floor((step * this.batchSize) / this.count);
    if (epoch !== this.epoch) {
      this.order = new RandomState((this.seed + 7919 * epoch) >>> 0).permutation(this.count);
      this.epoch = epoch;
    }
    return this.order![((step * this.batchSize) % this.count + i) % this.count];
  }
}

/** Write digit `index` of `split`, scaled to [0,1], into row `row` of a [B,28,28,1] buffer. */
export function writeDigit(split: MnistSplit, index: number, out: Float32Array, row: number): void {
  const size = MNIST_SIZE * MNIST_SIZE;
  const src = split.images.subarray(index * size, (index + 1) * size);
  for (let p = 0; p < size; p++) out[row * size + p] = src[p] / 255;
}

/**
 * Fraction of the first `count` digits of `split` that `net` classifies correctly.
 * @throws {InputError} when count is out of range.
 */
export async function classifierAccuracy(tf: Tf, net: ClassifierNet, split: MnistSplit, count = split.count): Promise<number> {
  if (!Number.isInteger(count) || count < 1 || count > split.count) throw new InputError(`count must be in [1, ${split.count}], got ${count}`);
  const chunk = 500;
  const size = MNIST_SIZE * MNIST_SIZE;
  let correct = 0;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const input = new Float32Array(n * size);
    for (let i = 0; i < n; i++) writeDigit(split, start + i, input, i);
    const predicted = tf.tidy(() => tf.argMax(net.forward(tf.tensor4d(input, [n, MNIST_SIZE, MNIST_SIZE, 1])).logits, 1));
    const classes = await predicted.data();
    predicted.dispose();
    for (let i = 0; i < n; i++) if (classes[i] === split.labels[start + i]) correct++;
  }
  return correct / count;
}

interface Adam {
  /** One update on a batch; returns the batch's mean cross-entropy. `t` is the 1-based step. */
  step(input: Float32Array, labels: Int32Array, lr: number, t: number): number;
  read(): Promise<{ m: ClassifierWeights; v: ClassifierWeights }>;
  dispose(): void;
}

function createAdam(tf: Tf, net: ClassifierNet, initial?: { m: ClassifierWeights; v: ClassifierWeights }): Adam {
  const variables = net.variables as unknown as Record<string, tfTypes.Variable>;
  const adam = createAdamState(tf, CLASSIFIER_PARAMS, variables, ADAM, initial);
  const list = CLASSIFIER_PARAMS.map((p) => variables[p.name]);
  return {
    step(input, labels, lr, t) {
      const b = labels.length;
      return tf.tidy(() => {
        const x = tf.tensor4d(input, [b, MNIST_SIZE, MNIST_SIZE, 1]);
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
        const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x).logits) as tfTypes.Scalar, list);
        adam.apply(grads, lr, t);
        return value.dataSync()[0];
      });
    },
    read: () => adam.read() as Promise<{ m: ClassifierWeights; v: ClassifierWeights }>,
    dispose: () => adam.dispose(),
  };
}

async function writeCheckpoint(dir: string, state: CheckpointState, weights: ClassifierWeights, moments: { m: ClassifierWeights; v: ClassifierWeights }): Promise<void> {
  await writeCheckpointFiles(dir, state, [packClassifierWeights(weights), packClassifierWeights(moments.m), packClassifierWeights(moments.v)]);
}

async function readCheckpoint(dir: string): Promise<{ state: CheckpointState; weights: ClassifierWeights; moments: { m: ClassifierWeights; v: ClassifierWeights } }> {
  const size = classifierParamCount() * 4;
  const { state, bytes, source } = await readCheckpointFiles<CheckpointState>(dir, 'classifier', 3 * size);
  return {
    state,
    weights: unpackClassifierWeights(bytes.subarray(0, size), source),
    moments: { m: unpackClassifierWeights(bytes.subarray(size, 2 * size), source), v: unpackClassifierWeights(bytes.subarray(2 * size), source) },
  };
}

/** What every model's `checkpoint/state.json` holds (models add their own fields). */
export interface CheckpointStateBase {
  format: string;
  model: string;
  seed: number;
  step: number;
  secondsSoFar: number;
  /** File in the checkpoint folder holding the tensors (float32 weights, Adam m and v, …). */
  tensorsFile?: string;
}

/** Checkpoint `format` tag shared by all models. */
export const CHECKPOINT_FORMAT = STATE_FORMAT;

/**
 * Write a checkpoint: the concatenated `parts` to `tensors-<step>.bin`, then `state.json` naming it
 * (both atomically), then remove the previous tensors file. Shared by every model's trainer.
 */
export async function writeCheckpointFiles(dir: string, state: CheckpointStateBase, parts: readonly Uint8Array[]): Promise<void> {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.length;
  }
  // The tensors go to a file named after the step and state.json, written last, names it: a crash
  // at any point leaves a state.json whose tensors file matches it.
  const tensorsFile = `tensors-${state.step}.bin`;
  const previous = await readFile(join(dir, 'state.json'), 'utf8').then((t) => (JSON.parse(t) as CheckpointStateBase).tensorsFile, () => undefined);
  await writeFileAtomic(join(dir, tensorsFile), bytes);
  await writeFileAtomic(join(dir, 'state.json'), JSON.stringify({ ...state, tensorsFile }) + '\n');
  if (previous && previous !== tensorsFile && /^tensors-\d+\.bin$/.test(previous)) await rm(join(dir, previous), { force: true });
}

/**
 * Read the checkpoint in `dir` written by {@link writeCheckpointFiles} for `model`.
 * @throws {FidkitError} `E_NOT_FOUND` when there is none; {@link FormatError} when it is damaged,
 *   of another model, or its tensors are not `expectedBytes` long.
 */
export async function readCheckpointFiles<S extends CheckpointStateBase>(dir: string, model: string, expectedBytes: number): Promise<{ state: S; bytes: Uint8Array; source: string }> {
  const statePath = join(dir, 'state.json');
  let text: string;
  try {
    text = await readFile(statePath, 'utf8');
  } catch (cause) {
    throw new FidkitError('E_NOT_FOUND', `no checkpoint to resume in ${dir}: run without ${optionRef('resume')} to start training, or pass the folder of the earlier run as ${optionRef('trainOut', undefined, 'outDir')}`, { cause });
  }
  let state: S;
  try {
    state = JSON.parse(text) as S;
  } catch (cause) {
    throw new FormatError(`${statePath} is not valid JSON: delete the checkpoint folder and train from the start`, { cause });
  }
  if (state.format !== STATE_FORMAT || state.model !== model || typeof state.tensorsFile !== 'string') {
    throw new FormatError(`${statePath} is not a ${model} checkpoint (format ${String(state.format)}, model ${String(state.model)})`);
  }
  const source = join(dir, state.tensorsFile);
  const bytes = await readFile(source).catch((cause: unknown) => {
    throw new FormatError(`${statePath} names ${source}, which cannot be read: the checkpoint is damaged, train from the start`, { cause });
  });
  if (bytes.byteLength !== expectedBytes) throw new FormatError(`${source} has ${bytes.byteLength} bytes, expected ${expectedBytes}: the checkpoint is damaged`);
  return { state, bytes, source };
}
