/**
 * @file Runs an extractor's model build (`<extractor>/build-worker.ts`: weights in, `.onnx` bytes
 * written to open file descriptors) in a worker thread, and carries its one reply back — the plumbing
 * the VGG16, CLIP and DINOv2 extractors share; each keeps only its job type and its build function.
 *
 * Why a thread: a model is written straight from the weights (views of the `.pth` bytes, float16
 * weights widened to float32, or hash weights generated tensor by tensor), so while it is built they
 * are in memory once more than ONNX Runtime will need. A thread's memory is freed when it ends, where
 * this thread's would wait for a garbage collection that nothing triggers (the next big allocations are
 * ONNX Runtime's, outside V8's view). So the process never holds the weights it read and ONNX
 * Runtime's copy of them at the same time (VGG16: 528 MB each).
 */

import { writeSync } from 'node:fs';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { FidkitError, type ErrorCode } from '../core/errors.js';

/** Where a model's weights come from, as its build worker reads them: a checkpoint file, or the test hash weights. */
export type ModelWeightsSource = { readonly kind: 'pth'; readonly path: string } | { readonly kind: 'hash' };

/** What the worker thread receives: the job, marked with the worker file it is meant for. */
interface Envelope<J> {
  readonly worker: string;
  readonly job: J;
}

/** The one reply: done, or the error (a FidkitError's code is kept so the error is rethrown as one). */
type Reply = { readonly ok: true } | { readonly ok: false; readonly fidkit: boolean; readonly code?: string; readonly message: string; readonly stack?: string };

/** True when this module runs from TypeScript sources (tests, `tsx`) rather than compiled JavaScript. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/**
 * Run `job` in a new thread on the worker module `workerUrl` (given as its compiled `.js` URL, next to
 * the caller); resolves when the worker has built the model. `label` names the model in the message of
 * a thread that stops without replying.
 * @throws what the worker's build threw: a FidkitError with its code, an fs error with its errno code
 *   (atomic-write turns it into E_WRITE), else a plain Error with the worker's message and stack.
 */
export function runModelBuild<J>(workerUrl: URL, job: J, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(workerUrl, job);
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve();
    };
    worker.once('message', (reply: Reply) => (reply.ok ? settle() : settle(rebuildError(reply))));
    worker.once('error', (err) => settle(err));
    worker.once('exit', (code) => settle(new Error(`the ${label} build thread stopped (exit code ${code}) before writing the model`)));
  });
}

function rebuildError(reply: Extract<Reply, { ok: false }>): Error {
  if (reply.fidkit) return new FidkitError(reply.code as ErrorCode, reply.message);
  const err = new Error(reply.message) as NodeJS.ErrnoException;
  if (reply.code) err.code = reply.code;
  if (reply.stack) err.stack = reply.stack;
  return err;
}

/**
 * From compiled JavaScript the worker is the `.js` file itself; from TypeScript sources it is the `.ts`
 * file next to it, loaded through tsx's loader (a dev dependency, only then needed).
 */
function startWorker<J>(workerUrl: URL, job: J): Worker {
  if (!FROM_SOURCES) return new Worker(workerUrl, { workerData: { worker: workerUrl.href, job } satisfies Envelope<J> });
  const href = workerUrl.href.replace(/\.js$/, '.ts');
  const workerData: Envelope<J> = { worker: href, job };
  return new Worker(`import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(href)}); })`, { eval: true, workerData });
}

/**
 * The worker side, called at the top level of a build-worker module with its own `import.meta.url`:
 * when this thread was started by {@link runModelBuild} for that module, runs `build` on the job and
 * replies; anywhere else (the module imported for its types or its build function) it does nothing.
 */
export function serveModelBuild<J>(workerUrl: string, build: (job: J) => Promise<unknown>): void {
  const envelope = workerData as Envelope<J> | undefined;
  if (parentPort === null || envelope?.worker !== workerUrl) return;
  const port = parentPort;
  build(envelope.job).then(
    () => port.postMessage({ ok: true } satisfies Reply),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      const fidkit = err instanceof FidkitError;
      const code = fidkit ? err.code : (err as NodeJS.ErrnoException)?.code;
      port.postMessage({ ok: false, fidkit, code, message: e.message, stack: e.stack } satisfies Reply);
    },
  );
}

/** Write all of `bytes` to `fd` (writeSync may write less than asked). */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}
