/**
 * @file Worker-thread side of `writeVgg16ModelFile` (build.ts): reads the weights (a `.pth`, or the
 * hash weights generated tensor by tensor), checks them against torchvision's VGG16 layout and writes
 * the ONNX model piece by piece to the file descriptor it is given. Its memory — the `.pth` bytes,
 * which the model's pieces are views of — is returned to the system when the thread ends, before
 * ONNX Runtime loads the model. It only acts when started by build.ts (marked by `workerData`), so
 * importing it anywhere else does nothing.
 */

import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { FidkitError } from '../../core/errors.js';
import { readPth } from '../../io/pth.js';
import { vgg16ModelParts } from './graph.js';
import { hashVgg16StateDict } from './hash-weights.js';
import { assertVgg16StateDict } from './state-dict.js';

/** Where the weights come from. */
export type Vgg16WeightsSource = { readonly kind: 'pth'; readonly path: string } | { readonly kind: 'hash' };

/** The job build.ts sends in `workerData`. */
export interface Vgg16BuildJob {
  readonly mark: typeof VGG16_BUILD_WORKER_MARK;
  readonly weights: Vgg16WeightsSource;
  /** An open, empty file to write the model to. */
  readonly fd: number;
}

/** The one reply: done, or the error (a FidkitError's code is kept so build.ts can rethrow it as one). */
export type Vgg16BuildReply = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly code?: string; readonly message: string; readonly stack?: string };

export const VGG16_BUILD_WORKER_MARK = 'fidkit-vgg16-build-worker';

/** Writes the model of `weights` to `fd`; returns the bytes written. */
export async function buildToFd(weights: Vgg16WeightsSource, fd: number): Promise<number> {
  const { stateDict, source } =
    weights.kind === 'hash' ? { stateDict: hashVgg16StateDict(), source: 'VGG16 hash weights' } : { stateDict: (await readPth(weights.path)).stateDict, source: weights.path };
  assertVgg16StateDict(stateDict, source);
  let written = 0;
  for (const part of vgg16ModelParts(stateDict, { source }).parts) {
    for (let offset = 0; offset < part.length; ) offset += writeSync(fd, part, offset, part.length - offset);
    written += part.length;
  }
  return written;
}

const job = workerData as Vgg16BuildJob | undefined;
if (parentPort !== null && job?.mark === VGG16_BUILD_WORKER_MARK) {
  const port = parentPort;
  buildToFd(job.weights, job.fd).then(
    (bytes) => port.postMessage({ ok: true, bytes } satisfies Vgg16BuildReply),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      const code = err instanceof FidkitError ? err.code : (err as NodeJS.ErrnoException)?.code;
      port.postMessage({ ok: false, code, message: e.message, stack: e.stack } satisfies Vgg16BuildReply);
    },
  );
}
