/**
 * @file Kernel Inception Distance with its subsets spread over worker threads. Same inputs, options,
 * subsets and per-subset arithmetic as `kernelInceptionDistance` (`kid.ts`), so the result is
 * identical to the last bit; only the wall time changes (≈ 1/threads on idle cores: each subset
 * costs ~2·10⁹ multiply-adds at the defaults and the threads share nothing but read-only features).
 *
 * The subsets are drawn here, in order, from the one seeded generator; workers get them one at a
 * time (a queue, so a slow core does not hold the others back). Features are copied once into
 * SharedArrayBuffers unless they already live in one.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError } from '../core/errors.js';
import type { FeatureMatrix } from '../core/types.js';
import { kernelInceptionDistance, kidResult, kidSubsetIndices, planKid, type KidOptions, type KidResult } from './kid.js';
import type { KidWorkerInit, KidWorkerJob, KidWorkerReply } from './kid-worker.js';

/** Must equal `KID_WORKER_MARK` in `kid-worker.ts` (not imported: that module is the worker's entry). */
const WORKER_MARK = 'fidkit-kid-worker';

export interface KidParallelOptions extends KidOptions {
  /** Worker threads (default: the machine's available parallelism; 1 = run on this thread). */
  readonly threads?: number;
  /** Called after each finished subset. */
  readonly onProgress?: (event: { readonly done: number; readonly total: number }) => void;
}

/** The features in shared memory (no copy when they already are). */
function shared(m: FeatureMatrix): FeatureMatrix {
  if (m.data.buffer instanceof SharedArrayBuffer) return m;
  const n = m.rows * m.cols;
  const data = m.data instanceof Float32Array
    ? new Float32Array(new SharedArrayBuffer(4 * n))
    : new Float64Array(new SharedArrayBuffer(8 * n));
  data.set(m.data.subarray(0, n));
  return { data, rows: m.rows, cols: m.cols };
}

/**
 * Starts a KID worker. From compiled JavaScript the worker is `kid-worker.js` next to this file;
 * when running from TypeScript sources (tests, `tsx`) it is `kid-worker.ts`, loaded through tsx's
 * loader, which is a dev dependency and only then needed.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const url = JSON.stringify(new URL('./kid-worker.ts', here).href);
    return new Worker(`import('tsx/esm/api').then((api) => { api.register(); return import(${url}); })`, { eval: true, workerData: WORKER_MARK });
  }
  return new Worker(new URL('./kid-worker.js', here), { workerData: WORKER_MARK });
}

/**
 * `kernelInceptionDistance` on several threads.
 *
 * @example await kernelInceptionDistanceParallel(real, fake, { threads: 2 })
 * @throws {InputError} as `kernelInceptionDistance`, or when `threads` is not a positive integer.
 */
export async function kernelInceptionDistanceParallel(x: FeatureMatrix, y: FeatureMatrix, options: KidParallelOptions = {}): Promise<KidResult> {
  const plan = planKid(x, y, options);
  const requested = options.threads ?? availableParallelism();
  if (!Number.isInteger(requested) || requested < 1) throw new InputError(`KID: threads must be a positive integer, got ${requested}`);
  const threads = Math.min(requested, plan.subsets);
  if (threads === 1 || plan.fullKernels) {
    const result = kernelInceptionDistance(x, y, options);
    options.onProgress?.({ done: plan.subsets, total: plan.subsets });
    return result;
  }

  const init: KidWorkerInit = { type: 'init', x: shared(x), y: shared(y), kernel: plan.kernel, subsetSize: plan.subsetSize };
  const jobs: KidWorkerJob[] = [];
  let s = 0;
  for (const [i1, i2] of kidSubsetIndices(x.rows, y.rows, plan)) jobs.push({ type: 'job', s: s++, i1, i2 });

  const values = new Float64Array(plan.subsets);
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0, done = 0, failed = false;
      const fail = (err: unknown) => { if (!failed) { failed = true; reject(err); } };
      for (let t = 0; t < threads; t++) {
        const worker = startWorker();
        workers.push(worker);
        const feed = () => { if (next < jobs.length) worker.postMessage(jobs[next++]); };
        worker.on('message', (reply: KidWorkerReply) => {
          if (reply.type === 'error') { fail(new Error(`KID worker failed: ${reply.message}`)); return; }
          values[reply.s] = reply.value;
          done++;
          options.onProgress?.({ done, total: jobs.length });
          if (done === jobs.length) resolve(); else feed();
        });
        worker.on('error', fail);
        worker.on('exit', (code) => { if (done < jobs.length) fail(new Error(`KID worker exited early with code ${code}`)); });
        worker.postMessage(init);
        feed();
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return kidResult(values, plan, x, y);
}
