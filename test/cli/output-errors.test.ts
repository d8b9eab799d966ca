/** Outputs that would overwrite an input, or cannot be written: refused before any work, with one line. */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/io/npy.js';
import { FIXTURES, ROOT, runCli } from './run-cli.js';

const FEATURES = join(FIXTURES, 'frechet', 'd64_set1_features.npy');
const USAGE = '(run with --help for usage)\n';

describe('an output that is an input', () => {
  it('stats merge … -o <one of the shards> exits 2 and leaves the shard intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-outin-'));
    const parts = [1, 2, 3].map((k) => join(dir, `p${k}.npz`));
    for (const [i, p] of parts.entries()) expect((await runCli('stats', FEATURES, '--shard', `${i + 1}/3`, '-o', p)).code).toBe(0);
    const before = readFileSync(parts[2]);
    const r = await runCli('stats', 'merge', ...parts, '-o', parts[2]);
    expect([r.code, r.stderr]).toEqual([2, `fidkit: -o ${parts[2]} is the input ${parts[2]}: writing it would destroy the input; choose another output path\n${USAGE}`]);
    expect(readFileSync(parts[2]).equals(before)).toBe(true);
  });

  it('stats x.npy -o x.npy exits 2 and leaves the features intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-outin-'));
    const x = join(dir, 'x.npy');
    copyFileSync(FEATURES, x);
    const r = await runCli('stats', x, '-o', x);
    expect([r.code, r.stderr]).toEqual([2, `fidkit: -o ${x} is the input ${x}: writing it would destroy the input; choose another output path\n${USAGE}`]);
    expect(readFileSync(x).equals(readFileSync(FEATURES))).toBe(true);
  });

  it('a statistics file written into the input image folder is allowed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-outin-'));
    copyFileSync(FEATURES, join(dir, 'x.npy'));
    const r = await runCli('stats', join(dir, 'x.npy'), '-o', join(dir, 'stats.npz'));
    expect(r.code).toBe(0);
  });
});

describe('every command with inputs and an output checks it first', () => {
  it('latent -o the --image target, sample and sweep outputs under a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-outcmd-'));
    const target = join(dir, 'digit.png');
    copyFileSync(join(FIXTURES, 'images', 'set_a', 'a01_mnist_28_gray.png'), target);
    let r = await runCli('latent', 'reconstruct', '--image', target, '--steps', '1', '-o', target);
    expect([r.code, r.stderr]).toEqual([2, `fidkit: -o ${target} is the input ${target}: writing it would destroy the input; choose another output path\n${USAGE}`]);
    const under = join(target, 'grid.png');
    r = await runCli('sample', '--generator', 'mnist-gan', '-n', '4', '-o', under);
    expect([r.code, r.stderr]).toEqual([1, `fidkit: cannot write ${under}: a part of the path exists and is not a folder: choose another output path\n`]);
    r = await runCli('sweep', '--plot', dir, '-n', '10', '--quiet');
    expect([r.code, r.stderr]).toEqual([1, `fidkit: cannot write ${dir}: it is a folder: name a file inside it, e.g. ${join(dir, 'sweep.png')}\n`]);
  });
});

describe('outputs that cannot be written', () => {
  it('-o naming a folder, or a path under a file, exits 1 with one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-outerr-'));
    writeFileSync(join(dir, 'somefile.txt'), 'x');
    let r = await runCli('stats', FEATURES, '-o', dir);
    expect([r.code, r.stderr]).toEqual([1, `fidkit: cannot write ${dir}: it is a folder: name a file inside it, e.g. ${join(dir, 'stats.npz')}\n`]);
    const under = join(dir, 'somefile.txt', 'out.npz');
    r = await runCli('stats', FEATURES, '-o', under);
    expect([r.code, r.stderr]).toEqual([1, `fidkit: cannot write ${under}: a part of the path exists and is not a folder: choose another output path\n`]);
    r = await runCli('stats', 'merge', FEATURES, '-o', '/dev/null');
    expect([r.code, r.stderr]).toEqual([1, 'fidkit: cannot write /dev/null: it is a device, pipe or socket, not a regular file: name a file to write\n']);
  });

  it('a read-only folder fails before extraction starts, naming the path (run as nobody: root writes anywhere)', () => {
    if (process.platform === 'win32') return;
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-ro-'));
    chmodSync(dir, 0o755);
    const ro = join(dir, 'ro');
    mkdirSync(ro, { mode: 0o755 });
    const out = join(ro, 'out.npz');
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    if (process.getuid?.() !== 0) chmodSync(ro, 0o555);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'fidkit.js'), 'stats', join(FIXTURES, 'images', 'set_a'), '--weights', 'test:hash', '--no-cache', '-o', out], {
      ...asNobody,
      encoding: 'utf8',
      env: { ...process.env, HOME: tmpdir(), FIDKIT_CACHE: join(dir, 'cache') },
    });
    expect([r.status, r.stderr]).toEqual([1, `fidkit: cannot write ${out}: permission denied in ${ro}: write somewhere you may write, or fix the folder's permissions\n`]);
  });

  it('a write that the system stops midway (file-size limit, as a full disk would) exits 1 with one line and leaves nothing', () => {
    if (process.platform === 'win32') return;
    // Before: "unexpected error — this is a bug" and a stack (ENOSPC on a full disk; EFBIG here).
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-efbig-'));
    const features = join(dir, 'features.npy');
    writeFileSync(features, writeNpy({ shape: [32, 768], data: new Float32Array(32 * 768).map((_, i) => Math.sin(i)) })); // 4.7 MB of statistics
    const out = join(dir, 'out', 'stats.npz');
    // ulimit -f in 512- or 1024-byte blocks (dash, bash): a few hundred KiB, far below the statistics file.
    const r = spawnSync('sh', ['-c', 'ulimit -f 256 && exec "$@"', 'sh', process.execPath, join(ROOT, 'bin', 'fidkit.js'), 'stats', features, '-o', out], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([
      1,
      `fidkit: cannot write ${out}: the file is larger than the file system (FAT32: 4 GiB) or the file-size limit (ulimit -f) allows: write the output elsewhere, or raise the limit\n`,
    ]);
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
  });
});
