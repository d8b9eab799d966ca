/**
 * @file Read a user-named file whole, turning file-system failures into errors that say what to
 * do (a missing path, a permission problem, a folder where a file was expected) instead of raw
 * ENOENT/EACCES exceptions.
 */
import { readFile } from 'node:fs/promises';
import { FidkitError, InputError } from '../core/errors.js';

/**
 * @param what how to call the file in messages ("image", ".npz file", …)
 * @throws {FidkitError} `E_NOT_FOUND` for a missing path; {InputError} when it cannot be read
 */
export async function readInputFile(path: string, what = 'file'): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FidkitError('E_NOT_FOUND', `${what} not found: ${path}: check the path`, { cause: err });
    if (code === 'EACCES' || code === 'EPERM') {
      throw new InputError(`cannot read ${path}: permission denied: fix its permissions (chmod a+r) or remove it`, { cause: err });
    }
    if (code === 'EISDIR') throw new InputError(`${path} is a folder, where a file (${what}) was expected`, { cause: err });
    throw new InputError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}
