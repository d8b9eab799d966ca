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
 *
 * Beside each entry, `<key>.json` says what it was made from (source, extractor, weights,
 * protocol, layers, N, created) for `fidkit cache ls`. An entry's modification time is its last
 * use: a hit sets it. The cache is bounded: after each write the least recently used entries are
 * evicted until the rest fit the cap (`cacheMax`, default 2 GB), never the entry just written.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { MomentsState } from '../stats/moments.js';
import type { FeatureMatrix } from '../core/types.js';
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

/**
 * What an entry was made from, kept beside it in `<key>.json` so `fidkit cache ls` can say what it
 * holds without opening the (large) entry. Entries written before fidkit kept it have none.
 */
export interface FeatureCacheInfo {
  /** The input as given (folders resolved to an absolute path; `gen:…`/`mnist:…` as written). */
  readonly source: string;
  readonly extractor: string;
  /** The weights' id: the SHA-256 of the weights file, or `hash-weights-v1`. */
  readonly weights: string;
  readonly protocol: string;
  /** Which layer each stored array comes from. */
  readonly layers: { readonly moments?: string; readonly features?: string; readonly logits?: string };
  /** Images behind the entry. */
  readonly count: number;
  /** When the entry was written (ISO 8601). */
  readonly created: string;
}

/** One entry as `fidkit cache ls` shows it. */
export interface FeatureCacheListing {
  readonly key: string;
  /** Bytes on disk: the entry and its metadata file. */
  readonly bytes: number;
  /** When it was last written or read (the entry's modification time, set on every hit). */
  readonly lastUsed: Date;
  /** Undefined for entries written before fidkit kept metadata. */
  readonly info?: FeatureCacheInfo;
}

const entryPath = (dir: string, key: string) => join(dir, `${key}.npz`);
const infoPath = (dir: string, key: string) => join(dir, `${key}.json`);

/**
 * Read an entry; undefined when absent or unreadable (a broken entry is just a miss). A hit sets
 * the entry's modification time to now: that is its "last used" time, which eviction goes by.
 */
export async function readFeatureCache(key: string, cacheDir?: string): Promise<FeatureCacheEntry | undefined> {
  const path = entryPath(featureCacheDir(cacheDir), key);
  try {
    const m = await readNpzFile(path);
    const meta = JSON.parse(new TextDecoder().decode(m.fidkit.data as Uint8Array)) as { count: number; skipped: FeatureCacheEntry['skipped']; format: number };
    if (meta.format !== CACHE_FORMAT) return undefined;
    const moments = m.mean && m.m2 ? { count: Number((m.moments_count.data as BigInt64Array)[0]), mean: m.mean.data as Float64Array, m2: m.m2.data as Float64Array } : undefined;
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined); // a read-only cache still serves hits
    return { count: meta.count, skipped: meta.skipped, moments, features: matrixOf(m.features), logits: matrixOf(m.logits) };
  } catch {
    return undefined;
  }
}

/** Cache folders already cleared of killed runs' temporary files by this process. */
const swept = new Set<string>();

/**
 * Write an entry atomically (stored, not deflated: features do not compress and speed matters),
 * then its metadata file when `info` is given.
 * @throws {FidkitError} `E_WRITE` when the cache folder cannot be written
 */
export async function writeFeatureCache(key: string, entry: FeatureCacheEntry, cacheDir?: string, info?: Omit<FeatureCacheInfo, 'created' | 'count'>): Promise<void> {
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
  const dir = featureCacheDir(cacheDir);
  const root = resolveCacheDir({ cacheDir });
  if (!swept.has(root)) {
    swept.add(root);
    await removeStaleCacheTemporaries({ cacheDir });
  }
  await writeFileAtomic(entryPath(dir, key), writeNpz(members));
  if (info) {
    const full: FeatureCacheInfo = { ...info, count: entry.count, created: new Date().toISOString() };
    await writeFileAtomic(infoPath(dir, key), JSON.stringify(full, null, 2) + '\n');
  } else {
    await rm(infoPath(dir, key), { force: true }); // an older entry's description would now be wrong
  }
}

/**
 * The entries in the cache, least recently used first (for `fidkit cache ls` and eviction).
 * Metadata files whose entry is gone are removed on the way.
 */
export async function listFeatureCache(cacheDir?: string): Promise<FeatureCacheListing[]> {
  const dir = featureCacheDir(cacheDir);
  const names = new Set(await readdir(dir).catch(() => [] as string[]));
  const out: FeatureCacheListing[] = [];
  for (const name of names) {
    if (name.endsWith('.json') && !names.has(`${name.slice(0, -5)}.npz`)) await rm(join(dir, name), { force: true });
    if (!name.endsWith('.npz')) continue;
    const key = name.slice(0, -4);
    const entry = await stat(join(dir, name)).catch(() => undefined);
    if (!entry?.isFile()) continue; // removed meanwhile by another process
    let info: FeatureCacheInfo | undefined;
    let infoBytes = 0;
    if (names.has(`${key}.json`)) {
      const text = await readFile(infoPath(dir, key), 'utf8').catch(() => undefined);
      infoBytes = text === undefined ? 0 : Buffer.byteLength(text);
      try {
        info = text === undefined ? undefined : (JSON.parse(text) as FeatureCacheInfo);
      } catch {
        info = undefined; // unreadable metadata: shown as unknown, the entry itself still works
      }
    }
    out.push({ key, bytes: entry.size + infoBytes, lastUsed: entry.mtime, info });
  }
  return out.sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime() || a.key.localeCompare(b.key));
}

async function removeEntry(dir: string, key: string): Promise<void> {
  await rm(entryPath(dir, key), { force: true });
  await rm(infoPath(dir, key), { force: true });
}

/** What a clear or an eviction removed. */
export interface CacheRemoval {
  readonly removed: FeatureCacheListing[];
  readonly bytes: number;
}

const removal = (removed: FeatureCacheListing[]): CacheRemoval => ({ removed, bytes: removed.reduce((s, e) => s + e.bytes, 0) });

/**
 * Delete entries (for `fidkit cache clear`): all of them, or with `olderThanMs` only those last
 * used longer ago than that.
 */
export async function clearFeatureCache(cacheDir?: string, options: { olderThanMs?: number; now?: number } = {}): Promise<CacheRemoval> {
  const dir = featureCacheDir(cacheDir);
  const entries = await listFeatureCache(cacheDir);
  if (options.olderThanMs === undefined) {
    await rm(dir, { recursive: true, force: true });
    return removal(entries);
  }
  const cutoff = (options.now ?? Date.now()) - options.olderThanMs;
  const old = entries.filter((e) => e.lastUsed.getTime() < cutoff);
  for (const e of old) await removeEntry(dir, e.key);
  return removal(old);
}

/**
 * Keep the cache within `maxBytes`: delete the least recently used entries until the rest fit.
 * The entry `keep` (the one just written) is never deleted, even when it alone is larger.
 */
export async function evictFeatureCache(maxBytes: number, options: { keep?: string; cacheDir?: string } = {}): Promise<CacheRemoval> {
  const dir = featureCacheDir(options.cacheDir);
  const entries = await listFeatureCache(options.cacheDir);
  let total = entries.reduce((s, e) => s + e.bytes, 0);
  const evicted: FeatureCacheListing[] = [];
  for (const e of entries) {
    if (total <= maxBytes) break;
    if (e.key === options.keep) continue;
    await removeEntry(dir, e.key);
    evicted.push(e);
    total -= e.bytes;
  }
  return removal(evicted);
}
