/**
 * @file Worker-thread side of `writeDinov2ModelFiles` (build.ts): opens the weights (a `.pth` streamed
 * through a file handle, or the hash weights generated tensor by tensor), checks them against the
 * DINOv2 layout and writes the ONNX model and its external data file piece by piece to the two file
 * descriptors it is given. At most one weight tensor is in memory at a time (ViT-g/14's largest:
 * 50 MB). It only acts when started by build.ts (marked by `workerData`).
 */

import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { FidkitError } from '../../core/errors.js';
import { openPthFile } from '../../io/pth.js';
import { dinov2Arch } from './arch.js';
import { dinov2ModelParts } from './graph.js';
import { hashDinov2StateDict } from './hash-weights.js';

/** Where the weights come from. */
export type Dinov2WeightsSource = { readonly kind: 'pth'; readonly path: string } | { readonly kind: 'hash' };

/** The job build.ts sends in `workerData`. */
export interface Dinov2BuildJob {
  readonly mark: typeof DINOV2_BUILD_WORKER_MARK;
  readonly model: string;
  readonly weights: Dinov2WeightsSource;
  /** The external data file's name as the model refers to it (next to the model). */
  readonly dataFile: string;
  /** Open, empty files for the model and for its weights. */
  readonly modelFd: number;
  readonly dataFd: number;
}

export type Dinov2BuildReply = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly code?: string; readonly message: string; readonly stack?: string };

export const DINOV2_BUILD_WORKER_MARK = 'fidkit-dinov2-build-worker';

function writeAll(fd: number, part: Uint8Array): void {
  for (let offset = 0; offset < part.length; ) offset += writeSync(fd, part, offset, part.length - offset);
}

/** Writes the model of `job.weights` to the two descriptors; returns the bytes written. */
export async function buildToFds(job: Omit<Dinov2BuildJob, 'mark'>): Promise<number> {
  const arch = dinov2Arch(job.model);
  const opened = job.weights.kind === 'hash' ? { stateDict: hashDinov2StateDict(arch), close: () => {} } : await openPthFile(job.weights.path);
  const source = job.weights.kind === 'hash' ? `${arch.name} hash weights` : job.weights.path;
  try {
    const { model, data } = dinov2ModelParts(opened.stateDict, arch, job.dataFile, source);
    let written = 0;
    for (const part of data.parts) {
      writeAll(job.dataFd, part);
      written += part.length;
    }
    writeAll(job.modelFd, model);
    return written + model.length;
  } finally {
    opened.close();
  }
}

const job = workerData as Dinov2BuildJob | undefined;
if (parentPort !== null && job?.mark === DINOV2_BUILD_WORKER_MARK) {
  const port = parentPort;
  buildToFds(job).then(
    (bytes) => port.postMessage({ ok: true, bytes } satisfies Dinov2BuildReply),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      const code = err instanceof FidkitError ? err.code : (err as NodeJS.ErrnoException)?.code;
      port.postMessage({ ok: false, code, message: e.message, stack: e.stack } satisfies Dinov2BuildReply);
    },
  );
}
