/**
 * @file Benchmark of CMMD at the sizes papers use (N = 30,000 per set, CLIP ViT-L/14's 768-d
 * embeddings, L2-normalised random rows): wall and CPU time and peak RSS of `cmmdAsync` (streamed
 * float64 Gram tiles; the references hold three N×N float32 kernel matrices, 10.8 GB at N = 30,000),
 * and, at a size NumPy can hold (`--anchor-n`, default 5000), the reference formula in NumPy float32
 * (google-research's arithmetic, as sayakpaul/cmmd-pytorch runs it) against fidkit on the same rows,
 * measured in the same run. Never passes or fails.
 *
 *   node --import tsx bench/cmmd.ts [--n 30000] [--d 768] [--anchor-n 5000] [--threads 2] [--python /usr/bin/python3] [--no-python]
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeNpy } from '../src/io/npy.js';
import { cmmdAsync } from '../src/metrics/cmmd.js';
import type { FeatureMatrix } from '../src/core/types.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '30000' },
    d: { type: 'string', default: '768' },
    'anchor-n': { type: 'string', default: '5000' },
    threads: { type: 'string', default: String(availableParallelism()) },
    python: { type: 'string', default: '/usr/bin/python3' },
    'no-python': { type: 'boolean', default: false },
  },
});
const n = Number(args.n), d = Number(args.d), anchorN = Number(args['anchor-n']), threads = Number(args.threads);

/** Seeded L2-normalised rows around a shared direction (xorshift + Box–Muller). */
function embeddings(rows: number, seed: number, shift: number): FeatureMatrix {
  let s = seed >>> 0 || 1;
  const uniform = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), ((s >>> 0) + 0.5) / 2 ** 32);
  const data = new Float32Array(rows * d);
  for (let i = 0; i < rows; i++) {
    let norm = 0;
    const row = new Float64Array(d);
    for (let k = 0; k < d; k++) {
      const g = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
      row[k] = g + (k % 7 === 0 ? 1 + shift : 0);
      norm += row[k] ** 2;
    }
    for (let k = 0; k < d; k++) data[i * d + k] = row[k] / Math.sqrt(norm);
  }
  return { data, rows, cols: d };
}

async function timed(x: FeatureMatrix, y: FeatureMatrix): Promise<{ value: number; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await cmmdAsync(x, y, { threads });
  const cpu = process.cpuUsage(c0);
  return { value: r.value, wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

console.log(`machine: ${cpus()[0]?.model ?? '?'} ×${cpus().length}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; threads ${threads}`);

if (!args['no-python']) {
  const x = embeddings(anchorN, 1, 0), y = embeddings(anchorN, 2, 0.2);
  const dir = mkdtempSync(join(tmpdir(), 'fidkit-cmmd-bench-'));
  writeFileSync(join(dir, 'x.npy'), writeNpy({ dtype: 'float32', shape: [anchorN, d], data: x.data as Float32Array }));
  writeFileSync(join(dir, 'y.npy'), writeNpy({ dtype: 'float32', shape: [anchorN, d], data: y.data as Float32Array }));
  const script = `
import numpy as np, time
x = np.load('${dir}/x.npy'); y = np.load('${dir}/y.npy')
t = time.time()
g = np.float32(1 / (2 * 10.0 ** 2))
def k(a, b):
    an = np.diag(a @ a.T); bn = np.diag(b @ b.T)
    return np.mean(np.exp(-g * (-2 * (a @ b.T) + an[:, None] + bn[None, :])))
v = 1000 * (k(x, x) + k(y, y) - 2 * k(x, y))
print(repr(float(v)), time.time() - t)
`;
  try {
    const [value, seconds] = execFileSync(args.python, ['-c', script], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads) } }).trim().split(' ').map(Number);
    const ours = await timed(x, y);
    console.log(`N = ${anchorN}, d = ${d}: NumPy float32 reference formula ${seconds.toFixed(2)} s (CMMD ${value}); fidkit ${ours.wall.toFixed(2)} s wall, ${ours.cpu.toFixed(2)} s CPU (CMMD ${ours.value}); ratio ${(ours.wall / seconds).toFixed(2)}; float32 reference off by ${(Math.abs(value - ours.value) / ours.value).toExponential(2)} relative`);
  } catch (err) {
    console.log(`NumPy anchor skipped: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const x = embeddings(n, 3, 0), y = embeddings(n, 4, 0.2);
const before = process.memoryUsage().rss;
const r = await timed(x, y);
const peak = process.resourceUsage().maxRSS * 1024;
console.log(
  `N = ${n} per set, d = ${d}: fidkit ${r.wall.toFixed(1)} s wall, ${r.cpu.toFixed(1)} s CPU, CMMD ${r.value}; ` +
    `peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (features ${(2 * n * d * 4 / 2 ** 20).toFixed(0)} MiB, RSS before ${(before / 2 ** 20).toFixed(0)} MiB; ` +
    `the references' three N×N float32 kernel matrices would be ${(3 * n * n * 4 / 2 ** 30).toFixed(1)} GiB)`,
);
