/**
 * @file FID statistics files. fidkit reads and writes pytorch-fid's `--save-stats` layout
 * (`np.savez_compressed(path, mu=mu, sigma=sigma)`, float64), so its files work in pytorch-fid and
 * TTUR and theirs work here. fidkit adds one extra member, `fidkit` (the UTF-8 bytes of a JSON
 * object: extractor, protocol, layer, weights hash, sample count), which NumPy loads as a uint8
 * array and the Python tools ignore; it lets fidkit warn when two sides were made differently.
 *
 * Shard files (`fidkit stats --shard k/n`) hold the raw moments instead: `count`, `mean`, `m2`
 * (Σ(x−μ)(x−μ)ᵀ), which merge exactly (see stats/moments.ts).
 */
import { InputError } from '../core/errors.js';
import type { MomentsState } from '../stats/moments.js';
import type { FidStatistics } from '../core/types.js';
import { writeFileAtomic } from './atomic-write.js';
import type { NdArray } from './npy.js';
import { readNpzFile, writeNpz } from './npz.js';

import type { StatsMetadata } from '../core/types.js';
export type { StatsMetadata };

const META_KEY = 'fidkit';

function metadataOf(members: Record<string, NdArray>, name: string): StatsMetadata | undefined {
  const raw = members[META_KEY];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(raw.data as Uint8Array)) as StatsMetadata;
  } catch {
    throw new InputError(`${name}: the '${META_KEY}' member is not valid JSON metadata; re-create the file with fidkit`);
  }
}

function metadataMember(meta: StatsMetadata): NdArray {
  const bytes = new TextEncoder().encode(JSON.stringify(meta));
  return { dtype: 'uint8', shape: [bytes.length], data: bytes };
}

function toFloat64(arr: NdArray, name: string, key: string): Float64Array {
  if (arr.data instanceof Float64Array) return arr.data;
  if (arr.data instanceof Float32Array) return Float64Array.from(arr.data); // clean-fid stores mu as float32
  throw new InputError(`${name}: '${key}' must be float32 or float64, got ${arr.dtype}`);
}

function assertFinite(values: Float64Array, name: string, key: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new InputError(`${name}: '${key}' holds a non-finite value (${values[i]}) at index ${i}; the statistics are corrupt — recompute them`);
    }
  }
}

/**
 * Validate `mu`/`sigma` members (any source) into {@link FidStatistics}.
 * @throws {InputError} missing keys, wrong shapes, non-finite values
 */
export function statisticsFromMembers(members: Record<string, NdArray>, name: string): { stats: FidStatistics; metadata?: StatsMetadata } {
  const metadata = metadataOf(members, name);
  if (metadata?.kind === 'moments' || ('m2' in members && !('sigma' in members))) {
    const state = momentsFromMembers(members, name);
    throw new InputError(
      `${name} is a shard of raw moments (${state.count} samples), not statistics: combine the shards with 'fidkit stats merge ${name} … -o stats.npz'`,
    );
  }
  const { mu, sigma } = members;
  if (mu === undefined || sigma === undefined) {
    const keys = Object.keys(members).join(', ') || 'none';
    throw new InputError(
      `${name} has no 'mu' and 'sigma' arrays (found: ${keys}); FID statistics files hold mu [D] and sigma [D, D], as written by pytorch-fid --save-stats or 'fidkit stats'`,
    );
  }
  if (mu.shape.length !== 1) throw new InputError(`${name}: 'mu' must be 1-d [D], got shape [${mu.shape.join(', ')}]`);
  const d = mu.shape[0];
  if (sigma.shape.length !== 2 || sigma.shape[0] !== sigma.shape[1]) {
    throw new InputError(`${name}: 'sigma' must be square [D, D], got shape [${sigma.shape.join(', ')}]`);
  }
  if (sigma.shape[0] !== d) {
    throw new InputError(`${name}: 'mu' has ${d} entries but 'sigma' is ${sigma.shape[0]}×${sigma.shape[1]}`);
  }
  if (d === 0) throw new InputError(`${name}: the statistics are empty (D = 0)`);
  const muF = toFloat64(mu, name, 'mu');
  const sigmaF = toFloat64(sigma, name, 'sigma');
  assertFinite(muF, name, 'mu');
  assertFinite(sigmaF, name, 'sigma');
  const count = typeof metadata?.count === 'number' ? metadata.count : undefined;
  return { stats: { mu: muF, sigma: sigmaF, ...(count !== undefined ? { count } : {}) }, metadata };
}

/**
 * Read an FID statistics `.npz` (fidkit's, pytorch-fid's, TTUR's or clean-fid's).
 * @throws {InputError|FormatError} not an archive, missing keys, wrong shapes, non-finite values
 */
export async function readStatisticsFile(path: string): Promise<{ stats: FidStatistics; metadata?: StatsMetadata }> {
  return statisticsFromMembers(await readNpzFile(path), path);
}

/** The bytes of a statistics file in pytorch-fid's layout plus fidkit's metadata member. */
export function encodeStatistics(stats: FidStatistics, metadata: StatsMetadata = {}): Uint8Array {
  const d = stats.mu.length;
  const meta: StatsMetadata = { ...metadata, kind: 'stats', ...(stats.count !== undefined ? { count: stats.count } : {}) };
  return writeNpz({
    mu: { dtype: 'float64', shape: [d], data: stats.mu },
    sigma: { dtype: 'float64', shape: [d, d], data: stats.sigma },
    [META_KEY]: metadataMember(meta),
  });
}

/** Write a statistics file atomically (readable by pytorch-fid: `np.load(p)['mu']`, `['sigma']`). */
export async function writeStatisticsFile(path: string, stats: FidStatistics, metadata: StatsMetadata = {}): Promise<void> {
  await writeFileAtomic(path, encodeStatistics(stats, metadata));
}

/** Validate the members of a shard file into a moments state. @throws {InputError} */
export function momentsFromMembers(members: Record<string, NdArray>, name: string): MomentsState {
  const { count, mean, m2 } = members;
  if (count === undefined || mean === undefined || m2 === undefined) {
    throw new InputError(`${name} is not a fidkit shard file (needs 'count', 'mean', 'm2'); make shards with 'fidkit stats --shard k/n'`);
  }
  const n = Number((count.data as ArrayLike<number | bigint>)[0]);
  const d = mean.shape[0];
  if (mean.shape.length !== 1 || m2.shape.length !== 2 || m2.shape[0] !== d || m2.shape[1] !== d) {
    throw new InputError(`${name}: shard arrays have inconsistent shapes (mean [${mean.shape.join(', ')}], m2 [${m2.shape.join(', ')}])`);
  }
  const meanF = toFloat64(mean, name, 'mean');
  const m2F = toFloat64(m2, name, 'm2');
  assertFinite(meanF, name, 'mean');
  assertFinite(m2F, name, 'm2');
  return { count: n, mean: meanF, m2: m2F };
}

/** Read a shard file written by {@link writeMomentsFile}. */
export async function readMomentsFile(path: string): Promise<{ state: MomentsState; metadata?: StatsMetadata }> {
  const members = await readNpzFile(path);
  return { state: momentsFromMembers(members, path), metadata: metadataOf(members, path) };
}

/** Write a shard of raw moments atomically. */
export async function writeMomentsFile(path: string, state: MomentsState, metadata: StatsMetadata = {}): Promise<void> {
  const d = state.mean.length;
  await writeFileAtomic(
    path,
    writeNpz({
      count: { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(state.count)]) },
      mean: { dtype: 'float64', shape: [d], data: state.mean },
      m2: { dtype: 'float64', shape: [d, d], data: state.m2 },
      [META_KEY]: metadataMember({ ...metadata, kind: 'moments', count: state.count }),
    }),
  );
}

