/**
 * @file Worker-thread side of `writeClipModelFile` (build.ts): reads the weights (an OpenAI TorchScript
 * archive or any `.pth` state dict of CLIP, or the hash weights generated tensor by tensor), checks the
 * image tower against the model's layout and writes the ONNX model piece by piece to the file descriptor
 * it is given. Its memory — the archive's bytes and the float16 weights widened to float32 — is returned to
 * the system when the thread ends, before ONNX Runtime loads the model. It only acts when started by
 * build.ts (marked by `workerData`), so importing it anywhere else does nothing.
 */

import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { FidkitError } from '../../core/errors.js';
import { readPth } from '../../io/pth.js';
import { clipModelParts } from './graph.js';
import { hashClipStateDict } from './hash-weights.js';
import { clipModel } from './models.js';

/** Where the weights come from. */
export type ClipWeightsSource = { readonly kind: 'pth'; readonly path: string } | { readonly kind: 'hash' };

/** The job build.ts sends in `workerData`. */
export interface ClipBuildJob {
  readonly mark: typeof CLIP_BUILD_WORKER_MARK;
  /** The model's registry name (models.ts). */
  readonly model: string;
  readonly weights: ClipWeightsSource;
  /** An open, empty file to write the model to. */
  readonly fd: number;
}

/** The one reply: done, or the error (a FidkitError's code is kept so build.ts can rethrow it as one). */
export type ClipBuildReply = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly code?: string; readonly message: string; readonly stack?: string };

export const CLIP_BUILD_WORKER_MARK = 'fidkit-clip-build-worker';

/** Writes the model of `weights` to `fd`; returns the bytes written. */
export async function buildToFd(modelName: string, weights: ClipWeightsSource, fd: number): Promise<number> {
  const m = clipModel(modelName);
  const { stateDict, source } =
    weights.kind === 'hash' ? { stateDict: hashClipStateDict(m), source: `CLIP ${m.title} hash weights` } : { stateDict: (await readPth(weights.path)).stateDict, source: weights.path };
  let written = 0;
  for (const part of clipModelParts(stateDict, m, source).parts) {
    for (let offset = 0; offset < part.length; ) offset += writeSync(fd, part, offset, part.length - offset);
    written += part.length;
  }
  return written;
}

const job = workerData as ClipBuildJob | undefined;
if (parentPort !== null && job?.mark === CLIP_BUILD_WORKER_MARK) {
  const port = parentPort;
  buildToFd(job.model, job.weights, job.fd).then(
    (bytes) => port.postMessage({ ok: true, bytes } satisfies ClipBuildReply),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      const code = err instanceof FidkitError ? err.code : (err as NodeJS.ErrnoException)?.code;
      port.postMessage({ ok: false, code, message: e.message, stack: e.stack } satisfies ClipBuildReply);
    },
  );
}
