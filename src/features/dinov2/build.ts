/**
 * @file Writes a DINOv2 model — `<name>.onnx` and its weights `<name>.onnx.data` next to it — atomically
 * (temporary files, renamed into place: the data first, so a model file present means a complete pair;
 * removed on Ctrl-C), in a worker thread (build-worker.ts; ../model-build.ts says why a thread).
 */

import { basename } from 'node:path';
import { writeFileAtomicWith } from '../../io/atomic-write.js';
import { runModelBuild } from '../model-build.js';
import type { Dinov2BuildJob, Dinov2WeightsSource } from './build-worker.js';

export type { Dinov2WeightsSource } from './build-worker.js';

/** The external data file of the model at `modelPath`. */
export const dinov2DataPath = (modelPath: string): string => `${modelPath}.data`;

/**
 * Write the model `name` of `weights` to `modelPath` and its data file ({@link dinov2DataPath}).
 * @throws {FidkitError} `E_WEIGHTS` for weights that are not that DINOv2 model, `E_FORMAT` for a file that is
 *   not a checkpoint, `E_WRITE` when the files cannot be written; nothing is left behind then.
 */
export async function writeDinov2ModelFiles(modelPath: string, name: string, weights: Dinov2WeightsSource): Promise<void> {
  const dataPath = dinov2DataPath(modelPath);
  await writeFileAtomicWith(modelPath, (modelFd) =>
    writeFileAtomicWith(dataPath, (dataFd) =>
      runModelBuild(new URL('./build-worker.js', import.meta.url), { model: name, weights, dataFile: basename(dataPath), modelFd, dataFd } satisfies Dinov2BuildJob, 'DINOv2'),
    ),
  );
}
