/**
 * @file Throughput of the VGG16 extractor (ONNX Runtime, CPU) against torch-fidelity 0.4's own
 * `FeatureExtractorVGG16` (PyTorch), on the same images, threads and batch size, in the same run:
 * images at 224×224 (no resize) and at 64×64 (TF1 bilinear upsampling to 224), timings exclude image
 * decoding (identical for both) and include the resize and ImageNet normalisation. Hash weights (no
 * download): fidkit builds its graph from them; PyTorch loads the same weights from a torchvision-layout
 * `.pth` in bench/out/ (written once by bench/vgg16-torch.py, ~528 MB).
 *
 *   node --import tsx bench/vgg16.ts [--threads 2] [--images 48] [--batch 16] [--rounds 1]
 *        [--python /usr/bin/python3] [--torch-fidelity-src DIR]
 *
 * torch-fidelity is not a dependency: its source comes from `--torch-fidelity-src`, else
 * `$TORCH_FIDELITY_SRC`, else `bench/out/torch-fidelity` (e.g. `git clone
 * https://github.com/toshas/torch-fidelity bench/out/torch-fidelity`); without it only fidkit is timed.
 * Each round times fidkit, then torch-fidelity in a fresh process; the best round of each is reported,
 * with images per CPU-second (all threads), the steadier measure on a shared machine. Also printed:
 * the peak RSS of building the graph from a 528 MB `.pth` (the weights are held once) and of each side.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeVgg16ModelFile } from '../src/features/vgg16/build.js';
import { loadVgg16 } from '../src/features/vgg16/index.js';
import type { DecodedImage } from '../src/io/decoded-image.js';
import { writeNpy } from '../src/io/npy.js';
import { makeImages } from './synthetic-images.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    images: { type: 'string', default: '48' },
    batch: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '1' },
    python: { type: 'string', default: '/usr/bin/python3' },
    'torch-fidelity-src': { type: 'string' },
  },
});
const threads = Number(args.threads);
const numImages = Number(args.images);
const batchSize = Number(args.batch);
const rounds = Number(args.rounds);
const torchFidelity = args['torch-fidelity-src'] ?? process.env.TORCH_FIDELITY_SRC ?? (existsSync(join(HERE, 'out', 'torch-fidelity')) ? join(HERE, 'out', 'torch-fidelity') : undefined);
const torchWeights = join(HERE, 'out', 'vgg16', 'vgg16_hash_zip.pth');

interface Timing {
  imagesPerSecond: number;
  imagesPerCpuSecond: number;
}

interface TorchResult {
  images_per_s: number;
  images_per_cpu_s: number;
  peak_rss_mb: number;
  torch: string;
  torch_fidelity: string;
  max_rel_diff_vs_fidkit?: number;
}

function torchProbe(): string | true {
  if (!existsSync(args.python)) return `${args.python} not found`;
  if (!torchFidelity) return 'torch-fidelity source not found: pass --torch-fidelity-src DIR, set TORCH_FIDELITY_SRC, or clone github.com/toshas/torch-fidelity into bench/out/torch-fidelity';
  try {
    const out = execFileSync(args.python, [join(HERE, 'vgg16-torch.py'), '--torch-fidelity-src', torchFidelity, 'probe'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const probe = JSON.parse(out.trim().split('\n').at(-1) as string) as { ok: boolean; error?: string };
    return probe.ok ? true : `torch-fidelity is not importable from ${torchFidelity} (${probe.error})`;
  } catch (error) {
    return `torch-fidelity probe failed: ${String((error as { stderr?: string }).stderr ?? error).slice(0, 300)}`;
  }
}

function timeTorch(images: DecodedImage[], features: Float32Array, dir: string, tag: string): TorchResult | string {
  const size = images[0].width;
  const stacked = new Uint8Array(images.length * size * size * 3);
  images.forEach((im, i) => stacked.set(im.data, i * size * size * 3));
  const imagesPath = join(dir, `images-${tag}.npy`);
  const featuresPath = join(dir, `fidkit-${tag}.npy`);
  writeFileSync(imagesPath, writeNpy({ dtype: 'uint8', shape: [images.length, size, size, 3], data: stacked }));
  writeFileSync(featuresPath, writeNpy({ dtype: 'float32', shape: [images.length, 4096], data: features }));
  try {
    const out = execFileSync(
      args.python,
      [join(HERE, 'vgg16-torch.py'), '--torch-fidelity-src', torchFidelity!, torchWeights, imagesPath, String(threads), String(batchSize), featuresPath],
      { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return JSON.parse(out.trim().split('\n').at(-1) as string) as TorchResult;
  } catch (error) {
    return `torch-fidelity run failed: ${String((error as { stderr?: string }).stderr ?? error).slice(0, 400)}`;
  }
}

const rate = (x: number): string => x.toFixed(2);
const dir = mkdtempSync(join(tmpdir(), 'fidkit-bench-vgg16-'));
try {
  const probe = torchProbe();
  console.log(
    `VGG16 (torch-fidelity 0.4's extractor) throughput: ${numImages} images per size, batch ${batchSize}, ${threads} thread(s) for both engines, ` +
      `best of ${rounds} round(s); torch-fidelity: ${probe === true ? torchFidelity : `skipped (${probe})`}`,
  );
  const model = join(dir, 'vgg16-hash.onnx');
  const t0 = performance.now();
  await writeVgg16ModelFile(model, { kind: 'hash' });
  console.log(`graph built from the hash weights in ${((performance.now() - t0) / 1000).toFixed(1)} s (one tensor in memory at a time)`);
  const extractor = await loadVgg16({ model, threads });
  await extractor.extract(makeImages(8, 224, 1), ['fc2_relu']); // warm-up: ORT's arena and weight packing
  for (const size of [224, 64]) {
    const images = makeImages(numImages, size, size);
    let best: Timing | undefined;
    let bestTorch: TorchResult | undefined;
    let note = probe === true ? '' : probe;
    for (let r = 0; r < rounds; r++) {
      const features = new Float32Array(images.length * 4096);
      const cpu0 = process.cpuUsage();
      const w0 = performance.now();
      for (let i = 0; i < images.length; i += batchSize) features.set((await extractor.extract(images.slice(i, i + batchSize), ['fc2_relu'])).fc2_relu.data, i * 4096);
      const seconds = (performance.now() - w0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const timing = { imagesPerSecond: images.length / seconds, imagesPerCpuSecond: images.length / ((cpu.user + cpu.system) / 1e6) };
      best = !best ? timing : { imagesPerSecond: Math.max(best.imagesPerSecond, timing.imagesPerSecond), imagesPerCpuSecond: Math.max(best.imagesPerCpuSecond, timing.imagesPerCpuSecond) };
      const torch = probe === true ? timeTorch(images, features, dir, String(size)) : probe;
      if (typeof torch === 'string') note = torch;
      else bestTorch = !bestTorch ? torch : { ...torch, images_per_s: Math.max(bestTorch.images_per_s, torch.images_per_s), images_per_cpu_s: Math.max(bestTorch.images_per_cpu_s, torch.images_per_cpu_s) };
      console.log(
        `  round ${r + 1}, ${size}x${size}: fidkit ${rate(timing.imagesPerSecond)} img/s (${rate(timing.imagesPerCpuSecond)} per CPU-s)` +
          (typeof torch === 'string' ? '' : `; torch-fidelity ${rate(torch.images_per_s)} img/s (${rate(torch.images_per_cpu_s)} per CPU-s)`),
      );
    }
    const b = best!;
    if (!bestTorch) console.log(`${size}x${size}: fidkit ${rate(b.imagesPerSecond)} img/s; torch-fidelity skipped: ${note}`);
    else {
      console.log(
        `${size}x${size}: fidkit ${rate(b.imagesPerSecond)} img/s, torch-fidelity ${bestTorch.torch_fidelity} (PyTorch ${bestTorch.torch}) ${rate(bestTorch.images_per_s)} img/s: ` +
          `ratio ${rate(b.imagesPerSecond / bestTorch.images_per_s)}x wall-clock, ${rate(b.imagesPerCpuSecond / bestTorch.images_per_cpu_s)}x per CPU-second; ` +
          `torch-fidelity peak RSS ${bestTorch.peak_rss_mb.toFixed(0)} MB; max |fc2_relu fidkit − torch-fidelity| / max ${bestTorch.max_rel_diff_vs_fidkit?.toExponential(2)}`,
      );
    }
  }
  await extractor.dispose();
  console.log(`fidkit peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (whole process: graph build in a thread, ORT session, images)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
