/**
 * @file Writes a DINOv2 model — `<name>.onnx` and its weights `<name>.onnx.data` next to it — atomically
 * (temporary files, renamed into place: the data first, so a model file present means a complete pair;
 * removed on Ctrl-C), in a worker thread (build-worker.ts), whose memory is returned to the system when
 * it ends, before ONNX Runtime loads its own copy of the weights.
 */

import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import { FidkitError, type ErrorCode } from '../../core/errors.js';
import { writeFileAtomicWith } from '../../io/atomic-write.js';
import { DINOV2_BUILD_WORKER_MARK, type Dinov2BuildJob, type Dinov2BuildReply, type Dinov2WeightsSource } from './build-worker.js';

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
    writeFileAtomicWith(dataPath, (dataFd) => runWorker({ mark: DINOV2_BUILD_WORKER_MARK, model: name, weights, dataFile: basename(dataPath), modelFd, dataFd })),
  );
}

function runWorker(job: Dinov2BuildJob): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(job);
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve();
    };
    worker.once('message', (reply: Dinov2BuildReply) => (reply.ok ? settle() : settle(rebuildError(reply))));
    worker.once('error', (err) => settle(err));
    worker.once('exit', (code) => settle(new Error(`the DINOv2 build thread stopped (exit code ${code}) before writing the model`)));
  });
}

const CODES: readonly ErrorCode[] = ['E_INPUT', 'E_FORMAT', 'E_NOT_FOUND', 'E_USAGE', 'E_WEIGHTS', 'E_CHECK', 'E_WRITE'];

function rebuildError(reply: Extract<Dinov2BuildReply, { ok: false }>): Error {
  if (reply.code && (CODES as readonly string[]).includes(reply.code)) return new FidkitError(reply.code as ErrorCode, reply.message);
  const err = new Error(reply.message) as NodeJS.ErrnoException;
  if (reply.code) err.code = reply.code;
  if (reply.stack) err.stack = reply.stack;
  return err;
}

/** From compiled JavaScript the worker is `build-worker.js`; from TypeScript sources (tests, tsx) `build-worker.ts` through tsx's loader. */
function startWorker(job: Dinov2BuildJob): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const url = JSON.stringify(new URL('./build-worker.ts', here).href);
    return new Worker(`import('tsx/esm/api').then((api) => { api.register(); return import(${url}); })`, { eval: true, workerData: job });
  }
  return new Worker(new URL('./build-worker.js', here), { workerData: job });
}
