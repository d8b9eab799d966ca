/**
 * @file Worker-thread side of `writeClipModelFile` (build.ts, through ../model-build.ts): reads the
 * weights (an OpenAI TorchScript archive or any `.pth` state dict of CLIP, or the hash weights generated
 * tensor by tensor), checks the image tower against the model's layout and writes the ONNX model piece by
 * piece to the file descriptor it is given. Its memory — the archive's bytes and the float16 weights
 * widened to float32 — is returned to the system when the thread ends, before ONNX Runtime loads the
 * model. Importing it anywhere else does nothing.
 */

import { readPth } from '../../io/pth.js';
import { serveModelBuild, writeAllSync, type ModelWeightsSource } from '../model-build.js';
import { clipModelParts } from './graph.js';
import { hashClipStateDict } from './hash-weights.js';
import { clipModel } from './models.js';

/** Where the weights come from. */
export type ClipWeightsSource = ModelWeightsSource;

/** The job build.ts sends. */
export interface ClipBuildJob {
  /** The model's registry name (models.ts). */
  readonly model: string;
  readonly weights: ClipWeightsSource;
  /** An open, empty file to write the model to. */
  readonly fd: number;
}

/** Writes the model of `job.weights` to `job.fd`; returns the bytes written. */
export async function buildToFd({ model, weights, fd }: ClipBuildJob): Promise<number> {
  const m = clipModel(model);
  const { stateDict, source } =
    weights.kind === 'hash' ? { stateDict: hashClipStateDict(m), source: `CLIP ${m.title} hash weights` } : { stateDict: (await readPth(weights.path)).stateDict, source: weights.path };
  let written = 0;
  for (const part of clipModelParts(stateDict, m, source).parts) {
    writeAllSync(fd, part);
    written += part.length;
  }
  return written;
}

serveModelBuild(import.meta.url, buildToFd);
