/**
 * @file `fidkit stats FOLDER -o stats.npz` against `python -m pytorch_fid --save-stats FOLDER
 * stats.npz`, each a whole process timed from launch to exit (start-up included, as a user runs
 * them), on the same 299×299 PNGs, same weights (the hash weights: `--weights PTH` for fidkit, the
 * same .pth loaded by pytorch-fid in place of its download, bench/python/pytorch_fid_stats.py),
 * fidkit with `--protocol pytorch-fid` so both compute the same features; the means of the two
 * statistics files are compared.
 *
 * fidkit runs with warm caches (its built graph, ONNX Runtime's optimised copy, the weights' hash)
 * but no feature cache: the folder `CACHE/features` is removed before each run. Under
 * NODE_DEBUG=fidkit fidkit prints its start-up timeline; the time before the first batch is read
 * from it. Rounds interleave the two tools (same machine load): each round's ratio is taken within
 * the round, and the median over rounds is reported, with the load average of each round.
 *
 *   node --import tsx bench/stats-e2e.ts [--images 100,2000] [--threads 2] [--rounds 3]
 *     [--pth bench/out/hash-weights/hash_inception_zip.pth] [--python /usr/bin/python3]
 *     [--pytorch-fid-src bench/out/pytorch-fid] [--fidkit DIR (another build's root, e.g. an older commit)]
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { readNpzFile } from '../src/io/npz.js';
import { pytorchFidSource } from './pytorch-fid.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '100,2000' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    pth: { type: 'string', default: join(HERE, 'out', 'hash-weights', 'hash_inception_zip.pth') },
    python: { type: 'string', default: '/usr/bin/python3' },
    'pytorch-fid-src': { type: 'string' },
    fidkit: { type: 'string', default: ROOT },
  },
});
const threads = Number(args.threads), rounds = Number(args.rounds);

/** N smooth random 299×299 RGB PNGs (16×16 noise, bicubic upscale): photographs compress like this, noise does not. */
async function makeImages(dir: string, n: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  let s = 12345;
  const rand = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s & 255; };
  for (let i = 0; i < n; i++) {
    const small = Buffer.from(Array.from({ length: 16 * 16 * 3 }, rand));
    await sharp(small, { raw: { width: 16, height: 16, channels: 3 } }).resize(299, 299, { kernel: 'cubic' }).png().toFile(join(dir, `img${String(i).padStart(5, '0')}.png`));
  }
}

interface Run { readonly seconds: number; readonly cpuSeconds?: number; readonly beforeFirstBatch?: number; readonly cpuBeforeFirstBatch?: number; readonly firstBatch?: number }

/** Runs `command` under /usr/bin/time when present, for the CPU seconds of it and its children (DataLoader workers). */
function timed(command: string, argv: string[], env: NodeJS.ProcessEnv): { status: number | null; stderr: string; seconds: number; cpuSeconds?: number } {
  const withTime = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = withTime
    ? spawnSync('/usr/bin/time', ['-f', 'CPU_SECONDS %U %S', command, ...argv], { encoding: 'utf8', env, maxBuffer: 1 << 26 })
    : spawnSync(command, argv, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  const m = /CPU_SECONDS ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { status: r.status, stderr: r.stderr ?? '', seconds, cpuSeconds: m ? Number(m[1]) + Number(m[2]) : undefined };
}

function timeFidkit(folder: string, out: string, cache: string): Run {
  rmSync(join(cache, 'features'), { recursive: true, force: true });
  rmSync(out, { force: true });
  const r = timed(process.execPath, [join(args.fidkit, 'bin', 'fidkit.js'), 'stats', folder, '-o', out, '--weights', args.pth,
    '--protocol', 'pytorch-fid', '--cache-dir', cache, '-q'], { ...process.env, NODE_DEBUG: 'fidkit' });
  if (r.status !== 0) throw new Error(`fidkit stats failed: ${r.stderr}`);
  const at = (re: RegExp) => { const m = re.exec(r.stderr); return m ? Number(m[1]) / 1000 : undefined; };
  return {
    seconds: r.seconds, cpuSeconds: r.cpuSeconds,
    beforeFirstBatch: at(/extraction starts: first batch decoding at (\d+) ms/),
    cpuBeforeFirstBatch: at(/extraction starts: first batch decoding at \d+ ms \((\d+) ms CPU\)/),
    firstBatch: at(/first batch of \d+ images extracted at (\d+) ms/),
  };
}

function timePytorchFid(folder: string, out: string, src: string | undefined): Run {
  rmSync(out, { force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (src) env.PYTHONPATH = [existsSync(join(src, 'src', 'pytorch_fid')) ? join(src, 'src') : src, process.env.PYTHONPATH].filter(Boolean).join(':');
  const r = timed(args.python, [join(HERE, 'python', 'pytorch_fid_stats.py'), args.pth, folder, out, String(threads)], env);
  if (r.status !== 0) throw new Error(`pytorch-fid failed: ${r.stderr.slice(-2000)}`);
  return { seconds: r.seconds, cpuSeconds: r.cpuSeconds };
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor((xs.length - 1) / 2)];
/** The run with the median wall time. */
const middle = (runs: Run[]) => [...runs].sort((p, q) => p.seconds - q.seconds)[Math.floor((runs.length - 1) / 2)];
const f = (v: number | undefined, digits = 2) => (v === undefined ? '?' : v.toFixed(digits));

if (!existsSync(args.pth)) {
  console.log(`no weights at ${args.pth}: make them with /usr/bin/python3 scripts/make-hash-weights.py ${dirname(args.pth)}`);
  process.exit(0);
}
const src = pytorchFidSource(args['pytorch-fid-src']);
const work = mkdtempSync(join(tmpdir(), 'fidkit-bench-stats-'));
try {
  console.log(`# fidkit stats vs pytorch-fid --save-stats, end to end: ${cpus()[0]?.model ?? '?'} ×${cpus().length}, node ${process.version}, ${threads} threads, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`fidkit: ${args.fidkit}; pytorch-fid: ${src ?? 'installed package'}; weights ${args.pth}`);
  const cache = join(work, 'cache');
  // Warm fidkit's caches (graph, ORT's optimised copy, the weights' hash) on 4 images.
  await makeImages(join(work, 'warm'), 4);
  timeFidkit(join(work, 'warm'), join(work, 'warm.npz'), cache);
  for (const n of args.images.split(',').map(Number)) {
    const folder = join(work, `images-${n}`);
    await makeImages(folder, n);
    const fid: Run[] = [], py: Run[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate which tool goes first, so neither always runs on a cooler machine.
      const order = r % 2 === 0 ? ['fidkit', 'pytorch-fid'] : ['pytorch-fid', 'fidkit'];
      for (const tool of order) {
        if (tool === 'fidkit') fid.push(timeFidkit(folder, join(work, 'fidkit.npz'), cache));
        else if (py.length === r) {
          try {
            py.push(timePytorchFid(folder, join(work, 'pytorch-fid.npz'), src));
          } catch (err) {
            console.log(String(err).split('\n').slice(0, 3).join(' '));
          }
        }
      }
      const ratio = py[r] ? `, rate ${f(py[r].seconds / fid[r].seconds)}× pytorch-fid's (${f(py[r].seconds)} s)` : '';
      console.log(`${n} images, round ${r + 1}/${rounds} (load ${loadavg()[0].toFixed(1)}): fidkit ${f(fid[r].seconds)} s${ratio}`);
    }
    const a = middle(fid);
    console.log(`${n} images: fidkit median ${f(a.seconds)} s, ${f(a.cpuSeconds)} s CPU (${f(n / a.seconds, 1)} images/s; before the first batch ${f(a.beforeFirstBatch)} s, ${f(a.cpuBeforeFirstBatch)} s of CPU; first batch done at ${f(a.firstBatch)} s)`);
    if (py.length === fid.length) {
      const b = middle(py);
      const mu1 = (await readNpzFile(join(work, 'fidkit.npz'))).mu.data as Float64Array;
      const mu2 = (await readNpzFile(join(work, 'pytorch-fid.npz'))).mu.data as Float64Array;
      let diff = 0;
      for (let i = 0; i < mu1.length; i++) diff = Math.max(diff, Math.abs(mu1[i] - mu2[i]));
      const rate = median(py.map((p, r) => p.seconds / fid[r].seconds));
      const cpu = py.every((p, r) => p.cpuSeconds && fid[r].cpuSeconds) ? `, per CPU-second ${f(median(py.map((p, r) => p.cpuSeconds! / fid[r].cpuSeconds!)))}×` : '';
      console.log(`${n} images: pytorch-fid median ${f(b.seconds)} s, ${f(b.cpuSeconds)} s CPU (${f(n / b.seconds, 1)} images/s); fidkit's rate ${f(rate)}× pytorch-fid's (median of per-round ratios)${cpu}; max |Δ mu| ${diff.toExponential(1)}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
