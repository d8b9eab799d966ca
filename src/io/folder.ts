/**
 * @file Listing the images of a folder, in the order the Python tools feed them to the network.
 *
 * pytorch-fid globs `*.{bmp,jpg,jpeg,pgm,png,ppm,tif,tiff,webp}` and sorts the paths; torch-fidelity
 * does the same with lower-cased extensions. fidkit matches extensions case-insensitively (`.PNG`
 * counts), sorts full paths in Unicode code-point order (Python's `sorted` on `str`, not JavaScript's
 * UTF-16 order) and follows symbolic links. Hidden entries (names starting with ".") are skipped and
 * counted, as torch-fidelity's and clean-fid's `glob.glob` skip them (this keeps macOS `._x.png`
 * resource forks out); pytorch-fid's `pathlib.glob` would include them: `includeHidden` does that.
 * Other files are not an error: they are counted so the CLI can report them. Order matters only for per-image outputs
 * (`features.npy` rows, KID subsets); FID and IS statistics do not depend on it.
 */

import { optionRef } from '../options/mention.js';
import { IMAGE_EXTENSIONS } from '../options/schema.js';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { FidkitError, InputError } from '../core/errors.js';

/** Extensions listed by default: pytorch-fid's `IMAGE_EXTENSIONS` (the options schema's default of `--ext`). */
export { IMAGE_EXTENSIONS } from '../options/schema.js';

/** Options of {@link listImages}. */
export interface ListImagesOptions {
  /** Descend into subfolders (default false, as pytorch-fid). */
  readonly recursive?: boolean;
  /** Extensions to accept, with or without the dot, any case; default {@link IMAGE_EXTENSIONS}. */
  readonly extensions?: readonly string[];
  /** Also list hidden files and enter hidden folders (names starting with "."), as pytorch-fid does; default false. */
  readonly includeHidden?: boolean;
}

/** What {@link listImages} found. */
export interface ImageListing {
  /** Image paths (`folder` joined with the relative path), sorted in code-point order. */
  readonly files: string[];
  /** Files seen that do not have an image extension (hidden files not included). */
  readonly ignored: number;
  /** Subfolders found but not entered (always 0 with `recursive`). */
  readonly subfolders: number;
  /** Hidden entries skipped (0 with `includeHidden`). */
  readonly hidden: number;
}

/** Compare two strings by Unicode code points, as Python sorts `str` (JavaScript's `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++; // both are the same surrogate pair
  }
  return a.length - b.length;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/**
 * List the images of a folder, sorted as pytorch-fid and torch-fidelity sort them.
 *
 * @example
 * const { files, ignored } = await listImages('samples/', { recursive: true });
 * @throws {FidkitError} `E_NOT_FOUND` when `folder` does not exist.
 * @throws {InputError} when `folder` is not a folder, holds no images (the message says whether it has
 *   subfolders, then the fix is `--recursive`, or other files), or a file or subfolder cannot be read.
 */
export async function listImages(folder: string, options: ListImagesOptions = {}): Promise<ImageListing> {
  const recursive = options.recursive ?? false;
  const includeHidden = options.includeHidden ?? false;
  const extensions = new Set((options.extensions ?? IMAGE_EXTENSIONS).map((e) => e.replace(/^\./, '').toLowerCase()));
  if (extensions.size === 0) throw new InputError('no image extensions given: pass at least one, e.g. png,jpg');
  const extList = [...extensions].join(',');

  let top;
  try {
    top = await stat(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new FidkitError('E_NOT_FOUND', `folder not found: ${folder}: check the path`, { cause: err });
    }
    throw new InputError(`cannot open ${folder}: ${(err as Error).message}`, { cause: err });
  }
  if (!top.isDirectory()) {
    throw new InputError(`${folder} is a file, not a folder: pass the folder that holds the images`);
  }

  const files: string[] = [];
  let ignored = 0;
  let subfolders = 0;
  let hidden = 0;
  const visited = new Set<string>(); // real paths of folders entered, against symlink loops

  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message;
      throw new InputError(`cannot read folder ${dir}: ${why}: fix its permissions (chmod a+rx) or move it out`, {
        cause: err,
      });
    }
    for (const entry of entries) {
      if (!includeHidden && entry.name.startsWith('.')) {
        hidden++;
        continue;
      }
      const path = join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = await stat(path);
          isDir = target.isDirectory();
          isFile = target.isFile();
        } catch {
          // A dangling link is not an image; count it with the other ignored entries.
          ignored++;
          continue;
        }
      }
      if (isDir) {
        if (recursive) await walk(path);
        else subfolders++;
      } else if (isFile && extensions.has(extensionOf(entry.name))) {
        files.push(path);
      } else {
        ignored++;
      }
    }
  };
  await walk(folder);

  if (files.length === 0) {
    if (subfolders > 0) {
      throw new InputError(
        `${folder} has no images (${extList}) but ${subfolders} subfolder${subfolders === 1 ? '' : 's'}: ` +
          `pass ${optionRef('recursive')} to include the images in subfolders`,
      );
    }
    const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
    const seen = [
      ...(ignored > 0 ? [`${plural(ignored, 'other file')} ignored`] : []),
      ...(hidden > 0 ? [`${plural(hidden, 'hidden file')} skipped`] : []),
    ];
    const what = seen.length > 0 ? seen.join(', ') : 'it is empty';
    throw new InputError(`${folder} has 0 images with extensions ${extList} (${what}): check the path or pass ${optionRef('extensions')}`);
  }
  files.sort(compareCodePoints);
  await checkReadable(files);
  return { files, ignored, subfolders, hidden };
}

/**
 * What identifies a listing wherever the folder is mounted: `sha256:` of each image's path
 * relative to `folder` and its size, in listing order. Two machines holding the same dataset under
 * different paths agree; a different or changed dataset does not.
 */
export async function listingIdentity(folder: string, files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) h.update(`${relative(folder, f)}\t${(await stat(f)).size}\n`);
  return `sha256:${h.digest('hex')}`;
}

/** Fail before any work starts when a listed file cannot be read (permissions). */
async function checkReadable(files: readonly string[]): Promise<void> {
  const CHUNK = 256;
  for (let i = 0; i < files.length; i += CHUNK) {
    await Promise.all(
      files.slice(i, i + CHUNK).map(async (file) => {
        try {
          await access(file, constants.R_OK);
        } catch (err) {
          throw new InputError(`cannot read ${file}: permission denied: fix its permissions (chmod a+r) or remove it`, {
            cause: err,
          });
        }
      }),
    );
  }
}
