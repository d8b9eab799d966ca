/**
 * @file Round trip of FID statistics between fidkit and NumPy (not a test: it needs python3 with
 * numpy). fidkit writes a statistics file, NumPy loads it the way pytorch-fid does
 * (`np.load(p)['mu']`, `['sigma']`) and compares bit for bit, then writes its own with
 * `np.savez_compressed`, which fidkit reads back and compares.
 *
 *   node --import tsx bench/npz-interop.ts [--python python3]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readStatisticsFile, writeStatisticsFile } from '../src/io/stats-file.js';

const { values: args } = parseArgs({ options: { python: { type: 'string', default: 'python3' } } });
const dir = mkdtempSync(join(tmpdir(), 'fidkit-npz-interop-'));
try {
  const d = 2048;
  const mu = Float64Array.from({ length: d }, (_, i) => Math.sin(i) * 1e3 + 1 / (i + 1));
  const sigma = Float64Array.from({ length: d * d }, (_, k) => Math.cos(k) * 1e-3 + (k % (d + 1) === 0 ? 2 : 0));
  const ours = join(dir, 'fidkit.npz');
  await writeStatisticsFile(ours, { mu, sigma, count: 12345 }, { extractor: 'inception', protocol: 'tf' });
  writeFileSync(join(dir, 'expected.bin'), Buffer.concat([Buffer.from(mu.buffer), Buffer.from(sigma.buffer)]));
  const script = `
import sys, numpy as np
d = ${d}
raw = np.fromfile(sys.argv[1] + '/expected.bin', dtype='<f8')
f = np.load(sys.argv[1] + '/fidkit.npz')
assert f['mu'].dtype == np.float64 and f['sigma'].shape == (d, d)
ok = np.array_equal(f['mu'], raw[:d]) and np.array_equal(f['sigma'].ravel(), raw[d:])
np.savez_compressed(sys.argv[1] + '/numpy.npz', mu=f['mu'] * 2, sigma=f['sigma'] * 2)
print('numpy', np.__version__, 'reads fidkit file bit-exactly:', ok)
`;
  let out: string;
  try {
    out = execFileSync(args.python, ['-c', script, dir], { encoding: 'utf8' });
  } catch (err) {
    console.log(`npz interop: skipped (${args.python} with numpy not available: ${(err as Error).message.split('\n')[0]})`);
    process.exit(0);
  }
  process.stdout.write(out);
  const back = await readStatisticsFile(join(dir, 'numpy.npz'));
  const same = back.stats.mu.every((v, i) => v === mu[i] * 2) && back.stats.sigma.every((v, i) => v === sigma[i] * 2);
  console.log(`fidkit reads numpy's np.savez_compressed file bit-exactly: ${same}`);
  if (!same || !out.includes('bit-exactly: True')) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
