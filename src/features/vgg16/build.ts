/**
 * @file Writes the VGG16 `.onnx` file from a weights source, atomically (temporary file, rename;
 * removed on Ctrl-C), in a worker thread (build-worker.ts; ../model-build.ts says why a thread).
 */

import { writeFileAtomicWith } from '../../io/atomic-write.js';
import { runModelBuild } from '../model-build.js';
import type { Vgg16BuildJob, Vgg16WeightsSource } from './build-worker.js';

export type { Vgg16WeightsSource } from './build-worker.js';

/**
 * Write the VGG16 model of `weights` to `path` (atomically).
 * @throws {FidkitError} `E_WEIGHTS` for weights that are not torchvision's VGG16, `E_FORMAT` for a file
 *   that is not a checkpoint, `E_WRITE` when `path` cannot be written; nothing is left behind then.
 */
export async function writeVgg16ModelFile(path: string, weights: Vgg16WeightsSource): Promise<void> {
  await writeFileAtomicWith(path, (fd) => runModelBuild(new URL('./build-worker.js', import.meta.url), { weights, fd } satisfies Vgg16BuildJob, 'VGG16'));
}
