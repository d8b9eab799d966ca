/**
 * @file The download cache: where fidkit keeps downloaded weights (and files derived from them, such
 * as the built `.onnx` graph), and how a file gets there safely.
 *
 * - Folder: `cacheDir` option, else `FIDKIT_CACHE`, else `$XDG_CACHE_HOME/fidkit`, else
 *   `~/.cache/fidkit` (never inside node_modules, so reinstalling does not re-download).
 * - A download streams to `<name>.tmp.<pid>.<random>` in the cache folder while hashing, emits typed
 *   progress events (`start`, `progress`, `end`; `loaded` never decreases), then checks the size and
 *   SHA-256 and renames the file into place, so the cache never holds a partial or wrong file. The
 *   temporary file is removed on any failure. Several URLs (mirrors) are tried in order.
 * - Concurrent requests for one file in one process share one download (the only module state).
 * - Offline mode (`offline: true` or `FIDKIT_OFFLINE=1`) never touches the network; its error names
 *   the URL, the cache path and the flag that supplies a local file.
 * - A file already in the cache is trusted after a size check: it was hashed before it was renamed in.
 * Library code: no printing; progress goes to the `onProgress` callback.
 */

import { optionRef } from '../options/mention.js';
import { createHash } from 'node:crypto';
import { close, createReadStream, write } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FidkitError } from '../core/errors.js';
import { createTemporary, releaseTemporary, removeStaleTemporaryFiles, temporaryPathFor, writeError } from './atomic-write.js';

const writeFd = promisify(write);
const closeFd = promisify(close);

/** A progress event of a download. `total` is undefined when the server sends no length. */
export interface DownloadProgress {
  readonly type: 'start' | 'progress' | 'end';
  /** Bytes received so far; never decreases. */
  readonly loaded: number;
  readonly total: number | undefined;
  /** The cached file's name, e.g. `pt_inception-2015-12-05-6726825d.pth`. */
  readonly file: string;
  readonly url: string;
}

/** A file fidkit can download into its cache. */
export interface RemoteFile {
  /** File name inside the cache folder. */
  readonly name: string;
  /** Where to get it, tried in order (mirrors of the same bytes). */
  readonly urls: readonly string[];
  /**
   * Expected SHA-256, lower-case hex: all 64 digits, or — for a publisher that gives only a prefix
   * (torch hub's `<name>-<first 8+ hex digits>.pth` convention, which torchvision's weights follow and
   * `torch.hub` checks the same way) — that prefix, which the download's hash must start with; or `''`
   * for a publisher that gives none (DINOv2's `dl.fbaipublicfiles.com` files): the download is then
   * checked against its announced length and `bytes` only, and its hash is recorded, not checked.
   */
  readonly sha256: string;
  /** Expected size in bytes, when known. */
  readonly bytes?: number;
}

/** Options shared by the cache functions. */
export interface CacheOptions {
  /** Cache folder; overrides `FIDKIT_CACHE` and the XDG default. */
  readonly cacheDir?: string;
  /** Never use the network; default from `FIDKIT_OFFLINE` (`1`/`true`/`yes`). */
  readonly offline?: boolean;
  /** Progress callback of a download (not called on a cache hit). */
  readonly onProgress?: (event: DownloadProgress) => void;
  /** How a user supplies the file instead, for error messages; default `pass --weights PATH`. */
  readonly localFileHint?: string;
  /** The `fetch` to use (tests inject one); default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Environment to read `FIDKIT_CACHE`, `XDG_CACHE_HOME`, `FIDKIT_OFFLINE` from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The cache folder: `cacheDir`, else `FIDKIT_CACHE`, else `$XDG_CACHE_HOME/fidkit`, else `~/.cache/fidkit`.
 * Pure: does not create the folder.
 *
 * @example resolveCacheDir({ env: { FIDKIT_CACHE: '/data/fidkit' } }) // '/data/fidkit'
 */
export function resolveCacheDir(options: Pick<CacheOptions, 'cacheDir' | 'env'> = {}): string {
  const env = options.env ?? process.env;
  if (options.cacheDir) return options.cacheDir;
  if (env.FIDKIT_CACHE) return env.FIDKIT_CACHE;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'fidkit');
  return join(homedir(), '.cache', 'fidkit');
}

/**
 * Remove the temporary files that killed runs (SIGKILL, power loss) left in the cache: in its root
 * (downloads), `features/` and `onnx/`, every `<name>.tmp.<pid>.<hex>` whose process is gone and that
 * predates this process (see {@link removeStaleTemporaryFiles}). Best effort, never throws.
 * @returns the paths removed
 */
export async function removeStaleCacheTemporaries(options: Pick<CacheOptions, 'cacheDir' | 'env'> = {}): Promise<string[]> {
  const root = resolveCacheDir(options);
  const removed: string[] = [];
  for (const dir of [root, join(root, 'features'), join(root, 'onnx'), join(root, 'hashes')]) removed.push(...(await removeStaleTemporaryFiles(dir)));
  return removed;
}

/** Whether offline mode is on: the `offline` option, else `FIDKIT_OFFLINE` set to 1/true/yes. */
export function isOffline(options: Pick<CacheOptions, 'offline' | 'env'> = {}): boolean {
  if (options.offline !== undefined) return options.offline;
  const v = (options.env ?? process.env).FIDKIT_OFFLINE?.trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/**
 * SHA-256 of a file, lower-case hex, streamed (constant memory).
 *
 * @throws {FidkitError} `E_NOT_FOUND` when the file does not exist (other read errors propagate).
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new FidkitError('E_NOT_FOUND', `file not found: ${path}: check the path`, { cause: err });
    }
    throw err;
  }
  return hash.digest('hex');
}

/** Whether a file's SHA-256 is `expected`: equal to a full hash, or starting with a published prefix (see {@link RemoteFile.sha256}). */
export function sha256Matches(sha256: string, expected: string): boolean {
  const e = expected.toLowerCase();
  return e.length === 64 ? sha256 === e : e.length >= 8 && sha256.startsWith(e);
}

/** An expected hash as messages show it: a prefix ends in `…`. */
export function expectedSha256(expected: string): string {
  if (expected === '') return 'unknown (none is published)';
  return expected.length === 64 ? expected : `${expected}… (only this prefix is published)`;
}

const inFlight = new Map<string, Promise<string>>();

/**
 * The local path of `file`, downloading it into the cache first when it is not there.
 *
 * @example
 * const path = await cachedFile(INCEPTION_WEIGHTS_FILE, { onProgress: (e) => bar.update(e.loaded) });
 * @throws {FidkitError} `E_WEIGHTS` when offline and the file is not cached (naming the URL, the cache
 *   path and the local-file flag), when every URL fails, or when the bytes have the wrong size or
 *   SHA-256 (showing both hashes); nothing is left in the cache then.
 */
export function cachedFile(file: RemoteFile, options: CacheOptions = {}): Promise<string> {
  const dest = join(resolveCacheDir(options), file.name);
  const pending = inFlight.get(dest);
  if (pending) return pending;
  const promise = ensureCached(file, dest, options).finally(() => inFlight.delete(dest));
  inFlight.set(dest, promise);
  return promise;
}

async function ensureCached(file: RemoteFile, dest: string, options: CacheOptions): Promise<string> {
  const hint = options.localFileHint ?? `pass ${optionRef('weights')}`;
  const existing = await stat(dest).catch(() => undefined);
  if (existing?.isFile() && (file.bytes === undefined || existing.size === file.bytes)) return dest;
  if (isOffline(options)) {
    throw new FidkitError(
      'E_WEIGHTS',
      `${file.name} is not in the cache (${dest}) and offline mode is on (${optionRef('offline')} or FIDKIT_OFFLINE=1): ` +
        `${hint} to a local copy, or copy the file from ${file.urls[0]} to ${dest}, or drop ${optionRef('offline')} to download it`,
    );
  }
  await removeStaleTemporaryFiles(resolveCacheDir(options), file.name); // left by a killed download
  const failures: Error[] = [];
  for (const url of file.urls) {
    try {
      await downloadTo(url, dest, file, options);
      return dest;
    } catch (err) {
      failures.push(err as Error);
    }
  }
  // One URL: its own error, with its own fix. Mirrors: each short reason, then one fix.
  if (failures.length === 1 && failures[0] instanceof FidkitError) throw failures[0];
  const reasons = failures.map((err) => (err instanceof DownloadError ? err.reason : describe(err))).join('; ');
  throw new FidkitError(
    'E_WEIGHTS',
    `could not download ${file.name}: ${reasons}. Nothing was saved. Check the network, or download the file ` +
      `yourself (${file.urls[0]}, SHA-256 ${expectedSha256(file.sha256)}) and ${hint}, or place it at ${dest}`,
    { cause: failures[0] },
  );
}

/** A failed download: `reason` says what happened (used alone when several mirrors failed). */
class DownloadError extends FidkitError {
  readonly reason: string;
  constructor(reason: string, fix: string, options?: { cause?: unknown }) {
    super('E_WEIGHTS', reason + fix, options);
    this.reason = reason;
  }
}

/** fetch's network errors say only "fetch failed"; the reason is in `cause`. */
function describe(err: Error): string {
  const cause = (err as { cause?: { message?: string; code?: string } }).cause;
  return cause?.message ? `${err.message} (${cause.code ?? cause.message})` : err.message;
}

/**
 * Stream `url` into `dest` atomically: temp file in the same folder, size and SHA-256 check, rename.
 *
 * @throws {FidkitError} `E_WEIGHTS` on a network or HTTP error, a cut-off body, a size or hash mismatch.
 */
export async function downloadTo(url: string, dest: string, file: RemoteFile, options: CacheOptions = {}): Promise<void> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const emit = options.onProgress ?? (() => {});
  const hint = options.localFileHint ?? `pass ${optionRef('weights')}`;
  const retry = `; nothing was saved. Retry, or download the file yourself and ${hint}`;
  const tmp = temporaryPathFor(dest);
  let handle: number;
  try {
    await mkdir(join(dest, '..'), { recursive: true });
    handle = createTemporary(tmp);
  } catch (err) {
    throw writeError(err, dest);
  }
  let closed = false;
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, { redirect: 'follow' });
    } catch (err) {
      throw new DownloadError(
        `could not download ${url}: ${describe(err as Error)}`,
        `. Check the network, or download the file yourself and ${hint}`,
        { cause: err },
      );
    }
    if (!response.ok || !response.body) {
      throw new DownloadError(
        `could not download ${url}: HTTP ${response.status} ${response.statusText}`.trim(),
        `. Check the URL is reachable, or download the file yourself and ${hint}`,
      );
    }
    const header = Number(response.headers.get('content-length'));
    const announced = Number.isFinite(header) && header > 0 ? header : undefined;
    const total = announced ?? file.bytes;
    const hash = createHash('sha256');
    let loaded = 0;
    emit({ type: 'start', loaded, total, file: file.name, url });
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        try {
          for (let offset = 0; offset < chunk.length; ) offset += (await writeFd(handle, chunk, offset, chunk.length - offset)).bytesWritten;
        } catch (err) {
          throw writeError(err, dest); // disk full is not a network problem: say so
        }
        loaded += chunk.length;
        emit({ type: 'progress', loaded, total, file: file.name, url });
      }
    } catch (err) {
      if (err instanceof FidkitError) throw err;
      throw new DownloadError(`download of ${url} failed after ${loaded} bytes: ${describe(err as Error)}`, retry, {
        cause: err,
      });
    }
    closed = true;
    await closeFd(handle);
    if (announced !== undefined && loaded !== announced) {
      throw new DownloadError(`download of ${url} was cut off after ${loaded} of ${announced} bytes`, retry);
    }
    if (file.bytes !== undefined && loaded !== file.bytes) {
      throw new DownloadError(`${file.name} downloaded from ${url} has ${loaded} bytes, expected ${file.bytes}`, retry);
    }
    const sha256 = hash.digest('hex');
    if (file.sha256 !== '' && !sha256Matches(sha256, file.sha256)) {
      throw new DownloadError(
        `${file.name} downloaded from ${url} has SHA-256 ${sha256}, expected ${expectedSha256(file.sha256)}`,
        ': the download is corrupt or the file changed upstream, and nothing was saved. Retry; if it persists, ' +
          `download it yourself, check it with \`sha256sum\`, and ${hint}`,
      );
    }
    await rename(tmp, dest);
    releaseTemporary(tmp);
    emit({ type: 'end', loaded, total: total ?? loaded, file: file.name, url });
  } catch (err) {
    if (!closed) await closeFd(handle).catch(() => {});
    await rm(tmp, { force: true });
    releaseTemporary(tmp);
    throw writeError(err, dest);
  }
}
