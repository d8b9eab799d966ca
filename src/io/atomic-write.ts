/**
 * @file Atomic file writes: write to a temporary file in the same folder, then rename it into
 * place, so an interrupted run (Ctrl-C, crash, full disk) never leaves a half-written output or
 * cache entry. The temporary name is `<name>.tmp.<pid>.<random>`; it is removed on any failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The temporary path used while writing `path` (same folder, so the rename is atomic). */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `${basename(path)}.tmp.${process.pid}.${randomBytes(4).toString('hex')}`);
}

/**
 * Write `data` to `path` atomically, creating the folder if needed.
 * @example await writeFileAtomic('stats.npz', writeNpz({ mu, sigma }));
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryPathFor(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
