/**
 * @file DINOv2 extractors: agreement with the reference and throughput against it, in one run.
 *
 *   node --import tsx bench/dinov2.ts [--models s,l] [--threads 2] [--batch 8] [--rounds 2]
 *        [--pth-dir /tmp/fidkit-dinov2] [--dinov2-src DIR] [--python /work/venv-t2/bin/python]
 *        [--limit 12] [--presets dgm-eval,edm2,torch-fidelity] [--no-torch]
 *
 * Needs the hash-weight `.pth` files and reference features that scripts/make-dinov2-fixtures.py writes
 * (`<pth-dir>/dinov2_vit?14_hash.pth`; features in fixtures/dinov2 for s and l, or in
 * `<pth-dir>/dinov2_vit?14_features.npz` from a `--no-write` run for b and g) and a `git archive` of
 * facebookresearch/dinov2 (`--dinov2-src`, default `$DINOV2_SRC`) for the PyTorch timing. Per model:
 * 1. builds the graph from the `.pth` in a child process and reports its time and peak RSS (the weights
 *    are streamed from the file: the RSS stays far below the file's size);
 * 2. runs fidkit on the 24 fixture images for every preset and prints max |Δ| / max |reference|;
 * 3. times fidkit (resize + normalise + network, batch `--batch`) and the reference PyTorch model
 *    (bench/dinov2-torch.py: PIL bicubic + normalise + network, same images, threads and batch), best
 *    of `--rounds`, decoding excluded on both sides.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dinov2Arch } from '../src/features/dinov2/arch.js';
import { loadDinov2 } from '../src/features/dinov2/index.js';
import { DINOV2_PROTOCOLS } from '../src/features/dinov2/preprocess.js';
import { decodeImage } from '../src/io/images.js';
import { readNpyFile } from '../src/io/npy.js';
import { readNpzFile } from '../src/io/npz.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 's,l' },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    'pth-dir': { type: 'string', default: '/tmp/fidkit-dinov2' },
    'dinov2-src': { type: 'string', default: process.env.DINOV2_SRC },
    python: { type: 'string', default: '/work/venv-t2/bin/python' },
    'no-torch': { type: 'boolean', default: false },
    limit: { type: 'string', default: '12' },
    presets: { type: 'string', default: 'dgm-eval,edm2,torch-fidelity' },
  },
});
const threads = Number(args.threads);
const batch = Number(args.batch);
const rounds = Number(args.rounds);
const FIX = join(ROOT, 'fixtures');
const SETS = ['set_a', 'set_b'];
const perSet = Number(args.limit);
const paths = SETS.flatMap((s) => readFileSync(join(FIX, 'dinov2', `${s}.files.txt`), 'utf8').trim().split('\n').slice(0, perSet).map((f) => join(FIX, 'images', s, f)));
const images = await Promise.all(paths.map((p) => decodeImage(p)));

/** The reference rows of each set (all 12, or the first few of a `--limit` run). */
async function reference(name: string, hub: string, protocol: string): Promise<Float32Array[] | undefined> {
  const parts: Float32Array[] = [];
  const npz = join(args['pth-dir']!, `${hub}_features.npz`);
  for (const s of SETS) {
    const npy = join(FIX, 'dinov2', name, protocol, `${s}.npy`);
    if (existsSync(npy)) parts.push((await readNpyFile(npy)).data as Float32Array);
    else if (existsSync(npz)) {
      const member = (await readNpzFile(npz))[`${protocol}/${s}`];
      if (!member) return undefined;
      parts.push(Float32Array.from(member.data as ArrayLike<number>));
    } else return undefined;
  }
  return parts;
}

/** max |Δ| / max |ref| over the reference rows of both sets (set_b's rows start at row 12 of `got`). */
function relativeMaxDiff(got: Float32Array, ref: Float32Array[], dim: number): string {
  let diff = 0;
  let top = 0;
  ref.forEach((r, set) => {
    for (let i = 0; i < r.length; i++) {
      if (i >= perSet * dim) break;
      diff = Math.max(diff, Math.abs(got[set * perSet * dim + i] - r[i]));
      top = Math.max(top, Math.abs(r[i]));
    }
  });
  return `${(diff / top).toExponential(2)} (${ref.reduce((a, r) => a + Math.min(perSet, r.length / dim), 0)} images)`;
}

const tmp = mkdtempSync(join(tmpdir(), 'fidkit-bench-dinov2-'));
try {
  // Every build first, while this process is small: Linux carries a process's peak RSS across exec
  // into the child, so a build spawned after a session was open would report the session's memory.
  const archs = args.models!.split(',').map((m) => dinov2Arch(`dinov2-vit-${m}-14`));
  const gb = (n: number): string => `${(n / 2 ** 30).toFixed(2)} GiB`;
  for (const arch of archs) {
    const pth = join(args['pth-dir']!, `${arch.hub}_hash.pth`);
    const model = join(tmp, `${arch.name}.onnx`);
    const script = [
      `const { writeDinov2ModelFiles } = await import(${JSON.stringify(join(ROOT, 'src/features/dinov2/build.ts'))});`,
      `const t = performance.now();`,
      `await writeDinov2ModelFiles(${JSON.stringify(model)}, ${JSON.stringify(arch.name)}, { kind: 'pth', path: ${JSON.stringify(pth)} });`,
      'console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, peakRss: process.resourceUsage().maxRSS * 1024 }));',
    ].join('\n');
    const build = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!);
    console.log(`${arch.name}: ${arch.parameters.toLocaleString('en')} parameters; .pth ${gb(statSync(pth).size)}; build ${build.seconds.toFixed(1)} s, peak RSS ${gb(build.peakRss)}; model ${gb(statSync(model).size + statSync(`${model}.data`).size)}`);
  }
  for (const arch of archs) {
    const pth = join(args['pth-dir']!, `${arch.hub}_hash.pth`);
    const model = join(tmp, `${arch.name}.onnx`);
    console.log(`${arch.name}:`);

    for (const protocol of DINOV2_PROTOCOLS.filter((p) => args.presets!.split(',').includes(p))) {
      const ref = await reference(arch.name, arch.hub, protocol);
      const ex = await loadDinov2({ name: arch.name, protocol, model, threads, sessionBatch: batch });
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const got = (await ex.extract(images)).dinov2.data as Float32Array;
      let best = { s: (performance.now() - t0) / 1000, cpu: (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6 };
      if (protocol === 'dgm-eval') {
        for (let r = 0; r < rounds; r++) {
          const t = performance.now();
          const c = process.cpuUsage();
          await ex.extract(images);
          const s = (performance.now() - t) / 1000;
          const cu = process.cpuUsage(c);
          if (s < best.s) best = { s, cpu: (cu.user + cu.system) / 1e6 };
        }
        console.log(`  fidkit  ${protocol}: ${(images.length / best.s).toFixed(2)} images/s, ${(images.length / best.cpu).toFixed(2)} images/CPU-s (${threads} threads, batch ${batch}, best of ${rounds})`);
      }
      await ex.dispose();
      console.log(`  ${protocol}: max |Δ| / max |ref| = ${ref ? relativeMaxDiff(got, ref, arch.dim) : 'no reference features'}`);
    }
    if (!args['no-torch'] && args['dinov2-src']) {
      const out = execFileSync(args.python!, [join(HERE, 'dinov2-torch.py'), '--src', args['dinov2-src'], '--hub', arch.hub, '--pth', pth, '--threads', String(threads), '--batch', String(batch), '--rounds', String(rounds), ...paths], { encoding: 'utf8' });
      const r = JSON.parse(out.trim().split('\n').pop()!);
      console.log(`  PyTorch ${r.torch} dgm-eval: ${r.images_per_s.toFixed(2)} images/s, ${r.images_per_cpu_s.toFixed(2)} images/CPU-s, peak RSS ${r.peak_rss_mb.toFixed(0)} MB`);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
