/**
 * @file A two-thread WebAssembly SIMD backend: the same kernels as `createWasmBackend`, on a
 * shared WebAssembly memory that a worker thread also instantiates. Each large product
 * (`gemmAdd`) and each symmetric matrix·vector product (`symvLower`) is split by rows between
 * the calling thread and the worker; the small panel products stay on the calling thread.
 *
 * The API stays synchronous: the calling thread posts a command into a shared control block
 * and blocks in `Atomics.wait` until the worker is done (Node allows Atomics.wait on the main
 * thread). The worker runs the very source of `gemmRows`/`symvRows` (`Function.toString`), so
 * both threads execute the same code; it is `unref`'d and stopped by `close()`.
 *
 * Measured: a lone 2048³ product runs 2.0× faster with both cores idle, 1.0× while another
 * process keeps one core busy. The whole D = 2048 Fréchet distance: 1.44–1.6 s against
 * 1.86–1.95 s on one thread (3 runs each, other jobs sharing the machine) — the small panel
 * products, the pivot search and the QL iteration stay serial, and each split costs a round
 * trip of ~10–20 µs. `frechetDistance` uses it from D = 1024 up (starting the worker takes ~30 ms).
 */

import { Worker } from 'node:worker_threads';
import {
  gemmRows, KC, NC, symvRows, type GemmAdd, type LinalgBackend, type Panel, type PanelAxpy, type PanelDots,
  type SymvLower, type WasmApi,
} from './backend.js';
import { moduleBytes } from './gram-wasm.js';
import { tridiagonalModuleBytes, withSharedMemoryImport, type PanelKernel, type Rows4 } from './tridiagonal-wasm.js';

/** Control block (Int32 slots): command sequence, done sequence, ready flag, status, opcode, arguments. */
const SEQ = 0, DONE = 1, READY = 2, STATUS = 3, OP = 4, ARGS = 8;
const OP_STOP = 0, OP_GEMM = 1, OP_SYMV = 2;
/** Below this many multiply-adds a product runs on the calling thread: a round trip costs ~10–20 µs. */
const MIN_PARALLEL_WORK = 1 << 21;
/** Below this many rows a symv runs on the calling thread. */
const MIN_PARALLEL_SYMV_ROWS = 256;
/** How long the calling thread waits for the worker before giving up (it never should). */
const TIMEOUT_MS = 120_000;

const WORKER_SOURCE = `'use strict';
const { workerData } = require('node:worker_threads');
const { gemmModule, triModule, memory, control } = workerData;
const ctl = new Int32Array(control);
const args = new Uint32Array(control, ${ARGS * 4});
const panel = new WebAssembly.Instance(gemmModule, { env: { memory } }).exports.panel;
const rows4 = new WebAssembly.Instance(triModule, { env: { memory } }).exports.rows4;
const f64 = new Float64Array(memory.buffer);
const gemmRows = ${gemmRows.toString()};
const symvRows = ${symvRows.toString()};
Atomics.store(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
let seq = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seq);
  seq = Atomics.load(ctl, ${SEQ});
  const op = ctl[${OP}];
  if (op === ${OP_STOP}) break;
  let status = 0;
  try {
    const a = args;
    if (op === ${OP_GEMM}) gemmRows(panel, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9] === 1, a[10], a[11]);
    else symvRows(rows4, f64, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
  } catch (err) {
    status = 1;
  }
  Atomics.store(ctl, ${STATUS}, status);
  Atomics.store(ctl, ${DONE}, seq);
  Atomics.notify(ctl, ${DONE});
}
`;

export interface ParallelBackend extends LinalgBackend {
  /** Stops the worker. The backend must not be used afterwards. */
  close(): void;
}

/** Byte addresses travel as Uint32 and reach the kernels as i32: keep the memory under 2 GiB. */
const MAX_BYTES = 2 ** 31;

/**
 * A two-thread WebAssembly SIMD backend holding `doubles` float64 values, or null where shared
 * WebAssembly memory, SIMD or worker threads are unavailable, the problem needs more than 2 GiB,
 * or the worker does not start within 5 s (callers then use `createWasmBackend`).
 */
export function createParallelWasmBackend(doubles: number): ParallelBackend | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  const bytes = doubles * 8 + 64;
  if (wasm === undefined || typeof SharedArrayBuffer === 'undefined' || bytes > MAX_BYTES) return null;
  const pages = Math.ceil(bytes / 65536);
  let worker: Worker;
  let memory: { readonly buffer: ArrayBuffer };
  let panel: Panel;
  let rows4: Rows4;
  let dots2: PanelKernel;
  let axpyRows: PanelKernel;
  const control = new SharedArrayBuffer(128);
  const ctl = new Int32Array(control);
  const args = new Uint32Array(control, ARGS * 4);
  try {
    const gemmBytes = withSharedMemoryImport(moduleBytes(), pages);
    const triBytes = tridiagonalModuleBytes(pages);
    if (!wasm.validate(gemmBytes) || !wasm.validate(triBytes)) return null;
    const gemmModule = new wasm.Module(gemmBytes);
    const triModule = new wasm.Module(triBytes);
    memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    panel = new wasm.Instance(gemmModule, { env: { memory } }).exports.panel as Panel;
    const tri = new wasm.Instance(triModule, { env: { memory } }).exports;
    rows4 = tri.rows4 as Rows4;
    dots2 = tri.dots2 as PanelKernel;
    axpyRows = tri.axpyRows as PanelKernel;
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { gemmModule, triModule, memory, control } });
    worker.unref();
    if (Atomics.wait(ctl, READY, 0, 5_000) === 'timed-out') {
      void worker.terminate();
      return null;
    }
  } catch {
    return null;
  }

  const buffer = memory.buffer;
  const f64 = new Float64Array(buffer);
  let next = 0;
  const alloc = (length: number): Float64Array => {
    const start = next;
    next += length + (length & 1);
    if (next * 8 > buffer.byteLength) throw new RangeError(`parallel wasm backend: ${next * 8} bytes needed, ${buffer.byteLength} reserved`);
    return new Float64Array(buffer, start * 8, length);
  };

  let seq = 0;
  let closed = false;
  /** Starts the worker on the command in `args`. */
  const post = (op: number): void => {
    if (closed) throw new Error('parallel wasm backend used after close()');
    ctl[OP] = op;
    Atomics.store(ctl, SEQ, ++seq);
    Atomics.notify(ctl, SEQ);
  };
  /** Blocks until the worker has finished the last command. */
  const join = (): void => {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done === seq) break;
      if (Date.now() > deadline) throw new Error(`fidkit's linear-algebra worker did not answer within ${TIMEOUT_MS / 1000} s`);
      Atomics.wait(ctl, DONE, done, 1000);
    }
    if (ctl[STATUS] !== 0) throw new Error("fidkit's linear-algebra worker failed on its half of a product");
  };

  const gemmAdd: GemmAdd = (m, n, k, a, aOff, b, bOff, ld, c, cOff, ldc, lowerOnly) => {
    if (m <= 0 || n <= 0 || k <= 0) return;
    const aB = a.byteOffset + aOff * 8, bB = b.byteOffset + bOff * 8, cB = c.byteOffset + cOff * 8;
    const stride = ld * 8, ldcB = ldc * 8;
    const work = lowerOnly ? (m * n * k) / 2 : m * n * k;
    if (work < MIN_PARALLEL_WORK || (m < 16 && n < 64)) {
      gemmRows(panel, 0, m, n, k, aB, bB, cB, stride, ldcB, lowerOnly, KC, NC);
      return;
    }
    if (!lowerOnly && m < 96 && n >= 64) {
      // A short, wide product (the congruence's 48-row panels): split the columns instead, at an
      // even column so that only the worker's half has the odd-column spill.
      const mid = (n >> 1) & ~1;
      args.set([0, m, n - mid, k, aB, bB + mid * stride, cB + mid * 8, stride, ldcB, 0, KC, NC]);
      post(OP_GEMM);
      gemmRows(panel, 0, m, mid, k, aB, bB, cB, stride, ldcB, false, KC, NC);
      join();
      return;
    }
    // Equal work: row i of a lower-only product costs ∝ i, so the halves meet at m/√2.
    const mid = Math.min(m - 4, Math.max(4, (Math.round(lowerOnly ? m / Math.SQRT2 : m / 2) + 3) & ~3));
    args.set([mid, m, n, k, aB, bB, cB, stride, ldcB, lowerOnly ? 1 : 0, KC, NC]);
    post(OP_GEMM);
    gemmRows(panel, 0, mid, n, k, aB, bB, cB, stride, ldcB, lowerOnly, KC, NC);
    join();
  };

  const sums = alloc(4);
  const workerSums = alloc(4);
  let y2: Float64Array | null = null;
  const symv: SymvLower = (a, ld, s, n, v, y) => {
    y.fill(0, s, n);
    const rows = n - s;
    const aOff = a.byteOffset / 8, vOff = v.byteOffset / 8, yOff = y.byteOffset / 8;
    if (rows < MIN_PARALLEL_SYMV_ROWS) {
      symvRows(rows4, f64, sums.byteOffset / 8, aOff, ld, s, s, n, n, vOff, yOff);
      return;
    }
    // The worker takes the longer rows [mid, n) into its own accumulator y2 (the column half of
    // the product writes y[k] for every k < i, so the two threads cannot share y).
    if (y2 === null || y2.length < n) y2 = alloc(n);
    y2.fill(0, s, n);
    const mid = s + ((Math.round(rows / Math.SQRT2) >> 2) << 2);
    args.set([workerSums.byteOffset / 8, aOff, ld, s, mid, n, n, vOff, y2.byteOffset / 8]);
    post(OP_SYMV);
    symvRows(rows4, f64, sums.byteOffset / 8, aOff, ld, s, s, mid, n, vOff, yOff);
    join();
    for (let k = s; k < n; k++) y[k] += y2[k];
  };

  const panelDots: PanelDots = (x, xOff, ld, seg, len, u, out, outOff, rows) => {
    if (rows > 0) dots2(x.byteOffset + xOff * 8, ld * 8, seg * 8, len * 8, u.byteOffset, out.byteOffset + outOff * 8, rows);
  };
  const panelAxpy: PanelAxpy = (x, xOff, ld, seg, len, v, vOff, out, rows) => {
    if (rows > 0) axpyRows(x.byteOffset + xOff * 8, ld * 8, seg * 8, len * 8, v.byteOffset + vOff * 8, out.byteOffset, rows);
  };
  const close = (): void => {
    if (closed) return;
    ctl[OP] = OP_STOP;
    Atomics.store(ctl, SEQ, ++seq);
    Atomics.notify(ctl, SEQ);
    closed = true;
    void worker.terminate();
  };
  return { name: 'wasm-simd', threads: 2, alloc, gemmAdd, symvLower: symv, panelDots, panelAxpy, close };
}
