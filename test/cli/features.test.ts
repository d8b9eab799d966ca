/**
 * `fidkit features`: per-image features as the built binary writes them, for every fixture image
 * (set_a and set_b in one folder), checked against the features `score` computes internally (bit for
 * bit, through the same API) and against the pytorch-fid / torch-fidelity / clean-fid references of
 * `fixtures/` with the extractor tests' tolerances (test/features/inception/extractor.test.ts:
 * ≤ 1e-3 absolute and ≤ 1e-5 relative to the largest value, per set, with the hash weights
 * --weights test:hash). One CLI run per protocol.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInput } from '../../src/api/inputs.js';
import { readNpy, readNpyFile } from '../../src/io/npy.js';
import { unzipSync } from 'fflate';
import { fixtureFloat32, maxAbsDiff } from '../features/inception/fixtures.js';
import { FIXTURES, runCli, spawnCliAsync } from './run-cli.js';

const SET_A = join(FIXTURES, 'images', 'set_a');
const HASH = ['--weights', 'test:hash', '--no-cache', '-q'];
/** The reference features of one set under each protocol. */
const REFERENCE_DIR = { tf: 'protocols/tf', 'pytorch-fid': 'inception-fid', clean: 'protocols/clean' } as const;
const SETS = ['set_a', 'set_b'] as const;
let tmp = '';
/** Every fixture image: set_a's then set_b's (their names, a… and b…, sort that way). */
let ALL = '';

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fidkit-features-'));
  ALL = join(tmp, 'all-fixture-images');
  mkdirSync(ALL);
  for (const set of SETS) for (const f of fixtureNames(`inception-fid`, set)) copyFileSync(join(FIXTURES, 'images', set, f), join(ALL, f));
});

/** Rows of both sets against their references, each within the extractor tests' tolerance. */
async function expectNearReferences(got: Float32Array, protocol: keyof typeof REFERENCE_DIR): Promise<void> {
  const half = got.length / 2;
  for (const [i, set] of SETS.entries()) expectNearReference(got.subarray(i * half, (i + 1) * half), await fixtureFloat32(`${REFERENCE_DIR[protocol]}/${set}/features.npy`));
}

/** The reference tolerance of the extractor tests. */
function expectNearReference(got: Float32Array, reference: Float32Array): void {
  expect(got.length).toBe(reference.length);
  const diff = maxAbsDiff(got, reference);
  const scale = reference.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expect(diff).toBeLessThanOrEqual(1e-3);
  expect(diff / scale).toBeLessThanOrEqual(1e-5);
}

function expectBitEqual(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  let differing = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differing++;
  expect(differing).toBe(0);
}

const TEST_WEIGHTS_WARNING = 'using the deterministic test weights (--weights test:hash): the features are meaningless outside tests';

/** The strings of a 1-d fixed-width unicode `.npy` (`<U{width}`: UTF-32LE code points, NUL-padded). */
function npyStrings(bytes: Uint8Array): string[] {
  const header = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
  const [, width, count] = /'descr': '<U(\d+)', 'fortran_order': False, 'shape': \((\d+),\)/.exec(header)!.map(Number);
  const codes = new Uint32Array(bytes.slice(bytes.length - count * width * 4).buffer);
  return Array.from({ length: count }, (_, i) => String.fromCodePoint(...codes.subarray(i * width, (i + 1) * width).filter((c) => c !== 0)));
}

const fixtureNames = (dir: string, set = 'set_a') => readFileSync(join(FIXTURES, dir, set, 'files.txt'), 'utf8').trim().split('\n');

describe('fidkit features', () => {
  it('writes the pool3 features of every fixture image (tf protocol, .npz) bit for bit as score computes them, within the torch-fidelity reference tolerance', async () => {
    const out = join(tmp, 'tf.npz');
    const r = await spawnCliAsync('features', ALL, '-o', out, '--protocol', 'tf', '--json', ...HASH);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      schema: 'fidkit.features/1',
      path: out,
      files: null,
      input: ALL,
      rows: 24,
      dim: 2048,
      layer: 'pool3',
      extractor: 'inception',
      protocol: 'tf',
      weightsSha256: 'hash-weights-v1',
      // As in score's report: what made the features, and the warnings (recorded even under --quiet).
      extractors: { inception: { weightsSha256: null, official: false, weights: 'test:hash', source: 'test', protocol: 'tf', warnings: [TEST_WEIGHTS_WARNING] } },
      shard: null,
      skipped: 0,
      ignored: 0,
      warnings: [TEST_WEIGHTS_WARNING],
    });
    const zip = unzipSync(readFileSync(out));
    expect(Object.keys(zip).sort()).toEqual(['features.npy', 'files.npy']);
    const features = readNpy(zip['features.npy']);
    expect(features.dtype).toBe('float32');
    expect(features.shape).toEqual([24, 2048]);
    // files: fixed-width unicode (<U{longest path}, UTF-32LE, NUL-padded), which np.load reads without pickle.
    const names = SETS.flatMap((set) => fixtureNames('protocols/tf', set)).map((n) => join(ALL, n));
    const width = Math.max(...names.map((n) => n.length));
    const header = Buffer.from(zip['files.npy'].subarray(0, 128)).toString('latin1');
    expect(header).toContain(`{'descr': '<U${width}', 'fortran_order': False, 'shape': (24,), }`);
    expect(npyStrings(zip['files.npy'])).toEqual(names);
    // What score extracts for KID/PRDC from the same folder (the API score calls).
    const internal = await loadInput(ALL, { moments: false, logits: false, features: true }, { protocol: 'tf', weights: 'test:hash', cache: false });
    expectBitEqual(features.data as Float32Array, internal.features!.data);
    await expectNearReferences(features.data as Float32Array, 'tf');
  }, 60_000);

  it.each(['pytorch-fid', 'clean'] as const)('writes features.npy and features.txt of every fixture image in sorted file order matching the %s reference', async (protocol) => {
    const out = join(tmp, `${protocol}.npy`);
    const r = await spawnCliAsync('features', ALL, '-o', out, '--protocol', protocol, ...HASH);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const arr = await readNpyFile(out);
    expect(arr.shape).toEqual([24, 2048]);
    // (Bit-for-bit equality with score's path is shown once, under tf above: the protocol only changes what
    // happens inside the extractor, which both paths share.)
    await expectNearReferences(arr.data as Float32Array, protocol);
    const list = readFileSync(join(tmp, `${protocol}.txt`), 'utf8');
    expect(list.endsWith('\n')).toBe(true);
    const files = list.trimEnd().split('\n');
    const dir = protocol === 'clean' ? 'protocols/clean' : 'inception-fid';
    expect(files.map((f) => basename(f))).toEqual(SETS.flatMap((set) => fixtureNames(dir, set)));
    expect(files[0]).toBe(join(ALL, 'a01_mnist_28_gray.png'));
  }, 60_000);

  it('writes the rows and file list of one shard (stats --shard slicing), of any Inception layer (--layer logits, pytorch-fid reference)', async () => {
    const dir = join(tmp, 'five');
    mkdirSync(dir);
    const names = fixtureNames('inception-fid').slice(0, 5);
    for (const n of names) copyFileSync(join(SET_A, n), join(dir, n));
    const out = join(tmp, 'shard.npy');
    const r = await runCli('features', dir, '-o', out, '--protocol', 'pytorch-fid', '--shard', '2/3', '--layer', 'logits', '--batch-size', '1', ...HASH);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Shard 2/3 of 5 rows is rows ⌊5/3⌋ … ⌊10/3⌋−1 = 1, 2.
    expect(readFileSync(join(tmp, 'shard.txt'), 'utf8')).toBe(`${join(dir, names[1])}\n${join(dir, names[2])}\n`);
    const arr = await readNpyFile(out);
    expect(arr.shape).toEqual([2, 1008]);
    const reference = await fixtureFloat32('inception-fid/set_a/logits.npy');
    expectNearReference(arr.data as Float32Array, reference.subarray(1008, 3 * 1008));
  }, 30_000);

  it('writes bundled digits with their ids and the same rows as score, for any layer of the extractor', async () => {
    const input = 'mnist:test?n=20';
    const out = join(tmp, 'digits.npy');
    const r = await runCli('features', input, '--extractor', 'mnist', '--layer', 'logits', '-o', out, '--no-cache', '-q');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(tmp, 'digits.txt'), 'utf8').trimEnd().split('\n')).toEqual(Array.from({ length: 20 }, (_, i) => `${input}#${i}`));
    const arr = await readNpyFile(out);
    expect(arr.shape).toEqual([20, 10]);
    const internal = await loadInput(input, { moments: false, logits: true, features: false }, { extractor: 'mnist', cache: false });
    expectBitEqual(arr.data as Float32Array, internal.logits!.data);
  });

  it('--shard k/n of gen: and mnist: inputs writes rows ⌊(k−1)N/n⌋ … ⌊kN/n⌋−1 of the whole run, bit for bit, with their global ids', async () => {
    for (const input of ['gen:mnist-gan?n=30&seed=3&truncation=0.7&mode=resample', 'mnist:test?n=30']) {
      // (both already in canonical form, which is how ids spell the input)
      const whole = join(tmp, 'whole.npz');
      const part = join(tmp, 'part.npz');
      expect((await runCli('features', input, '--extractor', 'mnist', '-o', whole, '--no-cache', '-q')).code).toBe(0);
      // Another batch size too: the slice never depends on it.
      const r = await runCli('features', input, '--extractor', 'mnist', '--shard', '2/3', '--batch-size', '7', '-o', part, '--no-cache', '-q', '--json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ rows: 10, dim: 128, shard: { index: 2, count: 3 } });
      const [a, b] = [whole, part].map((f) => unzipSync(readFileSync(f)));
      const all = readNpy(a['features.npy']).data as Float32Array;
      expectBitEqual(readNpy(b['features.npy']).data as Float32Array, all.subarray(10 * 128, 20 * 128));
      expect(npyStrings(b['files.npy'])).toEqual(Array.from({ length: 10 }, (_, i) => `${input}#${10 + i}`));
    }
    const empty = await runCli('features', 'mnist:test?n=2', '--extractor', 'mnist', '--shard', '1/3', '-o', join(tmp, 'e.npy'), '-q');
    expect([empty.code, empty.stderr]).toEqual([1, 'fidkit: mnist:test?n=2: shard 1/3 of its 2 sample(s) is empty; split it into at most 2 shards\n']);
  });

  it("lists the extractor's layers on a wrong --layer (exit 2), and refuses other outputs and files", async () => {
    const r = await runCli('features', 'mnist:test?n=2', '--extractor', 'mnist', '--layer', 'pool3', '-o', join(tmp, 'x.npy'), '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("fidkit: extractor 'mnist' has no layer 'pool3'; its layers are logits, features\n(run with --help for usage)\n");
    // Known from the extractor table, before any weights: no download is tried, even offline without weights.
    const early = await runCli('features', join(FIXTURES, 'images', 'set_a'), '--layer', 'pool9', '--offline', '--cache-dir', join(tmp, 'no-weights'), '-o', join(tmp, 'z.npy'), '-q');
    expect([early.code, early.stderr]).toEqual([2, "fidkit: extractor 'inception' has no layer 'pool9'; its layers are pool3, logits_unbiased, logits, pool_64, pool_192, pool_768\n(run with --help for usage)\n"]);
    const csv = await runCli('features', 'mnist:test?n=2', '-o', join(tmp, 'x.csv'));
    expect(csv.code).toBe(2);
    expect(csv.stderr).toContain('-o ' + join(tmp, 'x.csv') + ': the output must end in .npy (with a .txt file list beside it) or .npz');
    const file = await runCli('features', join(FIXTURES, 'frechet', 'd64_set1_features.npy'), '--extractor', 'mnist', '-o', join(tmp, 'y.npy'), '-q');
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('is a file that already holds features or statistics');
  });
});
