/**
 * @file Speed of exact precision/recall/density/coverage (`src/metrics/prdc.ts`) on N real × N
 * generated Gaussian features, against a NumPy version of the references' algorithm (bench/prdc.py:
 * whole distance matrices, OpenBLAS) in the same run. Both compute torch-fidelity's setting
 * (k = 3, ≤) and clovaai's (k = 5, <) together, and the counts are compared.
 *
 *   node --import tsx bench/prdc.ts [--n 10000] [--dims 64,2048] [--python python3] [--no-js] [--threads 2]
 *
 * (An ONNX Runtime float64 Gemm plugged in through `countManifoldsAsync` was measured at 57 s wall
 * for 10k×10k×2048 against 71 s for the JS/WebAssembly Gram: not worth a second native path.)
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeNpy } from '../src/io/npy.js';
import { countManifolds, type ManifoldSetting } from '../src/metrics/prdc.js';
import type { FeatureMatrix } from '../src/core/types.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    dims: { type: 'string', default: '64,2048' },
    python: { type: 'string', default: 'python3' },
    'no-js': { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
    block: { type: 'string', default: '512' },
  },
});
const n = Number(args.n);
const threads = Number(args.threads);
const blockSize = Number(args.block);
const SETTINGS: ManifoldSetting[] = [{ k: 3, membership: 'le' }, { k: 5, membership: 'lt' }];

/** Deterministic Gaussian features (xorshift + Box–Muller), float32 like extractor output. */
function gaussian(rows: number, cols: number, seed: number, shift: number): FeatureMatrix {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const data = new Float32Array(rows * cols);
  for (let t = 0; t < data.length; t++) data[t] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) + shift;
  return { data, rows, cols };
}

/** Process CPU time (user + system, all threads) since `start`: steadier than wall time on a shared machine. */
const cpuSeconds = (start: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(start);
  return +((u.user + u.system) / 1e6).toFixed(2);
};

const tmp = mkdtempSync(join(tmpdir(), 'fidkit-bench-prdc-'));
try {
  console.log(`# prdc: ${n} real × ${n} generated, ${cpus()[0]?.model ?? '?'} ×${cpus().length}, node ${process.version}, block ${blockSize}`);
  for (const cols of args.dims.split(',').map(Number)) {
    const real = gaussian(n, cols, 1, 0);
    const generated = gaussian(n, cols, 2, 0.1);
    const realPath = join(tmp, 'real.npy'), fakePath = join(tmp, 'fake.npy');
    writeFileSync(realPath, writeNpy({ dtype: 'float32', shape: [n, cols], data: real.data }));
    writeFileSync(fakePath, writeNpy({ dtype: 'float32', shape: [n, cols], data: generated.data }));
    const row: Record<string, unknown> = { n, cols };
    // Without python3 + numpy the bench prints fidkit's absolute figures only.
    let py: { seconds: number; counts: object; counts_float64: object } | undefined;
    try {
      py = JSON.parse(
        execFileSync(args.python, [new URL('prdc.py', import.meta.url).pathname, realPath, fakePath, '--float64'], {
          encoding: 'utf8',
          env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
          maxBuffer: 1 << 20,
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      );
    } catch {
      row.numpy = 'unavailable';
    }
    if (py) row.numpySeconds = +py.seconds.toFixed(2);
    // The references round distances to float32, which can flip a count whose distance lies within
    // ~1e-7 of a radius; fidkit's exact counts are compared with NumPy's float64 counts too.
    const want = py && JSON.stringify(Object.values(py.counts));
    const want64 = py && JSON.stringify(Object.values(py.counts_float64));
    const countsOf = (r: { counts: readonly { precision: number; recall: number; density: number; coverage: number }[] }) =>
      JSON.stringify(r.counts.map((c) => ({ precision: c.precision, recall: c.recall, density: c.density, coverage: c.coverage })));
    if (!args['no-js']) {
      const t = performance.now(), cpu = process.cpuUsage();
      const r = countManifolds({ generated, real }, SETTINGS, { blockSize });
      row.jsSeconds = +((performance.now() - t) / 1000).toFixed(2);
      row.jsCpuSeconds = cpuSeconds(cpu);
      if (py) {
        row.jsVsNumpy = +((row.jsSeconds as number) / py.seconds).toFixed(2);
        row.jsCountsEqualNumpy = countsOf(r) === want;
        row.jsCountsEqualNumpyFloat64 = countsOf(r) === want64;
      }
      if (!py || countsOf(r) !== want64) row.jsCounts = r.counts;
    }
    if (py) {
      row.counts = py.counts;
      row.countsFloat64 = py.counts_float64;
    }
    console.log(JSON.stringify(row));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
