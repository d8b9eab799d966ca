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
import { InputError, UsageError } from './errors.js';
import type { ExtractorIdentity } from './features/registry.js';
import { ExtractorPool, folderFiles, inputWarnings, inputWeights, loadInput, type FolderOptions, type LoadedInput } from './inputs.js';
import { defaultMetrics, layerNeeds, runMetrics, type BuiltinMetricResults, type MetricOptions } from './api/metric-table.js';
import { isVirtualInput } from './sources.js';
import { VERSION } from './version.js';

export const SCORE_SCHEMA = 'fidkit.score/1';

/** Options of {@link score}; every default comes from the options schema (options/schema.ts). */
export interface ScoreOptions extends FolderOptions, MetricOptions {
  /** Metrics to compute (names of the metric table); default `['fid']` with two inputs, `['is']` with one. */
  readonly metrics?: readonly string[];
}

export interface InputSummary {
  readonly role: 'input1' | 'input2';
  readonly path: string;
  readonly kind: LoadedInput['kind'];
  readonly count: number | null;
  readonly dim: number;
  readonly extractor: string | null;
  readonly protocol: string | null;
  /**
   * SHA-256 of the weights behind the features: the extractor's for images, what a `.npz`'s
   * metadata records; null when unknown (pytorch-fid's files, `.npy`) or for the test weights.
   */
  readonly weightsSha256: string | null;
  /** Whether those are the official weights; null when fidkit cannot tell. */
  readonly officialWeights: boolean | null;
  /** Image folders: unreadable files skipped with --skip-bad, and non-image files ignored. */
  readonly skipped?: number;
  readonly ignored?: number;
}
export interface ScoreReport {
  readonly schema: typeof SCORE_SCHEMA;
  readonly fidkit: string;
  readonly inputs: InputSummary[];
  /** The extractors that made features in this run, by registry name: weights, official or not, their warnings. */
  readonly extractors: Record<string, ExtractorIdentity>;
  /** One member per metric run, named as in the metric table (api/metric-table.ts). */
  readonly metrics: BuiltinMetricResults & Record<string, unknown>;
  readonly warnings: string[];
}

/**
 * Compute metrics on already loaded inputs (no I/O; KID may use worker threads).
 * @throws {UsageError} a metric that needs two inputs got one, or features where only statistics exist
 * @throws {InputError} shapes that do not match, too few samples
 */
export async function scoreLoaded(inputs: readonly LoadedInput[], options: ScoreOptions = {}): Promise<ScoreReport> {
  if (inputs.length < 1 || inputs.length > 2) throw new UsageError(`score takes one or two inputs, got ${inputs.length}`);
  const metrics = options.metrics ?? defaultMetrics(inputs.length);
  const extractors = extractorsOf(inputs);
  const warnings: string[] = Object.values(extractors).flatMap((e) => e.warnings);
  for (const inp of inputs) warnings.push(...inputWarnings(inp));
  const results = await runMetrics(inputs, metrics, options, (w) => warnings.push(w));
  // Which features each metric read: the extractor, layer and protocol recorded with input1 (the
  // inputs' own members say the same per input; a mismatch between them is warned about).
  const first = inputs[0].metadata;
  for (const name of Object.keys(results)) {
    const layer = name === 'is' ? (first?.logitsLayer as string | undefined) ?? null : first?.layer ?? null;
    results[name] = { ...(results[name] as object), features: { extractor: first?.extractor ?? null, layer, protocol: first?.protocol ?? null } };
  }
  return {
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
      ...inputWeights(inp),
      ...(inp.kind === 'images' ? { skipped: inp.skipped?.length ?? 0, ignored: inp.ignored ?? 0 } : {}),
    })),
    extractors,
    metrics: results as ScoreReport['metrics'],
    warnings,
  };
}

/** The identities of the extractors behind `inputs`, by name (inputs of images only). */
export function extractorsOf(inputs: readonly LoadedInput[]): Record<string, ExtractorIdentity> {
  const out: Record<string, ExtractorIdentity> = {};
  for (const inp of inputs) {
    const name = inp.metadata?.extractor;
    if (inp.extractorIdentity && name !== undefined) out[name] ??= inp.extractorIdentity;
  }
  return out;
}

/**
 * Score one or two inputs (paths) with the requested metrics.
 * @example const report = await score(['gen.npz', 'real.npz'], { metrics: ['fid'] }); report.metrics.fid.value
 */
export async function score(paths: readonly string[], given: ScoreOptions = {}): Promise<ScoreReport> {
  if (paths.length < 1 || paths.length > 2) throw new UsageError(`score takes one or two inputs, got ${paths.length}`);
  const metrics = given.metrics ?? defaultMetrics(paths.length);
  // Every warning the run passes to onWarning as it happens (weights, cache writes) also goes into
  // the report, so the JSON says everything stderr said.
  const live: string[] = [];
  const options: ScoreOptions = { ...given, onWarning: (w) => (live.push(w), given.onWarning?.(w)) };
  const pool = new ExtractorPool(options);
  try {
    // Files first: they are cheap, and a dimension mismatch with the extractor should stop the run
    // before minutes of feature extraction, not after.
    const folders = await Promise.all(paths.map(async (p) => isVirtualInput(p) || ((await stat(p).catch(() => undefined))?.isDirectory() ?? false)));
    const inputs: LoadedInput[] = new Array(paths.length);
    for (const [i, p] of paths.entries()) if (!folders[i]) inputs[i] = await loadInput(p, layerNeeds(metrics, i === 0 ? 'input1' : 'input2'), options, pool);
    // Folders are listed before the extractor loads (seconds; a first run downloads its weights), so an
    // empty folder, a wrong --ext or an unreadable file is reported at once.
    for (const [i, p] of paths.entries()) if (folders[i] && !isVirtualInput(p)) await folderFiles(p, options);
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
      inputs[i] = await loadInput(p, layerNeeds(metrics, i === 0 ? 'input1' : 'input2'), options, pool);
    }
    const report = await scoreLoaded(inputs, { ...options, metrics });
    return { ...report, warnings: [...new Set([...live, ...report.warnings])] };
  } finally {
    await pool.dispose();
  }
}
