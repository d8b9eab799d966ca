/**
 * @file Writes the VGG16 `.onnx` file from a weights source, atomically (temporary file, rename;
 * removed on Ctrl-C), in a worker thread (build-worker.ts).
 *
 * Why a thread: the model is written straight from views of the `.pth` bytes, so the 528 MB of
 * weights are in memory once while it is built — and a thread's memory is freed when it ends, where
 * this thread's would wait for a garbage collection that nothing triggers (the next big allocations
 * are ONNX Runtime's, outside V8's view). So the process never holds the `.pth` and ONNX Runtime's
 * copy of the weights at the same time.
 */

import { Worker } from 'node:worker_threads';
import { FidkitError, type ErrorCode } from '../../core/errors.js';
import { writeFileAtomicWith } from '../../io/atomic-write.js';
import { VGG16_BUILD_WORKER_MARK, type Vgg16BuildJob, type Vgg16BuildReply, type Vgg16WeightsSource } from './build-worker.js';

export type { Vgg16WeightsSource } from './build-worker.js';

/**
 * Write the VGG16 model of `weights` to `path` (atomically).
 * @throws {FidkitError} `E_WEIGHTS` for weights that are not torchvision's VGG16, `E_FORMAT` for a file
 *   that is not a checkpoint, `E_WRITE` when `path` cannot be written; nothing is left behind then.
 */
export async function writeVgg16ModelFile(path: string, weights: Vgg16WeightsSource): Promise<void> {
  await writeFileAtomicWith(path, (fd) => runWorker({ mark: VGG16_BUILD_WORKER_MARK, weights, fd }));
}

function runWorker(job: Vgg16BuildJob): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(job);
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve();
    };
    worker.once('message', (reply: Vgg16BuildReply) => {
      if (reply.ok) settle();
      else settle(rebuildError(reply));
    });
    worker.once('error', (err) => settle(err));
    worker.once('exit', (code) => settle(new Error(`the VGG16 build thread stopped (exit code ${code}) before writing the model`)));
  });
}

const CODES: readonly ErrorCode[] = ['E_INPUT', 'E_FORMAT', 'E_NOT_FOUND', 'E_USAGE', 'E_WEIGHTS', 'E_CHECK', 'E_WRITE'];

/** The worker's error on this side: a FidkitError with its code, an fs error with its errno code (atomic-write turns it into E_WRITE), else a plain Error. */
function rebuildError(reply: Extract<Vgg16BuildReply, { ok: false }>): Error {
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
function startWorker(job: Vgg16BuildJob): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const url = JSON.stringify(new URL('./build-worker.ts', here).href);
    return new Worker(`import('tsx/esm/api').then((api) => { api.register(); return import(${url}); })`, { eval: true, workerData: job });
  }
  return new Worker(new URL('./build-worker.js', here), { workerData: job });
}
