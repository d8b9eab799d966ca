/**
 * @file Worker-thread side of `writeVgg16ModelFile` (build.ts, through ../model-build.ts): reads the
 * weights (a `.pth`, or the hash weights generated tensor by tensor), checks them against torchvision's
 * VGG16 layout and writes the ONNX model piece by piece to the file descriptor it is given. Its memory —
 * the `.pth` bytes, which the model's pieces are views of — is returned to the system when the thread
 * ends, before ONNX Runtime loads the model. Importing it anywhere else does nothing.
 */

import { readPth } from '../../io/pth.js';
import { serveModelBuild, writeAllSync, type ModelWeightsSource } from '../model-build.js';
import { vgg16ModelParts } from './graph.js';
import { hashVgg16StateDict } from './hash-weights.js';
import { assertVgg16StateDict } from './state-dict.js';

/** Where the weights come from. */
export type Vgg16WeightsSource = ModelWeightsSource;

/** The job build.ts sends. */
export interface Vgg16BuildJob {
  readonly weights: Vgg16WeightsSource;
  /** An open, empty file to write the model to. */
  readonly fd: number;
}

/** Writes the model of `job.weights` to `job.fd`; returns the bytes written. */
export async function buildToFd({ weights, fd }: Vgg16BuildJob): Promise<number> {
  const { stateDict, source } =
    weights.kind === 'hash' ? { stateDict: hashVgg16StateDict(), source: 'VGG16 hash weights' } : { stateDict: (await readPth(weights.path)).stateDict, source: weights.path };
  assertVgg16StateDict(stateDict, source);
  let written = 0;
  for (const part of vgg16ModelParts(stateDict, { source }).parts) {
    writeAllSync(fd, part);
    written += part.length;
  }
  return written;
}

serveModelBuild(import.meta.url, buildToFd);
