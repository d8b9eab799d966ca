/**
 * @file Speed of fidkit's Fréchet distance (`src/metrics/frechet.ts`) at D = 512 and 2048 against
 * the Python references measured in the same run (bench/python/frechet_anchor.py): pytorch-fid's
 * path (scipy.linalg.sqrtm of Σ₁Σ₂), torch-fidelity's (numpy eigvals of Σ₁Σ₂) and the symmetric
 * eigh form. Every Python interpreter found with SciPy is timed (`python3` on PATH and Debian's
 * `/usr/bin/python3`), with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for that command only
 * (they slow OpenBLAS down on some processors). Also prints how far fidkit's value is from scipy's.
 *
 *   node --import tsx bench/frechet.ts [--dims 512,2048] [--python python3,/usr/bin/python3] [--no-python]
 *
 * fidkit is timed three times: its default (WebAssembly SIMD; two threads from D = 1024 on a
 * 2-core machine), WebAssembly on one thread, and plain JS (`kernel: 'js'`); each Python is timed with OpenBLAS's default threads (both cores here) and
 * with OPENBLAS_NUM_THREADS=1 (one core — and far less sensitive to other load).
 * Wall times on a shared machine are noisy: rerun, and compare only numbers from one run.
 *
 * The statistics are random SPD matrices Σ = B·Bᵀ/k + 0.05·I (B D×D/2 Gaussian, columns with a
 * decaying scale, like feature covariances), seeded, written as pytorch-fid-layout .npz files so
 * that Python reads exactly the same numbers.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeStatisticsFile } from '../src/io/stats-file.js';
import { gemmNT } from '../src/linalg/kernels.js';
import { frechetDistance } from '../src/metrics/frechet.js';
import type { FidStatistics } from '../src/core/types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ANCHOR = join(HERE, 'python', 'frechet_anchor.py');

export interface PythonTiming {
  readonly interpreter: string;
  /** 'default' (OpenBLAS picks, both cores here) or '1' (OPENBLAS_NUM_THREADS=1, like fidkit). */
  readonly threads: string;
  readonly versions: string;
  /** Seconds and value for each method: pytorch_fid, eigvals, eigh. */
  readonly methods: Record<string, { seconds: number; value: number; offset: boolean }>;
}

export interface FrechetBenchRow {
  readonly dim: number;
  /** Default kernels (WebAssembly SIMD where available): best wall time, and its CPU time. */
  readonly fidkitSeconds: number;
  readonly fidkitCpuSeconds: number;
  readonly fidkitKernel: string;
  /** WebAssembly SIMD on one thread (`threads: 1`). */
  readonly fidkitSingleThreadSeconds: number;
  /** Plain-JS kernels (`kernel: 'js'`), the fallback without WebAssembly SIMD. */
  readonly fidkitJsSeconds: number;
  readonly fidkitValue: number;
  readonly python: PythonTiming[];
}

export interface FrechetBenchOptions {
  readonly dims?: readonly number[];
  /** Interpreters to try; those without SciPy are skipped. Empty: fidkit only. */
  readonly pythons?: readonly string[];
  /** Where progress lines go (default: nowhere). */
  readonly log?: (line: string) => void;
}

/** Deterministic N(0, 1) draws: xorshift32 + Box–Muller. */
function normals(count: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const u = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/** Random SPD statistics: Σ = B·Bᵀ/k + 0.05·I with B D×k, column c scaled by exp(−c/(k/8)). */
export function randomStatistics(dim: number, seed: number): FidStatistics {
  const k = Math.max(1, dim >> 1);
  const b = normals(dim * k, seed);
  for (let i = 0; i < dim; i++) for (let c = 0; c < k; c++) b[i * k + c] *= Math.exp(-c / (k / 8));
  const sigma = new Float64Array(dim * dim);
  gemmNT(dim, dim, k, b, 0, k, b, 0, k, sigma, 0, dim, 1 / k, false);
  for (let i = 0; i < dim; i++) sigma[i * dim + i] += 0.05;
  const mu = normals(dim, seed ^ 0x5bd1e995);
  for (let i = 0; i < dim; i++) mu[i] *= 0.1;
  return { mu, sigma };
}

function findPythons(candidates: readonly string[]): { exe: string; real: string }[] {
  const found: { exe: string; real: string }[] = [];
  for (const exe of candidates) {
    try {
      const real = execFileSync(exe, ['-c', 'import sys, scipy, numpy; print(sys.executable)'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      if (!found.some((f) => f.real === real)) found.push({ exe, real });
    } catch {
      // No interpreter, or no SciPy in it: not an anchor.
    }
  }
  return found;
}

function pythonEnv(threads: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (threads === 'default') delete env.OPENBLAS_NUM_THREADS;
  else env.OPENBLAS_NUM_THREADS = threads;
  return env;
}

/** Runs the benchmark; returns one row per dimension. */
export async function runFrechetBench(options: FrechetBenchOptions = {}): Promise<FrechetBenchRow[]> {
  const dims = options.dims ?? [512, 2048];
  const log = options.log ?? ((): void => {});
  const pythons = existsSync(ANCHOR) ? findPythons(options.pythons ?? ['python3', '/usr/bin/python3']) : [];
  const dir = mkdtempSync(join(tmpdir(), 'fidkit-frechet-bench-'));
  const rows: FrechetBenchRow[] = [];
  try {
    // Warm the JIT (every kernel path, both thread counts) so the first timed size is not
    // charged for compilation.
    const wa = randomStatistics(256, 1);
    const wb = randomStatistics(256, 2);
    for (const threads of [1, 2, 1]) frechetDistance(wa, wb, { threads });
    frechetDistance(wa, wb, { kernel: 'js' });
    for (const dim of dims) {
      const a = randomStatistics(dim, 1000 + dim);
      const b = randomStatistics(dim, 2000 + dim);
      const fa = join(dir, `a${dim}.npz`);
      const fb = join(dir, `b${dim}.npz`);
      await writeStatisticsFile(fa, a);
      await writeStatisticsFile(fb, b);
      const repeat = dim <= 512 ? 3 : 1;
      const time = (kernel: 'auto' | 'js', threads?: number) => {
        let best = { wall: Infinity, cpu: Infinity, value: NaN, kernel: '' };
        for (let r = 0; r < repeat; r++) {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          const res = frechetDistance(a, b, { kernel, threads });
          const wall = (performance.now() - t0) / 1000;
          const c = process.cpuUsage(c0);
          const label = `${res.diagnostics.kernel}, ${res.diagnostics.threads} thread${res.diagnostics.threads > 1 ? 's' : ''}`;
          if (wall < best.wall) best = { wall, cpu: (c.user + c.system) / 1e6, value: res.value, kernel: label };
        }
        return best;
      };
      const fast = time('auto');
      const single = time('auto', 1);
      const js = time('js', 1);
      log(`D=${dim}: fidkit ${fast.wall.toFixed(3)} s (${fast.kernel}), ${single.wall.toFixed(3)} s (${single.kernel}), ${js.wall.toFixed(3)} s (js)`);
      const python: PythonTiming[] = [];
      for (const py of pythons) {
        for (const threads of ['default', '1']) {
          const out = execFileSync(py.exe, [ANCHOR, fa, fb, '--repeat', String(repeat)], {
            encoding: 'utf8',
            env: pythonEnv(threads),
            maxBuffer: 1 << 20,
          });
          const j = JSON.parse(out) as {
            python: string;
            numpy: string;
            scipy: string;
            methods: PythonTiming['methods'];
          };
          python.push({ interpreter: py.real, threads, versions: `python ${j.python}, numpy ${j.numpy}, scipy ${j.scipy}`, methods: j.methods });
          log(`D=${dim}: ${py.real} (BLAS threads: ${threads}) done`);
        }
      }
      rows.push({
        dim,
        fidkitSeconds: fast.wall,
        fidkitCpuSeconds: fast.cpu,
        fidkitKernel: fast.kernel,
        fidkitSingleThreadSeconds: single.wall,
        fidkitJsSeconds: js.wall,
        fidkitValue: fast.value,
        python,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Human-readable report of the rows (the machine first). */
export function formatFrechetBench(rows: readonly FrechetBenchRow[]): string {
  const cpu = cpus();
  const lines = [`machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} logical cores, Node ${process.version}`];
  for (const row of rows) {
    lines.push(
      `D = ${row.dim}: fidkit ${row.fidkitSeconds.toFixed(3)} s wall, ${row.fidkitCpuSeconds.toFixed(3)} s CPU (default: ${row.fidkitKernel}); ` +
        `${row.fidkitSingleThreadSeconds.toFixed(3)} s on one thread; ${row.fidkitJsSeconds.toFixed(3)} s with the plain-JS kernels; value ${row.fidkitValue}`,
    );
    if (row.python.length === 0) lines.push('  (no python3 with SciPy found: absolute figures only)');
    for (const py of row.python) {
      lines.push(`  ${py.interpreter} (${py.versions}), BLAS threads: ${py.threads}`);
      for (const [name, m] of Object.entries(py.methods)) {
        const rel = Math.abs(row.fidkitValue - m.value) / Math.abs(m.value);
        lines.push(
          `    ${name.padEnd(12)} ${m.seconds.toFixed(3).padStart(8)} s   fidkit/python time ${(row.fidkitSeconds / m.seconds).toFixed(2)}   ` +
            `speed-up ${(m.seconds / row.fidkitSeconds).toFixed(2)}×   |Δvalue|/value ${rel.toExponential(2)}${m.offset ? ' (eps offset taken)' : ''}`,
        );
      }
    }
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      dims: { type: 'string', default: '512,2048' },
      python: { type: 'string', default: 'python3,/usr/bin/python3' },
      'no-python': { type: 'boolean', default: false },
    },
  });
  const rows = await runFrechetBench({
    dims: values.dims.split(',').map(Number),
    pythons: values['no-python'] ? [] : values.python.split(','),
    log: (line) => process.stderr.write(line + '\n'),
  });
  console.log(formatFrechetBench(rows));
}
