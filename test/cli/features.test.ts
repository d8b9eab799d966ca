/**
 * `fidkit features`: per-image features as the built binary writes them, checked against the
 * features `score` computes internally (bit for bit, through the same API) and against the
 * pytorch-fid / torch-fidelity / clean-fid references of `fixtures/` with the extractor tests'
 * tolerances (test/features/inception/extractor.test.ts: ≤ 1e-3 absolute and ≤ 1e-5 relative to
 * the largest value, with the hash weights --weights test:hash). One CLI run per protocol.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInput } from '../../src/inputs.js';
import { readNpy, readNpyFile } from '../../src/io/npy.js';
import { unzipSync } from 'fflate';
import { fixtureFloat32, maxAbsDiff } from '../features/inception/fixtures.js';
import { FIXTURES, runCli, spawnCliAsync } from './run-cli.js';

const SET_A = join(FIXTURES, 'images', 'set_a');
const HASH = ['--weights', 'test:hash', '--no-cache', '-q'];
const REFERENCE_FEATURES = { tf: 'protocols/tf/set_a/features.npy', 'pytorch-fid': 'inception-fid/set_a/features.npy', clean: 'protocols/clean/set_a/features.npy' } as const;
let tmp = '';

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fidkit-features-'));
});

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

const fixtureNames = (dir: string) => readFileSync(join(FIXTURES, dir, 'set_a', 'files.txt'), 'utf8').trim().split('\n');

describe('fidkit features', () => {
  it('writes the pool3 features of set_a (tf protocol, .npz) bit for bit as score computes them, within the torch-fidelity reference tolerance', async () => {
    const out = join(tmp, 'tf.npz');
    const r = await spawnCliAsync('features', SET_A, '-o', out, '--protocol', 'tf', '--json', ...HASH);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      schema: 'fidkit.features/1',
      path: out,
      files: null,
      input: SET_A,
      rows: 12,
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
    expect(features.shape).toEqual([12, 2048]);
    // files: fixed-width unicode (<U{longest path}, UTF-32LE, NUL-padded), which np.load reads without pickle.
    const width = Math.max(...fixtureNames('protocols/tf').map((n) => join(SET_A, n).length));
    const header = Buffer.from(zip['files.npy'].subarray(0, 128)).toString('latin1');
    expect(header).toContain(`{'descr': '<U${width}', 'fortran_order': False, 'shape': (12,), }`);
    const body = zip['files.npy'].subarray(zip['files.npy'].length - 12 * width * 4);
    const codes = new Uint32Array(body.slice().buffer);
    const files = Array.from({ length: 12 }, (_, i) => String.fromCodePoint(...codes.subarray(i * width, (i + 1) * width).filter((c) => c !== 0)));
    expect(files).toEqual(fixtureNames('protocols/tf').map((n) => join(SET_A, n)));
    // What score extracts for KID/PRDC from the same folder (the API score calls).
    const internal = await loadInput(SET_A, { moments: false, logits: false, features: true }, { protocol: 'tf', weights: 'test:hash', cache: false });
    expectBitEqual(features.data as Float32Array, internal.features!.data);
    expectNearReference(features.data as Float32Array, await fixtureFloat32(REFERENCE_FEATURES.tf));
  }, 30_000);

  it.each(['pytorch-fid', 'clean'] as const)('writes features.npy and features.txt in sorted file order matching the %s reference', async (protocol) => {
    const out = join(tmp, `${protocol}.npy`);
    const r = await spawnCliAsync('features', SET_A, '-o', out, '--protocol', protocol, ...HASH);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const arr = await readNpyFile(out);
    expect(arr.shape).toEqual([12, 2048]);
    expectNearReference(arr.data as Float32Array, await fixtureFloat32(REFERENCE_FEATURES[protocol]));
    const list = readFileSync(join(tmp, `${protocol}.txt`), 'utf8');
    expect(list.endsWith('\n')).toBe(true);
    const files = list.trimEnd().split('\n');
    expect(files.map((f) => basename(f))).toEqual(fixtureNames(protocol === 'clean' ? 'protocols/clean' : 'inception-fid'));
    expect(files[0]).toBe(join(SET_A, 'a01_mnist_28_gray.png'));
  }, 30_000);

  it('writes the rows and file list of one shard (stats --shard slicing)', async () => {
    const dir = join(tmp, 'five');
    mkdirSync(dir);
    const names = fixtureNames('inception-fid').slice(0, 5);
    for (const n of names) copyFileSync(join(SET_A, n), join(dir, n));
    const out = join(tmp, 'shard.npy');
    const r = await runCli('features', dir, '-o', out, '--protocol', 'pytorch-fid', '--shard', '2/3', ...HASH);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Shard 2/3 of 5 rows is rows ⌊5/3⌋ … ⌊10/3⌋−1 = 1, 2.
    expect(readFileSync(join(tmp, 'shard.txt'), 'utf8')).toBe(`${join(dir, names[1])}\n${join(dir, names[2])}\n`);
    const arr = await readNpyFile(out);
    expect(arr.shape).toEqual([2, 2048]);
    const reference = await fixtureFloat32(REFERENCE_FEATURES['pytorch-fid']);
    expectNearReference(arr.data as Float32Array, reference.subarray(2048, 3 * 2048));
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

  it("lists the extractor's layers on a wrong --layer (exit 2), and refuses other outputs and files", async () => {
    const r = await runCli('features', 'mnist:test?n=2', '--extractor', 'mnist', '--layer', 'pool3', '-o', join(tmp, 'x.npy'), '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("fidkit: extractor 'mnist' has no layer 'pool3'; its layers are logits, features\n(run with --help for usage)\n");
    const csv = await runCli('features', 'mnist:test?n=2', '-o', join(tmp, 'x.csv'));
    expect(csv.code).toBe(2);
    expect(csv.stderr).toContain('-o ' + join(tmp, 'x.csv') + ': the output must end in .npy (with a .txt file list beside it) or .npz');
    const file = await runCli('features', join(FIXTURES, 'frechet', 'd64_set1_features.npy'), '--extractor', 'mnist', '-o', join(tmp, 'y.npy'), '-q');
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('is a file that already holds features or statistics');
  });
});
