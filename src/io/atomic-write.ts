/**
 * @file Atomic file writes: write to a temporary file in the same folder, then rename it into
 * place, so an interrupted run (Ctrl-C, crash, full disk) never leaves a half-written output or
 * cache entry. The temporary name is `<name>.tmp.<pid>.<random>`.
 *
 * - Any failure removes the temporary file and throws a {@link FidkitError} naming the path and
 *   the fix (permission denied, read-only file system, disk full, a folder in the way…).
 * - Live temporary files are tracked; {@link removeTemporaryFilesOnSignal} (installed by the CLI,
 *   never by library code, which must not change a host program's signal handling) removes them
 *   synchronously on SIGINT/SIGTERM before the process dies of the signal.
 * - SIGKILL cannot be caught: the next write of the same path (and `fidkit cache ls|clear`)
 *   removes `<name>.tmp.<pid>.<random>` siblings whose process is gone and that are older than
 *   the current process ({@link removeStaleTemporaryFiles}).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, rmSync, write as writeCallback, close as closeCallback, type Stats } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { FidkitError } from '../core/errors.js';

const writeFd = promisify(writeCallback);
const closeFd = promisify(closeCallback);

/** The temporary path used while writing `path` (same folder, so the rename is atomic). */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `${basename(path)}.tmp.${process.pid}.${randomBytes(4).toString('hex')}`);
}

/** Temporary files that exist now and must not outlive the process. */
const live = new Set<string>();

/** Whether the CLI asked for signal cleanup ({@link removeTemporaryFilesOnSignal}). */
let armed = false;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Remove the live temporary files, then die of the signal as if no handler were installed (exit
 * status 130/143), unless the host program has listeners of its own.
 */
function onSignal(signal: NodeJS.Signals): void {
  removeLiveTemporaries();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

// Listeners are attached only while a temporary file exists: the rest of the time Ctrl-C keeps
// Node's default (die at once), even while a long synchronous computation blocks the event loop.
function listen(on: boolean): void {
  for (const signal of SIGNALS) {
    if (on) process.on(signal, onSignal);
    else process.removeListener(signal, onSignal);
  }
}

/**
 * Create `tmp` exclusively and track it until {@link releaseTemporary}. The open is synchronous on
 * purpose: a signal handler then sees the file either not yet created or already tracked, never a
 * file created behind its back.
 * @returns the file descriptor
 */
export function createTemporary(tmp: string): number {
  // Tracked and listened for before the file exists: a signal between the open and the listener
  // would otherwise take Node's default exit and leave the file behind.
  live.add(tmp);
  if (armed && live.size === 1) listen(true);
  try {
    return openSync(tmp, 'wx');
  } catch (err) {
    releaseTemporary(tmp);
    throw err;
  }
}

/** Stop tracking `tmp` (it was renamed into place or removed). */
export function releaseTemporary(tmp: string): void {
  if (live.delete(tmp) && armed && live.size === 0) listen(false);
}

/** Remove every live temporary file now, synchronously (the signal path). */
export function removeLiveTemporaries(): void {
  for (const tmp of live) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Best effort: the process is going down.
    }
  }
  live.clear();
  if (armed) listen(false);
}

/**
 * On SIGINT or SIGTERM while a temporary file exists, remove it synchronously and then die of the
 * signal. For the CLI (library code must not change a host program's signal handling); idempotent.
 */
export function removeTemporaryFilesOnSignal(): void {
  if (armed) return;
  armed = true;
  if (live.size > 0) listen(true);
}

const TEMP_SUFFIX = /\.tmp\.(\d+)\.[0-9a-f]+$/;

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, but someone else's
  }
}

/** When this process started (ms since the epoch). */
const STARTED_MS = Date.now() - process.uptime() * 1000;

/**
 * Remove temporary files left by killed processes: in `folder`, the names `<name>.tmp.<pid>.<hex>`
 * (any name when `name` is undefined) whose pid is not running here and which were last modified
 * before this process started. The second condition protects a folder shared between machines
 * (a cache on NFS), where a live writer's pid is unknown here but its file is being written now.
 * Best effort, never throws.
 * @returns the paths removed
 */
export async function removeStaleTemporaryFiles(folder: string, name?: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const entry of names) {
    const m = TEMP_SUFFIX.exec(entry);
    if (!m || (name !== undefined && entry.slice(0, m.index) !== name)) continue;
    if (processIsAlive(Number(m[1]))) continue;
    const path = join(folder, entry);
    const info = await stat(path).catch(() => undefined);
    if (!info || info.mtimeMs >= STARTED_MS) continue;
    if (await rm(path, { force: true }).then(() => true, () => false)) removed.push(path);
  }
  return removed;
}

/**
 * The error to show when writing `path` failed with a system error: one line naming the path and
 * what to do. Errors that are already {@link FidkitError}s, or that no user can act on, are returned as is.
 *
 * @example throw writeError(err, 'out/stats.npz');
 */
export function writeError(err: unknown, path: string): unknown {
  if (err instanceof FidkitError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  const dir = dirname(path);
  const why: Record<string, string> = {
    EACCES: `permission denied in ${dir}: write somewhere you may write, or fix the folder's permissions`,
    EPERM: `permission denied in ${dir}: write somewhere you may write, or fix the folder's permissions`,
    EROFS: `${dir} is on a read-only file system: write the output elsewhere`,
    ENOSPC: `no space left on the device holding ${dir}: free some space or write the output elsewhere`,
    EDQUOT: `disk quota exceeded on the device holding ${dir}: free some space or write the output elsewhere`,
    EFBIG: `the file is larger than the file system (FAT32: 4 GiB) or the file-size limit (ulimit -f) allows: write the output elsewhere, or raise the limit`,
    EISDIR: `it is a folder: name a file, e.g. ${join(path, 'out.npz')}`,
    ENOTDIR: `a part of the path is a file, not a folder: choose another output path`,
    EEXIST: `a part of the path exists and is not a folder: choose another output path`,
    ENAMETOOLONG: `the name is too long: choose a shorter output path`,
    ENOENT: `files cannot be created in ${dir}: choose another output path`,
  };
  if (code === undefined || !(code in why)) return err;
  return new FidkitError('E_WRITE', `cannot write ${path}: ${why[code]}`, { cause: err });
}

/**
 * The rename would replace whatever is at `path`: only a regular file may be there, never a folder
 * or a device (`-o /dev/null` as root would otherwise turn the device into a plain file).
 * @throws {FidkitError} `E_WRITE`
 */
export function assertReplaceable(path: string, info: Stats | undefined, example = 'stats.npz'): void {
  if (info === undefined || info.isFile()) return;
  if (info.isDirectory()) throw new FidkitError('E_WRITE', `cannot write ${path}: it is a folder: name a file inside it, e.g. ${join(path, example)}`);
  throw new FidkitError('E_WRITE', `cannot write ${path}: it is a device, pipe or socket, not a regular file: name a file to write`);
}

/**
 * Write `data` to `path` atomically, creating the folder if needed.
 * @example await writeFileAtomic('stats.npz', writeNpz({ mu, sigma }));
 * @throws {FidkitError} `E_WRITE` when the folder cannot be created or written, or the disk is full;
 *   nothing is left behind then
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  await writeFileAtomicWith(path, async (fd) => {
    for (let offset = 0; offset < bytes.length; ) {
      const { bytesWritten } = await writeFd(fd, bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
  });
}

/**
 * Write `path` atomically through `write`, which gets the open temporary file's descriptor and
 * writes the contents (in any way: in pieces, from a worker thread). The temporary file is tracked
 * like {@link writeFileAtomic}'s, so Ctrl-C while `write` runs leaves nothing behind.
 * @throws {FidkitError} `E_WRITE` as {@link writeFileAtomic}; an error thrown by `write` is passed on
 *   (fs errors turned into `E_WRITE`), and nothing is left behind.
 */
export async function writeFileAtomicWith(path: string, write: (fd: number) => Promise<void>): Promise<void> {
  assertReplaceable(path, await stat(path).catch(() => undefined));
  let tmp: string | undefined;
  let fd: number | undefined;
  try {
    await mkdir(dirname(path), { recursive: true });
    await removeStaleTemporaryFiles(dirname(path), basename(path));
    tmp = temporaryPathFor(path);
    fd = createTemporary(tmp);
    await write(fd);
    const open = fd;
    fd = undefined;
    await closeFd(open);
    await rename(tmp, path);
    releaseTemporary(tmp);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    if (tmp !== undefined) {
      await rm(tmp, { force: true });
      releaseTemporary(tmp);
    }
    throw writeError(err, path);
  }
}
