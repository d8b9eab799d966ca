/**
 * @file Benchmark of KID at torch-fidelity's defaults (100 subsets of 1000) on random ReLU-like
 * features: fidkit on each Gram engine (`onnx`: ONNX Runtime's float64 GEMM, the default for this
 * size; `wasm`: the WebAssembly kernel on worker threads, the engine before) against torch-fidelity's
 * own `kid_features_to_metric` (NumPy float32 matmuls) on the same features, measured in the same
 * run. Where torch-fidelity does not import, a NumPy transcription of the same estimator (float32,
 * as torch-fidelity runs it) stands in. Prints the machine and its load, sizes, wall and CPU
 * seconds and the ratios; never passes or fails.
 *
 *   node --import tsx bench/kid.ts [--n 10000] [--d 2048] [--subsets 100] [--subset-size 1000]
 *     [--threads 2] [--engines onnx,wasm] [--rounds 3] [--python /usr/bin/python3] [--refs bench/out/refs] [--no-python]
 *
 * Each round runs the anchor and then every engine, one after another; each ratio is taken within
 * its round and the median over rounds is printed, with the load average of each round.
 *
 * `--refs DIR` holds a torch-fidelity checkout as DIR/torch-fidelity (its `torch_fidelity` package
 * folder inside); the anchor runs with that on PYTHONPATH, OPENBLAS_NUM_THREADS = --threads and
 * OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset (they slow OpenBLAS down on some processors).
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeNpy } from '../src/io/npy.js';
import { kernelInceptionDistanceParallel } from '../src/metrics/kid-parallel.js';
import type { FeatureMatrix } from '../src/core/types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    d: { type: 'string', default: '2048' },
    subsets: { type: 'string', default: '100' },
    'subset-size': { type: 'string', default: '1000' },
    threads: { type: 'string', default: String(availableParallelism()) },
    engines: { type: 'string', default: 'onnx,wasm' },
    python: { type: 'string', default: '/usr/bin/python3' },
    refs: { type: 'string', default: join(HERE, 'out', 'refs') },
    'no-python': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
  },
});
const n = Number(args.n), d = Number(args.d), subsets = Number(args.subsets), subsetSize = Number(args['subset-size']);
const threads = Number(args.threads);
const rounds = Number(args.rounds);

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

interface Timing { readonly seconds: number; readonly cpuSeconds: number; readonly mean: number }
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

console.log(`machine: ${cpus()[0]?.model ?? '?'} × ${availableParallelism()} threads, Node ${process.version}; load average ${load()}`);
console.log(`KID: ${n}×${d} float32 vs ${n}×${d}, ${subsets} subsets of ${subsetSize}, ${threads} threads`);
const x = features(n, d, 1, 0), y = features(n, d, 2, 0.02);

function pythonEnv(pythonPath?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (pythonPath) env.PYTHONPATH = [pythonPath, process.env.PYTHONPATH].filter(Boolean).join(':');
  return env;
}

/** The same estimator in NumPy float32, where torch-fidelity is not available. */
const NUMPY_KID = `
import sys, time, json, numpy as np
x = np.load(sys.argv[1]); y = np.load(sys.argv[2]); S = int(sys.argv[3]); m = int(sys.argv[4])
d = x.shape[1]; rng = np.random.RandomState(2020); vals = []
t, c = time.perf_counter(), time.process_time()
for _ in range(S):
    a = x[rng.choice(len(x), m, replace=False)]; b = y[rng.choice(len(y), m, replace=False)]
    kxx = (a @ a.T / d + 1) ** 3; kyy = (b @ b.T / d + 1) ** 3; kxy = (a @ b.T / d + 1) ** 3
    vals.append((kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.sum() / (m * m))
print(json.dumps({'seconds': time.perf_counter() - t, 'cpu_seconds': time.process_time() - c, 'mean': float(np.mean(vals))}))
`;

const dir = mkdtempSync(join(tmpdir(), 'fidkit-bench-kid-'));
const xPath = join(dir, 'x.npy'), yPath = join(dir, 'y.npy');
writeFileSync(xPath, writeNpy({ dtype: 'float32', shape: [n, d], data: x.data }));
writeFileSync(yPath, writeNpy({ dtype: 'float32', shape: [n, d], data: y.data }));
const tf = join(args.refs, 'torch-fidelity');
let anchorName: string | undefined;
/** One run of the anchor: torch-fidelity when it imports, else the NumPy transcription. */
function runAnchor(): Timing | undefined {
  if (args['no-python']) return undefined;
  if (anchorName !== 'NumPy float32 transcription' && existsSync(join(tf, 'torch_fidelity'))) {
    try {
      const out = execFileSync(args.python, [join(HERE, 'python', 'kid_anchor.py'), xPath, yPath, String(subsets), String(subsetSize)], {
        encoding: 'utf8', env: pythonEnv(tf), stdio: ['ignore', 'pipe', 'inherit'],
      });
      const r = JSON.parse(out) as { seconds: number; cpu_seconds: number; mean: number };
      anchorName = 'torch-fidelity kid_features_to_metric (NumPy float32)';
      return { seconds: r.seconds, cpuSeconds: r.cpu_seconds, mean: r.mean };
    } catch (err) {
      console.log(`torch-fidelity anchor failed: ${String(err).split('\n')[0]}`);
    }
  } else if (anchorName === undefined) {
    console.log(`no torch-fidelity checkout at ${tf}; using the NumPy transcription`);
  }
  try {
    const out = execFileSync(args.python, ['-c', NUMPY_KID, xPath, yPath, String(subsets), String(subsetSize)], { encoding: 'utf8', env: pythonEnv() });
    const r = JSON.parse(out) as { seconds: number; cpu_seconds: number; mean: number };
    anchorName = 'NumPy float32 transcription';
    return { seconds: r.seconds, cpuSeconds: r.cpu_seconds, mean: r.mean };
  } catch (err) {
    console.log(`NumPy anchor failed: ${String(err).split('\n')[0]}`);
    return undefined;
  }
}

// Rounds: the anchor, then each engine, one after another (same machine load); each ratio is taken
// within its round and the median over rounds is reported.
const fidkit: Record<string, Timing[]> = {};
const anchor: (Timing | undefined)[] = [];
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor((xs.length - 1) / 2)];
try {
  for (let round = 0; round < rounds; round++) {
    anchor.push(runAnchor());
    for (const engine of args.engines.split(',').filter(Boolean) as ('onnx' | 'wasm')[]) {
      const t0 = performance.now(), c0 = process.cpuUsage();
      const r = await kernelInceptionDistanceParallel(x, y, { subsets, subsetSize, threads, engine });
      const c = process.cpuUsage(c0);
      (fidkit[engine] ??= []).push({ seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6, mean: r.mean });
    }
    const a = anchor[round];
    console.log(`round ${round + 1}/${rounds} (load ${loadavg()[0].toFixed(1)}): ${a ? `anchor ${a.seconds.toFixed(2)} s, ` : ''}${Object.entries(fidkit).map(([e, t]) => `fidkit ${e} ${t[round].seconds.toFixed(2)} s`).join(', ')}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
for (const [engine, ts] of Object.entries(fidkit)) {
  console.log(`fidkit ${engine}: median ${median(ts.map((t) => t.seconds)).toFixed(2)} s wall, ${median(ts.map((t) => t.cpuSeconds)).toFixed(2)} s CPU; KID ${ts[0].mean}`);
}
if (fidkit.onnx && fidkit.wasm) {
  console.log(`onnx vs wasm: ${median(fidkit.onnx.map((t, i) => fidkit.wasm[i].seconds / t.seconds)).toFixed(2)}× faster (wall), |Δ KID| ${Math.abs(fidkit.onnx[0].mean - fidkit.wasm[0].mean).toExponential(2)}`);
}
if (anchor.every((a) => a !== undefined) && anchor.length > 0) {
  const as = anchor as Timing[];
  console.log(`${anchorName}, ${args.python}, ${threads} OpenBLAS threads: median ${median(as.map((a) => a.seconds)).toFixed(2)} s wall, ${median(as.map((a) => a.cpuSeconds)).toFixed(2)} s CPU; KID ${as[0].mean}`);
  for (const [engine, ts] of Object.entries(fidkit)) {
    const wall = median(ts.map((t, i) => t.seconds / as[i].seconds)), cpu = median(ts.map((t, i) => t.cpuSeconds / as[i].cpuSeconds));
    console.log(`fidkit ${engine} / anchor: ${wall.toFixed(2)}× the time (wall), ${cpu.toFixed(2)}× (CPU), medians of per-round ratios; |Δ KID| ${Math.abs(ts[0].mean - as[0].mean).toExponential(2)} (the anchor sums in float32)`);
  }
}
console.log(`load average at the end: ${load()}`);
