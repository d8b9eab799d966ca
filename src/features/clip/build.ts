/**
 * @file Writes a CLIP image encoder's `.onnx` file from a weights source, atomically (temporary file,
 * rename; removed on Ctrl-C), in a worker thread (build-worker.ts; ../model-build.ts says why a thread:
 * here its memory is the archive and the widened float16 weights).
 */

import { writeFileAtomicWith } from '../../io/atomic-write.js';
import { runModelBuild } from '../model-build.js';
import type { ClipBuildJob, ClipWeightsSource } from './build-worker.js';

export type { ClipWeightsSource } from './build-worker.js';

/**
 * Write the image encoder `model` (a registry name, models.ts) of `weights` to `path` (atomically).
 * @throws {FidkitError} `E_WEIGHTS` for weights that are not that CLIP model, `E_FORMAT` for a file
 *   that is not a checkpoint, `E_WRITE` when `path` cannot be written; nothing is left behind then.
 */
export async function writeClipModelFile(path: string, model: string, weights: ClipWeightsSource): Promise<void> {
  await writeFileAtomicWith(path, (fd) => runModelBuild(new URL('./build-worker.js', import.meta.url), { model, weights, fd } satisfies ClipBuildJob, 'CLIP'));
}
