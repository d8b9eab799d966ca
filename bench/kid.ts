/**
 * @file Benchmark of KID at torch-fidelity's defaults (100 subsets of 1000) on random ReLU-like
 * features, single-threaded and on worker threads, plus the Gram kernels' GFLOP/s, against a NumPy
 * implementation of the same estimator on the same features (float64 and float32 matmuls, as
 * torch-fidelity runs them). Prints the machine, sizes, wall times and ratios; never passes or fails.
 *
 *   node --import tsx bench/kid.ts [--n 10000] [--d 2048] [--subsets 100] [--subset-size 1000]
 *                                  [--threads 2] [--no-python] [--no-single]
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeNpy } from '../src/io/npy.js';
import { gram, gramSymmetric } from '../src/linalg/gram.js';
import { kernelInceptionDistance } from '../src/metrics/kid.js';
import { kernelInceptionDistanceParallel } from '../src/metrics/kid-parallel.js';
import type { FeatureMatrix } from '../src/core/types.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    d: { type: 'string', default: '2048' },
    subsets: { type: 'string', default: '100' },
    'subset-size': { type: 'string', default: '1000' },
    threads: { type: 'string', default: String(availableParallelism()) },
    'no-python': { type: 'boolean', default: false },
    'no-single': { type: 'boolean', default: false },
  },
});
const n = Number(args.n), d = Number(args.d), subsets = Number(args.subsets), subsetSize = Number(args['subset-size']);
const threads = Number(args.threads);

/** ReLU of shifted uniform noise: non-negative, ~half zeros, like Inception pool3 features. */
function features(rows: number, cols: number, seed: number, shift: number): FeatureMatrix {
  const data = new Float32Array(rows * cols);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    data[i] = Math.max(0, (s / 2 ** 32) * 2 - 1 + shift);
  }
  return { data, rows, cols };
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

console.log(`machine: ${cpus()[0]?.model ?? '?'} × ${availableParallelism()} threads, Node ${process.version}`);
console.log(`KID: ${n}×${d} float32 vs ${n}×${d}, ${subsets} subsets of ${subsetSize}`);
const x = features(n, d, 1, 0), y = features(n, d, 2, 0.02);

// Kernel throughput on one subset-sized product.
const a = { data: x.data.subarray(0, subsetSize * d), rows: subsetSize, cols: d };
const b = { data: y.data.subarray(0, subsetSize * d), rows: subsetSize, cols: d };
for (const kernel of ['js', 'wasm'] as const) {
  gram(a, b, undefined, { kernel });
  const t0 = performance.now();
  gram(a, b, undefined, { kernel });
  const t = seconds(t0);
  const t1 = performance.now();
  gramSymmetric(a, undefined, { kernel });
  const ts = seconds(t1);
  console.log(`gram ${subsetSize}×${d}·${subsetSize}ᵀ [${kernel}]: ${t.toFixed(3)} s = ${((2 * subsetSize * subsetSize * d) / t / 1e9).toFixed(1)} GFLOP/s; symmetric ${ts.toFixed(3)} s`);
}

let single = NaN;
if (!args['no-single']) {
  const t0 = performance.now();
  const r = kernelInceptionDistance(x, y, { subsets, subsetSize });
  single = seconds(t0);
  console.log(`fidkit 1 thread: ${single.toFixed(2)} s  KID ${r.mean} ± ${r.std}`);
}
const t0 = performance.now();
const rp = await kernelInceptionDistanceParallel(x, y, { subsets, subsetSize, threads });
const parallel = seconds(t0);
console.log(`fidkit ${threads} worker threads: ${parallel.toFixed(2)} s  KID ${rp.mean} ± ${rp.std}${Number.isNaN(single) ? '' : `  (speed-up ${(single / parallel).toFixed(2)}×)`}`);

if (!args['no-python']) {
  const dir = mkdtempSync(join(tmpdir(), 'fidkit-bench-kid-'));
  try {
    writeFileSync(join(dir, 'x.npy'), writeNpy({ dtype: 'float32', shape: [n, d], data: x.data }));
    writeFileSync(join(dir, 'y.npy'), writeNpy({ dtype: 'float32', shape: [n, d], data: y.data }));
    // The same estimator written directly in NumPy (subsets from RandomState(2020) as torch-fidelity draws them).
    const script = `
import sys, time, numpy as np
x = np.load(sys.argv[1]); y = np.load(sys.argv[2]); S = int(sys.argv[3]); m = int(sys.argv[4])
def run(dtype):
    X = x.astype(dtype); Y = y.astype(dtype); d = X.shape[1]; rng = np.random.RandomState(2020); vals = []
    t = time.perf_counter()
    for _ in range(S):
        a = X[rng.choice(len(X), m, replace=False)]; b = Y[rng.choice(len(Y), m, replace=False)]
        kxx = (a @ a.T / d + 1) ** 3; kyy = (b @ b.T / d + 1) ** 3; kxy = (a @ b.T / d + 1) ** 3
        vals.append((kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.sum() / (m * m))
    return time.perf_counter() - t, float(np.mean(vals))
for dt in (np.float64, np.float32):
    s, v = run(dt); print(f"{np.dtype(dt).name} {s:.3f} {v!r}")
`;
    const out = execFileSync('python3', ['-c', script, join(dir, 'x.npy'), join(dir, 'y.npy'), String(subsets), String(subsetSize)], { encoding: 'utf8' });
    for (const line of out.trim().split('\n')) {
      const [dtype, secs, value] = line.split(' ');
      const t = Number(secs);
      console.log(`numpy ${dtype} (OpenBLAS, its own threads): ${t.toFixed(2)} s  KID ${value}  fidkit/numpy time ${(parallel / t).toFixed(2)}× (workers)${Number.isNaN(single) ? '' : `, ${(single / t).toFixed(2)}× (1 thread)`}; |Δ KID| ${Math.abs(Number(value) - rp.mean).toExponential(2)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
