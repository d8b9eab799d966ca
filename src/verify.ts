/**
 * @file `verify`: recompute every bundled reference fixture with fidkit's own code and compare it
 * with the number the Python reference produced (pytorch-fid, torch-fidelity, clovaai prdc,
 * NumPy). Expected values are read from the fixtures' JSON at run time — never from this file —
 * so a perturbed fixture makes verification fail. Provenance: fixtures/REFERENCE.md.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { featureMatrixFromNpy, readNpyFile } from './io/npy.js';
import { readNpz, readNpzFile, writeNpz } from './io/npz.js';
import { statisticsFromMembers } from './io/stats-file.js';
import { frechetDistance } from './metrics/frechet.js';
import { inceptionScore } from './metrics/inception-score.js';
import { kernelInceptionDistance, mmd2Unbiased } from './metrics/kid.js';
import { countManifolds } from './metrics/prdc.js';
import type { FeatureMatrix, FidStatistics } from './types.js';

/** The fixtures shipped with the package (fixtures/ next to src/ and dist/). */
export const BUNDLED_FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface VerifyRow {
  /** Fixture family: frechet, is, kid, prdc, npz. */
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

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

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
  }
  return rows;
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

/** Every verification group, in report order. */
export const VERIFY_GROUPS = Object.freeze({
  frechet: verifyFrechet,
  is: verifyInceptionScore,
  kid: verifyKid,
  prdc: verifyPrdc,
  npz: verifyNpz,
});

/**
 * Recompute all reference fixtures in `fixturesDir` (default: the bundled ones).
 * @example const rows = await verifyFixtures(); rows.every((r) => r.pass)
 */
export async function verifyFixtures(fixturesDir: string = BUNDLED_FIXTURES): Promise<VerifyRow[]> {
  const rows: VerifyRow[] = [];
  for (const group of Object.values(VERIFY_GROUPS)) rows.push(...(await group(fixturesDir)));
  return rows;
}
