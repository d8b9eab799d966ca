/**
 * @file Speed of exact precision/recall/density/coverage (`src/metrics/prdc.ts`) on N real × N
 * generated Gaussian features, against the references measured in the same run:
 * - `numpy`: bench/prdc.py, a NumPy version of the references' algorithm (whole distance matrices,
 *   OpenBLAS), computing both settings (k = 3 ≤ and k = 5 <), and its counts;
 * - `clovaai`: clovaai's own `prdc.compute_prdc(real, fake, 5)` (k = 5, <) and
 * - `torch-fidelity`: its own `prc_features_to_metric(fake, real, prc_neighborhood=3)` (k = 3, ≤),
 *   both from checkouts under `--refs` (bench/python/prdc_anchor.py); their sum is the time the two
 *   references take for what one fidkit pass computes.
 * fidkit computes torch-fidelity's setting and clovaai's together, on each Gram engine asked for
 * (`onnx`: ONNX Runtime's float64 GEMM, the default at this size; `wasm`: the WebAssembly kernel,
 * the engine before), and its counts are compared with NumPy's.
 *
 *   node --import tsx bench/prdc.ts [--n 10000] [--dims 64,2048] [--engines onnx,wasm] [--threads 2]
 *     [--python python3] [--ref-python /usr/bin/python3] [--refs bench/out/refs] [--no-python]
 *
 * `--refs DIR` holds checkouts as DIR/torch-fidelity (the `torch_fidelity` folder inside) and
 * DIR/prdc (clovaai's `prdc` folder inside); the anchors run with OPENBLAS_NUM_THREADS = --threads
 * and OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeNpy } from '../src/io/npy.js';
import { countManifoldsAsync, type ManifoldSetting } from '../src/metrics/prdc.js';
import type { FeatureMatrix } from '../src/core/types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    dims: { type: 'string', default: '64,2048' },
    engines: { type: 'string', default: 'onnx,wasm' },
    python: { type: 'string', default: 'python3' },
    'ref-python': { type: 'string', default: '/usr/bin/python3' },
    refs: { type: 'string', default: join(HERE, 'out', 'refs') },
    'no-python': { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
  },
});
const n = Number(args.n);
const threads = Number(args.threads);
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

function pythonEnv(paths: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (paths.length > 0) env.PYTHONPATH = [...paths, process.env.PYTHONPATH].filter(Boolean).join(':');
  return env;
}

const round = (v: number) => +v.toFixed(2);
const tmp = mkdtempSync(join(tmpdir(), 'fidkit-bench-prdc-'));
try {
  console.log(`# prdc: ${n} real × ${n} generated, ${cpus()[0]?.model ?? '?'} ×${cpus().length}, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const cols of args.dims.split(',').map(Number)) {
    const real = gaussian(n, cols, 1, 0);
    const generated = gaussian(n, cols, 2, 0.1);
    const realPath = join(tmp, 'real.npy'), fakePath = join(tmp, 'fake.npy');
    writeFileSync(realPath, writeNpy({ dtype: 'float32', shape: [n, cols], data: real.data }));
    writeFileSync(fakePath, writeNpy({ dtype: 'float32', shape: [n, cols], data: generated.data }));
    const row: Record<string, unknown> = { n, cols };
    const anchors: Record<string, { seconds: number; cpuSeconds: number }> = {};
    let py: { seconds: number; cpu_seconds: number; counts: object; counts_float64: object } | undefined;
    if (!args['no-python']) {
      try {
        py = JSON.parse(execFileSync(args.python, [join(HERE, 'prdc.py'), realPath, fakePath, '--float64'], {
          encoding: 'utf8', env: pythonEnv([]), maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'ignore'],
        }));
        anchors.numpy = { seconds: py!.seconds, cpuSeconds: py!.cpu_seconds };
      } catch {
        row.numpy = 'unavailable';
      }
      const refPaths = [join(args.refs, 'torch-fidelity'), join(args.refs, 'prdc')].filter((p) => existsSync(p));
      try {
        const refs = JSON.parse(execFileSync(args['ref-python'], [join(HERE, 'python', 'prdc_anchor.py'), realPath, fakePath], {
          encoding: 'utf8', env: pythonEnv(refPaths), maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'],
        })) as Record<string, { seconds?: number; cpu_seconds?: number; values?: Record<string, number>; missing?: string }>;
        for (const [name, r] of Object.entries(refs)) {
          if (r.seconds === undefined) { row[name] = `missing (${r.missing})`; continue; }
          anchors[name] = { seconds: r.seconds, cpuSeconds: r.cpu_seconds! };
          row[name] = { seconds: round(r.seconds), cpuSeconds: round(r.cpu_seconds!), values: r.values };
        }
        if (anchors.clovaai_prdc && anchors.torch_fidelity_prc) {
          anchors.references = {
            seconds: anchors.clovaai_prdc.seconds + anchors.torch_fidelity_prc.seconds,
            cpuSeconds: anchors.clovaai_prdc.cpuSeconds + anchors.torch_fidelity_prc.cpuSeconds,
          };
        }
      } catch (err) {
        row.references = `failed: ${String(err).split('\n')[0]}`;
      }
    }
    if (py) row.numpySeconds = round(py.seconds);
    const want64 = py && JSON.stringify(Object.values(py.counts_float64));
    const countsOf = (r: { counts: readonly { precision: number; recall: number; density: number; coverage: number }[] }) =>
      JSON.stringify(r.counts.map((c) => ({ precision: c.precision, recall: c.recall, density: c.density, coverage: c.coverage })));
    for (const engine of args.engines.split(',').filter(Boolean) as ('onnx' | 'wasm')[]) {
      const t = performance.now(), cpu = process.cpuUsage();
      const r = await countManifoldsAsync({ generated, real }, SETTINGS, { engine, threads });
      const c = process.cpuUsage(cpu);
      const seconds = (performance.now() - t) / 1000, cpuSeconds = (c.user + c.system) / 1e6;
      const out: Record<string, unknown> = { seconds: round(seconds), cpuSeconds: round(cpuSeconds), diagnostics: r.diagnostics };
      for (const [name, a] of Object.entries(anchors)) {
        out[`vs_${name}`] = { wall: round(seconds / a.seconds), ...(Number.isNaN(a.cpuSeconds) ? {} : { cpu: round(cpuSeconds / a.cpuSeconds) }) };
      }
      if (py) out.countsEqualNumpyFloat64 = countsOf(r) === want64;
      out.counts = r.counts.map((q) => ({ k: q.k, membership: q.membership, precision: q.precision, recall: q.recall, density: q.density, coverage: q.coverage }));
      row[`fidkit_${engine}`] = out;
      const ratios = Object.entries(anchors).map(([name, a]) => `${(seconds / a.seconds).toFixed(2)}× ${name}${Number.isNaN(a.cpuSeconds) ? '' : ` (CPU ${(cpuSeconds / a.cpuSeconds).toFixed(2)}×)`}`).join(', ');
      console.log(`D=${cols} fidkit ${engine}: ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU${ratios ? ` = ${ratios} of the time (wall)` : ''}; counts equal NumPy float64: ${out.countsEqualNumpyFloat64 ?? '?'}`);
    }
    for (const [name, a] of Object.entries(anchors)) console.log(`D=${cols} ${name}: ${a.seconds.toFixed(2)} s wall${Number.isNaN(a.cpuSeconds) ? '' : `, ${a.cpuSeconds.toFixed(2)} s CPU`}`);
    if (py) row.numpyCountsFloat64 = py.counts_float64;
    console.log(JSON.stringify(row));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
