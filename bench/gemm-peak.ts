/**
 * @file The GEMM ceilings the pairwise metrics run against: GFLOP/s of one 1000 × 1000 × 2048
 * product `A·Bᵀ` (KID's Gram block) in float32 and float64, on ONNX Runtime's MLAS (the engine
 * of `linalg/gram-onnx.ts`) and on NumPy's BLAS (what torch-fidelity's KID and clovaai's prdc
 * call), each on 1 and 2 threads, median of 7 after a warm-up. With the FLOP count of a metric
 * this gives the best time any implementation on these engines can reach (the roofline argument
 * of the README's performance section).
 *
 *   node --import tsx bench/gemm-peak.ts [--m 1000] [--k 2048] [--python /usr/bin/python3] [--no-python]
 */

import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { GraphBuilder } from '../src/onnx/graph-builder.js';
import { createSession } from '../src/onnx/session.js';

const { values: args } = parseArgs({
  options: {
    m: { type: 'string', default: '1000' },
    k: { type: 'string', default: '2048' },
    python: { type: 'string', default: '/usr/bin/python3' },
    'no-python': { type: 'boolean', default: false },
  },
});
const m = Number(args.m), k = Number(args.k);
const flops = 2 * m * m * k;
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

const PY = `
import json, sys, time, numpy as np
m, k = int(sys.argv[1]), int(sys.argv[2])
out = {}
rng = np.random.default_rng(0)
for dt in (np.float32, np.float64):
    a = rng.random((m, k)).astype(dt); b = rng.random((m, k)).astype(dt)
    a @ b.T
    ts = []
    for _ in range(7):
        t = time.perf_counter(); a @ b.T; ts.append(time.perf_counter() - t)
    out[np.dtype(dt).name] = sorted(ts)[3]
print(json.dumps(out))
`;

console.log(`# gemm-peak: ${m} × ${m} × ${k} (${(flops / 1e9).toFixed(1)} GFLOP), ${cpus()[0]?.model ?? '?'} ×${cpus().length}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const threads of [1, 2]) {
  for (const type of ['float32', 'float64'] as const) {
    const g = new GraphBuilder(`peak_${type}`);
    const a = g.input('a', type, ['m', 'k']), b = g.input('b', type, ['n', 'k']);
    g.output(g.gemm(a, b, undefined, { transB: true }, 'g'), type, ['m', 'n']);
    const session = await createSession(g.toBytes(), { threads, optimization: 'all', spinning: false });
    const Arr = type === 'float32' ? Float32Array : Float64Array;
    const x = Arr.from({ length: m * k }, (_, t) => ((t * 7919) % 1000) / 1000);
    const y = Arr.from({ length: m * k }, (_, t) => ((t * 104729) % 997) / 997);
    const feeds = { a: { data: x, dims: [m, k] }, b: { data: y, dims: [m, k] } };
    await session.runNumeric(feeds, ['g']);
    const ts: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t = performance.now();
      await session.runNumeric(feeds, ['g']);
      ts.push((performance.now() - t) / 1000);
    }
    await session.release();
    const s = median(ts);
    console.log(`ORT MLAS ${type === 'float32' ? 'sgemm' : 'dgemm'} ${threads} thread${threads > 1 ? 's' : ''}: ${(s * 1000).toFixed(1)} ms, ${(flops / s / 1e9).toFixed(0)} GFLOP/s`);
  }
  if (!args['no-python']) {
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
      delete env.OPENBLAS_CORETYPE;
      delete env.OPENBLAS_L2_SIZE;
      const py = JSON.parse(execFileSync(args.python, ['-c', PY, String(m), String(k)], { encoding: 'utf8', env })) as Record<string, number>;
      for (const [type, s] of Object.entries(py)) {
        console.log(`NumPy BLAS ${type === 'float32' ? 'sgemm' : 'dgemm'} ${threads} thread${threads > 1 ? 's' : ''}: ${(s * 1000).toFixed(1)} ms, ${(flops / s / 1e9).toFixed(0)} GFLOP/s`);
      }
    } catch (err) {
      console.log(`NumPy: unavailable (${String(err).split('\n')[0]})`);
    }
  }
}
