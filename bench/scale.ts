/**
 * @file Scale: `fidkit score a.npy b.npy --metrics fid,kid,pr,prdc` on N × D float32 features per
 * side (default 50,000 × 2048, the customary sample count for FID), as a user runs it: one process,
 * timed from launch to exit, with its peak resident memory (`/usr/bin/time -f %M`, falling back to
 * no RSS where that tool is missing). Also each metric alone, so the time and memory of each is
 * visible. Never passes or fails.
 *
 *   node --import tsx bench/scale.ts [--n 50000] [--d 2048] [--metrics fid,kid,pr,prdc[;kid;pr,prdc]]
 *     [--fidkit DIR (another build's root)]
 */

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '50000' },
    d: { type: 'string', default: '2048' },
    metrics: { type: 'string', default: 'fid,kid,pr,prdc' },
    fidkit: { type: 'string', default: ROOT },
  },
});
const n = Number(args.n), d = Number(args.d);

/** Writes an N×D float32 .npy of ReLU'd shifted Gaussians (xorshift + Box–Muller), a row block at a time. */
function writeFeatures(path: string, seed: number, shift: number): void {
  const fd = openSync(path, 'w');
  try {
    const full = npyHeader([n, d]);
    writeSync(fd, full);
    let s = seed >>> 0 || 1;
    const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296; };
    const rows = 1000;
    const block = new Float32Array(rows * d);
    for (let r0 = 0; r0 < n; r0 += rows) {
      const m = Math.min(rows, n - r0);
      for (let t = 0; t < m * d; t++) block[t] = Math.max(0, Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) + shift);
      writeSync(fd, new Uint8Array(block.buffer, 0, m * d * 4));
    }
  } finally {
    closeSync(fd);
  }
}

/** A .npy version 1.0 header for a little-endian float32 C-order array (padded to 64 bytes, as NumPy). */
function npyHeader(shape: readonly number[]): Uint8Array {
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length & 0xff, dict.length >> 8]);
  out.set(new TextEncoder().encode(dict), 10);
  return out;
}

const haveTime = existsSync('/usr/bin/time');
const dir = mkdtempSync(join(tmpdir(), 'fidkit-bench-scale-'));
try {
  console.log(`# scale: ${n} × ${d} float32 features per side, ${cpus()[0]?.model ?? '?'} ×${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const a = join(dir, 'generated.npy'), b = join(dir, 'real.npy');
  writeFeatures(a, 1, 0.1);
  writeFeatures(b, 2, 0);
  const featureMB = (n * d * 4) / 1e6;
  for (const metrics of args.metrics.split(';')) {
    const cmd = [join(args.fidkit, 'bin', 'fidkit.js'), 'score', a, b, '--metrics', metrics, '--json', '-q'];
    const t0 = performance.now();
    const r = haveTime
      ? spawnSync('/usr/bin/time', ['-f', 'MAXRSS_KB %M', process.execPath, ...cmd], { encoding: 'utf8', maxBuffer: 1 << 24 })
      : spawnSync(process.execPath, cmd, { encoding: 'utf8', maxBuffer: 1 << 24 });
    const seconds = (performance.now() - t0) / 1000;
    const rss = /MAXRSS_KB (\d+)/.exec(r.stderr ?? '');
    const rssGB = rss ? Number(rss[1]) / 1e6 : undefined;
    let values = '';
    try {
      const report = JSON.parse(r.stdout) as { metrics: Record<string, Record<string, unknown>> };
      values = Object.entries(report.metrics).map(([k, v]) => `${k} ${JSON.stringify(Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'number')))}`).join('; ');
    } catch {
      values = `exit ${r.status}: ${(r.stderr ?? '').split('\n').slice(-4).join(' ')}`;
    }
    console.log(`--metrics ${metrics}: ${seconds.toFixed(1)} s, peak RSS ${rssGB === undefined ? '?' : `${rssGB.toFixed(2)} GB`} (features ${(2 * featureMB / 1000).toFixed(2)} GB of it)`);
    console.log(`  ${values}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
