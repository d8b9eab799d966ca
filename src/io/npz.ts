/**
 * @file NumPy `.npz` archives: a zip of `<name>.npy` members, stored (`np.savez`) or deflated
 * (`np.savez_compressed`, what pytorch-fid's `--save-stats` writes). fflate does the zip work.
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { readInputFile } from './read-input.js';
import { FormatError } from '../errors.js';
import { readNpy, writeNpy, type NdArray } from './npy.js';

/**
 * Parse an `.npz` archive into its arrays, keyed by member name without `.npy`.
 * @throws {FormatError} not a zip archive, or a member that is not a valid `.npy`
 */
export function readNpz(bytes: Uint8Array, name = '.npz data'): Record<string, NdArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (err) {
    throw new FormatError(`${name} is not a readable .npz (zip) archive: ${(err as Error).message}`, { cause: err });
  }
  const out: Record<string, NdArray> = {};
  for (const [member, data] of Object.entries(files)) {
    if (!member.endsWith('.npy')) continue; // np.load ignores non-.npy members too
    out[member.slice(0, -4)] = readNpy(data, `${name}:${member}`);
  }
  return out;
}

/** Read an `.npz` file from disk. @throws {FormatError} see {@link readNpz} */
export async function readNpzFile(path: string): Promise<Record<string, NdArray>> {
  return readNpz(await readInputFile(path, '.npz file'), path);
}

/**
 * Serialise arrays as an `.npz` archive readable by `np.load`.
 * @param compress deflate the members like `np.savez_compressed` (default true)
 */
export function writeNpz(members: Record<string, NdArray>, options: { compress?: boolean } = {}): Uint8Array {
  const level = options.compress === false ? 0 : 6;
  const zippable: Zippable = {};
  for (const [key, arr] of Object.entries(members)) zippable[`${key}.npy`] = [writeNpy(arr), { level }];
  // A fixed timestamp keeps the bytes reproducible (zip stores local time, 1980 is its epoch).
  return zipSync(zippable, { mtime: new Date(1980, 0, 1, 0, 0, 0) });
}
