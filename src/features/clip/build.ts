/**
 * @file Writes a CLIP image encoder's `.onnx` file from a weights source, atomically (temporary file,
 * rename; removed on Ctrl-C), in a worker thread (build-worker.ts) — the VGG16 extractor's pattern
 * (see ../vgg16/build.ts for why a thread: its memory, the archive and the widened float16 weights, is
 * freed when it ends, before ONNX Runtime reads its own copy of the weights).
 */

import { Worker } from 'node:worker_threads';
import { FidkitError, type ErrorCode } from '../../core/errors.js';
import { writeFileAtomicWith } from '../../io/atomic-write.js';
import { CLIP_BUILD_WORKER_MARK, type ClipBuildJob, type ClipBuildReply, type ClipWeightsSource } from './build-worker.js';

export type { ClipWeightsSource } from './build-worker.js';

/**
 * Write the image encoder `model` (a registry name, models.ts) of `weights` to `path` (atomically).
 * @throws {FidkitError} `E_WEIGHTS` for weights that are not that CLIP model, `E_FORMAT` for a file
 *   that is not a checkpoint, `E_WRITE` when `path` cannot be written; nothing is left behind then.
 */
export async function writeClipModelFile(path: string, model: string, weights: ClipWeightsSource): Promise<void> {
  await writeFileAtomicWith(path, (fd) => runWorker({ mark: CLIP_BUILD_WORKER_MARK, model, weights, fd }));
}

function runWorker(job: ClipBuildJob): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(job);
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve();
    };
    worker.once('message', (reply: ClipBuildReply) => {
      if (reply.ok) settle();
      else settle(rebuildError(reply));
    });
    worker.once('error', (err) => settle(err));
    worker.once('exit', (code) => settle(new Error(`the CLIP build thread stopped (exit code ${code}) before writing the model`)));
  });
}

const CODES: readonly ErrorCode[] = ['E_INPUT', 'E_FORMAT', 'E_NOT_FOUND', 'E_USAGE', 'E_WEIGHTS', 'E_CHECK', 'E_WRITE'];

/** The worker's error on this side: a FidkitError with its code, an fs error with its errno code (atomic-write turns it into E_WRITE), else a plain Error. */
function rebuildError(reply: Extract<ClipBuildReply, { ok: false }>): Error {
  if (reply.code && (CODES as readonly string[]).includes(reply.code)) return new FidkitError(reply.code as ErrorCode, reply.message);
  const err = new Error(reply.message) as NodeJS.ErrnoException;
  if (reply.code) err.code = reply.code;
  if (reply.stack) err.stack = reply.stack;
  return err;
}

/**
 * From compiled JavaScript the worker is `build-worker.js` next to this file; from TypeScript sources
 * (tests, `tsx`) it is `build-worker.ts`, loaded through tsx's loader (a dev dependency, only then needed).
 */
function startWorker(job: ClipBuildJob): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const url = JSON.stringify(new URL('./build-worker.ts', here).href);
    return new Worker(`import('tsx/esm/api').then((api) => { api.register(); return import(${url}); })`, { eval: true, workerData: job });
  }
  return new Worker(new URL('./build-worker.js', here), { workerData: job });
}
