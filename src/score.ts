/**
 * @file `score`: the API behind `fidkit score`. It loads each input once (statistics `.npz`,
 * features/logits `.npy`), runs every requested metric on what it loaded, and returns one plain
 * report object — the same object `--json` prints (schema `fidkit.score/1`, see README).
 *
 * Order convention (torch-fidelity's): input1 is the set being evaluated (generated samples),
 * input2 the reference (real data). IS uses input1 only; precision/recall/density/coverage treat
 * input2 as the real manifold.
 */
import { stat } from 'node:fs/promises';
import { DEFAULTS, METRICS, type FidSingularMode, type MetricName } from './defaults.js';
import { InputError, UsageError } from './errors.js';
import { ExtractorPool, inputWarnings, layerNeeds, loadInput, type FolderOptions, type LoadedInput } from './inputs.js';
import { frechetDistance } from './metrics/frechet.js';
import { inceptionScore } from './metrics/inception-score.js';
import { kernelInceptionDistanceParallel } from './metrics/kid-parallel.js';
import { countManifolds, prdcFromCounts, precisionRecallFromCounts, type ManifoldSetting } from './metrics/prdc.js';
import { momentsFromFeatures } from './stats/moments.js';
import type { FeatureMatrix, FidStatistics } from './types.js';
import { isVirtualInput } from './sources.js';
import { VERSION } from './version.js';

export const SCORE_SCHEMA = 'fidkit.score/1';

/** Options of {@link score}; every default comes from `DEFAULTS`. */
export interface ScoreOptions extends FolderOptions {
  /** Metrics to compute; default `['fid']` with two inputs, `['is']` with one. */
  readonly metrics?: readonly MetricName[];
  readonly seed?: number;
  readonly isSplits?: number;
  readonly isShuffle?: boolean;
  readonly kidSubsets?: number;
  /** Rows per KID subset. When not given and a set is smaller than 1000, the size shrinks to fit (with a warning). */
  readonly kidSubsetSize?: number;
  /** Neighbourhood size for precision/recall and density/coverage (defaults 3 and 5). */
  readonly k?: number;
  readonly fidSingular?: FidSingularMode;
}

export interface InputSummary {
  readonly role: 'input1' | 'input2';
  readonly path: string;
  readonly kind: LoadedInput['kind'];
  readonly count: number | null;
  readonly dim: number;
  readonly extractor: string | null;
  readonly protocol: string | null;
  /** Image folders: unreadable files skipped with --skip-bad, and non-image files ignored. */
  readonly skipped?: number;
  readonly ignored?: number;
}
export interface ScoreReport {
  readonly schema: typeof SCORE_SCHEMA;
  readonly fidkit: string;
  readonly inputs: InputSummary[];
  readonly metrics: {
    fid?: { value: number; method: string; singularMode: FidSingularMode; offsetApplied: boolean; note: string };
    is?: { mean: number; std: number; splits: number; shuffled: boolean; seed: number | null; count: number };
    kid?: { mean: number; std: number; subsets: number; subsetSize: number; seed: number };
    pr?: { precision: number; recall: number; fScore: number; k: number; membership: string; counts: Record<string, number> };
    prdc?: {
      precision: number;
      recall: number;
      density: number;
      coverage: number;
      k: number;
      membership: string;
      counts: Record<string, number>;
    };
  };
  readonly warnings: string[];
}

function statsOf(input: LoadedInput): FidStatistics {
  if (input.stats) return input.stats;
  if (input.features && input.features.rows >= 2) return momentsFromFeatures(input.features, input.path);
  throw new InputError(`${input.path}: FID needs at least 2 samples, got ${input.count ?? 0}`);
}

function featuresOf(input: LoadedInput, metric: string, logits = false): FeatureMatrix {
  const m = logits ? input.logits : input.features;
  if (!m) {
    throw new UsageError(
      `${metric} needs per-sample ${logits ? 'logits' : 'features'}, but ${input.path} holds only statistics (mu/sigma); pass a .npy of ${logits ? 'logits' : 'features'} or an image folder`,
    );
  }
  return m;
}

/** The metrics to run when none are named. */
export function defaultMetrics(inputCount: number): MetricName[] {
  return inputCount >= 2 ? ['fid'] : ['is'];
}

/**
 * Compute metrics on already loaded inputs (no I/O; KID may use worker threads).
 * @throws {UsageError} a metric that needs two inputs got one, or features where only statistics exist
 * @throws {InputError} shapes that do not match, too few samples
 */
export async function scoreLoaded(inputs: readonly LoadedInput[], options: ScoreOptions = {}): Promise<ScoreReport> {
  if (inputs.length < 1 || inputs.length > 2) throw new UsageError(`score takes one or two inputs, got ${inputs.length}`);
  const metrics = options.metrics ?? defaultMetrics(inputs.length);
  for (const m of metrics) {
    if (!(METRICS as readonly string[]).includes(m)) throw new UsageError(`unknown metric '${m}'; valid metrics: ${METRICS.join(', ')}`);
  }
  const warnings: string[] = [];
  const [a, b] = inputs;
  const seed = options.seed ?? DEFAULTS.seed;
  const report: ScoreReport = {
    schema: SCORE_SCHEMA,
    fidkit: VERSION,
    inputs: inputs.map((inp, i) => ({
      role: i === 0 ? 'input1' : 'input2',
      path: inp.path,
      kind: inp.kind,
      count: inp.count,
      dim: inp.dim,
      extractor: inp.metadata?.extractor ?? null,
      protocol: inp.metadata?.protocol ?? null,
      ...(inp.kind === 'images' ? { skipped: inp.skipped?.length ?? 0, ignored: inp.ignored ?? 0 } : {}),
    })),
    metrics: {},
    warnings,
  };
  for (const inp of inputs) warnings.push(...inputWarnings(inp));
  const needTwo = (m: string) => {
    if (!b) throw new UsageError(`${m} compares two sets: pass input1 (generated) and input2 (reference)`);
    if (a.dim !== b.dim) {
      throw new InputError(`${m}: ${a.path} has ${a.dim}-d features but ${b.path} has ${b.dim}-d; both sides must come from the same extractor and layer`);
    }
    return b;
  };

  if (metrics.includes('fid')) {
    const ref = needTwo('fid');
    warnAboutMixedPipelines(a, ref, warnings);
    for (const inp of [a, ref]) {
      if (inp.count !== null && inp.count < inp.dim) {
        warnings.push(
          `${inp.path}: FID from ${inp.count} samples of ${inp.dim}-d features — the covariance is rank-deficient and FID is strongly biased upwards; use at least ${inp.dim} (10,000+ recommended) and compare only numbers made with the same N`,
        );
      }
    }
    const singularMode = options.fidSingular ?? DEFAULTS.fidSingular;
    const r = frechetDistance(statsOf(a), statsOf(ref), { singular: singularMode, labels: [a.path, ref.path] });
    report.metrics.fid = {
      value: r.value,
      method: r.diagnostics.method,
      singularMode,
      offsetApplied: r.diagnostics.offsetApplied,
      note: r.diagnostics.note,
    };
  }

  if (metrics.includes('is')) {
    const logits = featuresOf(a, 'is', true);
    if (logits.cols === 2048) {
      throw new UsageError(
        `is needs classifier logits (N×1008 for the FID Inception), but ${a.path} has 2048 columns — pool3 features, not logits`,
      );
    }
    const r = inceptionScore(logits, { splits: options.isSplits ?? DEFAULTS.isSplits, shuffle: options.isShuffle ?? DEFAULTS.isShuffle, seed, label: a.path });
    report.metrics.is = { mean: r.mean, std: r.std, splits: r.splits, shuffled: r.shuffled, seed: r.seed, count: r.count };
  }

  if (metrics.includes('kid')) {
    const ref = needTwo('kid');
    const x = featuresOf(a, 'kid');
    const y = featuresOf(ref, 'kid');
    let subsetSize = options.kidSubsetSize ?? DEFAULTS.kidSubsetSize;
    const smallest = Math.min(x.rows, y.rows);
    if (options.kidSubsetSize === undefined && smallest < subsetSize) {
      warnings.push(
        `kid: a set has only ${smallest} samples, fewer than the default subset size ${subsetSize}; using subsets of ${smallest} (pass --kid-subset-size to choose); KID values with different subset sizes are not comparable`,
      );
      subsetSize = smallest;
    }
    // Subsets spread over worker threads; the result is bit-identical to one thread.
    const r = await kernelInceptionDistanceParallel(x, y, { subsets: options.kidSubsets ?? DEFAULTS.kidSubsets, subsetSize, seed, labels: [a.path, ref.path] });
    report.metrics.kid = { mean: r.mean, std: r.std, subsets: r.subsets, subsetSize: r.subsetSize, seed: r.seed };
  }

  const wantPr = metrics.includes('pr');
  const wantPrdc = metrics.includes('prdc');
  if (wantPr || wantPrdc) {
    const ref = needTwo(wantPr ? 'pr' : 'prdc');
    const name = wantPr ? 'pr' : 'prdc';
    const sets = { generated: featuresOf(a, name), real: featuresOf(ref, name) };
    // One pass over the pairwise distances serves both conventions.
    const settings: ManifoldSetting[] = [
      ...(wantPr ? [{ k: options.k ?? DEFAULTS.prK, membership: 'le' as const }] : []),
      ...(wantPrdc ? [{ k: options.k ?? DEFAULTS.prdcK, membership: 'lt' as const }] : []),
    ];
    const { counts } = countManifolds(sets, settings, { labels: { generated: a.path, real: ref.path } });
    if (wantPr) {
      const r = precisionRecallFromCounts(counts[0]);
      report.metrics.pr = { precision: r.precision, recall: r.recall, fScore: r.fScore, k: r.k, membership: r.membership, counts: { ...r.counts } };
    }
    if (wantPrdc) {
      const c = counts[counts.length - 1];
      const r = prdcFromCounts(c);
      report.metrics.prdc = {
        precision: r.precision,
        recall: r.recall,
        density: r.density,
        coverage: r.coverage,
        k: r.k,
        membership: r.membership,
        counts: { precision: c.precision, recall: c.recall, density: c.density, coverage: c.coverage, numGenerated: c.numGenerated, numReal: c.numReal },
      };
    }
  }
  return report;
}

function warnAboutMixedPipelines(a: LoadedInput, b: LoadedInput, warnings: string[]): void {
  for (const key of ['extractor', 'protocol', 'layer'] as const) {
    const va = a.metadata?.[key];
    const vb = b.metadata?.[key];
    if (va !== undefined && vb !== undefined && va !== vb) {
      warnings.push(
        `fid: ${a.path} was made with ${key} '${va}' but ${b.path} with '${vb}' — statistics from different pipelines are not comparable (pytorch-fid #33)`,
      );
    }
  }
}

/**
 * Score one or two inputs (paths) with the requested metrics.
 * @example const report = await score(['gen.npz', 'real.npz'], { metrics: ['fid'] }); report.metrics.fid.value
 */
export async function score(paths: readonly string[], options: ScoreOptions = {}): Promise<ScoreReport> {
  if (paths.length < 1 || paths.length > 2) throw new UsageError(`score takes one or two inputs, got ${paths.length}`);
  const metrics = options.metrics ?? defaultMetrics(paths.length);
  const pool = new ExtractorPool(options);
  try {
    // Files first: they are cheap, and a dimension mismatch with the extractor should stop the run
    // before minutes of feature extraction, not after.
    const folders = await Promise.all(paths.map(async (p) => isVirtualInput(p) || ((await stat(p).catch(() => undefined))?.isDirectory() ?? false)));
    const inputs: LoadedInput[] = new Array(paths.length);
    for (const [i, p] of paths.entries()) if (!folders[i]) inputs[i] = await loadInput(p, layerNeeds(metrics, i === 0), options, pool);
    for (const [i, p] of paths.entries()) {
      if (!folders[i]) continue;
      const { extractor, name } = await pool.get();
      const dim = extractor.dims[extractor.defaultLayerFor('fid')];
      for (const other of inputs) {
        if (other && other.dim !== dim && (metrics.includes('fid') || other.kind === 'features')) {
          throw new InputError(
            `${other.path} has ${other.dim}-d features but the extractor '${name}' gives ${dim}-d; compare statistics made with the same extractor and layer`,
          );
        }
      }
      inputs[i] = await loadInput(p, layerNeeds(metrics, i === 0), options, pool);
    }
    return scoreLoaded(inputs, { ...options, metrics });
  } finally {
    await pool.dispose();
  }
}
