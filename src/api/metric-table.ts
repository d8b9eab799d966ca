/**
 * @file The metric table: what each metric needs from its inputs, how it is computed from them,
 * and how it reports — its JSON member, its rows in `fidkit score`'s table and its columns in a
 * sweep row. `scoreLoaded`, the input loader, the score table and the sweep iterate over it;
 * adding a metric is one pure module under `metrics/` plus one {@link registerMetric} call.
 *
 * Built-ins, in report order: fid, is, kid, cmmd, pr, prdc. Each reads the layer its extractor names
 * for it (`defaultLayerFor`): FID/KID/CMMD/PR/PRDC the feature layer, IS the logits. A metric's
 * default extractor is data (its entry's `extractor`: pr → vgg16, cmmd → clip-vit-l-14-336).
 */
import { optionName, optionRef } from '../options/mention.js';
import { InputError, UsageError } from '../core/errors.js';
import type { LayerNeeds, LoadedInput } from './inputs.js';
import { cmmdAsync } from '../metrics/cmmd.js';
import { frechetDistance } from '../metrics/frechet.js';
import { extractorEntry, extractorNames, fdNameOf } from '../features/registry.js';
import { inceptionScore } from '../metrics/inception-score.js';
import { kernelInceptionDistanceParallel } from '../metrics/kid-parallel.js';
import { countManifoldsAsync, prdcFromCounts, precisionRecallFromCounts, type ManifoldCounts, type ManifoldSetting } from '../metrics/prdc.js';
import { DEFAULTS, runtimeChoices, type FidSingularMode, type KidKernelName } from '../options/schema.js';
import { momentsFromFeatures } from '../stats/moments.js';
import type { FeatureMatrix, FidStatistics } from '../core/types.js';

/** The metric options the table reads (the `score` entries of the options schema). */
export interface MetricOptions {
  readonly seed?: number;
  readonly isSplits?: number;
  readonly isShuffle?: boolean;
  readonly kidSubsets?: number;
  readonly kidSubsetSize?: number;
  /** `poly` (default) or `rbf` (`--kid-kernel`). */
  readonly kidKernel?: KidKernelName;
  /** σ of the rbf kernel (`--kid-kernel-rbf-sigma`, default 10). */
  readonly kidKernelRbfSigma?: number;
  readonly k?: number;
  readonly fidSingular?: FidSingularMode;
  /** σ of CMMD's RBF kernel (`--cmmd-sigma`, default 10). */
  readonly cmmdSigma?: number;
  /** Drop each set's last partial batch of this size before CMMD (`--cmmd-drop-last-batch`), as google-research's cmmd. */
  readonly cmmdDropLastBatch?: number;
}

/** What a metric's `compute` receives. */
export interface MetricContext {
  /** input1: the set being evaluated (generated samples). */
  readonly generated: LoadedInput;
  /** input2: the reference (real data); checked present and of the same width for two-input metrics. */
  readonly reference: LoadedInput;
  readonly options: MetricOptions;
  /** Append a warning to the report. */
  warn(message: string): void;
  /** Counts of one k-NN setting; every setting the run's metrics declared is computed in one pass. */
  manifold(setting: ManifoldSetting): ManifoldCounts;
}

/** One cell of a table row: text, a number, or empty. */
export type Cell = string | number | null;

/** Columns of a sweep row (fidkit.sweep/1); a metric fills those it has. */
export interface SweepColumns {
  is: { readonly mean: number; readonly std: number } | null;
  fid: number | null;
  precision: number | null;
  recall: number | null;
  density: number | null;
  coverage: number | null;
}

export interface MetricEntry<R = unknown> {
  readonly name: string;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** 1: input1 only (IS); 2: input1 against input2. */
  readonly inputs: 1 | 2;
  /**
   * The extractor whose features this metric reads when `--extractor` is not given, as torch-fidelity
   * 0.4's `DEFAULT_FEATURE_EXTRACTOR` picks it (pr: vgg16); absent: the default extractor (inception).
   */
  readonly extractor?: string;
  /** Layers each input must yield (input2's only for two-input metrics). */
  needs(role: 'input1' | 'input2'): Partial<LayerNeeds>;
  /** k-NN settings this metric reads through `ctx.manifold`, so all of a run's share one pass. */
  manifoldSettings?(options: MetricOptions): ManifoldSetting[];
  compute(ctx: MetricContext): R | Promise<R>;
  /** Rows of `fidkit score`'s table: name, value, ±, how. */
  rows(result: R): Cell[][];
  /** Sweep columns it fills. */
  sweepColumns?(result: R): Partial<SweepColumns>;
}

const table = new Map<string, MetricEntry<any>>();

/**
 * Add a metric (built-ins below; tests and plugins may add more).
 * @throws {UsageError} an empty name or one already taken
 */
export function registerMetric<R>(entry: MetricEntry<R>): MetricEntry<R> {
  if (!/^[a-z][a-z0-9_-]*$/.test(entry.name)) throw new UsageError(`invalid metric name '${entry.name}': use lower-case letters, digits, - and _`);
  if (table.has(entry.name)) throw new UsageError(`a metric named '${entry.name}' is already registered`);
  table.set(entry.name, entry);
  return entry;
}

/** Registered metric names, in report order. */
export function metricNames(): string[] {
  return [...table.keys()];
}
runtimeChoices.metrics = metricNames;

/** The entry of `name`. @throws {UsageError} listing the valid names */
export function metricEntry(name: string): MetricEntry {
  const entry = table.get(name);
  if (!entry) throw new UsageError(`unknown metric '${name}'; valid metrics: ${metricNames().join(', ')}`);
  return entry;
}

/** The layers input1 (`role` input1) or input2 must yield for `metrics`. */
export function layerNeeds(metrics: readonly string[], role: 'input1' | 'input2'): LayerNeeds {
  const out = { moments: false, logits: false, features: false };
  for (const name of metrics) {
    const entry = metricEntry(name);
    if (role === 'input2' && entry.inputs === 1) continue;
    const n = entry.needs(role);
    out.moments ||= !!n.moments;
    out.logits ||= !!n.logits;
    out.features ||= !!n.features;
  }
  return out;
}

/**
 * The extractor `metric` reads: `--extractor` for every metric when it is given, else the metric's own
 * (torch-fidelity 0.4: vgg16 for pr, the Inception for the others).
 * @throws {UsageError} an unknown metric
 */
export function extractorFor(metric: string, options: { readonly extractor?: string } = {}): string {
  if (options.extractor !== undefined) return options.extractor;
  const own = metricEntry(metric).extractor;
  if (own === undefined) return DEFAULTS.extractor;
  try {
    extractorEntry(own);
  } catch {
    throw new UsageError(
      `${metric} reads ${own} features by default, but this fidkit has no '${own}' extractor: pass ${optionRef('extractor', 'NAME')} (one of ${extractorNames().join(', ')}) or .npy files of embeddings`,
    );
  }
  return own;
}

/** The metrics to run when none are named. */
export function defaultMetrics(inputCount: number): string[] {
  return inputCount >= 2 ? ['fid'] : ['is'];
}

/** Statistics of an input for FID: its own, or the moments of its features. */
function statsOf(input: LoadedInput): FidStatistics {
  if (input.stats) return input.stats;
  if (input.features && input.features.rows >= 2) return momentsFromFeatures(input.features, input.path);
  throw new InputError(`${input.path}: FID needs at least 2 samples, got ${input.count ?? 0}`);
}

/** Per-sample features (or logits) of an input. @throws {UsageError} when it holds only statistics */
export function featuresOf(input: LoadedInput, metric: string, logits = false): FeatureMatrix {
  const m = logits ? input.logits : input.features;
  if (!m) {
    const what = logits ? 'logits' : 'features';
    throw new UsageError(`${metric} needs per-sample ${what}, but ${input.path} holds only statistics (mu/sigma); pass a .npy of ${what} or an image folder`);
  }
  return m;
}

/**
 * Who defined a manifold metric and whose counts it reproduces: the two precision/recall pairs
 * differ in k and in the ball test, so every label names its paper and k.
 */
const MANIFOLD_CONVENTION = Object.freeze({
  pr: { author: 'Kynkäänniemi', matches: 'torch-fidelity' },
  prdc: { author: 'Naeem', matches: 'clovaai prdc' },
});
/** `precision (Kynkäänniemi, k=3)`: a row name that tells the two precisions apart. */
const manifoldRowName = (metric: keyof typeof MANIFOLD_CONVENTION, quantity: string, k: number) => `${quantity} (${MANIFOLD_CONVENTION[metric].author}, k=${k})`;
/** The JSON `label` of a manifold result: paper, k, ball test and the implementation matched. */
const manifoldLabel = (metric: keyof typeof MANIFOLD_CONVENTION, k: number, membership: string) =>
  `${MANIFOLD_CONVENTION[metric].author} et al., k=${k}, d ${membership === 'le' ? '≤' : '<'} r (${MANIFOLD_CONVENTION[metric].matches})`;
const howManifold = (metric: keyof typeof MANIFOLD_CONVENTION, r: { membership: string }) => `d ${r.membership === 'le' ? '≤' : '<'} r, as ${MANIFOLD_CONVENTION[metric].matches}`;

export const FID = registerMetric({
  name: 'fid',
  description: "Fréchet distance between the feature Gaussians of input1 and input2 (Heusel et al. 2017), named after the extractor's space: FID on the Inception, FD_VGG16, FD_DINOv2, FD_CLIP…",
  inputs: 2,
  needs: () => ({ moments: true }),
  compute: ({ generated, reference, options, warn }) => {
    refuseMixedPipelines(generated, reference, warn);
    // Named as papers name it in the space it was computed in: FID (Inception), FD_DINOv2, FD_CLIP, …
    const name = fdNameOf(generated.metadata?.extractor ?? reference.metadata?.extractor);
    for (const inp of [generated, reference]) {
      if (inp.count !== null && inp.count < inp.dim) {
        warn(
          `${inp.path}: ${name} from ${inp.count} samples of ${inp.dim}-d features — the covariance is rank-deficient and ${name} is strongly biased upwards; use at least ${inp.dim} (10,000+ recommended) and compare only numbers made with the same N`,
        );
      }
    }
    const singularMode = options.fidSingular ?? DEFAULTS.fidSingular;
    const r = frechetDistance(statsOf(generated), statsOf(reference), { singular: singularMode, labels: [generated.path, reference.path] });
    return { value: r.value, name, method: r.diagnostics.method, singularMode, offsetApplied: r.diagnostics.offsetApplied, note: r.diagnostics.note };
  },
  rows: (m) => [[m.name, m.value, null, `${m.method}${m.offsetApplied ? ', eps offset' : ''}`]],
  sweepColumns: (m) => ({ fid: m.value }),
});

export const IS = registerMetric({
  name: 'is',
  description: 'Inception Score of input1 from its logits (Salimans et al. 2016), torch-fidelity’s splits and seeded shuffle',
  inputs: 1,
  needs: () => ({ logits: true }),
  compute: ({ generated, options }) => {
    const logits = featuresOf(generated, 'is', true);
    if (logits.cols === 2048) {
      throw new UsageError(`is needs classifier logits (N×1008 for the FID Inception), but ${generated.path} has 2048 columns — pool3 features, not logits`);
    }
    const r = inceptionScore(logits, { splits: options.isSplits ?? DEFAULTS.isSplits, shuffle: options.isShuffle ?? DEFAULTS.isShuffle, seed: options.seed ?? DEFAULTS.seed, label: generated.path });
    return { mean: r.mean, std: r.std, splits: r.splits, shuffled: r.shuffled, seed: r.seed, count: r.count };
  },
  rows: (m) => [['IS', m.mean, m.std, `${m.splits} splits${m.shuffled ? `, shuffled (seed ${m.seed})` : ''}`]],
  sweepColumns: (m) => ({ is: { mean: m.mean, std: m.std } }),
});

export const KID = registerMetric({
  name: 'kid',
  description: 'Kernel Inception Distance: unbiased MMD² with the cubic polynomial (or rbf) kernel over random subsets (Bińkowski et al. 2018)',
  inputs: 2,
  needs: () => ({ features: true }),
  compute: async ({ generated, reference, options, warn }) => {
    const x = featuresOf(generated, 'kid');
    const y = featuresOf(reference, 'kid');
    let subsetSize = options.kidSubsetSize ?? DEFAULTS.kidSubsetSize;
    const smallest = Math.min(x.rows, y.rows);
    if (options.kidSubsetSize === undefined && smallest < subsetSize) {
      warn(
        `kid: a set has only ${smallest} samples, fewer than the default subset size ${subsetSize}; using subsets of ${smallest} (pass ${optionRef('kidSubsetSize', 'N')} to choose); KID values with different subset sizes are not comparable`,
      );
      subsetSize = smallest;
    }
    const kernelName = options.kidKernel ?? DEFAULTS.kidKernel;
    // torch-fidelity ignores a σ given with the polynomial kernel without a word; say it.
    if (kernelName !== 'rbf' && options.kidKernelRbfSigma !== undefined) {
      warn(`kid: ${optionRef('kidKernelRbfSigma', options.kidKernelRbfSigma)} is ignored with the ${kernelName} kernel; pass ${optionRef('kidKernel', 'rbf')} to use it`);
    }
    // Subsets spread over worker threads; the result is bit-identical to one thread.
    const r = await kernelInceptionDistanceParallel(x, y, {
      subsets: options.kidSubsets ?? DEFAULTS.kidSubsets,
      subsetSize,
      seed: options.seed ?? DEFAULTS.seed,
      kernel: kernelName,
      rbfSigma: options.kidKernelRbfSigma ?? DEFAULTS.kidKernelRbfSigma,
      labels: [generated.path, reference.path],
    });
    // The kernel as torch-fidelity's options name it: kid_kernel, kid_kernel_poly_*, kid_kernel_rbf_sigma.
    const kernel = r.kernel.kind === 'rbf' ? { kernel: 'rbf' as const, rbfSigma: r.kernel.sigma } : { kernel: 'poly' as const, degree: r.kernel.degree, gamma: r.kernel.gamma, coef0: r.kernel.coef0 };
    return { mean: r.mean, std: r.std, subsets: r.subsets, subsetSize: r.subsetSize, seed: r.seed, ...kernel };
  },
  rows: (m) => [['KID', m.mean, m.std, `${m.subsets} subsets of ${m.subsetSize}, seed ${m.seed}${m.kernel === 'rbf' ? `, rbf kernel σ = ${m.rbfSigma}` : ''}`]],
});

export const CMMD = registerMetric({
  name: 'cmmd',
  description: 'CMMD (Jayasumana et al. 2024): 1000 × MMD² with the Gaussian RBF kernel, σ = 10, all N² pairs (V-statistic), on CLIP ViT-L/14@336 embeddings (google-research cmmd)',
  inputs: 2,
  // The paper's and google-research's space: CLIP ViT-L/14 at 336 px, L2-normalised embeddings.
  extractor: 'clip-vit-l-14-336',
  needs: () => ({ features: true }),
  compute: async ({ generated, reference, options, warn }) => {
    const x = featuresOf(generated, 'cmmd');
    const y = featuresOf(reference, 'cmmd');
    if (options.cmmdSigma !== undefined && options.cmmdSigma !== DEFAULTS.cmmdSigma) {
      warn(`cmmd: σ = ${options.cmmdSigma} (${optionName('cmmdSigma')}) is not the paper's 10; the value is comparable only with CMMDs of the same σ`);
    }
    for (const [inp, m] of [[generated, x], [reference, y]] as const) {
      const off = meanNormDeviation(m);
      if (off > 1e-3) {
        warn(`cmmd: the rows of ${inp.path} are not unit length (mean |‖x‖ − 1| = ${off.toPrecision(3)}); CMMD is defined on L2-normalised CLIP embeddings, so σ = 10 means something else here`);
      }
    }
    const r = await cmmdAsync(x, y, { sigma: options.cmmdSigma ?? DEFAULTS.cmmdSigma, dropLastBatch: options.cmmdDropLastBatch, labels: [generated.path, reference.path] });
    return {
      value: r.value,
      sigma: r.sigma,
      scale: r.scale,
      estimator: 'biased' as const,
      counts: [...r.counts] as [number, number],
      dropLastBatch: r.dropLastBatch,
      dropped: [...r.dropped] as [number, number],
    };
  },
  rows: (m) => [[
    'CMMD',
    m.value,
    null,
    `σ = ${m.sigma}, ×${m.scale}, all N² pairs; ${m.dropLastBatch === null ? `every sample (${m.counts[0]}, ${m.counts[1]})` : `last partial batch of ${m.dropLastBatch} dropped (${m.counts[0]}, ${m.counts[1]} kept)`}`,
  ]],
});

/** Mean of |‖row‖ − 1| over the rows (0 for L2-normalised embeddings). */
function meanNormDeviation(m: FeatureMatrix): number {
  let total = 0;
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let k = i * m.cols, end = k + m.cols; k < end; k++) s += m.data[k] * m.data[k];
    total += Math.abs(Math.sqrt(s) - 1);
  }
  return m.rows === 0 ? 0 : total / m.rows;
}

const prSetting = (o: MetricOptions): ManifoldSetting => ({ k: o.k ?? DEFAULTS.prK, membership: 'le' });
const prdcSetting = (o: MetricOptions): ManifoldSetting => ({ k: o.k ?? DEFAULTS.prdcK, membership: 'lt' });

export const PR = registerMetric({
  name: 'pr',
  description: 'improved precision and recall (Kynkäänniemi et al. 2019): k-NN balls, d ≤ r, k = 3, on VGG16 fc2_relu features unless --extractor is given (torch-fidelity 0.4)',
  inputs: 2,
  // torch-fidelity 0.4 computes prc on VGG16 features (its DEFAULT_FEATURE_EXTRACTOR), as Kynkäänniemi et al. did.
  extractor: 'vgg16',
  needs: () => ({ features: true }),
  manifoldSettings: (o) => [prSetting(o)],
  compute: ({ options, manifold }) => {
    const r = precisionRecallFromCounts(manifold(prSetting(options)));
    return {
      precision: r.precision,
      recall: r.recall,
      fScore: r.fScore,
      k: r.k,
      membership: r.membership,
      label: manifoldLabel('pr', r.k, r.membership),
      counts: { ...r.counts } as Record<string, number>,
    };
  },
  rows: (m) =>
    ([['precision', m.precision], ['recall', m.recall], ['F-score', m.fScore]] as const).map(([quantity, value]) => [manifoldRowName('pr', quantity, m.k), value, null, howManifold('pr', m)]),
});

export const PRDC = registerMetric({
  name: 'prdc',
  description: 'precision, recall, density and coverage (Naeem et al. 2020): k-NN balls, d < r, k = 5 (clovaai prdc)',
  inputs: 2,
  // clovaai's prdc takes whatever features it is given and names no extractor, so prdc stays in the
  // default (Inception) space, where fidkit has always computed it; --extractor vgg16 gives the paper's.
  extractor: undefined,
  needs: () => ({ features: true }),
  manifoldSettings: (o) => [prdcSetting(o)],
  compute: ({ options, manifold }) => {
    const c = manifold(prdcSetting(options));
    const r = prdcFromCounts(c);
    return {
      precision: r.precision,
      recall: r.recall,
      density: r.density,
      coverage: r.coverage,
      k: r.k,
      membership: r.membership,
      label: manifoldLabel('prdc', r.k, r.membership),
      counts: { precision: c.precision, recall: c.recall, density: c.density, coverage: c.coverage, numGenerated: c.numGenerated, numReal: c.numReal } as Record<string, number>,
    };
  },
  rows: (m) => (['precision', 'recall', 'density', 'coverage'] as const).map((key) => [manifoldRowName('prdc', key, m.k), m[key], null, howManifold('prdc', m)]),
  sweepColumns: (m) => ({ precision: m.precision, recall: m.recall, density: m.density, coverage: m.coverage }),
});

/** The JSON member of each built-in metric (`report.metrics.<name>`). */
export interface BuiltinMetricResults {
  fid?: Awaited<ReturnType<typeof FID.compute>>;
  is?: Awaited<ReturnType<typeof IS.compute>>;
  kid?: Awaited<ReturnType<typeof KID.compute>>;
  cmmd?: Awaited<ReturnType<typeof CMMD.compute>>;
  pr?: Awaited<ReturnType<typeof PR.compute>>;
  prdc?: Awaited<ReturnType<typeof PRDC.compute>>;
}

/** Whether `name` is an extractor whose network is given by the user (onnx:PATH), so its weights define its space. */
function isArgumentExtractor(name: string): boolean {
  try {
    return extractorEntry(name).weights.kind === 'argument';
  } catch {
    return false;
  }
}

/**
 * FD/FID of statistics made in different feature spaces is meaningless (pytorch-fid #33): refuse
 * inputs that record a different extractor, protocol or layer, naming both and what differs. Only
 * fields both sides record are compared (pytorch-fid's files record none; the width check still
 * holds). Other weights of the same extractor (a retrained network, the test weights, a converted
 * file with other bytes) are warned about, since equal numbers may come from different files —
 * except for onnx:PATH, whose weights are the network itself: another model is refused.
 * @throws {InputError} naming both inputs and every field that differs
 */
function refuseMixedPipelines(a: LoadedInput, b: LoadedInput, warn: (w: string) => void): void {
  const differ = (['extractor', 'protocol', 'layer'] as const).filter((key) => {
    const va = a.metadata?.[key];
    const vb = b.metadata?.[key];
    return va !== undefined && vb !== undefined && va !== vb;
  });
  if (differ.length > 0) {
    const what = differ.map((key) => `${key} '${String(a.metadata?.[key])}' vs '${String(b.metadata?.[key])}'`).join(', ');
    throw new InputError(
      `fid: ${a.path} and ${b.path} come from different feature spaces (${what}); a Fréchet distance between them means nothing — make both with the same extractor, protocol and layer (fidkit stats … --extractor … --protocol …)`,
    );
  }
  // Same extractor, other weights (a retrained network, the test weights): as incomparable.
  const [wa, wb] = [a.metadata?.weightsSha256, b.metadata?.weightsSha256];
  const extractor = a.metadata?.extractor;
  if (extractor !== undefined && extractor === b.metadata?.extractor && wa !== undefined && wb !== undefined && wa !== wb) {
    // For onnx:PATH the weights are the network itself: another model is another space.
    if (isArgumentExtractor(extractor)) {
      throw new InputError(`fid: ${a.path} and ${b.path} come from different ${extractor} models (SHA-256 ${String(wa)} vs ${String(wb)}); a Fréchet distance between them means nothing — make both with the same model`);
    }
    warn(`fid: ${a.path} was made with weights ${String(wa)} but ${b.path} with ${String(wb)} — features of different weights are not comparable`);
  }
}

/**
 * Run `metrics` on loaded inputs, in table order.
 * @returns each metric's result by name
 */
export async function runMetrics(
  inputs: readonly LoadedInput[],
  metrics: readonly string[],
  options: MetricOptions,
  warn: (w: string) => void,
): Promise<Record<string, unknown>> {
  for (const m of metrics) metricEntry(m); // unknown names fail first, listing the valid ones
  // Table order, whatever the request's: the report, its warnings and its table read the same each time.
  const entries = metricNames().filter((n) => metrics.includes(n)).map(metricEntry);
  const [a, b] = inputs;
  const pairOf = (entry: MetricEntry): LoadedInput => {
    if (entry.inputs === 1) return b ?? a;
    if (!b) throw new UsageError(`${entry.name} compares two sets: pass input1 (generated) and input2 (reference)`);
    if (a.dim !== b.dim) {
      throw new InputError(`${entry.name}: ${a.path} has ${a.dim}-d features but ${b.path} has ${b.dim}-d; both sides must come from the same extractor and layer`);
    }
    return b;
  };
  // One pass over the pairwise distances serves every k-NN setting of the run (on ONNX Runtime's
  // float64 GEMM for large sets; the counts do not depend on the engine).
  const settings = entries.flatMap((e) => e.manifoldSettings?.(options) ?? []);
  let counts: ManifoldCounts[] | undefined;
  const countOnce = async (entry: MetricEntry): Promise<void> => {
    if (counts !== undefined) return;
    const reference = pairOf(entry);
    counts = (await countManifoldsAsync({ generated: featuresOf(a, entry.name), real: featuresOf(reference, entry.name) }, settings, {
      labels: { generated: a.path, real: reference.path },
    })).counts;
  };
  const manifold = (setting: ManifoldSetting): ManifoldCounts => {
    const i = settings.findIndex((s) => s.k === setting.k && s.membership === setting.membership);
    if (counts === undefined || i < 0) throw new Error(`metric asked for k-NN setting k=${setting.k} ${setting.membership} it did not declare`);
    return counts[i];
  };
  const results: Record<string, unknown> = {};
  for (const entry of entries) {
    const reference = pairOf(entry);
    if (entry.manifoldSettings) await countOnce(entry);
    results[entry.name] = await entry.compute({ generated: a, reference, options, warn, manifold });
  }
  return results;
}
