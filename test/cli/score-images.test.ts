import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readStatisticsFile } from '../../src/io/stats-file.js';
import { FIXTURES, ROOT, spawnCliAsync as runCli } from './run-cli.js';

// Image folders through the whole pipeline (decode → protocol → ONNX Inception with the hash
// weights built in TypeScript → metrics), run as a user runs it: the built binary in a child
// process (CI builds before testing). --weights test:hash selects the hash weights.
const IMAGES = join(FIXTURES, 'images');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'inception-fid', 'expected.json'), 'utf8'));
const HASH = ['--weights', 'test:hash', '--quiet'];
let tmp = '';

function folder(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, src] of Object.entries(files)) {
    if (typeof src === 'string') copyFileSync(src, join(dir, file));
    else writeFileSync(join(dir, file), src);
  }
  return dir;
}

const A = (f: string) => join(IMAGES, 'set_a', f);

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fidkit-images-'));
});

describe('fidkit score on image folders', () => {
  it("gives pytorch-fid's FID for set_a vs set_b (mixed sizes and modes) within 1e-4 relative", async () => {
    const r = await runCli('score', join(IMAGES, 'set_a'), join(IMAGES, 'set_b'), '--protocol', 'pytorch-fid', '--json', ...HASH);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const want = Number(expected.fid_calculate_frechet_distance.returned?.repr ?? expected.fid_calculate_frechet_distance.repr ?? 259.151537515292);
    // N = 12 < D = 2048: ill-conditioned; pytorch-fid itself moves by 1.5e-7 with the BLAS thread
    // count and the exact value is 4.6e-5 above it (fixtures/REFERENCE.md), hence 1e-4.
    expect(Math.abs(report.metrics.fid.value - want) / want).toBeLessThan(1e-4);
    expect(report.inputs[0]).toMatchObject({ kind: 'images', count: 12, dim: 2048, extractor: 'inception', protocol: 'pytorch-fid', skipped: 0 });
  });

  it('--extractor inception keeps precision/recall in the Inception space (the numbers before vgg16 became its default)', async () => {
    const r = await runCli('score', join(IMAGES, 'set_a'), join(IMAGES, 'set_b'), '--metrics', 'pr,prdc', '--extractor', 'inception', '--json', ...HASH);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const tf = (set: string) => join(FIXTURES, 'protocols', 'tf', set, 'features.npy');
    // The same metrics on torch-fidelity's own Inception features (tf protocol) of the two folders.
    const ref = JSON.parse((await runCli('score', tf('set_a'), tf('set_b'), '--metrics', 'pr,prdc', '--json')).stdout);
    expect(report.metrics.pr.counts).toEqual(ref.metrics.pr.counts);
    expect(report.metrics.prdc.counts).toEqual(ref.metrics.prdc.counts);
    expect(report.metrics.pr.features).toEqual({ extractor: 'inception', layer: 'pool3', protocol: 'tf' });
    expect(report.metrics.prdc.features).toEqual({ extractor: 'inception', layer: 'pool3', protocol: 'tf' });
    expect(report.inputs.map((i: { extractor: string }) => i.extractor)).toEqual(['inception', 'inception']);
  });

  it("refuses a features file of another width than the extractor pr reads by default, saying why, before extracting", async () => {
    const f2048 = join(FIXTURES, 'protocols', 'tf', 'set_b', 'features.npy');
    const r = await runCli('score', join(IMAGES, 'set_a'), f2048, '--metrics', 'pr', ...HASH);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${f2048} has 2048-d features but the extractor 'vgg16' gives 4096-d (pr reads vgg16 features by default, as in torch-fidelity 0.4; pass --extractor NAME to use one extractor for every metric)`,
    );
  });

  it('stops at a corrupt image naming it, and --skip-bad skips and counts it', async () => {
    const dir = folder('corrupt', { 'a.png': A('a01_mnist_28_gray.png'), 'b.png': A('a02_mnist_28_gray.png'), 'c.png': Buffer.from('not a png at all') });
    const stop = await runCli('score', dir, '--metrics', 'is', '--is-splits', '1', ...HASH);
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain(join(dir, 'c.png'));
    expect(stop.stderr).toContain('pass --skip-bad');
    const skip = await runCli('score', dir, '--metrics', 'is', '--is-splits', '1', '--skip-bad', '--json', '--weights', 'test:hash');
    expect(skip.code).toBe(0);
    const report = JSON.parse(skip.stdout);
    expect(report.inputs[0]).toMatchObject({ count: 2, skipped: 1 });
    expect(skip.stderr).toMatch(/skipped 1 unreadable image/);
  });

  it('ignores non-image files with a count, reads uppercase extensions and follows symlinks', async () => {
    const dir = folder('mixed', { 'x.PNG': A('a05_gradient_32_rgb.png'), 'notes.txt': Buffer.from('hello'), 'y.png': A('a06_checker_64x48_rgb.png') });
    symlinkSync(A('a12_checker_28_rgb.png'), join(dir, 'z.png'));
    const r = await runCli('score', dir, '--metrics', 'is', '--is-splits', '1', '--json', '--weights', 'test:hash');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.inputs[0]).toMatchObject({ count: 3, ignored: 1 });
    expect(r.stderr).toContain('ignored 1 file(s) without an image extension');
  });

  it('records the weights in the JSON: the test weights are not official, and the warning stderr shows is in it', async () => {
    const r = await runCli('score', join(IMAGES, 'set_a'), '--metrics', 'is', '--is-splits', '1', '--json', '--weights', 'test:hash', '--no-cache');
    expect(r.code).toBe(0);
    const warning = 'using the deterministic test weights (--weights test:hash): the features are meaningless outside tests';
    // Shown once on stderr (as it happens), and recorded in the report twice over: top level and per extractor.
    expect(r.stderr.split(`warning: ${warning}\n`).length - 1).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.schema).toBe('fidkit.score/1');
    expect(report.extractors).toEqual({
      inception: { weightsSha256: null, official: false, weights: 'test:hash', source: 'test', protocol: 'tf', warnings: [warning] },
    });
    expect(report.warnings).toEqual([warning]);
    expect(report.inputs[0]).toMatchObject({ kind: 'images', extractor: 'inception', weightsSha256: null, officialWeights: false });
  });

  it('writes the weights and the warnings into the statistics file, and warns when it is scored', async () => {
    const out = join(tmp, 'hash-stats.npz');
    const made = await runCli('stats', join(IMAGES, 'set_b'), '-o', out, '--weights', 'test:hash', '--quiet');
    expect(made.code).toBe(0);
    const { metadata } = await readStatisticsFile(out);
    const warning = 'using the deterministic test weights (--weights test:hash): the features are meaningless outside tests';
    expect(metadata).toMatchObject({
      extractor: 'inception',
      weightsSha256: 'hash-weights-v1', // unchanged field, as before
      extractors: { inception: { weightsSha256: null, official: false, weights: 'test:hash', source: 'test', protocol: 'tf', warnings: [warning] } },
      warnings: [warning],
    });
    const scored = await runCli('score', out, out, '--json');
    expect(scored.code).toBe(0);
    const report = JSON.parse(scored.stdout);
    expect(report.extractors).toEqual({});
    expect(report.inputs[0]).toMatchObject({ kind: 'statistics', weightsSha256: null, officialWeights: false });
    expect(report.warnings[0]).toBe(`${out}: made with the deterministic test weights (--weights test:hash): its numbers are not comparable with published ones`);
    expect(scored.stderr).toContain(`warning: ${report.warnings[0]}\n`);
  });

  it('refuses an empty folder and a .npz of another dimension, naming them', async () => {
    const empty = folder('empty', {});
    const r = await runCli('score', empty, join(IMAGES, 'set_b'), ...HASH);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(empty);
    const d64 = join(FIXTURES, 'frechet', 'd64_set1_stats.npz');
    const dims = await runCli('score', join(IMAGES, 'set_a'), d64, ...HASH);
    expect(dims.code).toBe(1);
    expect(dims.stderr).toContain(`${d64} has 64-d features but the extractor 'inception' gives 2048-d`);
  });

  it('leaves no temporary file behind when writing statistics', async () => {
    const dir = folder('stats', { 'a.png': A('a01_mnist_28_gray.png'), 'b.png': A('a05_gradient_32_rgb.png') });
    const out = join(tmp, 'out');
    mkdirSync(out);
    const r = await runCli('stats', dir, '-o', join(out, 'stats.npz'), '--weights', 'test:hash');
    expect(r.code).toBe(0);
    expect(readdirSync(out)).toEqual(['stats.npz']);
  });

  it('reuses cached features on a second run, and recomputes when a file changes or with --no-cache', async () => {
    const dir = folder('cached', { 'a.png': A('a01_mnist_28_gray.png'), 'b.png': A('a05_gradient_32_rgb.png'), 'c.png': A('a12_checker_28_rgb.png') });
    const args = ['score', dir, '--metrics', 'is', '--is-splits', '1', '--json', '--weights', 'test:hash'];
    const first = await runCli(...args);
    expect(first.stderr).not.toContain('using cached features');
    const second = await runCli(...args);
    expect(second.stderr).toContain(`${dir}: using cached features (3 images`);
    expect(JSON.parse(second.stdout).metrics).toEqual(JSON.parse(first.stdout).metrics);
    expect((await runCli(...args, '--no-cache')).stderr).not.toContain('using cached');
    copyFileSync(A('a06_checker_64x48_rgb.png'), join(dir, 'c.png')); // same name, new content and size
    const changed = await runCli(...args);
    expect(changed.stderr).not.toContain('using cached');
    expect(JSON.parse(changed.stdout).metrics.is.mean).not.toBe(JSON.parse(first.stdout).metrics.is.mean);
    const ls = await runCli('cache', 'ls');
    expect(ls.stdout).toMatch(/\d+ entries/);
    const clear = await runCli('cache', 'clear');
    expect(clear.stderr).toMatch(/removed \d+ cached entries/);
    expect((await runCli('cache', 'ls')).stdout).toContain('0 entries');
  });

  it('leaves no half-written output or cache entry when interrupted with Ctrl-C', async () => {
    const out = join(tmp, 'interrupted');
    const cache = join(tmp, 'interrupted-cache');
    mkdirSync(out);
    // 10 copies of set_a (120 images): the run outlasts the 1.5 s before the interrupt by far
    // (12 images finish, statistics written, in about that time since they are stored undeflated).
    const many = join(tmp, 'interrupted-images');
    mkdirSync(many);
    for (const f of readdirSync(join(IMAGES, 'set_a'))) for (let c = 0; c < 10; c++) copyFileSync(join(IMAGES, 'set_a', f), join(many, `${c}_${f}`));
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'fidkit.js'), 'stats', many, '-o', join(out, 'stats.npz'), '--weights', 'test:hash', '--cache-dir', cache], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 130 : null))));
    // Interrupt once the network is running (the warning about test weights comes first).
    await new Promise<void>((resolve) => child.stderr.once('data', () => setTimeout(resolve, 1500)));
    child.kill('SIGINT');
    const code = await exited;
    expect(code).not.toBe(0);
    expect(readdirSync(out)).toEqual([]);
    const entries = existsSync(join(cache, 'features')) ? readdirSync(join(cache, 'features')) : [];
    expect(entries.filter((f) => f.includes('.tmp.'))).toEqual([]);
  });
});
