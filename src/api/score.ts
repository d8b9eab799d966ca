/**
 * @file `score`: the API behind `fidkit score`. It loads each input once per feature space
 * (statistics `.npz` and features/logits `.npy` once; image folders once per extractor the metrics
 * read), runs every requested metric on what it loaded, and returns one plain report object — the
 * same object `--json` prints (schema `fidkit.score/1`, see README).
 *
 * Order convention (torch-fidelity's): input1 is the set being evaluated (generated samples),
 * input2 the reference (real data). IS uses input1 only; precision/recall/density/coverage treat
 * input2 as the real manifold.
 */
import { stat } from 'node:fs/promises';
import { InputError, UsageError } from '../core/errors.js';
import { extractorEntry, type ExtractorIdentity } from '../features/registry.js';
import { ExtractorPool, folderFiles, inputWarnings, inputWeights, loadInput, type FolderOptions, type LoadedInput } from './inputs.js';
import { defaultMetrics, extractorFor, layerNeeds, metricEntry, metricNames, runMetrics, type BuiltinMetricResults, type MetricOptions } from './metric-table.js';
import { checkOptions, DEFAULTS } from '../options/schema.js';
import { optionRef } from '../options/mention.js';
import { isVirtualInput } from './sources.js';
import { VERSION } from '../core/version.js';

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
  /**
   * One entry per input and feature space: an image folder scored by metrics that read different
   * extractors (pr: vgg16, fid: inception) appears once per extractor.
   */
  readonly inputs: InputSummary[];
  /** The extractors that made features in this run, by registry name: weights, official or not, their warnings. */
  readonly extractors: Record<string, ExtractorIdentity>;
  /**
   * One member per metric run, named as in the metric table (api/metric-table.ts); each carries
   * `features`, the extractor, layer and protocol it read (torch-fidelity 0.4's defaults: pr on vgg16
   * fc2_relu, the others on the Inception).
   */
  readonly metrics: BuiltinMetricResults & Record<string, unknown>;
  readonly warnings: string[];
}

const roleOf = (i: number): 'input1' | 'input2' => (i === 0 ? 'input1' : 'input2');

function summary(inp: LoadedInput, i: number): InputSummary {
  return {
    role: roleOf(i),
    path: inp.path,
    kind: inp.kind,
    count: inp.count,
    dim: inp.dim,
    extractor: inp.metadata?.extractor ?? null,
    protocol: inp.metadata?.protocol ?? null,
    ...inputWeights(inp),
    ...(inp.kind === 'images' ? { skipped: inp.skipped?.length ?? 0, ignored: inp.ignored ?? 0 } : {}),
  };
}

/**
 * Add to each metric's result which features it read: the extractor, layer and protocol recorded with
 * input1 (the inputs' own members say the same per input; a mismatch between them is warned about).
 */
function withFeatures(results: Record<string, unknown>, inputs: readonly LoadedInput[]): Record<string, unknown> {
  const first = inputs[0].metadata;
  for (const name of Object.keys(results)) {
    const layer = name === 'is' ? (first?.logitsLayer as string | undefined) ?? null : first?.layer ?? null;
    results[name] = { ...(results[name] as object), features: { extractor: first?.extractor ?? null, layer, protocol: first?.protocol ?? null } };
  }
  return results;
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
  const results = withFeatures(await runMetrics(inputs, metrics, options, (w) => warnings.push(w)), inputs);
  return {
    schema: SCORE_SCHEMA,
    fidkit: VERSION,
    inputs: inputs.map(summary),
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
 * Score one or two inputs (paths) with the requested metrics. Image folders (and `gen:`/`mnist:`
 * inputs) are run through each extractor the metrics read — `--extractor` for all, else each
 * metric's own as in torch-fidelity 0.4 (pr: vgg16; fid, is, kid, prdc: inception) — once per
 * extractor, however many metrics read it; files of statistics or features are read once.
 * @example const report = await score(['gen.npz', 'real.npz'], { metrics: ['fid'] }); report.metrics.fid.value
 * @throws {InputError} a file whose width does not match the extractor a metric reads
 */
export async function score(paths: readonly string[], given: ScoreOptions = {}): Promise<ScoreReport> {
  if (paths.length < 1 || paths.length > 2) throw new UsageError(`score takes one or two inputs, got ${paths.length}`);
  // The API checks its callers' values against the same schema the CLI's flags come from.
  checkOptions('score', given as Readonly<Record<string, unknown>>, 'score');
  const metrics = given.metrics ?? defaultMetrics(paths.length);
  // Table order, and unknown names fail here, before any extraction.
  const ordered = metricNames().filter((n) => metrics.includes(n));
  for (const m of metrics) metricEntry(m);
  // Every warning the run passes to onWarning as it happens (weights, cache writes) also goes into
  // the report, so the JSON says everything stderr said.
  const live: string[] = [];
  const options: ScoreOptions = { ...given, onWarning: (w) => (live.push(w), given.onWarning?.(w)) };
  const pool = new ExtractorPool(options);
  try {
    // Files first: they are cheap, and a dimension mismatch with an extractor should stop the run
    // before minutes of feature extraction, not after.
    const folders = await Promise.all(paths.map(async (p) => isVirtualInput(p) || ((await stat(p).catch(() => undefined))?.isDirectory() ?? false)));
    const files: (LoadedInput | undefined)[] = await Promise.all(
      paths.map((p, i) => (folders[i] ? undefined : loadInput(p, layerNeeds(metrics, roleOf(i)), options, pool))),
    );
    if (!folders.some(Boolean)) {
      const report = await scoreLoaded(files as LoadedInput[], { ...options, metrics });
      return { ...report, warnings: [...new Set([...live, ...report.warnings])] };
    }
    // Folders are listed before any extractor loads (seconds; a first run downloads its weights), so an
    // empty folder, a wrong --ext or an unreadable file is reported at once.
    for (const [i, p] of paths.entries()) if (folders[i] && !isVirtualInput(p)) await folderFiles(p, options);

    // The metrics by the extractor they read, in table order (the Inception's fid first).
    const groups = new Map<string, string[]>();
    for (const m of ordered) {
      const name = extractorFor(m, options);
      groups.set(name, [...(groups.get(name) ?? []), m]);
    }
    for (const [name, group] of groups) await checkFileWidths(name, group, files, pool, options);
    const main = options.extractor ?? DEFAULTS.extractor;
    if (options.protocol !== undefined && !groups.has(main)) {
      const read = [...groups].map(([name, group]) => `${group.join(', ')} read${group.length === 1 ? 's' : ''} ${name}`).join('; ');
      options.onWarning?.(
        `${optionRef('protocol', options.protocol)} is the ${main} extractor's, which no metric of this run reads (${read}, with its own preprocessing); pass ${optionRef('extractor', main)} to score them on it`,
      );
    }
    const several = groups.size > 1;
    const results: Record<string, unknown> = {};
    const inputs: InputSummary[] = [];
    const extractors: Record<string, ExtractorIdentity> = {};
    const warnings: string[] = [];
    const warn = (w: string): void => {
      if (!warnings.includes(w)) warnings.push(w);
    };
    for (const [name, group] of groups) {
      const loaded: LoadedInput[] = [];
      for (const [i, p] of paths.entries()) {
        const onProgress = options.onProgress && several ? (input: string, e: Parameters<NonNullable<ScoreOptions['onProgress']>>[1]) => options.onProgress!(`${input} (${name})`, e) : options.onProgress;
        loaded[i] = files[i] ?? (await loadInput(p, layerNeeds(group, roleOf(i)), { ...options, extractor: name, onProgress }, pool));
      }
      for (const [n, identity] of Object.entries(extractorsOf(loaded))) {
        extractors[n] ??= identity;
        identity.warnings.forEach(warn);
      }
      for (const inp of loaded) inputWarnings(inp).forEach(warn);
      Object.assign(results, withFeatures(await runMetrics(loaded, group, options, warn), loaded));
      loaded.forEach((inp, i) => {
        // A file is listed once; a folder once per extractor.
        if (folders[i] || !inputs.some((s) => s.path === inp.path && s.role === roleOf(i))) inputs.push(summary(inp, i));
      });
    }
    inputs.sort((a, b) => a.role.localeCompare(b.role)); // input1's rows first (stable: extractors in table order)
    return {
      schema: SCORE_SCHEMA,
      fidkit: VERSION,
      inputs,
      extractors,
      metrics: Object.fromEntries(ordered.map((m) => [m, results[m]])) as ScoreReport['metrics'],
      warnings: [...new Set([...live, ...warnings])],
    };
  } finally {
    await pool.dispose();
  }
}

/**
 * Refuse, before extracting anything, a file of statistics or features whose width is not the width of
 * the features `name` gives for the metrics of `group` (statistics only matter to FID).
 */
async function checkFileWidths(name: string, group: readonly string[], files: readonly (LoadedInput | undefined)[], pool: ExtractorPool, options: ScoreOptions): Promise<void> {
  const others = files.filter((f): f is LoadedInput => f !== undefined && (group.includes('fid') || f.kind === 'features'));
  if (others.length === 0) return;
  // The table declares the width; only an extractor that learns it from its model (onnx:PATH) is loaded for it.
  const spec = extractorEntry(name);
  let dim = spec.layers[spec.defaultLayers.fid];
  if (dim === null) {
    const { extractor } = await pool.get(name);
    dim = extractor.dims[extractor.defaultLayerFor('fid')];
  }
  for (const other of others) {
    if (other.dim === dim) continue;
    const why =
      options.extractor === undefined && metricEntry(group[0]).extractor !== undefined
        ? ` (${group.join(', ')} read${group.length === 1 ? 's' : ''} ${name} features by default, as in torch-fidelity 0.4; pass ${optionRef('extractor')} to use one extractor for every metric)`
        : '';
    throw new InputError(`${other.path} has ${other.dim}-d features but the extractor '${name}' gives ${dim}-d${why}; compare statistics made with the same extractor and layer`);
  }
}
