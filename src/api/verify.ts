/**
 * @file `verify`: recompute every bundled reference fixture with fidkit's own code and compare it
 * with the number the Python reference produced (pytorch-fid, torch-fidelity, clovaai prdc,
 * NumPy). Expected values are read from the fixtures' JSON at run time — never from this file —
 * so a perturbed fixture makes verification fail. Provenance: fixtures/REFERENCE.md.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashInceptionStateDict } from '../features/inception/hash-weights.js';
import { loadInception } from '../features/inception/index.js';
import { decodeImage } from '../io/images.js';
import { featureMatrixFromNpy, readNpyFile } from '../io/npy.js';
import { PyDict } from '../io/pickle.js';
import { isTensor, parsePth } from '../io/pth.js';
import { readInputFile } from '../io/read-input.js';
import { readNpz, readNpzFile, writeNpz } from '../io/npz.js';
import { statisticsFromMembers } from '../io/stats-file.js';
import { frechetDistance } from '../metrics/frechet.js';
import { inceptionScore } from '../metrics/inception-score.js';
import { kernelInceptionDistance, mmd2Unbiased } from '../metrics/kid.js';
import { cmmd } from '../metrics/cmmd.js';
import { kernelInceptionDistanceParallel } from '../metrics/kid-parallel.js';
import { countManifolds, countManifoldsAsync } from '../metrics/prdc.js';
import { openGramEngine } from '../linalg/gram-engine.js';
import type { FeatureMatrix, FidStatistics } from '../core/types.js';
import { UsageError } from '../core/errors.js';
import { VERIFY_ALIASES, VERIFY_GROUP_NAMES, type VerifyGroup } from '../options/schema.js';
import { listOf } from '../options/validate.js';

/** The fixtures shipped with the package (fixtures/ next to src/ and dist/). */
export const BUNDLED_FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export interface VerifyRow {
  /** Fixture family: frechet, is, kid, prdc, npz, pth, inception. */
  readonly group: string;
  readonly name: string;
  /** Implementation and version that produced the expected value. */
  readonly reference: string;
  readonly expected: number;
  readonly got: number;
  readonly error: number;
  /** How `error` is measured against `tolerance`. */
  readonly errorKind: 'relative' | 'absolute' | 'exact';
  readonly tolerance: number;
  readonly pass: boolean;
}

// Fixture JSON is read by key paths the Python scripts wrote; typing every file would add nothing.
type Json = Record<string, any>;

/** A fixture float: `{value, repr, hex}` objects carry the exact float64 in `repr`. */
function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  const o = v as { repr?: string; value?: number | string };
  return o.repr !== undefined ? Number(o.repr) : Number(o.value);
}

function row(group: string, name: string, reference: string, expected: number, got: number, errorKind: VerifyRow['errorKind'], tolerance: number): VerifyRow {
  const diff = Math.abs(got - expected);
  // A relative error is undefined at 0 (e.g. the std of a single split): measure those absolutely.
  const error = errorKind === 'relative' && expected !== 0 ? diff / Math.abs(expected) : diff;
  const pass = Number.isFinite(got) && (errorKind === 'exact' ? got === expected : error <= tolerance);
  return { group, name, reference, expected, got, error, errorKind, tolerance, pass };
}

async function readJson(path: string): Promise<Json> {
  return JSON.parse(await readFile(path, 'utf8')) as Json;
}

async function features(path: string): Promise<FeatureMatrix> {
  return featureMatrixFromNpy(await readNpyFile(path), path);
}

async function stats(path: string): Promise<FidStatistics> {
  return statisticsFromMembers(await readNpzFile(path), path).stats;
}

async function verifyFrechet(dir: string): Promise<VerifyRow[]> {
  const expected = await readJson(join(dir, 'frechet', 'expected.json'));
  const v = expected.versions ?? {};
  const pfid = `pytorch-fid ${v.pytorch_fid ?? ''} (scipy ${v.scipy ?? ''})`.replace(/ +/g, ' ');
  const rows: VerifyRow[] = [];
  for (const [name, c] of Object.entries(expected.cases as Json)) {
    const a = await stats(join(dir, 'frechet', `${name}_set1_stats.npz`));
    const b = await stats(join(dir, 'frechet', `${name}_set2_stats.npz`));
    const exact = frechetDistance(a, b, { singular: 'exact' }).value;
    const compat = frechetDistance(a, b, { singular: 'pytorch-fid' }).value;
    const singular = c.exact_from_samples_gram !== undefined && (c.rank_sigma1 < c.D || c.rank_sigma2 < c.D);
    if (!singular) {
      // Full rank: the eigenvalue and sqrtm methods agree to ~1e-13 (fixtures/REFERENCE.md §4).
      rows.push(row('frechet', name, pfid, num(c.pytorch_fid.returned), exact, 'relative', 1e-9));
    } else {
      rows.push(row('frechet', `${name} (exact)`, 'float64 Gram method', num(c.exact_from_samples_gram), exact, 'relative', 1e-6));
      rows.push(row('frechet', `${name} (pytorch-fid mode)`, pfid, num(c.pytorch_fid.returned), compat, 'relative', 1e-6));
    }
  }
  return rows;
}

async function verifyInceptionScore(dir: string): Promise<VerifyRow[]> {
  const expected = await readJson(join(dir, 'is_kid', 'expected.json'));
  const ref = `torch-fidelity ${expected.versions?.torch_fidelity ?? ''}`.trim();
  const logits = await features(join(dir, 'is_kid', 'is_logits.npy'));
  const rows: VerifyRow[] = [];
  for (const [key, c] of Object.entries(expected.inception_score_synthetic as Json)) {
    const m = /^splits_(\d+)$/.exec(key);
    if (!m) continue;
    const splits = Number(m[1]);
    for (const [variant, shuffle] of [['torch_fidelity_default_shuffle', true], ['torch_fidelity_no_shuffle', false]] as const) {
      const r = inceptionScore(logits, { splits, shuffle, seed: expected.torch_fidelity_rng_seed ?? 2020 });
      const label = `${splits} splits${shuffle ? ', shuffled' : ''}`;
      rows.push(row('is', `${label} mean`, ref, num(c[variant].inception_score_mean), r.mean, 'relative', 1e-9));
      rows.push(row('is', `${label} std`, ref, num(c[variant].inception_score_std), r.std, 'relative', 1e-9));
    }
  }
  return rows;
}

async function verifyKid(dir: string): Promise<VerifyRow[]> {
  const expected = await readJson(join(dir, 'is_kid', 'expected.json'));
  const ref = `torch-fidelity ${expected.versions?.torch_fidelity ?? ''}`.trim();
  const f1 = await features(join(dir, 'is_kid', 'kid_features1.npy'));
  const rows: VerifyRow[] = [];
  for (const [key, other] of [['kid_synthetic_1_vs_2', 'kid_features2.npy'], ['kid_synthetic_1_vs_3', 'kid_features3.npy']] as const) {
    const c = expected[key];
    const f2 = await features(join(dir, 'is_kid', other));
    const label = key.replace('kid_synthetic_', '').replace(/_/g, ' ');
    rows.push(row('kid', `${label} full-set MMD²`, 'float64 reference', num(c.full_set_unbiased_mmd2.value), mmd2Unbiased(f1, f2), 'relative', 1e-9));
    const r = kernelInceptionDistance(f1, f2, { subsets: 100, subsetSize: 50, seed: expected.torch_fidelity_rng_seed ?? 2020 });
    const sub = c.torch_fidelity_subsets;
    rows.push(row('kid', `${label} 100×50 subsets mean`, `${ref} (float64 input)`, num(sub.float64_input.kid_mean), r.mean, 'relative', 1e-9));
    rows.push(row('kid', `${label} 100×50 subsets std`, `${ref} (float64 input)`, num(sub.float64_input.kid_std), r.std, 'relative', 1e-9));
    // torch-fidelity's own float32 sums differ from float64 by ~1e-8 absolute (REFERENCE.md §5).
    rows.push(row('kid', `${label} 100×50 subsets mean`, `${ref} (float32 input)`, num(sub.float32_input.kid_mean), r.mean, 'absolute', 1e-7));
    if (await onnxGram()) {
      // Large jobs run their Gram products on ONNX Runtime's float64 GEMM: the same subsets there.
      const o = await kernelInceptionDistanceParallel(f1, f2, { subsets: 100, subsetSize: 50, seed: expected.torch_fidelity_rng_seed ?? 2020, engine: 'onnx', fullKernelMaxBytes: 0 });
      rows.push(row('kid', `${label} 100×50 subsets mean, ONNX Runtime GEMM`, `${ref} (float64 input)`, num(sub.float64_input.kid_mean), o.mean, 'relative', 1e-9));
    }
  }
  // The RBF kernel (--kid-kernel rbf): torch-fidelity's kernel_rbf on the same and the image features.
  const rbf = await readJson(join(dir, 'is_kid', 'kid_rbf_expected.json')).catch(() => undefined);
  for (const [key, c] of Object.entries((rbf?.cases ?? {}) as Json)) {
    const [a, b] = String(c.inputs).split(' (')[0].split(' vs ');
    const r = kernelInceptionDistance(await features(join(dir, a)), await features(join(dir, b)), { kernel: 'rbf', rbfSigma: c.sigma, subsets: c.subsets, subsetSize: c.subset_size, seed: 2020 });
    const rbfRef = `torch-fidelity ${rbf?.provenance?.torch_fidelity ?? ''} kernel_rbf (float64 input)`;
    const label = `rbf ${key.replace(/_/g, ' ')} ${c.subsets}×${c.subset_size}`;
    rows.push(row('kid', `${label} mean`, rbfRef, num(c.float64_input.kid_mean), r.mean, 'relative', 1e-7));
    rows.push(row('kid', `${label} std`, rbfRef, num(c.float64_input.kid_std), r.std, 'relative', 1e-7));
  }
  return rows;
}

async function verifyCmmd(dir: string): Promise<VerifyRow[]> {
  const expected = await readJson(join(dir, 'cmmd', 'expected.json'));
  const ref = 'float64 NumPy, google-research cmmd formula';
  const rows: VerifyRow[] = [];
  for (const [key, c] of Object.entries(expected.cases as Json)) {
    const x = await features(join(dir, 'cmmd', c.files.x.file));
    const y = await features(join(dir, 'cmmd', c.files.y.file));
    const label = key.replace(/_/g, ' ');
    rows.push(row('cmmd', `${label}, every sample`, ref, num(c.float64_exact), cmmd(x, y).value, 'relative', 1e-9));
    rows.push(row('cmmd', `${label}, last partial batch of 32 dropped`, ref, num(c.drop_last_batch_32.float64_exact), cmmd(x, y, { dropLastBatch: 32 }).value, 'relative', 1e-9));
  }
  return rows;
}

let onnxGramAvailable: Promise<boolean> | undefined;
/** Whether the ONNX Runtime Gram engine loads here (large KID and k-NN jobs use it; without it they use WebAssembly). */
function onnxGram(): Promise<boolean> {
  onnxGramAvailable ??= openGramEngine({ engine: 'onnx', threads: 1 }).then(async (e) => { await e.close(); return true; }, () => false);
  return onnxGramAvailable;
}

async function verifyPrdc(dir: string): Promise<VerifyRow[]> {
  const expected = await readJson(join(dir, 'prdc', 'expected.json'));
  const commits = expected.versions?.commits ?? {};
  const clova = `clovaai prdc ${String(commits['clovaai/generative-evaluation-prdc'] ?? '').slice(0, 7)}`.trim();
  const tf = `torch-fidelity ${expected.versions?.torch_fidelity ?? ''}`.trim();
  const rows: VerifyRow[] = [];
  for (const [name, c] of Object.entries(expected.cases as Json)) {
    const real = await features(join(dir, 'prdc', `${name}_real.npy`));
    const generated = await features(join(dir, 'prdc', `${name}_fake.npy`));
    const ks = Object.keys(c.results.clovaai_prdc).map((k) => Number(k.slice(1)));
    const settings = ks.flatMap((k) => [
      { k, membership: 'lt' as const },
      { k, membership: 'le' as const },
    ]);
    const { counts } = countManifolds({ generated, real }, settings);
    if (await onnxGram()) {
      // The counts on ONNX Runtime's GEMM as large sets run them (float32 SGEMM tiles for float32
      // features, the error bound and float64 rechecks), small tiles to cross many of them.
      const other = await countManifoldsAsync({ generated, real: { ...real, data: real.data.slice() } }, settings, { engine: 'onnx', blockSize: 64, tileColumns: 256 });
      const mismatches = other.counts.reduce((t, q, i) => t + (['precision', 'recall', 'density', 'coverage'] as const).filter((key) => q[key] !== counts[i][key]).length, 0);
      rows.push(row('prdc', `${name} counts, ONNX Runtime float32 GEMM vs WebAssembly (mismatches)`, 'fidkit', 0, mismatches, 'exact', 0));
    }
    for (const cnt of counts) {
      if (cnt.membership === 'lt') {
        const want = c.results.clovaai_prdc[`k${cnt.k}`].numerators;
        for (const key of ['precision', 'recall', 'density', 'coverage'] as const) {
          rows.push(row('prdc', `${name} k=${cnt.k} ${key} count`, clova, want[key], cnt[key], 'exact', 0));
        }
      } else {
        const want = c.results.torch_fidelity[`k${cnt.k}`]?.numerators;
        if (!want) continue;
        for (const key of ['precision', 'recall'] as const) {
          rows.push(row('prdc', `${name} k=${cnt.k} ${key} count (≤)`, tf, want[key], cnt[key], 'exact', 0));
        }
      }
    }
  }
  return rows;
}

async function verifyNpz(dir: string): Promise<VerifyRow[]> {
  // A pytorch-fid --save-stats file read, rewritten by fidkit and read again must be bit-identical.
  const path = join(dir, 'frechet', 'd512_set1_stats.npz');
  const original = await readNpzFile(path);
  const back = readNpz(writeNpz(original));
  let mismatches = 0;
  for (const key of ['mu', 'sigma']) {
    const a = original[key].data as Float64Array;
    const b = back[key].data as Float64Array;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) mismatches++;
  }
  return [row('npz', 'pytorch-fid stats round trip (mismatched values)', 'numpy savez_compressed', 0, mismatches, 'exact', 0)];
}

async function verifyPth(dir: string): Promise<VerifyRow[]> {
  // Every tensor of every torch-written checkpoint, element by element (exact; int64 by decimal string).
  const rows: VerifyRow[] = [];
  const names = (await readdir(join(dir, 'pth'))).filter((f) => f.endsWith('.pth')).sort();
  for (const file of names) {
    const fx = await readJson(join(dir, 'pth', file.replace(/\.pth$/, '.json')));
    // noncontig_* holds an expanded (stride 0) view on purpose, which weights files may not.
    const { root } = parsePth(await readInputFile(join(dir, 'pth', file), '.pth file'), file, { allowExpandedViews: true });
    let mismatches = 0;
    for (const [path, t] of Object.entries(fx.tensors as Json)) {
      let x: unknown = root;
      for (const key of path.split('/')) x = x instanceof PyDict ? x.get(key) : undefined;
      if (!isTensor(x) || x.shape.join('x') !== (t.shape as number[]).join('x')) {
        mismatches += Math.max(1, (t.values as unknown[]).length);
        continue;
      }
      const want: unknown[] = t.values_str ?? t.values;
      const got = x.data as ArrayLike<number | bigint>;
      want.forEach((w, i) => {
        const g = got[i];
        const ok = typeof g === 'bigint' ? g.toString() === String(w) : Object.is(g, typeof w === 'boolean' ? Number(w) : num(w));
        if (!ok) mismatches++;
      });
    }
    rows.push(row('pth', `${file} (mismatched values)`, `torch ${fx.torch_version ?? ''}`.trim(), 0, mismatches, 'exact', 0));
  }
  return rows;
}

/** The three protocols and the fixture folder of the reference features each was checked against. */
const PROTOCOL_FIXTURES = [
  ['pytorch-fid', 'inception-fid'],
  ['tf', join('protocols', 'tf')],
  ['clean', join('protocols', 'clean')],
] as const;

async function verifyInception(dir: string): Promise<VerifyRow[]> {
  // The hash-weight Inception on the fixture images, per protocol, against the features the Python
  // tools computed with the same weights. Tolerance: max |Δ| ≤ 1e-3 (fixtures/REFERENCE.md: float
  // noise ~7e-5, smallest preprocessing mistake 0.02).
  const rows: VerifyRow[] = [];
  const refs: Record<string, string> = {
    'pytorch-fid': 'pytorch-fid 0.3.0',
    tf: 'torch-fidelity 0.4.0',
    clean: 'clean-fid 0.1.35',
  };
  const stateDict = hashInceptionStateDict();
  for (const [protocol, folder] of PROTOCOL_FIXTURES) {
    const extractor = await loadInception({ stateDict, protocol, source: 'hash weights' });
    try {
      for (const set of ['set_a', 'set_b']) {
        const files = (await readFile(join(dir, folder, set, 'files.txt'), 'utf8')).split('\n').filter(Boolean);
        const images = await Promise.all(files.map((f) => decodeImage(join(dir, 'images', set, f))));
        const out = await extractor.extract(images, ['pool3', 'logits_unbiased']);
        for (const [layer, file] of [['pool3', 'features.npy'], ['logits_unbiased', 'logits_unbiased.npy']] as const) {
          const want = await features(join(dir, folder, set, file));
          const got = out[layer].data;
          let maxDiff = want.rows === out[layer].rows ? 0 : Infinity;
          for (let i = 0; i < want.data.length && maxDiff < Infinity; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want.data[i]));
          rows.push(row('inception', `${protocol} ${set} ${layer} (max |Δ|)`, refs[protocol], 0, maxDiff, 'absolute', 1e-3));
        }
      }
    } finally {
      await extractor.dispose();
    }
  }
  return rows;
}

/** Every verification group, in report order (the options schema names them: `VERIFY_GROUP_NAMES`). */
export const VERIFY_GROUPS = Object.freeze({
  frechet: verifyFrechet,
  is: verifyInceptionScore,
  kid: verifyKid,
  cmmd: verifyCmmd,
  prdc: verifyPrdc,
  npz: verifyNpz,
  pth: verifyPth,
  inception: verifyInception,
} satisfies Record<VerifyGroup, (fixturesDir: string) => Promise<VerifyRow[]>>);
export type { VerifyGroup };

/**
 * Metric names accepted for the groups that check them (`--only fid` = `--only frechet`): users
 * know the metrics by the names `score --metrics` takes.
 */
export { VERIFY_ALIASES };

const GROUP_LIST = listOf(VERIFY_GROUP_NAMES, VERIFY_ALIASES);

/**
 * Groups from a comma-separated list of group names or metric aliases (any case; duplicates removed, order kept),
 * read as `--only` reads them.
 * @throws {UsageError} an unknown name, listing the groups and aliases
 */
export function parseVerifyGroups(text: string): VerifyGroup[] {
  const groups = GROUP_LIST.parse(text);
  if (groups === undefined) {
    const raw = text.split(',').map((s) => s.trim()).find((s) => GROUP_LIST.parse(s) === undefined) ?? text;
    const aliases = Object.entries(VERIFY_ALIASES).map(([a, g]) => `${a} (= ${g})`);
    throw new UsageError(`unknown verify group '${raw}'; valid groups: ${VERIFY_GROUP_NAMES.join(', ')}; metric names: ${aliases.join(', ')}`);
  }
  return groups;
}

/**
 * Recompute all reference fixtures in `fixturesDir` (default: the bundled ones).
 * @example const rows = await verifyFixtures(); rows.every((r) => r.pass)
 */
export async function verifyFixtures(
  fixturesDir: string = BUNDLED_FIXTURES,
  groups: readonly VerifyGroup[] = Object.keys(VERIFY_GROUPS) as VerifyGroup[],
): Promise<VerifyRow[]> {
  const rows: VerifyRow[] = [];
  for (const group of groups) rows.push(...(await VERIFY_GROUPS[group](fixturesDir)));
  return rows;
}
