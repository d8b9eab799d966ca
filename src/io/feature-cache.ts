/**
 * @file The statistics/features cache: scoring the same folder again with the same extractor,
 * weights and protocol reuses what the first run computed. One entry per (folder content,
 * extractor, weights, protocol, skip policy), an `.npz` holding whatever was extracted — FID
 * moments, the feature matrix, the logits — plus a JSON metadata member.
 *
 * The key is a SHA-256 over the sorted file list with each file's size and mtime (or, with
 * `strict`, each file's content hash) and everything that changes the numbers. The fast key misses
 * one change: an image replaced by another of the same size with its mtime restored (rsync -t,
 * cp -p, tar), which is served the old entry; `strict` (--cache-strict) catches it, and the README
 * says so (test/cli/feature-cache.test.ts shows both). Entries are written atomically
 * (io/atomic-write.ts); the first write of a process also removes the temporary files that killed
 * runs left anywhere in the cache (a SIGKILL during a cache write leaves one under another key).
 */
import { createHash } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { MomentsState } from '../stats/moments.js';
import type { FeatureMatrix } from '../types.js';
import { writeFileAtomic } from './atomic-write.js';
import { removeStaleCacheTemporaries, resolveCacheDir, sha256File } from './cache.js';
import type { NdArray } from './npy.js';
import { readNpzFile, writeNpz } from './npz.js';

/** Bump when an entry's layout or the extraction changes meaning. */
const CACHE_FORMAT = 1;

/** What identifies the numbers of one folder. */
export interface FeatureCacheKeyParts {
  /** The image files (keyed by path and size+mtime, or content with `strict`)… */
  readonly files?: readonly string[];
  /** …or, for images that are not files (a generator's, the bundled MNIST), what determines them. */
  readonly identity?: string;
  readonly extractor: string;
  readonly weightsId: string;
  readonly protocol: string;
  readonly skipBad: boolean;
  /** Hash file contents instead of trusting size and mtime. */
  readonly strict?: boolean;
}

/** A cache entry's contents; any part may be absent. */
export interface FeatureCacheEntry {
  readonly count: number;
  readonly skipped: { path: string; message: string }[];
  readonly moments?: MomentsState;
  readonly features?: FeatureMatrix;
  readonly logits?: FeatureMatrix;
}

/** The folder holding cache entries. */
export function featureCacheDir(cacheDir?: string): string {
  return join(resolveCacheDir({ cacheDir }), 'features');
}

/** Compute the cache key of a folder's extraction. */
export async function featureCacheKey(parts: FeatureCacheKeyParts): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify({ format: CACHE_FORMAT, extractor: parts.extractor, weights: parts.weightsId, protocol: parts.protocol, skipBad: parts.skipBad }));
  if (parts.identity !== undefined) h.update(`\nsource\t${parts.identity}`);
  for (const f of parts.files ?? []) {
    const info = await stat(f);
    const id = parts.strict ? await sha256File(f) : `${info.size}:${info.mtimeMs}`;
    h.update(`\n${f}\t${id}`);
  }
  return h.digest('hex');
}

const matrixMember = (m: FeatureMatrix): NdArray => ({ dtype: 'float32', shape: [m.rows, m.cols], data: Float32Array.from(m.data) });

function matrixOf(arr: NdArray | undefined): FeatureMatrix | undefined {
  if (!arr) return undefined;
  return { data: arr.data as Float32Array, rows: arr.shape[0], cols: arr.shape[1] };
}

/** Read an entry; undefined when absent or unreadable (a broken entry is just a miss). */
export async function readFeatureCache(key: string, cacheDir?: string): Promise<FeatureCacheEntry | undefined> {
  const path = join(featureCacheDir(cacheDir), `${key}.npz`);
  try {
    const m = await readNpzFile(path);
    const meta = JSON.parse(new TextDecoder().decode(m.fidkit.data as Uint8Array)) as { count: number; skipped: FeatureCacheEntry['skipped']; format: number };
    if (meta.format !== CACHE_FORMAT) return undefined;
    const moments = m.mean && m.m2 ? { count: Number((m.moments_count.data as BigInt64Array)[0]), mean: m.mean.data as Float64Array, m2: m.m2.data as Float64Array } : undefined;
    return { count: meta.count, skipped: meta.skipped, moments, features: matrixOf(m.features), logits: matrixOf(m.logits) };
  } catch {
    return undefined;
  }
}

/** Cache folders already cleared of killed runs' temporary files by this process. */
const swept = new Set<string>();

/** Write an entry atomically (stored, not deflated: features do not compress and speed matters). */
export async function writeFeatureCache(key: string, entry: FeatureCacheEntry, cacheDir?: string): Promise<void> {
  const meta = new TextEncoder().encode(JSON.stringify({ format: CACHE_FORMAT, count: entry.count, skipped: entry.skipped }));
  const members: Record<string, NdArray> = { fidkit: { dtype: 'uint8', shape: [meta.length], data: meta } };
  if (entry.moments) {
    const d = entry.moments.mean.length;
    members.moments_count = { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(entry.moments.count)]) };
    members.mean = { dtype: 'float64', shape: [d], data: entry.moments.mean };
    members.m2 = { dtype: 'float64', shape: [d, d], data: entry.moments.m2 };
  }
  if (entry.features) members.features = matrixMember(entry.features);
  if (entry.logits) members.logits = matrixMember(entry.logits);
  const root = resolveCacheDir({ cacheDir });
  if (!swept.has(root)) {
    swept.add(root);
    await removeStaleCacheTemporaries({ cacheDir });
  }
  await writeFileAtomic(join(featureCacheDir(cacheDir), `${key}.npz`), writeNpz(members, { compress: false }));
}

/** Entries in the cache with their sizes (for `fidkit cache ls`). */
export async function listFeatureCache(cacheDir?: string): Promise<{ key: string; bytes: number; modified: Date }[]> {
  const dir = featureCacheDir(cacheDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  const out = [];
  for (const name of names.filter((n) => n.endsWith('.npz'))) {
    const info = await stat(join(dir, name));
    out.push({ key: name.slice(0, -4), bytes: info.size, modified: info.mtime });
  }
  return out;
}

/** Delete every entry (for `fidkit cache clear`); returns how many were removed. */
export async function clearFeatureCache(cacheDir?: string): Promise<number> {
  const entries = await listFeatureCache(cacheDir);
  await rm(featureCacheDir(cacheDir), { recursive: true, force: true });
  return entries.length;
}
