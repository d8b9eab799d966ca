/**
 * @file Checking a command's output paths before any work starts, so a mistake costs a second, not
 * the minutes of an extraction followed by a lost result or an overwritten input:
 *
 * - an output that is one of the inputs (same real path, or the same file through a hard link:
 *   same device and inode) is a usage error: `stats merge p1.npz p2.npz -o p2.npz` would destroy a shard;
 * - an output that is an existing folder, whose folder cannot be created, or that cannot be
 *   written (permissions, read-only file system) fails with the path and the fix; writability is
 *   proven by creating and removing a probe file next to the output;
 * - temporary files that a killed run left next to the output are removed.
 *
 * An output inside an input folder is allowed (a folder input is read as a list of images, and
 * the output is written after the listing).
 */
import { closeSync, rmSync } from 'node:fs';
import { mkdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { assertReplaceable, createTemporary, releaseTemporary, removeStaleTemporaryFiles, temporaryPathFor, writeError } from './atomic-write.js';

/** An output path and the flag that named it, for messages (`-o`, `--plot`). */
export interface OutputPath {
  readonly path: string;
  readonly flag?: string;
  /** A file name to suggest when the path is a folder; default `stats.npz`. */
  readonly example?: string;
}

/**
 * Check that every output can be written and none is an input; create the outputs' folders.
 * `inputs` may hold non-paths (`gen:…`, `mnist:…`): whatever does not exist is skipped.
 * Outputs that are folders by design (`sample -o dir/`) pass `folder: true` and are only checked for writability.
 *
 * @example await checkOutputs([{ path: flags.output, flag: '-o' }], parts);
 * @throws {UsageError} an output that is an input
 * @throws {FidkitError} `E_WRITE`: an output that is a folder, or that cannot be written
 */
export async function checkOutputs(outputs: readonly (OutputPath | string)[], inputs: readonly string[], options: { folder?: boolean } = {}): Promise<void> {
  const inputFiles = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (info?.isFile()) inputFiles.push({ input, info, real: await realpath(input) });
  }
  for (const entry of outputs) {
    const { path, flag = '-o', example = 'stats.npz' } = typeof entry === 'string' ? { path: entry } : entry;
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile()) {
      const real = await realpath(path);
      const same = inputFiles.find((f) => f.real === real || (f.info.dev === info.dev && f.info.ino === info.ino));
      if (same) {
        throw new UsageError(`${flag} ${path} is the input ${same.input}: writing it would destroy the input; choose another output path`);
      }
    }
    if (options.folder) {
      if (info && !info.isDirectory()) continue; // the command decides what a file there means
      await probeFolder(resolve(path), path);
      continue;
    }
    assertReplaceable(path, info, example);
    await probeFolder(dirname(resolve(path)), path);
    await removeStaleTemporaryFiles(dirname(resolve(path)), basename(path));
  }
}

/** Create `folder` if needed and prove it writable with a probe file (removed at once). */
async function probeFolder(folder: string, output: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (err) {
    throw writeError(err, output);
  }
  const probe = temporaryPathFor(join(folder, '.fidkit-probe'));
  try {
    closeSync(createTemporary(probe));
  } catch (err) {
    throw writeError(err, output);
  } finally {
    rmSync(probe, { force: true });
    releaseTemporary(probe);
  }
}
