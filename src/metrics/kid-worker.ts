/**
 * @file Worker-thread side of `kernelInceptionDistanceParallel` (`kid-parallel.ts`): receives the
 * two feature matrices once (backed by SharedArrayBuffers, so not copied), then computes one
 * subset's MMD²_u per job with the same `subsetMmd2` as the single-threaded path, so values are
 * bit-identical whichever thread computes them. It only listens when started by `kid-parallel.ts`
 * (marked by `workerData`), so importing it anywhere else does nothing.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { FeatureMatrix } from '../core/types.js';
import { kidScratch, subsetMmd2, type Kernel, type KidScratch } from './kid.js';

/** First message: the data every job reads. */
export interface KidWorkerInit { readonly type: 'init'; readonly x: FeatureMatrix; readonly y: FeatureMatrix; readonly kernel: Kernel; readonly subsetSize: number }
/** One subset: its position and the drawn row indices. */
export interface KidWorkerJob { readonly type: 'job'; readonly s: number; readonly i1: Int32Array; readonly i2: Int32Array }
/** Replies. */
export type KidWorkerReply = { readonly type: 'value'; readonly s: number; readonly value: number } | { readonly type: 'error'; readonly message: string };

/** `workerData` marker set by `kid-parallel.ts`. */
export const KID_WORKER_MARK = 'fidkit-kid-worker';

if (parentPort !== null && workerData === KID_WORKER_MARK) {
  const port = parentPort;
  let init: KidWorkerInit | null = null;
  let scratch: KidScratch | null = null;
  port.on('message', (msg: KidWorkerInit | KidWorkerJob) => {
    try {
      if (msg.type === 'init') {
        init = msg;
        scratch = kidScratch(msg.subsetSize);
        return;
      }
      if (init === null || scratch === null) throw new Error('kid worker: job before init');
      const value = subsetMmd2(init.x, init.y, msg.i1, msg.i2, init.kernel, scratch);
      port.postMessage({ type: 'value', s: msg.s, value } satisfies KidWorkerReply);
    } catch (err) {
      port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies KidWorkerReply);
    }
  });
}
