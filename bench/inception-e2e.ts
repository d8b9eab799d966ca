/**
 * @file End-to-end throughput, image files on disk → pool3 features, of fidkit against the real
 * pytorch-fid, on the same PNG files in the same run: 200 images at 299×299 and 200 at 32×32
 * (upsampled to 299 by both), batches of 50, both on the same number of threads (default 2), the
 * same network and weights (fidkit: the hash weights built in TypeScript; pytorch-fid: the same
 * weights from the `.pth` that `scripts/make-hash-weights.py` writes).
 *
 *   node --import tsx bench/inception-e2e.ts [--threads 2] [--images 200] [--batch 50] [--rounds 1]
 *        [--pth /work/hash-weights/hash_inception_zip.pth] [--python /usr/bin/python3]
 *        [--pytorch-fid-src DIR] [--sizes 299,32] [--workers 0,default] [--sweep]
 *
 * fidkit side: `listImages` + `extractFiles` (sharp decoding of the next batch overlaps inference),
 * the extractor of `loadInception({ stateDict, protocol: 'pytorch-fid' })`, as `fidkit stats` runs.
 * pytorch-fid side (bench/inception-e2e.py): its own `InceptionV3([3])` and `get_activations` with
 * `torch.set_num_threads`, once with `num_workers=0` and once with its CLI default min(8, CPUs).
 * pytorch-fid is not part of fidkit: it is found through `--pytorch-fid-src` (a checkout of
 * github.com/mseitzer/pytorch-fid), else `$PYTORCH_FID_SRC`, else `bench/out/pytorch-fid`, else an
 * installed `pytorch_fid`; without it only fidkit's figures are printed.
 *
 * Every measurement is a fresh process (fidkit: this file with `--measure`), so peak RSS is that of
 * one extraction and no run inherits another's caches; each side warms up on 8 images first and the
 * start-up (weights, model, session) is reported apart. Rounds interleave fidkit and pytorch-fid so
 * both see the same machine load; the best round of each is kept. Images per CPU-second (all
 * threads, and pytorch-fid's DataLoader workers) is the steadier figure on a shared machine.
 * `--sweep` times fidkit variants of the end-to-end path (images per ORT call, ORT threads, sharp
 * concurrency) and the two stages alone (decoding; the network on decoded images).
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { extractFiles } from '../src/features/extract.js';
import { hashInceptionStateDict } from '../src/features/inception/hash-weights.js';
import { loadInception } from '../src/features/inception/index.js';
import { listImages } from '../src/io/folder.js';
import { decodeImage, type DecodedImage } from '../src/io/images.js';
import { writeNpy } from '../src/io/npy.js';
import { probePytorchFid, pytorchFidSource } from './pytorch-fid.js';
import { makeImages } from './synthetic-images.js';

const HERE = dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    images: { type: 'string', default: '200' },
    batch: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1' },
    pth: { type: 'string', default: '/work/hash-weights/hash_inception_zip.pth' },
    python: { type: 'string', default: '/usr/bin/python3' },
    'pytorch-fid-src': { type: 'string' },
    sizes: { type: 'string', default: '299,32' },
    workers: { type: 'string', default: '0,default' },
    sweep: { type: 'boolean', default: false },
    // Internal: one fidkit measurement in this process (spawned by the driver).
    measure: { type: 'string' },
    out: { type: 'string' },
    'session-batch': { type: 'string' },
    'sharp-concurrency': { type: 'string' },
    stage: { type: 'string', default: 'e2e' },
  },
});
const threads = Number(args.threads);
const batchSize = Number(args.batch);

interface FidkitResult {
  images: number;
  images_per_s: number;
  images_per_cpu_s: number;
  seconds: number;
  startup_s: number;
  peak_rss_mb: number;
}

interface PytorchFidResult extends FidkitResult {
  num_workers: number;
  workers_peak_rss_mb: number;
  torch: string;
  max_abs_diff?: number;
  max_abs_value?: number;
  check_error?: string;
}

/**
 * `--measure FOLDER`: load the extractor, warm up, then time one extraction of the folder
 * (stage `e2e`: list + decode + network; `decode`: decoding only; `network`: the network on images
 * decoded beforehand). Prints one JSON line.
 */
async function measure(folder: string): Promise<void> {
  if (args['sharp-concurrency']) sharp.concurrency(Number(args['sharp-concurrency']));
  const t0 = performance.now();
  const extractor = await loadInception({
    stateDict: hashInceptionStateDict(),
    protocol: 'pytorch-fid',
    threads,
    sessionBatch: args['session-batch'] ? Number(args['session-batch']) : undefined,
  });
  const { files } = await listImages(folder);
  const warm = await Promise.all(files.slice(0, 8).map((f) => decodeImage(f)));
  await extractor.extract(warm, ['pool3']);
  const startup = (performance.now() - t0) / 1000;
  let decoded: DecodedImage[] = [];
  if (args.stage === 'network') decoded = await Promise.all(files.map((f) => decodeImage(f)));

  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  let pool3: Float32Array | undefined;
  if (args.stage === 'e2e') {
    const listed = await listImages(folder);
    const result = await extractFiles(listed.files, extractor, { batchSize, keepLayers: ['pool3'] });
    pool3 = result.kept.pool3.data as Float32Array;
  } else if (args.stage === 'decode') {
    const listed = await listImages(folder);
    for (let i = 0; i < listed.files.length; i += batchSize) {
      await Promise.all(listed.files.slice(i, i + batchSize).map((f) => decodeImage(f)));
    }
  } else {
    for (let i = 0; i < decoded.length; i += batchSize) await extractor.extract(decoded.slice(i, i + batchSize), ['pool3']);
  }
  const seconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await extractor.dispose();
  if (pool3 && args.out) writeFileSync(args.out, writeNpy({ dtype: 'float32', shape: [files.length, 2048], data: pool3 }));
  const result: FidkitResult = {
    images: files.length,
    images_per_s: files.length / seconds,
    images_per_cpu_s: files.length / ((cpu.user + cpu.system) / 1e6),
    seconds,
    startup_s: startup,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(result));
}

/** The benchmarks' deterministic images (bench/synthetic-images.ts), written as PNG. */
async function writePngs(folder: string, count: number, size: number, seed: number): Promise<void> {
  mkdirSync(folder, { recursive: true });
  for (const [i, image] of makeImages(count, size, seed).entries()) {
    await sharp(image.data, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toFile(join(folder, `img-${String(i).padStart(4, '0')}.png`));
  }
}

function lastJsonLine<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as T;
}

function runFidkit(folder: string, out: string | undefined, extra: string[] = []): FidkitResult | string {
  const argv = ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure', folder, '--threads', String(threads), '--batch', String(batchSize), ...extra];
  if (out) argv.push('--out', out);
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) return `fidkit run failed: ${(r.stderr || String(r.error)).slice(0, 600)}`;
  return lastJsonLine<FidkitResult>(r.stdout);
}

function runPytorchFid(folder: string, workers: string, check: string | undefined, source: string | undefined): PytorchFidResult | string {
  const argv = [join(HERE, 'inception-e2e.py'), 'run', '--pth', args.pth, '--folder', folder, '--threads', String(threads)];
  argv.push('--batch', String(batchSize), '--num-workers', workers);
  if (check) argv.push('--check', check);
  if (source) argv.push('--pytorch-fid-src', source);
  try {
    const stdout = execFileSync(args.python, argv, {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return lastJsonLine<PytorchFidResult>(stdout);
  } catch (error) {
    return `pytorch-fid run failed: ${String((error as { stderr?: string }).stderr ?? error).slice(-600)}`;
  }
}

/** Keeps, per key, the best wall-clock images/s and (separately) the best images per CPU-second. */
class Best<T extends FidkitResult> {
  readonly byKey = new Map<string, T>();
  add(key: string, r: T): void {
    const old = this.byKey.get(key);
    if (!old) this.byKey.set(key, { ...r });
    else {
      const cpu = Math.max(old.images_per_cpu_s, r.images_per_cpu_s);
      const rss = Math.max(old.peak_rss_mb, r.peak_rss_mb);
      if (r.images_per_s > old.images_per_s) this.byKey.set(key, { ...r, images_per_cpu_s: cpu, peak_rss_mb: rss });
      else Object.assign(old, { images_per_cpu_s: cpu, peak_rss_mb: rss });
    }
  }
}

const f2 = (x: number): string => x.toFixed(2);
const mb = (x: number): string => `${x.toFixed(0)} MB`;

async function driver(): Promise<void> {
  const numImages = Number(args.images);
  const rounds = Number(args.rounds);
  const sizes = args.sizes.split(',').map(Number);
  const workerSettings = args.workers.split(',');
  const source = pytorchFidSource(args['pytorch-fid-src']);
  let torchNote = '';
  if (!existsSync(args.pth)) torchNote = `${args.pth} not found (run /usr/bin/python3 scripts/make-hash-weights.py DIR)`;
  else {
    const probe = probePytorchFid(args.python, source);
    if (probe !== true) torchNote = probe;
  }
  const withTorch = torchNote === '';
  console.log(
    `End to end (PNG files → pool3): ${numImages} images per size, batch ${batchSize}, ${threads} thread(s) for both, ` +
      `protocol pytorch-fid, best of ${rounds} round(s); pytorch-fid: ` +
      (withTorch ? `real code${source ? ` from ${source}` : ' (installed)'}, num_workers ${workerSettings.join(' and ')}` : `skipped: ${torchNote}`),
  );
  const dir = mkdtempSync(join(tmpdir(), 'fidkit-e2e-'));
  try {
    for (const size of sizes) await writePngs(join(dir, String(size)), numImages, size, size);
    const fidkitBest = new Best<FidkitResult>();
    const torchBest = new Best<PytorchFidResult>();
    const agreement = new Map<number, { diff: number; max: number }>();
    for (let r = 0; r < rounds; r++) {
      for (const size of sizes) {
        const folder = join(dir, String(size));
        const featuresPath = join(dir, `fidkit-${size}.npy`);
        const fk = runFidkit(folder, featuresPath);
        if (typeof fk === 'string') throw new Error(fk);
        fidkitBest.add(String(size), fk);
        let line = `  round ${r + 1}, ${size}x${size}: fidkit ${f2(fk.images_per_s)} img/s (${f2(fk.images_per_cpu_s)} per CPU-s, RSS ${mb(fk.peak_rss_mb)})`;
        if (withTorch) {
          for (const w of workerSettings) {
            const pf = runPytorchFid(folder, w, featuresPath, source);
            if (typeof pf === 'string') {
              line += `; pytorch-fid workers=${w}: ${pf}`;
              continue;
            }
            torchBest.add(`${size}/${w}`, pf);
            if (pf.max_abs_diff !== undefined) {
              const a = agreement.get(size);
              if (!a || pf.max_abs_diff > a.diff) agreement.set(size, { diff: pf.max_abs_diff, max: pf.max_abs_value ?? NaN });
            }
            line += `; pytorch-fid workers=${pf.num_workers} ${f2(pf.images_per_s)} img/s (${f2(pf.images_per_cpu_s)} per CPU-s)`;
            if (pf.check_error) line += ` [feature check: ${pf.check_error}]`;
          }
        }
        console.log(line);
      }
    }
    for (const size of sizes) {
      const fk = fidkitBest.byKey.get(String(size)) as FidkitResult;
      console.log(
        `${size}x${size}: fidkit ${f2(fk.images_per_s)} img/s, ${f2(fk.images_per_cpu_s)} per CPU-s, peak RSS ${mb(fk.peak_rss_mb)}, ` +
          `start-up ${f2(fk.startup_s)} s`,
      );
      if (!withTorch) continue;
      for (const w of workerSettings) {
        const pf = torchBest.byKey.get(`${size}/${w}`);
        if (!pf) continue;
        console.log(
          `  vs pytorch-fid (torch ${pf.torch}, num_workers=${pf.num_workers}) ${f2(pf.images_per_s)} img/s, ${f2(pf.images_per_cpu_s)} per CPU-s, ` +
            `peak RSS ${mb(pf.peak_rss_mb)} (+ worker ${mb(pf.workers_peak_rss_mb)}): ` +
            `ratio ${f2(fk.images_per_s / pf.images_per_s)}x wall-clock, ${f2(fk.images_per_cpu_s / pf.images_per_cpu_s)}x per CPU-second`,
        );
      }
      const a = agreement.get(size);
      if (a) console.log(`  features: max |pool3 fidkit − pytorch-fid| = ${a.diff.toExponential(2)} (max |pool3| ${a.max.toExponential(2)}, relative ${(a.diff / a.max).toExponential(2)})`);
    }

    if (args.sweep) {
      const folder = join(dir, String(sizes[0]));
      const variants: [string, string[]][] = [
        ['e2e default (8 images per ORT call, sharp default concurrency)', []],
        ['e2e, 16 images per ORT call', ['--session-batch', '16']],
        ['e2e, 50 images per ORT call (one call per batch)', ['--session-batch', '50']],
        ['e2e, sharp.concurrency(1)', ['--sharp-concurrency', '1']],
        ['e2e, ORT 3 threads', ['--threads', '3']],
        ['network only (images decoded beforehand)', ['--stage', 'network']],
        ['decoding only (sharp, batches of 50 in parallel)', ['--stage', 'decode']],
      ];
      const best = new Best<FidkitResult>();
      for (let r = 0; r < Math.max(rounds, 2); r++) {
        for (const [name, extra] of variants) {
          const res = runFidkit(folder, undefined, extra);
          if (typeof res === 'string') throw new Error(`${name}: ${res}`);
          best.add(name, res);
        }
      }
      console.log(`sweep, ${sizes[0]}x${sizes[0]} (best of ${Math.max(rounds, 2)}):`);
      for (const [name] of variants) {
        const b = best.byKey.get(name) as FidkitResult;
        console.log(`  ${name.padEnd(62)} ${f2(b.images_per_s).padStart(8)} img/s, ${f2(b.images_per_cpu_s).padStart(8)} per CPU-s, RSS ${mb(b.peak_rss_mb)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.measure) await measure(args.measure);
else await driver();
