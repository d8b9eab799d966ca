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
 * (`onnx`: ONNX Runtime's float32 SGEMM tiles with the float32 error bound, the default at this
 * size; `onnx-f64`: its float64 DGEMM, the engine before; `wasm`: the WebAssembly kernel), and its
 * counts are compared with NumPy's float64 ones. `--rounds` rounds each run every anchor and then
 * every engine; ratios are taken within a round and their median is printed.
 *
 *   node --import tsx bench/prdc.ts [--n 10000] [--dims 64,2048] [--engines onnx,onnx-f64] [--rounds 3] [--threads 2]
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
    engines: { type: 'string', default: 'onnx,onnx-f64' },
    rounds: { type: 'string', default: '3' },
    python: { type: 'string', default: 'python3' },
    'ref-python': { type: 'string', default: '/usr/bin/python3' },
    refs: { type: 'string', default: join(HERE, 'out', 'refs') },
    'no-python': { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
  },
});
const n = Number(args.n);
const threads = Number(args.threads);
const rounds = Number(args.rounds);
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

const round2 = (v: number) => +v.toFixed(2);
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
    // Per round: every anchor, then every fidkit engine, one after another (same machine load);
    // each ratio is taken within its round and the median over rounds is reported.
    const times: Record<string, { seconds: number; cpuSeconds: number }[]> = {};
    const note = (name: string, seconds: number, cpuSeconds: number) => (times[name] ??= []).push({ seconds, cpuSeconds });
    let py: { seconds: number; cpu_seconds: number; counts: object; counts_float64: object | null } | undefined;
    const countsOf = (r: { counts: readonly { precision: number; recall: number; density: number; coverage: number }[] }) =>
      JSON.stringify(r.counts.map((c) => ({ precision: c.precision, recall: c.recall, density: c.density, coverage: c.coverage })));
    let want64: string | undefined;
    let counts64: object | null = null;
    for (let round = 0; round < rounds; round++) {
      if (!args['no-python']) {
        try {
          py = JSON.parse(execFileSync(args.python, [join(HERE, 'prdc.py'), realPath, fakePath, ...(round === 0 ? ['--float64'] : [])], {
            encoding: 'utf8', env: pythonEnv([]), maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'ignore'],
          }));
          note('numpy', py!.seconds, py!.cpu_seconds);
          if (round === 0) { counts64 = py!.counts_float64; want64 = JSON.stringify(Object.values(counts64!)); }
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
            note(name, r.seconds, r.cpu_seconds!);
            row[name] = { values: r.values };
          }
          if (refs.clovaai_prdc?.seconds !== undefined && refs.torch_fidelity_prc?.seconds !== undefined) {
            note('references', refs.clovaai_prdc.seconds + refs.torch_fidelity_prc.seconds, refs.clovaai_prdc.cpu_seconds! + refs.torch_fidelity_prc.cpu_seconds!);
          }
        } catch (err) {
          row.references = `failed: ${String(err).split('\n')[0]}`;
        }
      }
      for (const engine of args.engines.split(',').filter(Boolean)) {
        const float32 = engine !== 'onnx-f64';
        const t = performance.now(), cpu = process.cpuUsage();
        const r = await countManifoldsAsync({ generated, real }, SETTINGS, { engine: engine === 'wasm' ? 'wasm' : 'onnx', threads, float32 });
        const c = process.cpuUsage(cpu);
        note(`fidkit_${engine}`, (performance.now() - t) / 1000, (c.user + c.system) / 1e6);
        row[`fidkit_${engine}`] = {
          diagnostics: r.diagnostics,
          ...(want64 ? { countsEqualNumpyFloat64: countsOf(r) === want64 } : {}),
          counts: r.counts.map((q) => ({ k: q.k, membership: q.membership, precision: q.precision, recall: q.recall, density: q.density, coverage: q.coverage })),
        };
      }
      console.log(`D=${cols} round ${round + 1}/${rounds} (load ${loadavg()[0].toFixed(1)}): ${Object.entries(times).map(([name, ts]) => `${name} ${ts[round]?.seconds.toFixed(2) ?? '?'} s`).join(', ')}`);
    }
    const anchorNames = Object.keys(times).filter((name) => !name.startsWith('fidkit_'));
    const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor((xs.length - 1) / 2)];
    for (const engine of Object.keys(times).filter((name) => name.startsWith('fidkit_'))) {
      const own = times[engine];
      const out = row[engine] as Record<string, unknown>;
      out.seconds = round2(median(own.map((t) => t.seconds)));
      out.cpuSeconds = round2(median(own.map((t) => t.cpuSeconds)));
      const ratios: string[] = [];
      for (const name of anchorNames) {
        const a = times[name];
        const wall = median(own.map((t, i) => t.seconds / a[i].seconds)), cpu = median(own.map((t, i) => t.cpuSeconds / a[i].cpuSeconds));
        out[`vs_${name}`] = { wall: round2(wall), cpu: round2(cpu) };
        ratios.push(`${wall.toFixed(2)}× ${name} (CPU ${cpu.toFixed(2)}×)`);
      }
      console.log(`D=${cols} ${engine.slice(7)}: median ${Number(out.seconds).toFixed(2)} s wall, ${Number(out.cpuSeconds).toFixed(2)} s CPU${ratios.length ? ` = ${ratios.join(', ')} of the time (median of per-round ratios)` : ''}; counts equal NumPy float64: ${out.countsEqualNumpyFloat64 ?? '?'}`);
    }
    for (const name of anchorNames) {
      const a = times[name];
      row[name] = { ...(row[name] as object), seconds: round2(median(a.map((t) => t.seconds))), cpuSeconds: round2(median(a.map((t) => t.cpuSeconds))) };
      console.log(`D=${cols} ${name}: median ${median(a.map((t) => t.seconds)).toFixed(2)} s wall, ${median(a.map((t) => t.cpuSeconds)).toFixed(2)} s CPU`);
    }
    if (counts64) row.numpyCountsFloat64 = counts64;
    console.log(JSON.stringify(row));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
