/**
 * @file `npm run bench [-- name …]`: run the benchmarks one after another, each in its own process
 * (so one's memory and threads do not disturb the next). Each prints the machine, sizes, wall times
 * and — when python3 with numpy/scipy (and Debian's python3-torch for the network) is present —
 * the Python anchors measured in the same run, as ratios; otherwise absolute figures. Benchmarks
 * never pass or fail.
 *
 * Names: frechet, inception, vgg16, clip, gemm-peak, kid, prdc, stats-e2e, scale, npz-interop, cmmd
 * (default: all). kid, prdc and stats-e2e call the references' own code from checkouts under
 * bench/out (see each file's header) and run 3 rounds, reporting the median of per-round ratios.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');

function pythonHas(python: string, modules: string): boolean {
  try {
    execFileSync(python, ['-c', `import ${modules}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const scipy = pythonHas('python3', 'numpy, scipy');
const torchPython = ['/usr/bin/python3', 'python3'].find((p) => pythonHas(p, 'torch'));

/** The hash-weight .pth PyTorch loads in the inception bench; made with torch when missing. */
function hashWeightsPth(): string | undefined {
  if (!torchPython) return undefined;
  const dir = join(HERE, 'out', 'hash-weights');
  const pth = join(dir, 'hash_inception_zip.pth');
  if (!existsSync(pth)) {
    mkdirSync(dir, { recursive: true });
    execFileSync(torchPython, [join(ROOT, 'scripts', 'make-hash-weights.py'), dir], { stdio: 'inherit' });
  }
  return pth;
}

const BENCHES: Record<string, () => string[]> = {
  frechet: () => (scipy ? [] : ['--no-python']),
  inception: () => {
    const pth = hashWeightsPth();
    return pth && torchPython ? ['--pth', pth, '--python', torchPython] : ['--pth', '/nonexistent'];
  },
  vgg16: () => (torchPython ? ['--python', torchPython] : ['--python', '/nonexistent']),
  // ViT-B/32 against torch-fidelity when scripts/make-clip-fixtures.py's archive is in /tmp/fidkit-clip.
  clip: () => (torchPython ? ['--python', torchPython] : ['--python', '/nonexistent']),
  'gemm-peak': () => (torchPython || scipy ? [] : ['--no-python']),
  kid: () => (scipy ? [] : ['--no-python']),
  prdc: () => [],
  'stats-e2e': () => {
    hashWeightsPth();
    return torchPython ? ['--python', torchPython] : [];
  },
  scale: () => [],
  'npz-interop': () => [],
  cmmd: () => (scipy ? [] : ['--no-python']),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
for (const name of names) {
  if (!BENCHES[name]) {
    console.error(`unknown benchmark '${name}'; valid: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
}
console.log(
  `# fidkit benchmarks — ${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; ` +
    `python3+scipy: ${scipy ? 'yes' : 'no'}, torch: ${torchPython ?? 'no'}`,
);
for (const name of names) {
  console.log(`\n## ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, `${name}.ts`), ...BENCHES[name]()], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) console.log(`(${name} exited with ${r.status ?? r.signal})`);
}
