/**
 * @file Worker-thread side of `writeDinov2ModelFiles` (build.ts, through ../model-build.ts): opens the weights (a `.pth` streamed
 * through a file handle, or the hash weights generated tensor by tensor), checks them against the
 * DINOv2 layout and writes the ONNX model and its external data file piece by piece to the two file
 * descriptors it is given. At most one weight tensor is in memory at a time (ViT-g/14's largest:
 * 50 MB). Importing it anywhere else does nothing.
 */

import { openPthFile } from '../../io/pth.js';
import { serveModelBuild, writeAllSync, type ModelWeightsSource } from '../model-build.js';
import { dinov2Arch } from './arch.js';
import { dinov2ModelParts } from './graph.js';
import { hashDinov2StateDict } from './hash-weights.js';

/** Where the weights come from. */
export type Dinov2WeightsSource = ModelWeightsSource;

/** The job build.ts sends. */
export interface Dinov2BuildJob {
  readonly model: string;
  readonly weights: Dinov2WeightsSource;
  /** The external data file's name as the model refers to it (next to the model). */
  readonly dataFile: string;
  /** Open, empty files for the model and for its weights. */
  readonly modelFd: number;
  readonly dataFd: number;
}

/** Writes the model of `job.weights` to the two descriptors; returns the bytes written. */
export async function buildToFds(job: Dinov2BuildJob): Promise<number> {
  const arch = dinov2Arch(job.model);
  const opened = job.weights.kind === 'hash' ? { stateDict: hashDinov2StateDict(arch), close: () => {} } : await openPthFile(job.weights.path);
  const source = job.weights.kind === 'hash' ? `${arch.name} hash weights` : job.weights.path;
  try {
    const { model, data } = dinov2ModelParts(opened.stateDict, arch, job.dataFile, source);
    let written = 0;
    for (const part of data.parts) {
      writeAllSync(job.dataFd, part);
      written += part.length;
    }
    writeAllSync(job.modelFd, model);
    return written + model.length;
  } finally {
    opened.close();
  }
}

serveModelBuild(import.meta.url, buildToFds);
