/**
 * The npm package as `npm pack` makes it (scripts/pack-smoke.sh installs it in an empty folder and
 * runs it offline; that takes minutes, so it is not a test). Here: the file list holds what the
 * CLI and the library read at run time and nothing of the development tree, its size is the one the
 * README states, and the launcher explains a missing build instead of a module-not-found trace.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli/run-cli.js';

interface PackEntry {
  path: string;
  size: number;
}
interface Pack {
  name: string;
  version: string;
  size: number;
  unpackedSize: number;
  files: PackEntry[];
}

describe('the npm package', () => {
  it('holds what runs outside the clone — dist, bin, models, data, fixtures, examples — and no sources or tests', () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const [pack] = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Pack[];
    const files = new Set(pack.files.map((f) => f.path));
    for (const f of ['package.json', 'README.md', 'LICENSE', 'bin/fidkit.js', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts']) {
      expect(files.has(f), `${f} in the package (run \`npm run build\` first)`).toBe(true);
    }
    // Every tracked file the run time reads: bundled models, MNIST digits, verify's fixtures, the examples.
    const tracked = execFileSync('git', ['ls-files', 'models', 'data', 'fixtures', 'examples'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(tracked.length).toBeGreaterThan(200);
    expect(tracked.filter((f) => !files.has(f))).toEqual([]);
    expect([...files].filter((f) => /^(src|test|scripts|bench|node_modules)\//.test(f) || f.endsWith('.tsbuildinfo'))).toEqual([]);
    // Every module of the compiled library is there (the build output is what the bin imports).
    expect(pack.files.filter((f) => f.path.startsWith('dist/') && f.path.endsWith('.js')).length).toBeGreaterThan(100);

    // The README states the sizes (MB, rounded): keep it true.
    const stated = /fidkit-\d+\.\d+\.\d+\.tgz \((\d+) MB; (\d+) MB unpacked\)/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(stated, 'the README states the package size').not.toBeNull();
    expect(Math.abs(pack.size / 1e6 - Number(stated![1]))).toBeLessThan(1.5);
    expect(Math.abs(pack.unpackedSize / 1e6 - Number(stated![2]))).toBeLessThan(1.5);
    expect(`${pack.name}-${pack.version}.tgz`).toBe(stated![0].split(' ')[0]);
  }, 60_000);

  it('the launcher says how to build when dist/ is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-nobuild-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(ROOT, 'bin', 'fidkit.js'), join(dir, 'bin', 'fidkit.js'));
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'fidkit.js'), 'verify'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`fidkit: the CLI is not built (${join(dir, 'dist', 'cli', 'main.js')} is missing): run \`npm run build\` in the fidkit folder\n`);
  });
});
