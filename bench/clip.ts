/**
 * @file The CLIP extractors against their references, outside the test suite (the ViT-L models take
 * minutes on 2 cores):
 *
 * 1. `--verify`: builds the model from the hash weights and embeds fixtures/images/set_{a,b} with every
 *    preset that fixtures/clip/<model> holds reference embeddings for (scripts/make-clip-fixtures.py),
 *    printing max |Δ| / max |reference| per preset and layer (the issue's bound: 1e-5).
 * 2. throughput: fidkit's extractor (ONNX Runtime, CPU) against torch-fidelity 0.4's own
 *    `FeatureExtractorCLIP` (PyTorch, bench/clip-torch.py) on the same synthetic images, threads and batch
 *    size, in the same run; both with torch-fidelity's preprocessing (TF1 bilinear to R×R + normalise),
 *    decoding excluded. PyTorch loads the TorchScript archive scripts/make-clip-fixtures.py wrote.
 *
 *   node --import tsx bench/clip.ts [--model clip-vit-b-32] [--verify] [--threads 2] [--images 48]
 *        [--batch 16] [--size 224] [--python /usr/bin/python3] [--torch-fidelity-src DIR] [--archive FILE.pt]
 *
 * `--archive` defaults to /tmp/fidkit-clip/<model>-hash.pt (scripts/make-clip-fixtures.py's --weights-dir);
 * without it, or without torch-fidelity's source (`--torch-fidelity-src`, `$TORCH_FIDELITY_SRC`,
 * bench/out/torch-fidelity), only fidkit is timed.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeClipModelFile } from '../src/features/clip/build.js';
import { loadClip } from '../src/features/clip/index.js';
import { clipModel } from '../src/features/clip/models.js';
import { CLIP_PROTOCOLS, type ClipProtocol } from '../src/features/clip/preprocess.js';
import { decodeImage } from '../src/io/images.js';
import { readNpyFile, writeNpy } from '../src/io/npy.js';
import { makeImages } from './synthetic-images.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'clip-vit-b-32' },
    verify: { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
    images: { type: 'string', default: '48' },
    batch: { type: 'string', default: '16' },
    size: { type: 'string' },
    python: { type: 'string', default: '/usr/bin/python3' },
    'torch-fidelity-src': { type: 'string' },
    archive: { type: 'string' },
  },
});
const m = clipModel(args.model);
const threads = Number(args.threads);
const numImages = Number(args.images);
const batchSize = Number(args.batch);
const size = Number(args.size ?? m.resolution);
const torchFidelity = args['torch-fidelity-src'] ?? process.env.TORCH_FIDELITY_SRC ?? (existsSync(join(HERE, 'out', 'torch-fidelity')) ? join(HERE, 'out', 'torch-fidelity') : undefined);
const archive = args.archive ?? `/tmp/fidkit-clip/${m.name}-hash.pt`;

function relativeMaxDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let top = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    top = Math.max(top, Math.abs(b[i]));
  }
  return diff / top;
}

const dir = mkdtempSync(join(tmpdir(), 'fidkit-bench-clip-'));
try {
  const model = join(dir, `${m.name}-hash.onnx`);
  const t0 = performance.now();
  await writeClipModelFile(model, m.name, { kind: 'hash' });
  console.log(`${m.name}: graph built from the hash weights in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  if (args.verify) {
    const fixtures = join(ROOT, 'fixtures', 'clip', m.name);
    for (const protocol of CLIP_PROTOCOLS) {
      if (!existsSync(join(fixtures, protocol))) continue;
      const extractor = await loadClip({ model, spec: m, protocol: protocol as ClipProtocol, threads });
      const parts: string[] = [];
      let worst = 0;
      for (const set of ['set_a', 'set_b']) {
        const folder = join(ROOT, 'fixtures', 'images', set);
        const files = readdirSync(folder).filter((f) => f.endsWith('.png')).sort();
        const images = await Promise.all(files.map((f) => decodeImage(join(folder, f))));
        const w0 = performance.now();
        const got = await extractor.extract(images);
        const seconds = (performance.now() - w0) / 1000;
        for (const layer of ['embedding', 'embedding_normalized'] as const) {
          const ref = (await readNpyFile(join(fixtures, protocol, set, `${layer}.npy`))).data as Float32Array;
          const d = relativeMaxDiff(got[layer].data, ref);
          worst = Math.max(worst, d);
          parts.push(`${set} ${layer} ${d.toExponential(2)}`);
        }
        parts.push(`${set} ${(files.length / seconds).toFixed(2)} img/s`);
      }
      console.log(`verify ${protocol}: max |Δ|/max|ref| ${worst.toExponential(2)} ${worst <= 1e-5 ? '≤ 1e-5 ok' : 'ABOVE 1e-5'} (${parts.join('; ')})`);
      await extractor.dispose();
    }
  }

  // Throughput, torch-fidelity's preprocessing on both sides.
  const extractor = await loadClip({ model, spec: m, protocol: 'torch-fidelity', threads });
  const images = makeImages(numImages, size, 1);
  await extractor.extract(images.slice(0, 4), ['embedding']); // warm-up
  const features = new Float32Array(images.length * m.outputDim);
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < images.length; i += batchSize) features.set((await extractor.extract(images.slice(i, i + batchSize), ['embedding'])).embedding.data, i * m.outputDim);
  const seconds = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const fidkitRate = images.length / seconds;
  const fidkitCpuRate = images.length / ((cpu.user + cpu.system) / 1e6);
  await extractor.dispose();
  let line = `${m.name} ${size}x${size}, ${numImages} images, batch ${batchSize}, ${threads} thread(s): fidkit ${fidkitRate.toFixed(2)} img/s (${fidkitCpuRate.toFixed(2)} per CPU-s)`;
  if (!torchFidelity || !existsSync(archive) || !existsSync(args.python)) {
    line += `; torch-fidelity skipped (${!torchFidelity ? 'no torch-fidelity source' : !existsSync(archive) ? `no archive at ${archive}` : `${args.python} not found`})`;
  } else {
    const stacked = new Uint8Array(images.length * size * size * 3);
    images.forEach((im, i) => stacked.set(im.data, i * size * size * 3));
    const imagesPath = join(dir, 'images.npy');
    const featuresPath = join(dir, 'fidkit.npy');
    writeFileSync(imagesPath, writeNpy({ dtype: 'uint8', shape: [images.length, size, size, 3], data: stacked }));
    writeFileSync(featuresPath, writeNpy({ dtype: 'float32', shape: [images.length, m.outputDim], data: features }));
    const out = execFileSync(args.python, [join(HERE, 'clip-torch.py'), '--torch-fidelity-src', torchFidelity, m.name, archive, imagesPath, String(threads), String(batchSize), featuresPath], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const t = JSON.parse(out.trim().split('\n').at(-1) as string) as { images_per_s: number; images_per_cpu_s: number; peak_rss_mb: number; torch: string; torch_fidelity: string; max_rel_diff_vs_fidkit: number };
    line +=
      `; torch-fidelity ${t.torch_fidelity} (PyTorch ${t.torch}) ${t.images_per_s.toFixed(2)} img/s (${t.images_per_cpu_s.toFixed(2)} per CPU-s), peak RSS ${t.peak_rss_mb.toFixed(0)} MB: ` +
      `ratio ${(fidkitRate / t.images_per_s).toFixed(2)}x wall-clock, ${(fidkitCpuRate / t.images_per_cpu_s).toFixed(2)}x per CPU-second; max |Δ|/max ${t.max_rel_diff_vs_fidkit.toExponential(2)}`;
  }
  console.log(line);
  console.log(`fidkit peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (whole process: graph build in a thread, ORT sessions, images)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
