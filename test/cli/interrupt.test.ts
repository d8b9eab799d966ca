/**
 * Ctrl-C never leaves half a file: SIGINT/SIGTERM at random moments of `fidkit stats` leave either
 * no output or a complete one, and no `.tmp.` file in the output folder or the feature cache;
 * after a SIGKILL (which no handler sees) the next run of the same output removes the stale file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/io/npy.js';
import { readStatisticsFile } from '../../src/io/stats-file.js';
import { ROOT } from './run-cli.js';

const BIN = join(ROOT, 'bin', 'fidkit.js');
const KILLS = 20;

function temporaries(...dirs: string[]): string[] {
  const walk = (d: string): string[] =>
    existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)])) : [];
  return dirs.flatMap(walk).filter((p) => p.includes('.tmp.'));
}

/**
 * Run `fidkit stats` and send `signal` after `delayMs`, or (`atWrite`) `delayMs` after a file named
 * `atWrite…tmp…` appears in `dir`: the final write itself. Resolves with how the process ended.
 */
function interrupted(
  args: string[],
  env: NodeJS.ProcessEnv,
  signal: NodeJS.Signals,
  delayMs: number,
  atWrite?: { dir: string; name: string },
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const watcher = atWrite
      ? watch(atWrite.dir, (_event, file) => {
          if (timer === undefined && file?.startsWith(`${atWrite.name}.tmp.`)) timer = setTimeout(() => child.kill(signal), delayMs);
        })
      : undefined;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: 'ignore' });
    if (!atWrite) timer = setTimeout(() => child.kill(signal), delayMs);
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      watcher?.close();
      resolve({ code, signal: sig });
    });
  });
}

describe('interrupting fidkit stats', () => {
  it('SIGINT and SIGTERM at 20 moments, half of them during the final write, leave no temporary file and no partial output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-sigint-'));
    const cache = join(dir, 'cache');
    const env = { ...process.env, FIDKIT_CACHE: cache };
    // 32×768 features: a 4.7 MB statistics file, so the final write takes a few milliseconds.
    const features = join(dir, 'features.npy');
    const data = new Float32Array(32 * 768).map((_, i) => Math.sin(i * 1.7) + (i % 7));
    writeFileSync(features, writeNpy({ shape: [32, 768], data }));
    // Measure one run of the MNIST input, then spread the other kills over it (start-up, extraction, the two writes, exit).
    const t0 = Date.now();
    const whole = spawnSync(process.execPath, [BIN, 'stats', 'mnist:test?n=2000', '--extractor', 'mnist', '-o', join(dir, 'whole.npz')], { cwd: ROOT, env });
    expect(whole.status).toBe(0);
    const runMs = Date.now() - t0;
    const outcomes = { killed: 0, finished: 0 };
    const once = async (i: number): Promise<void> => {
      const name = `out-${i}.npz`;
      const out = join(dir, name);
      const signal = i % 4 < 2 ? 'SIGINT' : 'SIGTERM';
      const atWrite = i % 2 === 1;
      // A different n each time misses the feature cache, so the cache entry is written too.
      const n = atWrite ? 32 : 2001 + i;
      const r = atWrite
        ? await interrupted(['stats', features, '-o', out], env, signal, (i * 7) % 12, { dir, name })
        : await interrupted(['stats', `mnist:test?n=${n}`, '--extractor', 'mnist', '-o', out], env, signal, runMs * (0.3 + (0.9 * i) / KILLS));
      if (r.signal !== null) {
        expect(r.signal).toBe(signal);
        outcomes.killed++;
      } else {
        expect(r.code).toBe(0);
        outcomes.finished++;
      }
      if (existsSync(out)) expect((await readStatisticsFile(out)).stats.count).toBe(n);
    };
    // Two at a time (one of each kind) to keep the test short; each pair is checked when both ended.
    for (let i = 0; i < KILLS; i += 2) {
      await Promise.all([once(i), once(i + 1)]);
      expect(temporaries(dir)).toEqual([]);
    }
    expect(outcomes.killed).toBeGreaterThan(0);
  }, 180_000); // 35 s alone at load 19 on the 2-core machine, over 60 s beside other test files

  it('after a SIGKILL, the next run removes the stale temporary files of its output and of the cache; so does `cache ls`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-sigkill-'));
    const cache = join(dir, 'cache');
    const env = { ...process.env, FIDKIT_CACHE: cache };
    const out = join(dir, 'out.npz');
    // What killed runs leave: a pid that is not running, in the output folder and in every folder of the cache
    // (a cache entry under another key than this run's, a download, a built model).
    const deadPid = 999_999_999;
    const stale = (): string[] => {
      mkdirSync(join(cache, 'features'), { recursive: true });
      mkdirSync(join(cache, 'onnx'), { recursive: true });
      const files = [
        join(dir, `out.npz.tmp.${deadPid}.0badc0de`),
        join(cache, 'features', `0123abcd.npz.tmp.${deadPid}.0badc0de`),
        join(cache, `pt_inception.pth.tmp.${deadPid}.0badc0de`),
        join(cache, 'onnx', `inception-0123.onnx.tmp.${deadPid}.0badc0de`),
      ];
      const old = new Date(Date.now() - 60_000);
      for (const f of files) {
        writeFileSync(f, 'partial');
        utimesSync(f, old, old);
      }
      return files;
    };
    // A file of a dead pid modified after the run started may be a live writer on another machine (shared cache): kept.
    const recent = join(cache, 'features', `4567cdef.npz.tmp.${deadPid}.0badc0de`);
    const files = stale();
    writeFileSync(recent, 'partial');
    const later = new Date(Date.now() + 60_000);
    utimesSync(recent, later, later);
    const r = spawnSync(process.execPath, [BIN, 'stats', 'mnist:test?n=100', '--extractor', 'mnist', '-o', out], { cwd: ROOT, env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(temporaries(dir)).toEqual([recent]);
    // `cache ls` (and `cache clear`) remove them too, without a run that writes.
    const again = stale().slice(1);
    utimesSync(recent, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const ls = spawnSync(process.execPath, [BIN, 'cache', 'ls'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(ls.status).toBe(0);
    expect(ls.stderr).toBe(`removed ${again.length + 1} temporary files left by killed runs in ${cache}\n`);
    expect(temporaries(dir)).toEqual([files[0]]); // the output folder is not the cache's
  });

  it('a real SIGKILL during the final write leaves a temporary file that the next run of that output removes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-sigkill-'));
    const env = { ...process.env, FIDKIT_CACHE: join(dir, 'cache') };
    const features = join(dir, 'features.npy');
    writeFileSync(features, writeNpy({ shape: [32, 768], data: new Float32Array(32 * 768).map((_, i) => Math.cos(i) * (i % 5)) }));
    const out = join(dir, 'out.npz');
    const r = await interrupted(['stats', features, '-o', out], env, 'SIGKILL', 0, { dir, name: 'out.npz' });
    expect(r.signal).toBe('SIGKILL');
    const left = temporaries(dir);
    // The kill lands after the temporary file appeared; it is gone only if the rename won the race.
    if (!existsSync(out)) expect(left).toHaveLength(1);
    const again = spawnSync(process.execPath, [BIN, 'stats', features, '-o', out], { cwd: ROOT, env });
    expect(again.status).toBe(0);
    expect(temporaries(dir)).toEqual([]);
    expect((await readStatisticsFile(out)).stats.count).toBe(32);
  });
});
