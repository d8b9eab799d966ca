/**
 * @file Read a user-named file whole (or open it to read in pieces), turning file-system failures
 * into errors that say what to do (a missing path, a permission problem, a folder where a file was expected) instead of raw
 * ENOENT/EACCES exceptions.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { FidkitError, InputError } from '../core/errors.js';

/**
 * @param what how to call the file in messages ("image", ".npz file", …)
 * @throws {FidkitError} `E_NOT_FOUND` for a missing path; {InputError} when it cannot be read
 */
export async function readInputFile(path: string, what = 'file'): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    throw inputFileError(err, path, what);
  }
}

/**
 * Open a user-named file for reading in pieces (the caller closes it); failures as {@link readInputFile}.
 * @throws {FidkitError} `E_NOT_FOUND` for a missing path; {InputError} when it cannot be opened
 */
export async function openInputFile(path: string, what = 'file'): Promise<FileHandle> {
  try {
    const handle = await open(path, 'r');
    const info = await handle.stat();
    if (info.isDirectory()) {
      await handle.close();
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    return handle;
  } catch (err) {
    throw inputFileError(err, path, what);
  }
}

/** The error to show for a failed open or read of a user-named file. */
export function inputFileError(err: unknown, path: string, what: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FidkitError('E_NOT_FOUND', `${what} not found: ${path}: check the path`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM') {
    return new InputError(`cannot read ${path}: permission denied: fix its permissions (chmod a+r) or remove it`, { cause: err });
  }
  if (code === 'EISDIR') return new InputError(`${path} is a folder, where a file (${what}) was expected`, { cause: err });
  return new InputError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
}
