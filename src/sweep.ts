/**
 * @file The truncation sweep (`fidkit sweep`): sample a generator at several truncation thresholds
 * ψ, stream each set through the feature extractor (no image files), and score IS, FID and
 * precision/recall/density/coverage of every set against one reference; add rows for real data
 * (a held-out real set scored the same way: the ceiling) and for other generators (e.g. the VAE).
 *
 * Every row is a `scoreLoaded` of two loaded inputs, so its numbers are exactly those of
 * `fidkit score gen:<generator>?truncation=ψ&n=N&seed=S <reference> --metrics is,fid,prdc`.
 * The reference is extracted once and shared by all rows.
 */
import { optionName } from './options/mention.js';
import { DEFAULTS, type MetricName } from './defaults.js';
import { InputError, UsageError } from './errors.js';
import type { ImageGenerator } from './generators/generator.js';
import { loadGenerator, type LoadGeneratorOptions } from './generators/load-generator.js';
import { DEFAULT_TRUNCATION_MODE, type TruncationMode } from './generators/truncation.js';
import { ExtractorPool, loadImages, loadInput, type FolderOptions, type LoadedInput } from './inputs.js';
import { metricEntry, type SweepColumns } from './api/metric-table.js';
import { scoreLoaded, type ScoreReport } from './score.js';
import { DEFAULT_GENERATED_COUNT, GENERATOR_PREFIX, generatorSource, isVirtualInput, type GeneratorInput } from './sources.js';
import { VERSION } from './version.js';

export const SWEEP_SCHEMA = 'fidkit.sweep/1';

/**
 * The thresholds a sweep uses when none are given. In the default `scale` mode ψ = 1 is the
 * untruncated generator; with `--truncation-mode resample` add `none` for it.
 */
export const DEFAULT_TRUNCATIONS: readonly number[] = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0];

export interface SweepOptions extends FolderOptions {
  /** `mnist-gan`, `mnist-vae` or an ONNX generator path. */
  readonly generator: string;
  /** How an ONNX generator's output is read (flags of `sample`). */
  readonly generatorOptions?: LoadGeneratorOptions;
  readonly truncations?: readonly number[];
  /** Default {@link DEFAULT_TRUNCATION_MODE}. */
  readonly mode?: TruncationMode;
  /** Samples per set (default 10,000). */
  readonly count?: number;
  /** Seed of the latent codes (the same codes, truncated differently, for every ψ) and of the IS shuffle. */
  readonly seed?: number;
  /** Reference: `mnist:test`, a folder, a `.npz` of statistics (FID only) or a `.npy` of features. */
  readonly reference: string;
  /** A real set scored like a generated one (the "real data" row), or undefined for none. */
  readonly real?: string;
  /** Other generators scored untruncated (e.g. `mnist-vae`), one row each. */
  readonly compare?: readonly string[];
  /** Neighbourhood size of precision/recall/density/coverage (default 5, as Naeem et al.). */
  readonly k?: number;
  /** Called as each row is finished (for live tables). */
  readonly onRow?: (row: SweepRow) => void;
  /** Called before each set is generated and extracted. */
  readonly onSet?: (label: string) => void;
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
  readonly reference: { readonly input: string; readonly kind: LoadedInput['kind']; readonly count: number | null };
  readonly rows: SweepRow[];
  readonly warnings: string[];
  readonly seconds: number;
}

/**
 * Run a sweep.
 * @throws {UsageError} bad options; {@link InputError}/{@link FidkitError} unreadable inputs or generators
 */
export async function sweep(options: SweepOptions): Promise<SweepReport> {
  const started = performance.now();
  const truncations = options.truncations ?? DEFAULT_TRUNCATIONS;
  if (truncations.length === 0) throw new UsageError(`${optionName('truncations')} needs at least one threshold`);
  for (const psi of truncations) if (!(psi > 0)) throw new UsageError(`truncation thresholds must be positive (or none), got ${psi}`);
  const count = options.count ?? DEFAULT_GENERATED_COUNT;
  if (!Number.isInteger(count) || count < 2) throw new UsageError(`-n must be an integer ≥ 2, got ${count}`);
  const seed = options.seed ?? 0;
  const mode = options.mode ?? DEFAULT_TRUNCATION_MODE;
  const k = options.k ?? DEFAULTS.prdcK;
  const warnings: string[] = [];
  const onWarning = (w: string) => {
    warnings.push(w);
    options.onWarning?.(w);
  };
  const folderOptions: FolderOptions = { ...options, onWarning };
  const pool = new ExtractorPool(folderOptions);
  let generator: ImageGenerator | undefined;
  try {
    const reference = await loadInput(options.reference, { moments: true, logits: false, features: true }, folderOptions, pool);
    const metrics: MetricName[] = reference.features ? ['is', 'fid', 'prdc'] : ['is', 'fid'];
    if (!reference.features) onWarning(`${options.reference} holds FID statistics only: precision, recall, density and coverage need its features (pass a folder, mnist:test or a .npy)`);
    if (reference.count !== null && reference.count < k + 1 && reference.features) throw new InputError(`the reference has ${reference.count} samples; precision/recall with k = ${k} needs at least ${k + 1}`);
    const needs = { moments: true, logits: true, features: !!reference.features };
    const scoreRow = async (input: LoadedInput): Promise<ScoreReport> => {
      const report = await scoreLoaded([input, reference], { ...options, metrics, seed, k });
      for (const w of report.warnings) if (!warnings.includes(w)) onWarning(w);
      return report;
    };
    const rows: SweepRow[] = [];
    const add = (row: SweepRow) => {
      rows.push(row);
      options.onRow?.(row);
    };

    generator = await loadGenerator(options.generator, options.generatorOptions);
    for (const psi of truncations) {
      const spec: GeneratorInput = { generator: options.generator, count, seed, truncation: psi, mode, ...options.generatorOptions };
      const src = generatorSource(generator, spec);
      options.onSet?.(src.label);
      const input = await loadImages(src.label, 'generated', src.source, { identity: src.identity }, needs, folderOptions, pool);
      const report = await scoreRow(input);
      add(rowOf(psi === Infinity ? 'ψ = none' : `ψ = ${psi}`, 'truncation', src.label, psi === Infinity ? null : psi, report));
    }
    if (options.real) {
      options.onSet?.(options.real);
      const input = await loadInput(options.real, needs, folderOptions, pool);
      add(rowOf(`real (${options.real})`, 'real', options.real, null, await scoreRow(input)));
    }
    for (const other of options.compare ?? []) {
      const spec = isVirtualInput(other) ? other : `${GENERATOR_PREFIX}${other}?n=${count}&seed=${seed}`;
      options.onSet?.(spec);
      const input = await loadInput(spec, needs, folderOptions, pool);
      add(rowOf(other, 'generator', spec, null, await scoreRow(input)));
    }
    return {
      schema: SWEEP_SCHEMA,
      fidkit: VERSION,
      generator: options.generator,
      mode,
      count,
      seed,
      k,
      extractor: reference.metadata?.extractor ?? rows[0]?.report.inputs[0].extractor ?? null,
      reference: { input: options.reference, kind: reference.kind, count: reference.count },
      rows,
      warnings,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await generator?.dispose();
    await pool.dispose();
  }
}

function rowOf(label: string, kind: SweepRow['kind'], input: string, truncation: number | null, report: ScoreReport): SweepRow {
  const columns: SweepColumns = { is: null, fid: null, precision: null, recall: null, density: null, coverage: null };
  for (const [name, result] of Object.entries(report.metrics)) Object.assign(columns, metricEntry(name).sweepColumns?.(result));
  return { label, kind, input, truncation, count: report.inputs[0].count, ...columns, report };
}
