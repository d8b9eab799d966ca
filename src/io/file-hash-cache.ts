/**
 * @file SHA-256 of large local files (a `--weights` .pth is 95 MB: ~0.3 s to hash), remembered in
 * the cache folder under the file's identity — real path, size, modification time, inode and
 * device — so that the first run hashes the file and later runs with the same file only `stat` it,
 * as the feature cache does for images. A file rewritten in place gets a new mtime, a file replaced
 * by another (rename, copy) a new inode: both are hashed again. What it misses is the feature
 * cache's blind spot: the same inode rewritten with the same size and its mtime set back
 * (`touch -d`); `--no-cache` hashes every time.
 *
 * Entries are tiny JSON files `<cache>/hashes/<sha256 of the identity>.json`, written atomically; an
 * unreadable or mismatching entry is a miss, and an unwritable cache folder only costs the hash.
 */
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { resolveCacheDir, sha256File, type CacheOptions } from './cache.js';

/** Bump when an entry's layout changes. */
const FORMAT = 1;

interface Entry {
  readonly format: number;
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly dev: number;
  readonly sha256: string;
}

/** Options: where the cache is, and whether to use it (`cache: false` always hashes). */
export interface RememberedHashOptions extends Pick<CacheOptions, 'cacheDir' | 'env'> {
  readonly cache?: boolean;
}

/**
 * SHA-256 of `path` (lower-case hex), from the cache when the file's identity has not changed.
 *
 * @example const sha = await sha256FileRemembered('/data/pt_inception.pth'); // hashes once, then stats
 * @throws {FidkitError} `E_NOT_FOUND` when the file does not exist (other read errors propagate).
 */
export async function sha256FileRemembered(path: string, options: RememberedHashOptions = {}): Promise<string> {
  if (options.cache === false) return sha256File(path);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return sha256File(path); // its error names the path
  const real = await realpath(path);
  const identity = { path: real, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, dev: info.dev };
  const key = createHash('sha256').update(JSON.stringify(identity)).digest('hex');
  const entryPath = join(resolveCacheDir(options), 'hashes', `${key}.json`);
  const entry = await readFile(entryPath, 'utf8').then((t) => JSON.parse(t) as Entry).catch(() => undefined);
  if (entry?.format === FORMAT && entry.path === real && entry.size === info.size && entry.mtimeMs === info.mtimeMs
    && entry.ino === info.ino && entry.dev === info.dev && /^[0-9a-f]{64}$/.test(entry.sha256)) {
    return entry.sha256;
  }
  const sha256 = await sha256File(path);
  const fresh: Entry = { format: FORMAT, ...identity, sha256 };
  await writeFileAtomic(entryPath, new TextEncoder().encode(JSON.stringify(fresh))).catch(() => undefined);
  return sha256;
}
