/**
 * @file Throughput of the FID Inception extractor (ONNX Runtime, CPU) against pytorch-fid's network
 * on PyTorch, on the same images in the same run: 200 images at 299×299 and 200 at 32×32 (upsampled
 * to 299), batches of 50, both engines on the same number of threads (default 2). Uses the hash
 * weights (no download); the PyTorch side loads them from the `.pth` that
 * `scripts/make-hash-weights.py` writes, when Debian's python3-torch is present.
 *
 *   node --import tsx bench/inception.ts [--threads 2] [--images 200] [--batch 50] [--rounds 1]
 *        [--pth /work/hash-weights/hash_inception_zip.pth] [--python /usr/bin/python3] [--sweep]
 *
 * Each round times fidkit, then PyTorch (a fresh process), so both see the same machine load; the
 * best round of each is reported. Besides wall-clock images/s, images per CPU-second (all threads of
 * the process) is reported: on a shared machine it is the steadier measure of work per image.
 * `--sweep` also times ONNX Runtime variants (threads, optimisation level, images per ORT call,
 * BatchNorm folding, thread spinning) on 24 images at 299×299, interleaved over the rounds.
 * Timings exclude image decoding (identical for both) and include the resize to 299.
 *
 * This network-only comparison is the fallback: when the real pytorch-fid is importable (see
 * bench/pytorch-fid.ts: `--pytorch-fid-src DIR`, `$PYTORCH_FID_SRC` or `bench/out/pytorch-fid`),
 * `--compare auto` (the default) runs the end-to-end comparison instead, files on disk → features
 * against pytorch-fid's own `get_activations` (bench/inception-e2e.ts, in its own process);
 * `--compare e2e|network|both` picks explicitly.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DecodedImage } from '../src/io/decoded-image.js';
import { writeNpy } from '../src/io/npy.js';
import { buildInceptionModel } from '../src/features/inception/graph.js';
import { hashInceptionStateDict } from '../src/features/inception/hash-weights.js';
import { loadInception, type InceptionOptions } from '../src/features/inception/index.js';
import { probePytorchFid, pytorchFidSource } from './pytorch-fid.js';
import { makeImages } from './synthetic-images.js';

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    images: { type: 'string', default: '200' },
    batch: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1' },
    pth: { type: 'string', default: '/work/hash-weights/hash_inception_zip.pth' },
    python: { type: 'string', default: '/usr/bin/python3' },
    sweep: { type: 'boolean', default: false },
    'pytorch-fid-src': { type: 'string' },
    compare: { type: 'string', default: 'auto' },
  },
});
const threads = Number(args.threads);
const numImages = Number(args.images);
const batchSize = Number(args.batch);
const rounds = Number(args.rounds);

if (!['auto', 'e2e', 'network', 'both'].includes(args.compare)) {
  console.error(`--compare must be auto, e2e, network or both, got '${args.compare}'`);
  process.exit(2);
}
if (args.compare !== 'network') {
  const source = pytorchFidSource(args['pytorch-fid-src']);
  const probe = !existsSync(args.python)
    ? `${args.python} not found`
    : !existsSync(args.pth)
      ? `${args.pth} not found`
      : probePytorchFid(args.python, source);
  const e2e = new URL('./inception-e2e.ts', import.meta.url).pathname;
  const passOn = ['--threads', args.threads, '--images', args.images, '--batch', args.batch, '--rounds', args.rounds, '--pth', args.pth, '--python', args.python];
  const r = spawnSync(process.execPath, ['--import', 'tsx', e2e, ...passOn, ...(source ? ['--pytorch-fid-src', source] : [])], { stdio: 'inherit' });
  if (r.status !== 0) console.log(`(inception-e2e exited with ${r.status ?? r.signal})`);
  if (args.compare === 'e2e' || (args.compare === 'auto' && probe === true)) process.exit(r.status ?? 1);
  console.log(probe === true ? '\nNetwork-only comparison (--compare both):\n' : `\nFalling back to the network-only comparison: ${probe}\n`);
}

interface Timing {
  imagesPerSecond: number;
  imagesPerCpuSecond: number;
  seconds: number;
}

type Extractor = Awaited<ReturnType<typeof loadInception>>;

async function timeExtractor(extractor: Extractor, images: DecodedImage[]): Promise<{ timing: Timing; pool3: Float32Array }> {
  const pool3 = new Float32Array(images.length * 2048);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < images.length; i += batchSize) {
    const out = await extractor.extract(images.slice(i, i + batchSize), ['pool3']);
    pool3.set(out.pool3.data, i * 2048);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { timing: { imagesPerSecond: images.length / seconds, imagesPerCpuSecond: images.length / cpuSeconds, seconds }, pool3 };
}

async function loadWarm(options: InceptionOptions, warmup: DecodedImage[]): Promise<Extractor> {
  const extractor = await loadInception(options);
  // Warm-up: ORT allocates its arena and packs weights on the first run.
  await extractor.extract(warmup.slice(0, 8), ['pool3']);
  return extractor;
}

interface TorchResult {
  images_per_s: number;
  images_per_cpu_s: number;
  seconds: number;
  peak_rss_mb: number;
  torch: string;
  max_abs_diff_vs_fidkit?: number;
}

function timeTorch(images: DecodedImage[], pool3: Float32Array, dir: string, tag: string): TorchResult | string {
  if (!existsSync(args.python)) return `${args.python} not found`;
  if (!existsSync(args.pth)) return `${args.pth} not found (run /usr/bin/python3 scripts/make-hash-weights.py)`;
  const size = images[0].width;
  const stacked = new Uint8Array(images.length * size * size * 3);
  images.forEach((im, i) => stacked.set(im.data, i * size * size * 3));
  const imagesPath = join(dir, `images-${tag}.npy`);
  const featuresPath = join(dir, `fidkit-${tag}.npy`);
  writeFileSync(imagesPath, writeNpy({ dtype: 'uint8', shape: [images.length, size, size, 3], data: stacked }));
  writeFileSync(featuresPath, writeNpy({ dtype: 'float32', shape: [images.length, 2048], data: pool3 }));
  const script = new URL('./inception-torch.py', import.meta.url).pathname;
  try {
    const stdout = execFileSync(args.python, [script, args.pth, imagesPath, String(threads), String(batchSize), featuresPath], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) as string) as TorchResult;
  } catch (error) {
    return `PyTorch run failed: ${String((error as { stderr?: string }).stderr ?? error).slice(0, 400)}`;
  }
}

const stateDict = hashInceptionStateDict();
const model = buildInceptionModel(stateDict);
const dir = mkdtempSync(join(tmpdir(), 'fidkit-bench-'));
const rate = (x: number): string => x.toFixed(2);
try {
  console.log(
    `FID Inception throughput: ${numImages} images per size, batch ${batchSize}, ${threads} thread(s) for both engines, ` +
      `protocol pytorch-fid (the computation PyTorch's side does), best of ${rounds} round(s)`,
  );
  const extractor = await loadWarm({ model, protocol: 'pytorch-fid', threads }, makeImages(8, 299, 1));
  for (const size of [299, 32]) {
    const images = makeImages(numImages, size, size);
    let best: Timing | undefined;
    let bestTorch: TorchResult | undefined;
    let torchNote = '';
    for (let r = 0; r < rounds; r++) {
      const { timing, pool3 } = await timeExtractor(extractor, images);
      if (!best || timing.imagesPerSecond > best.imagesPerSecond) best = { ...timing, imagesPerCpuSecond: Math.max(timing.imagesPerCpuSecond, best?.imagesPerCpuSecond ?? 0) };
      else best.imagesPerCpuSecond = Math.max(best.imagesPerCpuSecond, timing.imagesPerCpuSecond);
      const torch = timeTorch(images, pool3, dir, String(size));
      if (typeof torch === 'string') torchNote = torch;
      else if (!bestTorch || torch.images_per_s > bestTorch.images_per_s) bestTorch = { ...torch, images_per_cpu_s: Math.max(torch.images_per_cpu_s, bestTorch?.images_per_cpu_s ?? 0) };
      else bestTorch.images_per_cpu_s = Math.max(bestTorch.images_per_cpu_s, torch.images_per_cpu_s);
      console.log(
        `  round ${r + 1}, ${size}x${size}: fidkit ${rate(timing.imagesPerSecond)} img/s (${rate(timing.imagesPerCpuSecond)} per CPU-s)` +
          (typeof torch === 'string' ? '' : `; PyTorch ${rate(torch.images_per_s)} img/s (${rate(torch.images_per_cpu_s)} per CPU-s)`),
      );
    }
    const b = best as Timing;
    if (!bestTorch) {
      console.log(`${size}x${size}: fidkit ${rate(b.imagesPerSecond)} img/s; PyTorch skipped: ${torchNote}`);
    } else {
      console.log(
        `${size}x${size}: fidkit ${rate(b.imagesPerSecond)} img/s, PyTorch ${bestTorch.torch} ${rate(bestTorch.images_per_s)} img/s: ` +
          `ratio ${rate(b.imagesPerSecond / bestTorch.images_per_s)}x wall-clock, ${rate(b.imagesPerCpuSecond / bestTorch.images_per_cpu_s)}x per CPU-second; ` +
          `PyTorch peak RSS ${bestTorch.peak_rss_mb.toFixed(0)} MB; max |pool3 fidkit - PyTorch| ${bestTorch.max_abs_diff_vs_fidkit?.toExponential(2)}`,
      );
    }
  }
  await extractor.dispose();
  console.log(`fidkit peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (whole process: hash weights, model bytes, ORT session, images)`);

  if (args.sweep) {
    const images = makeImages(24, 299, 7);
    const variants: [string, InceptionOptions][] = [
      ['default: threads 2, level all, 8 per call, BN folded, no spinning', { model, threads: 2 }],
      ['threads 1', { model, threads: 1 }],
      ['spinning', { model, threads: 2, spinning: true }],
      ['optimisation extended (no NCHWc layout)', { model, threads: 2, optimization: 'extended' }],
      ['optimisation basic', { model, threads: 2, optimization: 'basic' }],
      ['1 image per ORT call', { model, threads: 2, sessionBatch: 1 }],
      ['4 images per ORT call', { model, threads: 2, sessionBatch: 4 }],
      ['16 images per ORT call', { model, threads: 2, sessionBatch: 16 }],
      ['BatchNorm not folded (ORT fuses it itself)', { model: buildInceptionModel(stateDict, { foldBatchNorm: false }), threads: 2 }],
    ];
    const loaded: Extractor[] = [];
    for (const [, options] of variants) loaded.push(await loadWarm({ protocol: 'pytorch-fid', ...options }, images));
    const bestWall = variants.map(() => 0);
    const bestCpu = variants.map(() => 0);
    for (let r = 0; r < Math.max(rounds, 2); r++) {
      for (let i = 0; i < variants.length; i++) {
        const { timing } = await timeExtractor(loaded[i], images);
        bestWall[i] = Math.max(bestWall[i], timing.imagesPerSecond);
        bestCpu[i] = Math.max(bestCpu[i], timing.imagesPerCpuSecond);
      }
    }
    for (let i = 0; i < variants.length; i++) {
      console.log(`  ${variants[i][0].padEnd(66)} ${rate(bestWall[i])} img/s, ${rate(bestCpu[i])} per CPU-s`);
      await loaded[i].dispose();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
