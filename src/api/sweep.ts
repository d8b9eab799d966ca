/**
 * @file The truncation sweep (`fidkit sweep`): sample a generator at several truncation thresholds
 * ψ, stream each set through the feature extractor (no image files), and score IS, FID and
 * precision/recall/density/coverage of every set against one reference; add rows for real data
 * (a held-out real set scored the same way: the ceiling) and for other generators (e.g. the VAE).
 *
 * The whole policy lives here, so `sweep()` and `fidkit sweep` behave alike: the default generator,
 * the reference (mnist:test for MNIST generators) cut to the sets' n, the extractor rule
 * ({@link sweepExtractor}), the batch size, the real and compare rows, k and the seed, all with the
 * defaults of the options schema. {@link planSweep} resolves them without running anything (the CLI
 * prints its header from it).
 *
 * Every row is a `scoreLoaded` of two loaded inputs, so a row's numbers are exactly those of
 * `fidkit score 'gen:<generator>?truncation=ψ&n=N&seed=S' <reference> --metrics is,fid,prdc --k K --seed S`,
 * with the reference as the report names it (`reference.input`, e.g. `mnist:test?n=N`) and `--seed S`
 * given: the sweep's seed also seeds the IS shuffle, where `score` defaults to 2020.
 * The reference is extracted once and shared by all rows.
 */
import { optionName, optionRef } from '../options/mention.js';
import { stat } from 'node:fs/promises';
import { DEFAULTS, O, type MetricName, type OptionId } from '../options/schema.js';
import { optionMessage } from '../options/validate.js';
import { InputError, UsageError } from '../core/errors.js';
import { fileSource } from '../features/extract.js';
import { extractorEntry, fdNameOf } from '../features/registry.js';
import type { ImageGenerator } from '../generators/generator.js';
import { loadGenerator, type LoadGeneratorOptions } from '../models/load-generator.js';
import { loadMnist } from '../models/mnist/mnist-data.js';
import { BUNDLED_GENERATORS } from '../models/mnist/model-files.js';
import type { TruncationMode } from '../generators/truncation.js';
import { ExtractorPool, folderFiles, inputWarnings, loadImages, loadInput, type FolderOptions, type LayerNeeds, type LoadedInput } from './inputs.js';
import type { ExtractorIdentity } from '../features/registry.js';
import { metricEntry, type SweepColumns } from './metric-table.js';
import { scoreLoaded, type ScoreReport } from './score.js';
import {
  GENERATOR_PREFIX,
  MNIST_PREFIX,
  formatGeneratorInput,
  generatorSource,
  isVirtualInput,
  parseGeneratorInput,
  parseMnistInput,
  type GeneratorInput,
} from './sources.js';
import { VERSION } from '../core/version.js';

export const SWEEP_SCHEMA = 'fidkit.sweep/1';

/**
 * The thresholds a sweep uses when none are given (the options schema's). In the default `scale`
 * mode ψ = 1 is the untruncated generator; with `--truncation-mode resample` add `none` for it.
 */
export const DEFAULT_TRUNCATIONS: readonly number[] = DEFAULTS.truncations;

export interface SweepOptions extends FolderOptions {
  /** `mnist-gan` (default), `mnist-vae` or an ONNX generator path. */
  readonly generator?: string;
  /** How an ONNX generator's output is read (flags of `sample`). */
  readonly generatorOptions?: LoadGeneratorOptions;
  /** Default {@link DEFAULT_TRUNCATIONS}. */
  readonly truncations?: readonly number[];
  /** Default `scale`. */
  readonly mode?: TruncationMode;
  /** Samples per set (default 10,000). */
  readonly count?: number;
  /** Seed of the latent codes (the same codes, truncated differently, for every ψ) and of the IS shuffle (default 0). */
  readonly seed?: number;
  /**
   * Reference: `mnist:test`, a `gen:` input, a folder, a `.npz` of statistics (FID only) or a `.npy`
   * of features. Default `mnist:test` when the generator is an MNIST one; required otherwise.
   */
  readonly reference?: string;
  /**
   * Samples of the reference: the first n of it (default: `count`, or the `n=` written in a
   * `mnist:`/`gen:` reference); `'all'` takes all of it. A `.npz` of statistics is always whole.
   */
  readonly referenceN?: number | 'all';
  /**
   * A real set scored like a generated one (the "real data" row), `'none'` for no such row.
   * Default `mnist:train-10k?n=<count>` (at most 10,000) when the reference is `mnist:test`.
   */
  readonly real?: string;
  /**
   * Other generators (or `gen:`/`mnist:` inputs) scored untruncated, one row each; `[]` or
   * `['none']` for none. Default `['mnist-vae']` when sweeping `mnist-gan`.
   */
  readonly compare?: readonly string[];
  /** Neighbourhood size of precision/recall/density/coverage (default 5, as Naeem et al.). */
  readonly k?: number;
  /** Called as each row is finished (for live tables). */
  readonly onRow?: (row: SweepRow) => void;
  /** Called before each set is generated and extracted. */
  readonly onSet?: (label: string) => void;
}

/** What a sweep will do, resolved from its options and the defaults (no I/O). */
export interface SweepPlan {
  readonly generator: string;
  readonly truncations: readonly number[];
  readonly mode: TruncationMode;
  readonly count: number;
  readonly seed: number;
  readonly k: number;
  /** The reference as given (or its default), with the `mnist-test` spelling resolved. */
  readonly reference: string;
  /** How many reference samples to take (null: all of it). */
  readonly referenceN: number | null;
  readonly extractor: string;
  /** Why this extractor, e.g. "because mnist-gan is an MNIST digit generator". */
  readonly extractorReason: string;
  readonly batchSize: number;
  readonly real: string | null;
  readonly compare: readonly string[];
}

export interface SweepRow {
  /** `ψ = 0.5`, `real (mnist:train-10k)`, `mnist-vae`. */
  readonly label: string;
  readonly kind: 'truncation' | 'real' | 'generator';
  /** What was scored (a `gen:` input, a path). */
  readonly input: string;
  /** ψ of truncation rows (null: not truncated, e.g. real data, other generators, ψ = none). */
  readonly truncation: number | null;
  readonly count: number | null;
  readonly is: { readonly mean: number; readonly std: number } | null;
  readonly fid: number | null;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly density: number | null;
  readonly coverage: number | null;
  /** The row's full score report (diagnostics, counts). */
  readonly report: ScoreReport;
}

export interface SweepReport {
  readonly schema: typeof SWEEP_SCHEMA;
  readonly fidkit: string;
  readonly generator: string;
  readonly mode: TruncationMode;
  readonly count: number;
  readonly seed: number;
  readonly k: number;
  readonly extractor: string | null;
  /** What the `fid` column is in that space, as papers name it: `FID` (Inception), `FD_MNIST` (the bundled classifier), … */
  readonly fdName: string;
  /** The extractors that made features, by name: weights SHA-256, official or not, their warnings (as in fidkit.score/1). */
  readonly extractors: Record<string, ExtractorIdentity>;
  /** Why the extractor was chosen (see {@link sweepExtractor}). */
  readonly extractorReason: string;
  readonly batchSize: number;
  readonly reference: {
    /** What was scored: `mnist:test?n=300`, a folder (its first `count` files), a file. */
    readonly input: string;
    /** The reference as given (or its default). */
    readonly given: string;
    readonly kind: LoadedInput['kind'];
    /** Samples used (null: a statistics file that does not record it). */
    readonly count: number | null;
    /** Samples the reference holds before the cut (null: unknown, or a generator). */
    readonly available: number | null;
  };
  readonly rows: SweepRow[];
  readonly warnings: string[];
  readonly seconds: number;
}

/** `mnist-test` and friends are accepted for the bundled sets' `mnist:` names. */
const ALIASES: Readonly<Record<string, string>> = { 'mnist-test': 'mnist:test', 'mnist-train-10k': 'mnist:train-10k' };
const alias = (text: string): string => ALIASES[text] ?? text;

/** Digits of the bundled MNIST models or sets: a bundled generator name, `gen:mnist-…`, `mnist:…`. */
function isMnist(input: string): boolean {
  const bundled = BUNDLED_GENERATORS as readonly string[];
  if (bundled.includes(input) || input.startsWith(MNIST_PREFIX)) return true;
  return input.startsWith(GENERATOR_PREFIX) && bundled.includes(input.slice(GENERATOR_PREFIX.length).split('?')[0]);
}

/**
 * The sweep's extractor rule, the one place it is written (the options schema's `sweepExtractor`
 * states it for `--help` and the README): the one asked for; else `mnist` (the bundled classifier)
 * when the generator or the reference is MNIST digits (mnist-gan, mnist-vae, `mnist:…`), because
 * Inception features of 28×28 digits say little; else `inception`. A folder of digits does not
 * count as MNIST: only names do, so the choice never depends on what a folder holds.
 */
export function sweepExtractor(generator: string, reference: string | undefined, asked?: string): { name: string; reason: string } {
  if (asked !== undefined) return { name: asked, reason: 'as asked' };
  if (isMnist(generator)) return { name: 'mnist', reason: `because ${generator} is an MNIST digit generator` };
  if (reference !== undefined && isMnist(reference)) return { name: 'mnist', reason: `because the reference ${reference} is MNIST digits` };
  return { name: DEFAULTS.extractor, reason: 'because neither the generator nor the reference is MNIST digits' };
}

/** The value of a sweep option, checked against its schema entry, or the entry's default. */
function option<T>(id: OptionId, value: T | undefined, fallback?: T): T {
  const spec = O[id] as { key: string; type: { check(v: unknown): unknown }; default?: unknown };
  if (value === undefined) return (fallback ?? spec.default) as T;
  if (spec.type.check(value) === undefined) throw new UsageError(`sweep(): ${optionMessage(spec.key, spec.type as never, value)}`);
  return value;
}

/** The `n=` written in a `mnist:` or `gen:` input, if any. */
function writtenCount(input: string): number | undefined {
  if (input.startsWith(MNIST_PREFIX)) return parseMnistInput(input).count;
  if (input.startsWith(GENERATOR_PREFIX)) return new URLSearchParams(input.split('?')[1] ?? '').has('n') ? parseGeneratorInput(input).count : undefined;
  return undefined;
}

/**
 * Resolve a sweep's options and defaults without running it: what `sweep()` will do.
 * @throws {UsageError} bad options, or no reference for a generator that is not an MNIST one
 */
export function planSweep(options: SweepOptions = {}): SweepPlan {
  const generator = option('generator', options.generator);
  const truncations = option('truncations', options.truncations as number[] | undefined, [...DEFAULT_TRUNCATIONS]);
  const mode = option('truncationMode', options.mode);
  const count = option('sweepCount', options.count);
  const seed = option('latentSeed', options.seed);
  const k = option('sweepK', options.k);
  const given = option('reference', options.reference);
  const reference = given !== undefined ? alias(given) : isMnist(generator) ? 'mnist:test' : undefined;
  if (reference === undefined) {
    throw new UsageError(`${optionName('reference')} is required for an ONNX generator: a folder of real images, a .npz of statistics or a .npy of features`);
  }
  const askedN = option('referenceN', options.referenceN);
  const written = writtenCount(reference);
  if (askedN !== undefined && written !== undefined && askedN !== written) {
    throw new UsageError(`the reference ${reference} says n=${written} but ${optionName('referenceN')} says ${askedN}: give one of them`);
  }
  const referenceN = askedN === 'all' ? null : (askedN ?? written ?? count);
  const { name: extractor, reason: extractorReason } = sweepExtractor(generator, reference, options.extractor);
  const batchSize = option('sweepBatchSize', options.batchSize, extractorEntry(extractor).batchSize);
  const realGiven = option('real', options.real);
  // The real row uses as many digits as each generated set (FID's bias depends on n), up to the 10,000 bundled.
  const real =
    realGiven === 'none' ? null : realGiven !== undefined ? alias(realGiven) : /^mnist:test(\?|$)/.test(reference) ? `mnist:train-10k?n=${Math.min(count, 10_000)}` : null;
  const compareGiven = option('compare', options.compare as string[] | undefined);
  const compare =
    compareGiven === undefined ? (generator === 'mnist-gan' ? ['mnist-vae'] : []) : compareGiven.filter((c) => c !== 'none').map(alias);
  return { generator, truncations, mode, count, seed, k, reference, referenceN, extractor, extractorReason, batchSize, real, compare };
}

/**
 * What differing sample sizes do to each metric, for the warning and the CLI's summary line.
 * Coverage of two samples of one distribution has expectation 1 − ∏ᵢ₌₁ᵏ (M−i)/(M+N−i) (Naeem et
 * al. 2020, M reference and N generated samples): 0.97 at M = N, k = 5, but 0.73 at 3,000 vs 10,000.
 */
export function sampleSizeEffects(generated: number, reference: number, k: number): string {
  let miss = 1;
  let missEqual = 1;
  for (let i = 1; i <= k; i++) {
    miss *= (reference - i) / (reference + generated - i);
    missEqual *= (generated - i) / (2 * generated - i);
  }
  const coverage = (1 - miss).toFixed(2);
  const equal = (1 - missEqual).toFixed(2);
  return (
    `the sets have n = ${generated} but the reference n = ${reference}. FID's bias depends on both, so compare it only with runs at the same two; ` +
    `precision and recall count points inside k-NN balls whose radii shrink as a set grows, so they shift too; ` +
    `coverage of two samples of one distribution is ${coverage} at these sizes against ${equal} at equal ones (k = ${k}); density is the least affected. ` +
    `Leave --reference-n (sweep(): referenceN) unset to give the reference the sets' n`
  );
}

/**
 * Run a sweep: every ψ, then the real-data row and the compared generators, each scored against
 * the reference with the plan's extractor.
 * @example const report = await sweep({ count: 1000 }); // mnist-gan vs the first 1,000 test digits, plus real and VAE rows
 * @throws {UsageError} bad options; {@link InputError}/{@link FidkitError} unreadable inputs or generators
 */
export async function sweep(options: SweepOptions = {}): Promise<SweepReport> {
  const started = performance.now();
  const plan = planSweep(options);
  const { count, seed, k, mode } = plan;
  const warnings: string[] = [];
  const onWarning = (w: string) => {
    warnings.push(w);
    options.onWarning?.(w);
  };
  const folderOptions: FolderOptions = { ...options, extractor: plan.extractor, batchSize: plan.batchSize, onWarning };
  const pool = new ExtractorPool(folderOptions);
  let generator: ImageGenerator | undefined;
  try {
    const ref = await loadReference(plan, { moments: true, logits: false, features: true }, folderOptions, pool, onWarning);
    const reference = ref.input;
    // At once, as score and stats do, not only with the first row's report (which a later error would lose).
    for (const w of inputWarnings(reference)) onWarning(w);
    const metrics: MetricName[] = reference.features ? ['is', 'fid', 'prdc'] : ['is', 'fid'];
    if (!reference.features) onWarning(`${plan.reference} holds FID statistics only: precision, recall, density and coverage need its features (pass a folder, mnist:test or a .npy)`);
    if (reference.count !== null && reference.count < k + 1 && reference.features) throw new InputError(`${ref.scored}: the reference has ${reference.count} samples; precision/recall with k = ${k} needs at least ${k + 1}`);
    if (reference.kind === 'statistics' || reference.kind === 'features') {
      // A file made with another extractor: stop before minutes of generation, naming the fix.
      const { extractor, name } = await pool.get();
      const dim = extractor.dims[extractor.defaultLayerFor('fid')];
      if (reference.dim !== dim) {
        const made = reference.metadata?.extractor;
        throw new InputError(
          `${plan.reference} has ${reference.dim}-d features but the extractor '${name}' (${plan.extractorReason}) gives ${dim}-d: ${made ? `pass ${optionRef('sweepExtractor', made)}, the one it was made with` : `pass the extractor it was made with (${optionRef('sweepExtractor')})`}`,
        );
      }
    }
    if (reference.count !== null && reference.count !== count) onWarning(sampleSizeEffects(count, reference.count, k));
    const needs = { moments: true, logits: true, features: !!reference.features };
    const scoreRow = async (input: LoadedInput): Promise<ScoreReport> => {
      const report = await scoreLoaded([input, reference], { ...folderOptions, metrics, seed, k });
      for (const w of report.warnings) if (!warnings.includes(w)) onWarning(w);
      return report;
    };
    const rows: SweepRow[] = [];
    const add = (row: SweepRow) => {
      rows.push(row);
      options.onRow?.(row);
    };

    generator = await loadGenerator(plan.generator, options.generatorOptions);
    for (const psi of plan.truncations) {
      const spec: GeneratorInput = { generator: plan.generator, count, seed, truncation: psi, mode, ...options.generatorOptions };
      const src = generatorSource(generator, spec);
      options.onSet?.(src.label);
      const input = await loadImages(src.label, 'generated', src.source, { identity: src.identity }, needs, folderOptions, pool);
      const report = await scoreRow(input);
      add(rowOf(psi === Infinity ? 'ψ = none' : `ψ = ${psi}`, 'truncation', src.label, psi === Infinity ? null : psi, report));
    }
    if (plan.real) {
      options.onSet?.(plan.real);
      const input = await loadInput(plan.real, needs, folderOptions, pool);
      add(rowOf(`real (${plan.real})`, 'real', plan.real, null, await scoreRow(input)));
    }
    for (const other of plan.compare) {
      const spec = isVirtualInput(other) ? other : `${GENERATOR_PREFIX}${other}?n=${count}&seed=${seed}`;
      options.onSet?.(spec);
      const input = await loadInput(spec, needs, folderOptions, pool);
      add(rowOf(other, 'generator', spec, null, await scoreRow(input)));
    }
    return {
      schema: SWEEP_SCHEMA,
      fidkit: VERSION,
      generator: plan.generator,
      mode,
      count,
      seed,
      k,
      extractor: reference.metadata?.extractor ?? rows[0]?.report.inputs[0].extractor ?? null,
      fdName: fdNameOf(reference.metadata?.extractor ?? rows[0]?.report.inputs[0].extractor ?? undefined),
      extractors: Object.assign({}, ...rows.map((r) => r.report.extractors)) as Record<string, ExtractorIdentity>,
      extractorReason: plan.extractorReason,
      batchSize: plan.batchSize,
      reference: { input: ref.scored, given: plan.reference, kind: reference.kind, count: reference.count, available: ref.available },
      rows,
      warnings,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await generator?.dispose();
    await pool.dispose();
  }
}

/**
 * Load the reference cut to the plan's n: the first n digits of `mnist:…`, n generated images of a
 * `gen:` input without its own `n=`, the first n files of a folder in sorted order (as clean-fid's
 * `num`), the first n rows of a `.npy`. A `.npz` holds statistics of all its samples and stays whole.
 */
async function loadReference(
  plan: SweepPlan,
  needs: LayerNeeds,
  options: FolderOptions,
  pool: ExtractorPool,
  onWarning: (w: string) => void,
): Promise<{ input: LoadedInput; scored: string; available: number | null }> {
  const spec = plan.reference;
  const n = plan.referenceN;
  const short = (available: number, what: string) => {
    if (n !== null && n > available) onWarning(`the reference ${spec} has ${available} ${what}, fewer than the ${n} asked for: it is used whole`);
  };
  if (spec.startsWith(MNIST_PREFIX)) {
    const { split, count } = parseMnistInput(spec);
    const available = (await loadMnist(split)).count;
    let scored = spec;
    if (count === undefined && n !== null) {
      short(available, 'digits');
      if (n < available) scored = `${MNIST_PREFIX}${split}?n=${n}`;
    }
    return { input: await loadInput(scored, needs, options, pool), scored, available };
  }
  if (spec.startsWith(GENERATOR_PREFIX)) {
    const parsed = parseGeneratorInput(spec);
    const scored = writtenCount(spec) === undefined && n !== null ? formatGeneratorInput({ ...parsed, count: n }) : spec;
    return { input: await loadInput(scored, needs, options, pool), scored, available: null };
  }
  const info = await stat(spec).catch(() => undefined);
  if (info?.isDirectory()) {
    const { files, ignored } = await folderFiles(spec, options);
    short(files.length, 'images');
    const used = n !== null && n < files.length ? files.slice(0, n) : files;
    const input = await loadImages(spec, 'images', fileSource(used, options.skipBad), { files: used }, needs, options, pool);
    return { input: { ...input, ignored }, scored: spec, available: files.length };
  }
  const input = await loadInput(spec, needs, options, pool);
  if (input.kind === 'features' && input.features) {
    short(input.features.rows, 'rows');
    if (n !== null && n < input.features.rows) {
      const { cols, data } = input.features;
      const cut = { rows: n, cols, data: data.subarray(0, n * cols) };
      return { input: { ...input, count: n, features: cut, logits: cut }, scored: spec, available: input.features.rows };
    }
    return { input, scored: spec, available: input.features.rows };
  }
  if (input.kind === 'statistics' && n !== null && input.count !== n) {
    onWarning(`${spec} holds statistics of ${input.count ?? 'an unrecorded number of'} samples and cannot be cut to ${n}: --reference-n applies to folders, .npy features and mnist:/gen: inputs`);
  }
  return { input, scored: spec, available: input.count };
}

function rowOf(label: string, kind: SweepRow['kind'], input: string, truncation: number | null, report: ScoreReport): SweepRow {
  const columns: SweepColumns = { is: null, fid: null, precision: null, recall: null, density: null, coverage: null };
  for (const [name, result] of Object.entries(report.metrics)) Object.assign(columns, metricEntry(name).sweepColumns?.(result));
  return { label, kind, input, truncation, count: report.inputs[0].count, ...columns, report };
}
