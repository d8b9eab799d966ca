/**
 * @file Kernel Inception Distance on every core. Same inputs, options, subsets and per-subset
 * arithmetic as `kernelInceptionDistance` (`kid.ts`); only the Gram engine and the wall time change.
 *
 * - Large jobs (≥ 2·10⁹ multiply-adds, e.g. the defaults on 1000+ samples) run their Gram products
 *   on ONNX Runtime's float64 GEMM (`linalg/gram-onnx.ts`) with `threads` intra-op threads, one
 *   subset after another: ~3–4× the WebAssembly kernel per core. Values differ from the
 *   WebAssembly kernel's by float64 summation order only (~1e-13 relative on the fixtures).
 * - Otherwise (or with `engine: 'wasm'`) subsets are spread over worker threads running the
 *   WebAssembly kernel, bit-identical to `kernelInceptionDistance`. The subsets are drawn here, in
 *   order, from the one seeded generator; workers get them one at a time (a queue, so a slow core
 *   does not hold the others back). Features are copied once into SharedArrayBuffers unless they
 *   already live in one.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError } from '../core/errors.js';
import type { FeatureMatrix } from '../core/types.js';
import { openGramEngine, runGramStepsAsync, type GramEngine, type GramEngineChoice } from '../linalg/gram-engine.js';
import {
  fullKernelValuesSteps, kernelInceptionDistance, kidResult, kidScratch, kidSubsetIndices, kidWork, planKid, subsetMmd2Steps,
  type KidOptions, type KidPlan, type KidResult,
} from './kid.js';
import type { KidWorkerInit, KidWorkerJob, KidWorkerReply } from './kid-worker.js';

/** Must equal `KID_WORKER_MARK` in `kid-worker.ts` (not imported: that module is the worker's entry). */
const WORKER_MARK = 'fidkit-kid-worker';

export interface KidParallelOptions extends KidOptions {
  /** Threads (default: the machine's available parallelism; 1 = this thread only). */
  readonly threads?: number;
  /** Gram engine (default `auto`: ONNX Runtime for large jobs, see `linalg/gram-engine.ts`). */
  readonly engine?: GramEngineChoice;
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

/** Per-subset values with every Gram product on `engine`, subsets one after another. */
async function onEngine(x: FeatureMatrix, y: FeatureMatrix, plan: KidPlan, engine: GramEngine, onProgress: KidParallelOptions['onProgress']): Promise<Float64Array> {
  if (plan.fullKernels) {
    const values = await runGramStepsAsync(fullKernelValuesSteps(x, y, plan), engine.fill);
    onProgress?.({ done: plan.subsets, total: plan.subsets });
    return values;
  }
  const values = new Float64Array(plan.subsets);
  const scratch = kidScratch(plan.subsetSize);
  let s = 0;
  for (const [i1, i2] of kidSubsetIndices(x.rows, y.rows, plan)) {
    values[s++] = await runGramStepsAsync(subsetMmd2Steps(x, y, i1, i2, plan.kernel, scratch), engine.fill);
    onProgress?.({ done: s, total: plan.subsets });
  }
  return values;
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
  const engine = await openGramEngine({ engine: options.engine, threads: requested, work: kidWork(x, y, plan) });
  if (engine.name === 'onnx') {
    try {
      return kidResult(await onEngine(x, y, plan, engine, options.onProgress), plan, x, y);
    } finally {
      await engine.close();
    }
  }
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
