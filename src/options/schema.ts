/**
 * @file Every option fidkit takes, listed once: its API name, flag, value type, default, one-line
 * doc and the commands that take it (vitest's `cli-config.ts` and torch-fidelity's `DEFAULTS` in
 * one table). Commander flags and `--help` are built from it (`cli/flags.ts`), the API checks its
 * callers' options against it (`checkOptions`), reports echo the options it resolves, and a test
 * compares the README's option tables with it. A default written anywhere else is a bug.
 *
 * Values follow torch-fidelity where it has one, because most published IS/KID/PR numbers used it.
 * Lists of names that belong to a module (protocols, metrics, truncation modes) are defined here,
 * as vocabulary, and the modules that implement them assert they cover exactly these names.
 */
import { UsageError } from '../core/errors.js';
import { byteSize, channelValues, countOrAll, duration, extensionList, flag, imageSize, integer, listOf, nameOrPattern, number, oneOf, optionMessage, rangeOf, resizeTarget, shard, text, textList, truncation, truncationList, type ValueType } from './validate.js';

/** The built-in metrics, in report order (the metric table, api/metric-table.ts, may hold more). */
export const METRICS = Object.freeze(['fid', 'is', 'kid', 'cmmd', 'pr', 'prdc'] as const);
export type MetricName = (typeof METRICS)[number];

/** How pixels reach the Inception network (see README "Protocols"). */
export const PROTOCOLS = Object.freeze(['tf', 'pytorch-fid', 'clean'] as const);
export type Protocol = (typeof PROTOCOLS)[number];

/** KID's kernels (torch-fidelity's `kid_kernel`; metrics/kid.ts implements exactly these). */
export const KID_KERNELS = Object.freeze(['poly', 'rbf'] as const);
export type KidKernelName = (typeof KID_KERNELS)[number];

/** What the Fréchet distance does when Σ1Σ2 is singular (see metrics/frechet.ts). */
export const FID_SINGULAR_MODES = Object.freeze(['exact', 'pytorch-fid'] as const);
export type FidSingularMode = (typeof FID_SINGULAR_MODES)[number];

/** Truncation of latent codes: `scale` z·ψ (ψ = 1 untruncated), `resample` BigGAN's redraw of |zᵢ| > ψ. */
export const TRUNCATION_MODES = Object.freeze(['resample', 'scale'] as const);
export type TruncationMode = (typeof TRUNCATION_MODES)[number];

/** ONNX generator outputs: channel layout and value range. */
export const IMAGE_LAYOUTS = Object.freeze(['nchw', 'nhwc'] as const);
export const IMAGE_RANGES = Object.freeze(['0,1', '-1,1'] as const);

/** The bring-your-own ONNX extractor's preprocessing vocabulary (features/onnx/spec.ts implements exactly these). */
export const ONNX_RESIZE_METHODS = Object.freeze(['tf-bilinear', 'torch-bilinear', 'pil-bicubic', 'pil-bilinear', 'pil-bicubic-u8', 'pil-bilinear-u8', 'torch-bicubic', 'torch-bicubic-aa', 'none'] as const);
export const ONNX_RANGES = Object.freeze(['0,1', '0,255', '-1,1'] as const);
export const CHANNEL_ORDERS = Object.freeze(['rgb', 'bgr'] as const);

/** The GAN generator's loss (Goodfellow et al.: the saturating one is kept to show why it stalls). */
export const GAN_LOSSES = Object.freeze(['non-saturating', 'saturating'] as const);
export type GanLoss = (typeof GAN_LOSSES)[number];

/** The generators fidkit ships (trained on MNIST; models/mnist/model-files.ts has their files). */
export const BUNDLED_GENERATORS = Object.freeze(['mnist-gan', 'mnist-vae'] as const);
export type BundledGeneratorName = (typeof BUNDLED_GENERATORS)[number];

/**
 * File extensions a folder contributes by default: pytorch-fid's `IMAGE_EXTENSIONS`, every format
 * fidkit decodes (io/folder.ts lists folders with them).
 */
export const IMAGE_EXTENSIONS = Object.freeze(['bmp', 'jpeg', 'jpg', 'pgm', 'png', 'ppm', 'tif', 'tiff', 'webp'] as const);

/** The check groups of `fidkit verify` (verify.ts implements exactly these), and metric names users may give for them. */
export const VERIFY_GROUP_NAMES = Object.freeze(['frechet', 'is', 'kid', 'cmmd', 'prdc', 'npz', 'pth', 'inception'] as const);
export type VerifyGroup = (typeof VERIFY_GROUP_NAMES)[number];
export const VERIFY_ALIASES: Readonly<Record<string, VerifyGroup>> = Object.freeze({ fid: 'frechet', pr: 'prdc' });

/** The generator of `sweep`, `sample` and the latent experiments when none is named. */
const DEFAULT_GENERATOR: BundledGeneratorName = 'mnist-gan';

/**
 * Run-time lists filled by the tables that own them: the extractor table (features/registry.ts)
 * registers its names, protocols and the extractors that take weights; the metric table its metrics.
 */
export const runtimeChoices = {
  extractors: (): readonly string[] => [],
  protocols: (): readonly string[] => PROTOCOLS,
  /** Extractors that load weights a user may replace (one `--weights-<name>` flag each). */
  weightedExtractors: (): readonly string[] => [],
  metrics: (): readonly string[] => METRICS,
};

/** The commands, as `fidkit <command>` names them. */
export type CommandName =
  | 'score' | 'stats' | 'stats merge' | 'features' | 'sweep' | 'sample'
  | 'latent interpolate' | 'latent reconstruct' | 'latent inpaint'
  | 'train classifier' | 'train gan' | 'train vae'
  | 'verify' | 'cache ls' | 'cache clear' | 'extractors';

/** The commands that read image folders (and generated images): they share the image flags. */
export const READS_IMAGES: readonly CommandName[] = ['score', 'stats', 'features', 'sweep'];
const LATENT: readonly CommandName[] = ['latent interpolate', 'latent reconstruct', 'latent inpaint'];
const FITS: readonly CommandName[] = ['latent reconstruct', 'latent inpaint'];
const TRAIN: readonly CommandName[] = ['train classifier', 'train gan', 'train vae'];
const GENERATES: readonly CommandName[] = ['sweep', 'sample'];
/** The sweep chooses its extractor and batch size by a rule, so it has its own entries for those two. */
const NOT_SWEEP: readonly CommandName[] = READS_IMAGES.filter((c) => c !== 'sweep');
const ALL: readonly CommandName[] = [...READS_IMAGES, 'stats merge', 'sample', ...LATENT, ...TRAIN, 'verify', 'cache ls', 'cache clear', 'extractors'].filter(
  (c, i, a) => a.indexOf(c) === i,
) as CommandName[];

/** One option. */
export interface OptionSpec<T = unknown> {
  /** The API's name (camelCase); several entries may share a key across disjoint commands. */
  readonly key: string;
  /** Commander's flag text, e.g. `--kid-subsets <n>`, `-n, --count <n>`, `--no-cache`. */
  readonly flag: string;
  /**
   * More long flags for the same option (`--preset` for `--protocol`, the issue's spelling): each
   * takes the same value and help; given together with different values they are a usage error.
   * Only for entries without a flag default (the parser must tell "given" from "defaulted").
   */
  readonly aliases?: readonly string[];
  readonly type: ValueType<T>;
  /** The value when the option is not given (absent: not set, or computed — see `defaultText`). */
  readonly default?: T;
  /** How `--help` and the README show the default, when it is not the plain value. */
  readonly defaultText?: string;
  readonly doc: string;
  readonly commands: readonly CommandName[];
  /** The command cannot run without it. */
  readonly required?: boolean;
  /**
   * A template expanded into one flag per extractor that takes weights (`--weights-<extractor>` →
   * `--weights-inception`, `--weights-mnist`, …); the API key holds a name → value record.
   */
  readonly perExtractor?: boolean;
  /**
   * The API applies the default, not the flag parser, because "not given" means something there
   * (KID shrinks its subset size to a small set only when the size was not given).
   */
  readonly defaultInApi?: boolean;
}

const opt = <T>(spec: OptionSpec<T>): OptionSpec<T> => Object.freeze(spec);

/**
 * The table. Entries are grouped by who takes them; the keys of `O` are unique ids (mostly the
 * API key), used where code needs one entry's default. The order is that of `--help` and the
 * README tables: each command's own entries, then those it shares with others (the image flags),
 * `-q` last.
 */
export const O = Object.freeze({
  // ── score ──────────────────────────────────────────────────────────────────────────────────
  metrics: opt({ key: 'metrics', flag: '--metrics <list>', type: listOf(() => runtimeChoices.metrics()), defaultText: 'fid with two inputs, is with one', doc: 'the metrics to compute, comma-separated', commands: ['score'] }),
  scoreJson: opt({ key: 'json', flag: '--json', type: flag, doc: 'print one JSON document (schema fidkit.score/1) instead of a table', commands: ['score'] }),
  seed: opt({ key: 'seed', flag: '--seed <n>', type: integer(0), default: 2020, doc: "seed of the IS shuffle and KID subsets (torch-fidelity's)", commands: ['score'] }),
  kidSubsets: opt({ key: 'kidSubsets', flag: '--kid-subsets <n>', type: integer(1), default: 100, doc: 'number of KID subsets', commands: ['score'] }),
  kidSubsetSize: opt({ key: 'kidSubsetSize', flag: '--kid-subset-size <n>', type: integer(2), default: 1000, defaultInApi: true, doc: 'rows per KID subset (shrunk with a warning when a set is smaller and the size was not given)', commands: ['score'] }),
  kidKernel: opt({ key: 'kidKernel', flag: '--kid-kernel <kernel>', type: oneOf(KID_KERNELS), default: 'poly' as KidKernelName, doc: "KID kernel: poly = (xᵀy/d + 1)³ (the paper's, torch-fidelity's default), rbf = exp(−‖x − y‖²/(2σ²)) (torch-fidelity's kernel_rbf)", commands: ['score'] }),
  kidKernelRbfSigma: opt({ key: 'kidKernelRbfSigma', flag: '--kid-kernel-rbf-sigma <sigma>', type: number(0, true), default: 10, defaultInApi: true, doc: 'σ of the rbf KID kernel (torch-fidelity default)', commands: ['score'] }),
  cmmdSigma: opt({ key: 'cmmdSigma', flag: '--cmmd-sigma <sigma>', type: number(0, true), default: 10, doc: "σ of CMMD's Gaussian RBF kernel (the paper's and google-research's cmmd; another σ gives numbers comparable with nothing published)", commands: ['score'] }),
  cmmdDropLastBatch: opt({ key: 'cmmdDropLastBatch', flag: '--cmmd-drop-last-batch <size>', type: integer(1), defaultText: 'every sample kept', doc: "CMMD on the first ⌊N/size⌋·size samples of each set only, as google-research's cmmd drops the last partial batch of its --batch_size (32 there)", commands: ['score'] }),
  isSplits: opt({ key: 'isSplits', flag: '--is-splits <n>', type: integer(1), default: 10, doc: 'number of Inception Score splits', commands: ['score'] }),
  isShuffle: opt({ key: 'isShuffle', flag: '--no-is-shuffle', type: flag, default: true, doc: "don't shuffle rows before the IS splits (the original OpenAI formula)", commands: ['score'] }),
  /** Neighbourhood sizes of the two manifold metrics when --k is not given (API: prK, prdcK). */
  prK: opt({ key: 'prK', flag: '', type: integer(1), default: 3, doc: 'k of Kynkäänniemi et al. precision/recall (torch-fidelity default)', commands: [] }),
  prdcK: opt({ key: 'prdcK', flag: '', type: integer(1), default: 5, doc: "k of Naeem et al. density/coverage (the prdc README's choice)", commands: [] }),
  k: opt({ key: 'k', flag: '--k <n>', type: integer(1), defaultText: '3 for pr, 5 for prdc', doc: 'neighbourhood size of precision/recall and density/coverage', commands: ['score'] }),
  fidSingular: opt({ key: 'fidSingular', flag: '--fid-singular <mode>', type: oneOf(FID_SINGULAR_MODES), default: 'exact' as FidSingularMode, doc: "singular covariance product: 'exact' value, or 'pytorch-fid' (add 1e-6·I where pytorch-fid does)", commands: ['score'] }),

  // ── stats, features ────────────────────────────────────────────────────────────────────────
  statsOutput: opt({ key: 'output', flag: '-o, --output <file>', type: text, doc: 'the .npz to write', commands: ['stats', 'stats merge'], required: true }),
  featuresOutput: opt({ key: 'output', flag: '-o, --output <file>', type: text, doc: 'features.npy (file list in features.txt beside it) or features.npz (members features and files)', commands: ['features'], required: true }),
  shard: opt({ key: 'shard', flag: '--shard <k/n>', type: shard, doc: 'process only slice k of n of the sorted images (or rows); stats writes raw moments for `stats merge`, features that slice with its file list', commands: ['stats', 'features'] }),
  layer: opt({ key: 'layer', flag: '--layer <name>', type: text, defaultText: "the extractor's FID layer: pool3 for inception", doc: "the extractor's layer to write (a wrong name is refused with the list)", commands: ['features'] }),
  featuresJson: opt({ key: 'json', flag: '--json', type: flag, doc: 'print a JSON summary (schema fidkit.features/1) on stdout', commands: ['features'] }),

  // ── generators: sweep, sample and the latent experiments ───────────────────────────────────
  generator: opt({ key: 'generator', flag: '--generator <name|file.onnx>', type: text, default: DEFAULT_GENERATOR, doc: 'generator: mnist-gan, mnist-vae or an ONNX file', commands: GENERATES }),
  latentGenerator: opt({ key: 'generator', flag: '--generator <name>', type: oneOf(BUNDLED_GENERATORS), default: DEFAULT_GENERATOR, doc: 'the generator', commands: LATENT }),
  model: opt({ key: 'model', flag: '--model <dir>', type: text, doc: 'mnist-gan/mnist-vae: a folder written by `fidkit train gan|vae` instead of the bundled weights', commands: [...GENERATES, ...LATENT] }),
  truncations: opt({ key: 'truncations', flag: '--truncation <list>', type: truncationList, default: [0.25, 0.5, 0.75, 1.0, 1.5, 2.0], doc: "comma-separated thresholds ψ; 'none' = untruncated", commands: ['sweep'] }),
  truncation: opt({ key: 'truncation', flag: '--truncation <psi|none>', type: truncation, default: Infinity, defaultText: 'none', doc: 'truncation threshold ψ > 0, or none', commands: ['sample'] }),
  truncationMode: opt({ key: 'mode', flag: '--truncation-mode <mode>', type: oneOf(TRUNCATION_MODES), default: 'scale' as TruncationMode, doc: "scale: z·ψ, so ψ = 1 is the untruncated generator; resample: redraw components with |z| > ψ (BigGAN)", commands: GENERATES }),
  sweepCount: opt({ key: 'count', flag: '-n, --count <n>', type: integer(2), default: 10_000, doc: 'samples per set', commands: ['sweep'] }),
  sampleCount: opt({ key: 'count', flag: '-n, --count <n>', type: integer(1), doc: 'number of images', commands: ['sample'], required: true }),
  sampleOut: opt({ key: 'out', flag: '-o, --out <dir|grid.png>', type: text, doc: 'a folder (new or empty) for 000000.png, 000001.png, …, or a .png file for one grid', commands: ['sample'], required: true }),
  latentSeed: opt({ key: 'seed', flag: '--seed <n>', type: integer(0), default: 0, doc: 'seed of the latent codes (the same codes for every ψ; the first k images of a run are those of -n k)', commands: GENERATES }),
  reference: opt({ key: 'reference', flag: '--reference <input>', type: text, defaultText: 'mnist:test for the bundled generators', doc: 'reference set: mnist:test, a folder, a .npz of statistics (FID only) or a .npy of features', commands: ['sweep'] }),
  referenceN: opt({ key: 'referenceN', flag: '--reference-n <n|all>', type: countOrAll(2), defaultText: "-n's value, or the n= written in a mnist:/gen: reference", doc: "reference samples: the first n (digits of mnist:…, files of a folder in sorted order, rows of a .npy; n generated for gen:…), or 'all' (a .npz is always whole); FID, precision, recall and coverage shift when it differs from -n", commands: ['sweep'] }),
  real: opt({ key: 'real', flag: '--real <input>', type: text, defaultText: 'mnist:train-10k?n=N when the reference is mnist:test', doc: "a real set scored like the generated ones, or 'none'", commands: ['sweep'] }),
  compare: opt({ key: 'compare', flag: '--compare <list>', type: textList, defaultText: 'mnist-vae when sweeping mnist-gan', doc: "other generators (or gen:/mnist: inputs) scored untruncated, comma-separated, or 'none'", commands: ['sweep'] }),
  sweepK: opt({ key: 'k', flag: '--k <n>', type: integer(1), default: 5, doc: 'neighbourhood size of precision/recall/density/coverage (Naeem et al.)', commands: ['sweep'] }),
  layout: opt({ key: 'layout', flag: '--layout <layout>', type: oneOf(IMAGE_LAYOUTS), doc: 'ONNX generators: output layout (overrides metadata and shape inference)', commands: GENERATES }),
  range: opt({ key: 'range', flag: '--range <range>', type: rangeOf(IMAGE_RANGES), doc: 'ONNX generators: output value range (overrides metadata and the output operator)', commands: GENERATES }),
  latentDim: opt({ key: 'latentDim', flag: '--latent-dim <d>', type: integer(1), doc: 'ONNX generators: latent width, when the model does not fix it', commands: GENERATES }),
  sweepJson: opt({ key: 'json', flag: '--json', type: flag, doc: 'print one JSON document (schema fidkit.sweep/1) instead of the table', commands: ['sweep'] }),
  plot: opt({ key: 'plot', flag: '--plot <file>', type: text, doc: 'write the figure: FID and IS against ψ, precision against recall (.png or .svg)', commands: ['sweep'] }),
  columns: opt({ key: 'columns', flag: '--columns <n>', type: integer(1), defaultText: '⌈√N⌉', doc: 'grid: images per row', commands: ['sample'] }),
  sampleScale: opt({ key: 'scale', flag: '--scale <n>', type: integer(1), defaultText: 'fits the grid to about 1000 pixels', doc: 'grid: integer upscale of each image (nearest neighbour)', commands: ['sample'] }),
  sampleBatchSize: opt({ key: 'batchSize', flag: '--batch-size <n>', type: integer(1), default: 500, doc: 'latent codes per generator call (never changes the images)', commands: ['sample'] }),
  force: opt({ key: 'force', flag: '--force', type: flag, doc: 'write into a non-empty folder, deleting the numbered PNGs an earlier run left there', commands: ['sample'] }),
  sampleJson: opt({ key: 'json', flag: '--json', type: flag, doc: 'print one JSON document (schema fidkit.sample/1) instead of the summary line', commands: ['sample'] }),

  // ── latent experiments ─────────────────────────────────────────────────────────────────────
  latentOut: opt({ key: 'out', flag: '-o, --out <grid.png>', type: text, doc: 'the grid image to write (PNG)', commands: LATENT, required: true }),
  latentScale: opt({ key: 'scale', flag: '--scale <n>', type: integer(1), default: 2, doc: 'integer upscale of each 28×28 tile in the grid (nearest neighbour)', commands: LATENT }),
  latentJson: opt({ key: 'json', flag: '--json', type: flag, doc: 'print one JSON document (schema fidkit.latent-<experiment>/1) instead of the table', commands: LATENT }),
  from: opt({ key: 'from', flag: '--from <endpoint>', type: text, defaultText: 'seed:0 for mnist-gan, index:0 for mnist-vae', doc: 'first endpoint: seed:S (a latent code) or index:I (an MNIST test digit, encoded)', commands: ['latent interpolate'] }),
  to: opt({ key: 'to', flag: '--to <endpoint>', type: text, defaultText: 'seed:1 for mnist-gan, index:1 for mnist-vae', doc: 'second endpoint', commands: ['latent interpolate'] }),
  frames: opt({ key: 'frames', flag: '--frames <n>', type: integer(2), default: 10, doc: 'frames per path, both endpoints included', commands: ['latent interpolate'] }),
  index: opt({ key: 'index', flag: '--index <i>', type: integer(0), doc: 'the target: MNIST test digit i (0 … 9999)', commands: FITS }),
  image: opt({ key: 'image', flag: '--image <file>', type: text, doc: 'the target: an image file (made 28×28 grayscale like the MNIST classifier input; white digit on black)', commands: FITS }),
  mask: opt({ key: 'mask', flag: '--mask <region>', type: text, doc: 'the hidden region: top, bottom, left or right (that half of the image), or box:x,y,w,h (0-based)', commands: ['latent inpaint'], required: true }),
  starts: opt({ key: 'starts', flag: '--starts <n>', type: integer(1), default: 5, doc: 'random starting codes z ~ N(0, I), fitted independently', commands: FITS }),
  fitSteps: opt({ key: 'steps', flag: '--steps <n>', type: integer(1), default: 500, doc: 'Adam steps per start', commands: FITS }),
  learningRate: opt({ key: 'learningRate', flag: '--lr <rate>', type: number(0, true), default: 0.05, doc: 'Adam learning rate (β1 0.9, β2 0.999, ε 1e-8)', commands: FITS }),
  fitSeed: opt({ key: 'seed', flag: '--seed <n>', type: integer(0), default: 0, doc: 'seed of the starting codes (same seed, same numbers)', commands: FITS }),
  priorWeight: opt({ key: 'priorWeight', flag: '--prior-weight <λ>', type: number(0, false), default: 0, doc: 'add λ·‖z‖²/d to the loss (a Gaussian prior keeping z where the generator was trained; try 0.001–0.01)', commands: FITS }),

  // ── train ──────────────────────────────────────────────────────────────────────────────────
  classifierSteps: opt({ key: 'steps', flag: '--steps <n>', type: integer(1), default: 3500, doc: 'total optimisation steps (the bundled model’s)', commands: ['train classifier'] }),
  ganSteps: opt({ key: 'steps', flag: '--steps <n>', type: integer(1), default: 35_000, doc: 'total optimisation steps, autoencoder phase included (35,000: the loss-comparison runs of models/README.md; the bundled GAN trained 100,000)', commands: ['train gan'] }),
  vaeSteps: opt({ key: 'steps', flag: '--steps <n>', type: integer(1), default: 20_000, doc: 'total optimisation steps (the bundled model’s)', commands: ['train vae'] }),
  trainSeed: opt({ key: 'seed', flag: '--seed <n>', type: integer(0), default: 0, doc: 'seed of the initial weights and the data order', commands: TRAIN }),
  trainOut: opt({ key: 'out', flag: '--out <dir>', type: text, defaultText: './mnist-<model>', doc: 'folder for the model and its checkpoints', commands: TRAIN }),
  resume: opt({ key: 'resume', flag: '--resume', type: flag, doc: 'continue from the checkpoint in --out', commands: TRAIN }),
  trainForce: opt({ key: 'force', flag: '--force', type: flag, doc: 'start over in a non-empty --out, deleting the model.json, weights.bin and checkpoint/ an earlier run left there (other files are kept)', commands: TRAIN }),
  loss: opt({ key: 'loss', flag: '--loss <loss>', type: oneOf(GAN_LOSSES), default: 'non-saturating' as GanLoss, doc: 'generator loss', commands: ['train gan'] }),
  aeSteps: opt({ key: 'aeSteps', flag: '--ae-steps <n>', type: integer(0), default: 5000, doc: 'autoencoder steps before the adversarial phase', commands: ['train gan'] }),

  // ── extractors ─────────────────────────────────────────────────────────────────────────────
  extractorsJson: opt({ key: 'json', flag: '--json', type: flag, doc: 'print one JSON document (schema fidkit.extractors/1) instead of the list', commands: ['extractors'] }),

  // ── cache ──────────────────────────────────────────────────────────────────────────────────
  cacheJson: opt({ key: 'json', flag: '--json', type: flag, doc: 'print one JSON document (schema fidkit.cache/1) instead of the table', commands: ['cache ls'] }),
  olderThan: opt({ key: 'olderThan', flag: '--older-than <age>', type: duration, defaultText: 'every entry', doc: 'delete only the entries last used longer ago than this, e.g. 30d, 12h, 90m', commands: ['cache clear'] }),

  // ── verify ─────────────────────────────────────────────────────────────────────────────────
  fixtures: opt({ key: 'fixtures', flag: '--fixtures <dir>', type: text, defaultText: "the fixtures bundled with fidkit (its fixtures/ folder)", doc: 'fixtures folder to verify against', commands: ['verify'] }),
  only: opt({ key: 'only', flag: '--only <groups>', type: listOf(VERIFY_GROUP_NAMES, VERIFY_ALIASES), defaultText: 'every group', doc: 'comma-separated check groups to run; the metric names fid (= frechet) and pr (= prdc) work too', commands: ['verify'] }),
  verifyJson: opt({ key: 'json', flag: '--json', type: flag, doc: 'print the rows as one JSON document', commands: ['verify'] }),

  // ── commands that read image folders or generated images ───────────────────────────────────
  protocol: opt({ key: 'protocol', flag: '--protocol <name>', aliases: ['--preset'], type: oneOf(() => runtimeChoices.protocols()), default: 'tf' as Protocol, defaultInApi: true, defaultText: "the extractor's first: tf for inception", doc: "how images are resized and scaled for the network: for inception tf = torch-fidelity/TTUR, pytorch-fid, clean = clean-fid; other extractors have their own (`fidkit extractors` lists them)", commands: READS_IMAGES }),
  extractor: opt({ key: 'extractor', flag: '--extractor <name>', type: nameOrPattern(() => runtimeChoices.extractors()), default: 'inception', defaultInApi: true, defaultText: 'score: per metric, as torch-fidelity 0.4 (vgg16 for pr, inception for the others); stats, features: inception', doc: 'feature extractor, for every metric of the run (`fidkit extractors` lists them); onnx:PATH.onnx = your own ONNX model (see --onnx-*)', commands: NOT_SWEEP }),
  /** The sweep picks its extractor by one rule (sweep.ts `sweepExtractor`), stated here for --help and the README. */
  sweepExtractor: opt({ key: 'extractor', flag: '--extractor <name>', type: nameOrPattern(() => runtimeChoices.extractors()), defaultText: 'mnist when the generator or the reference is MNIST digits (mnist-gan, mnist-vae, mnist:…), else inception', doc: 'feature extractor (`fidkit extractors` lists them); the header line says which one the sweep uses and why', commands: ['sweep'] }),
  weights: opt({ key: 'weights', flag: '--weights <path>', type: text, defaultText: "the extractor's official file (downloaded once into the cache)", doc: "weights of the --extractor (the Inception when it is not given): an Inception, VGG16 or DINOv2 .pth, a MNIST classifier folder; 'test:hash' = the deterministic test weights of every extractor of the run", commands: READS_IMAGES }),
  extractorWeights: opt({ key: 'extractorWeights', flag: '--weights-<extractor> <path>', type: text, perExtractor: true, defaultText: "the extractor's official file", doc: 'weights of one extractor by name (--weights-vgg16 vgg16-397923af.pth, --weights-inception FILE.pth, --weights-mnist DIR), for runs that use several (--metrics fid,pr reads two); wins over --weights', commands: READS_IMAGES }),
  // The bring-your-own ONNX extractor (--extractor onnx:PATH.onnx); each also read from the model's metadata fidkit.<name>.
  onnxSize: opt({ key: 'onnxSize', flag: '--onnx-size <N|HxW>', type: imageSize, defaultText: "metadata fidkit.size, else the model input's (when fixed)", doc: 'onnx:PATH: the network input size', commands: READS_IMAGES }),
  onnxResize: opt({ key: 'onnxResize', flag: '--onnx-resize <method>', type: oneOf(ONNX_RESIZE_METHODS), defaultText: 'metadata fidkit.resize, else required', doc: 'onnx:PATH: the resize, each bit-exact with its reference (tf-bilinear = TF1/torch-fidelity, torch-bilinear = F.interpolate on v/255, pil-bicubic/pil-bilinear = Pillow float resize as clean-fid, pil-*-u8 = Pillow 8-bit RGB resize as torchvision Resize on PIL images, torch-bicubic = torch 2 F.interpolate bicubic on v/255, torch-bicubic-aa = the same with antialias on 0..255; none = images must have the size already)', commands: READS_IMAGES }),
  onnxResizeTo: opt({ key: 'onnxResizeTo', flag: '--onnx-resize-to <HxW|short:N>', type: resizeTarget, defaultText: 'metadata fidkit.resize_to, else the input size', doc: "onnx:PATH: resize to this (short:N = shorter side N, as torchvision's Resize(N)), then crop the centre to the input size", commands: READS_IMAGES }),
  onnxRange: opt({ key: 'onnxRange', flag: '--onnx-range <range>', type: oneOf(ONNX_RANGES), defaultText: 'metadata fidkit.range, else 0,1', doc: 'onnx:PATH: pixel values the network takes before mean/std (0,1 = v/255 as ToTensor)', commands: READS_IMAGES }),
  onnxMean: opt({ key: 'onnxMean', flag: '--onnx-mean <m|r,g,b>', type: channelValues(false), defaultText: 'metadata fidkit.mean, else 0', doc: 'onnx:PATH: subtracted per channel after the range (network channel order)', commands: READS_IMAGES }),
  onnxStd: opt({ key: 'onnxStd', flag: '--onnx-std <s|r,g,b>', type: channelValues(true), defaultText: 'metadata fidkit.std, else 1', doc: 'onnx:PATH: divided per channel after the mean', commands: READS_IMAGES }),
  onnxChannels: opt({ key: 'onnxChannels', flag: '--onnx-channels <order>', type: oneOf(CHANNEL_ORDERS), defaultText: 'metadata fidkit.channels, else rgb', doc: 'onnx:PATH: channel order the network takes', commands: READS_IMAGES }),
  onnxLayout: opt({ key: 'onnxLayout', flag: '--onnx-layout <layout>', type: oneOf(IMAGE_LAYOUTS), defaultText: "metadata fidkit.layout, else the input shape's", doc: 'onnx:PATH: input tensor layout', commands: READS_IMAGES }),
  onnxOutput: opt({ key: 'onnxOutput', flag: '--onnx-output <name>', type: text, defaultText: "metadata fidkit.output, else the model's first output", doc: 'onnx:PATH: the output that holds the features (FID, KID, PR, PRDC); flattened per image', commands: READS_IMAGES }),
  onnxLogits: opt({ key: 'onnxLogits', flag: '--onnx-logits <name>', type: text, defaultText: 'metadata fidkit.logits, else none', doc: 'onnx:PATH: an output of class logits, for the Inception Score', commands: READS_IMAGES }),
  batchSize: opt({ key: 'batchSize', flag: '--batch-size <n>', type: integer(1), defaultText: "the extractor's own (`fidkit extractors` lists it)", doc: 'images decoded and handed to the extractor at a time (never changes a number; the network itself runs in chunks of 8 for inception)', commands: NOT_SWEEP }),
  sweepBatchSize: opt({ key: 'batchSize', flag: '--batch-size <n>', type: integer(1), defaultText: "the extractor's own (`fidkit extractors` lists it)", doc: 'images generated, decoded and handed to the extractor at a time (never changes a number)', commands: ['sweep'] }),
  skipBad: opt({ key: 'skipBad', flag: '--skip-bad', type: flag, doc: 'skip unreadable images (and report how many) instead of stopping at the first', commands: READS_IMAGES }),
  recursive: opt({ key: 'recursive', flag: '--recursive', type: flag, doc: 'also read images in subfolders', commands: READS_IMAGES }),
  extensions: opt({ key: 'extensions', flag: '--ext <list>', type: extensionList(IMAGE_EXTENSIONS), default: [...IMAGE_EXTENSIONS], defaultInApi: true, doc: 'comma-separated extensions of the files to read, any case', commands: READS_IMAGES }),
  offline: opt({ key: 'offline', flag: '--offline', type: flag, doc: 'never download (also FIDKIT_OFFLINE=1); fails with the URL and cache path if the weights are missing', commands: READS_IMAGES }),
  cacheDir: opt({ key: 'cacheDir', flag: '--cache-dir <dir>', type: text, defaultText: '$FIDKIT_CACHE, else $XDG_CACHE_HOME/fidkit, else ~/.cache/fidkit', doc: 'cache folder (weights, built networks, features)', commands: [...READS_IMAGES, 'cache ls', 'cache clear', 'extractors'] }),
  cache: opt({ key: 'cache', flag: '--no-cache', type: flag, default: true, doc: 'neither reuse nor store extracted features', commands: READS_IMAGES }),
  cacheMax: opt({ key: 'cacheMax', flag: '--cache-max <size>', type: byteSize, default: 2e9, defaultText: '2GB', doc: 'size cap of the feature cache: after each write the least recently used entries are evicted until the rest fit (weights and built networks are not counted)', commands: READS_IMAGES }),
  cacheStrict: opt({ key: 'cacheStrict', flag: '--cache-strict', type: flag, doc: 'key the feature cache on file contents (SHA-256) instead of sizes and modification times; the default key notices added, removed or renamed files and changed sizes or times, but not an image replaced by one of the same size with its time restored (rsync -t, cp -p, tar)', commands: READS_IMAGES }),
  // ── every command ──────────────────────────────────────────────────────────────────────────
  quiet: opt({ key: 'quiet', flag: '-q, --quiet', type: flag, doc: 'no progress or warnings on stderr (errors are still printed)', commands: ALL }),
});

export type OptionId = keyof typeof O;

/** The entries a command takes, in table order. */
export function optionsOf(command: CommandName): OptionSpec[] {
  return Object.values(O).filter((o) => (o.commands as readonly string[]).includes(command)) as OptionSpec[];
}

/**
 * Defaults by id, for code that needs a value (API fallbacks, metric functions):
 * `DEFAULTS.kidSubsets` is `O.kidSubsets.default`.
 */
export const DEFAULTS = Object.freeze({
  protocol: O.protocol.default! as Protocol,
  extractor: O.extractor.default!,
  seed: O.seed.default!,
  isSplits: O.isSplits.default!,
  isShuffle: O.isShuffle.default!,
  kidSubsets: O.kidSubsets.default!,
  kidSubsetSize: O.kidSubsetSize.default!,
  kidKernel: O.kidKernel.default!,
  kidKernelRbfSigma: O.kidKernelRbfSigma.default!,
  cmmdSigma: O.cmmdSigma.default!,
  prK: O.prK.default!,
  prdcK: O.prdcK.default!,
  cacheMax: O.cacheMax.default!,
  fidSingular: O.fidSingular.default!,
  generator: DEFAULT_GENERATOR,
  extensions: IMAGE_EXTENSIONS,
  truncations: Object.freeze([...O.truncations.default!]),
  truncationMode: O.truncationMode.default!,
  count: O.sweepCount.default!,
  latentSeed: O.latentSeed.default!,
  sweepK: O.sweepK.default!,
  sampleBatchSize: O.sampleBatchSize.default!,
  frames: O.frames.default!,
  starts: O.starts.default!,
  fitSteps: O.fitSteps.default!,
  learningRate: O.learningRate.default!,
  fitSeed: O.fitSeed.default!,
  priorWeight: O.priorWeight.default!,
  latentScale: O.latentScale.default!,
  aeSteps: O.aeSteps.default!,
  classifierSteps: O.classifierSteps.default!,
  ganSteps: O.ganSteps.default!,
  vaeSteps: O.vaeSteps.default!,
  trainSeed: O.trainSeed.default!,
  loss: O.loss.default!,
});

/**
 * Check the options an API caller passed to `fn` against the entries of `command`: every given
 * value must have the entry's type. Unknown keys are left to TypeScript (callbacks and API-only
 * options such as `onProgress` live beside the table's).
 * @throws {UsageError} naming the option key, what it expects and what it got
 */
export function checkOptions(command: CommandName, options: Readonly<Record<string, unknown>>, fn: string = command): void {
  for (const spec of optionsOf(command)) {
    const value = options[spec.key];
    if (value === undefined) continue;
    if (spec.perExtractor) {
      // A record name → value, one per extractor (`extractorWeights: { vgg16: 'vgg.pth' }`).
      const names = runtimeChoices.weightedExtractors();
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new UsageError(`${fn}(): ${spec.key}: expected an object of extractor name → ${spec.type.expected} but received ${String(value)}`);
      }
      for (const [name, v] of Object.entries(value)) {
        if (!names.includes(name)) throw new UsageError(`${fn}(): ${spec.key}: unknown extractor '${name}'; extractors with weights: ${names.join(', ')}`);
        if (spec.type.check(v) === undefined) throw new UsageError(`${fn}(): ${optionMessage(`${spec.key}.${name}`, spec.type, v)}`);
      }
      continue;
    }
    if (spec.type.check(value) === undefined) throw new UsageError(`${fn}(): ${optionMessage(spec.key, spec.type, value)}`);
  }
}
