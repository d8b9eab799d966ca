import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/io/npy.js';
import { writeNpz } from '../../src/io/npz.js';
import { writeStatisticsFile } from '../../src/io/stats-file.js';
import { FIXTURES, runCli, spawnCli, spawnCliAsync } from './run-cli.js';

const frechet = JSON.parse(readFileSync(join(FIXTURES, 'frechet', 'expected.json'), 'utf8'));
const isKid = JSON.parse(readFileSync(join(FIXTURES, 'is_kid', 'expected.json'), 'utf8'));
const F = (name: string) => join(FIXTURES, 'frechet', name);
const K = (name: string) => join(FIXTURES, 'is_kid', name);
let tmp = '';

function f64(shape: number[], values: ArrayLike<number>) {
  return { dtype: 'float64' as const, shape, data: Float64Array.from(values) };
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fidkit-cli-'));
  writeFileSync(join(tmp, 'no-keys.npz'), writeNpz({ mean: f64([2], [0, 0]) }));
  writeFileSync(join(tmp, 'nonsquare.npz'), writeNpz({ mu: f64([2], [0, 0]), sigma: f64([2, 3], [1, 0, 0, 0, 1, 0]) }));
  writeFileSync(join(tmp, 'nan.npz'), writeNpz({ mu: f64([2], [0, NaN]), sigma: f64([2, 2], [1, 0, 0, 1]) }));
  writeFileSync(join(tmp, 'd2.npz'), writeNpz({ mu: f64([2], [0, 0]), sigma: f64([2, 2], [1, 0, 0, 1]) }));
  writeFileSync(join(tmp, 'one-row.npy'), writeNpy(f64([1, 64], new Float64Array(64))));
});

describe('fidkit score on statistics and features', () => {
  it('prints the FID of two pytorch-fid statistics files (1e-9 relative)', async () => {
    const r = await runCli('score', F('d64_set1_stats.npz'), F('d64_set2_stats.npz'), '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.schema).toBe('fidkit.score/1');
    const want = Number(frechet.cases.d64.pytorch_fid.returned.repr);
    expect(Math.abs(report.metrics.fid.value - want) / want).toBeLessThan(1e-9);
    expect(report.inputs.map((i: { role: string }) => i.role)).toEqual(['input1', 'input2']);
  });

  it('prints a human table with the value and the inputs', async () => {
    const r = await runCli('score', F('d64_set1_stats.npz'), F('d64_set2_stats.npz'));
    expect(r.code).toBe(0);
    // pytorch-fid's files do not say which network made them: a Fréchet distance of unknown space, FD.
    expect(r.stdout).toMatch(/^FD\s+9\.18561/m);
    expect(r.stdout).toContain('input1');
    expect(r.stdout).toMatch(/fidkit \d+\.\d+\.\d+/);
  });

  it('computes FID, KID, precision/recall and PRDC from feature .npy files, with warnings on stderr', async () => {
    const r = await runCli('score', F('d64_set1_features.npy'), F('d64_set2_features.npy'), '--metrics', 'fid,kid,pr,prdc', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const want = Number(frechet.cases.d64.pytorch_fid.returned.repr);
    // Statistics recomputed from the float32 samples: same as pytorch-fid's np.cov to ~1e-13.
    expect(Math.abs(report.metrics.fid.value - want) / want).toBeLessThan(1e-9);
    expect(report.metrics.kid.subsetSize).toBe(500); // shrunk from 1000, announced below
    expect(r.stderr).toContain('fewer than the default subset size 1000; using subsets of 500');
    expect(report.metrics.pr.k).toBe(3);
    expect(report.metrics.prdc.k).toBe(5);
    expect(report.metrics.pr.precision).toBeGreaterThan(0);
    // Feature files do not say which network made them: every metric's space is unknown.
    const unknown = { extractor: null, layer: null, protocol: null };
    for (const m of ['fid', 'kid', 'pr', 'prdc']) expect(report.metrics[m].features, m).toEqual(unknown);
  });

  it("gives torch-fidelity's precision/recall and clovaai's density/coverage counts in one run", async () => {
    const prdcExpected = JSON.parse(readFileSync(join(FIXTURES, 'prdc', 'expected.json'), 'utf8')).cases.a_gauss_d64.results;
    const P = (f: string) => join(FIXTURES, 'prdc', f);
    const r = await runCli('score', P('a_gauss_d64_fake.npy'), P('a_gauss_d64_real.npy'), '--metrics', 'pr,prdc', '--json');
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout).metrics;
    const tf = prdcExpected.torch_fidelity.k3.numerators;
    expect([m.pr.counts.precision, m.pr.counts.recall]).toEqual([tf.precision, tf.recall]);
    const clova = prdcExpected.clovaai_prdc.k5;
    expect(m.prdc.counts).toMatchObject(clova.numerators);
    for (const key of ['precision', 'recall', 'density', 'coverage']) expect(m.prdc[key]).toBe(Number(clova[key].repr));
  });

  it('names the two precision/recall pairs apart in the table, and labels them in the JSON', async () => {
    const P = (f: string) => join(FIXTURES, 'prdc', f);
    const table = await runCli('score', P('a_gauss_d64_fake.npy'), P('a_gauss_d64_real.npy'), '--metrics', 'pr,prdc');
    expect(table.code).toBe(0);
    const names = table.stdout
      .split('\n')
      .filter((l) => /^(precision|recall|F-score|density|coverage) /.test(l))
      .map((l) => l.split(/\s{2,}/)[0]);
    expect(names).toEqual([
      'precision (Kynkäänniemi, k=3)',
      'recall (Kynkäänniemi, k=3)',
      'F-score (Kynkäänniemi, k=3)',
      'precision (Naeem, k=5)',
      'recall (Naeem, k=5)',
      'density (Naeem, k=5)',
      'coverage (Naeem, k=5)',
    ]);
    expect(table.stdout).toMatch(/^precision \(Kynkäänniemi, k=3\)\s+0\.345\s+d ≤ r, as torch-fidelity$/m);
    expect(table.stdout).toMatch(/^precision \(Naeem, k=5\)\s+0\.4675\s+d < r, as clovaai prdc$/m);
    // --k moves both, and the names follow.
    expect((await runCli('score', P('a_gauss_d64_fake.npy'), P('a_gauss_d64_real.npy'), '--metrics', 'pr,prdc', '--k', '4')).stdout).toMatch(/^recall \(Naeem, k=4\)/m);
    const json = JSON.parse((await runCli('score', P('a_gauss_d64_fake.npy'), P('a_gauss_d64_real.npy'), '--metrics', 'pr,prdc', '--json')).stdout);
    expect(json.metrics.pr.label).toBe('Kynkäänniemi et al., k=3, d ≤ r (torch-fidelity)');
    expect(json.metrics.prdc.label).toBe('Naeem et al., k=5, d < r (clovaai prdc)');
    // The keys scripts read are unchanged.
    expect(Object.keys(json.metrics.pr)).toEqual(expect.arrayContaining(['precision', 'recall', 'fScore', 'k', 'membership', 'counts']));
    // Features files record no weights: the report says it does not know, and loads no extractor.
    expect(json.extractors).toEqual({});
    expect(json.inputs[0]).toMatchObject({ kind: 'features', weightsSha256: null, officialWeights: null });
  });

  it("reads the weights from statistics files' metadata, and warns when the two sides were made with different weights", async () => {
    const official = '6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2';
    const other = 'ab'.repeat(32);
    const stats = { mu: Float64Array.of(0, 0), sigma: Float64Array.of(1, 0, 0, 1) };
    const [a, b] = [join(tmp, 'official.npz'), join(tmp, 'retrained.npz')];
    await writeStatisticsFile(a, stats, { extractor: 'inception', protocol: 'tf', layer: 'pool3', weightsSha256: official });
    await writeStatisticsFile(b, stats, { extractor: 'inception', protocol: 'tf', layer: 'pool3', weightsSha256: other });
    const r = await runCli('score', a, b, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.inputs.map((i: Record<string, unknown>) => [i.weightsSha256, i.officialWeights])).toEqual([[official, true], [other, false]]);
    expect(report.warnings).toEqual([
      `${b}: made with weights that are not the official file of the 'inception' extractor (SHA-256 ${other}): its numbers are not comparable with published ones`,
      `fid: ${a} was made with weights ${official} but ${b} with ${other} — features of different weights are not comparable`,
    ]);
    for (const w of report.warnings) expect(r.stderr).toContain(`warning: ${w}\n`);
    // pytorch-fid's files record nothing: unknown, and no warning about it.
    const plain = JSON.parse((await runCli('score', F('d64_set1_stats.npz'), F('d64_set2_stats.npz'), '--json')).stdout);
    expect(plain.inputs[0]).toMatchObject({ weightsSha256: null, officialWeights: null });
    expect(plain.warnings).toEqual([]);
  });

  it('computes the Inception Score from a logits .npy like torch-fidelity', async () => {
    const r = await runCli('score', join(FIXTURES, 'is_kid', 'is_logits.npy'), '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const want = Number(isKid.inception_score_synthetic.splits_10.torch_fidelity_default_shuffle.inception_score_mean.repr);
    expect(Math.abs(report.metrics.is.mean - want) / want).toBeLessThan(1e-9);
    const r2 = await runCli('score', join(FIXTURES, 'is_kid', 'is_logits.npy'), '--no-is-shuffle', '--json');
    const want2 = Number(isKid.inception_score_synthetic.splits_10.torch_fidelity_no_shuffle.inception_score_mean.repr);
    expect(Math.abs(JSON.parse(r2.stdout).metrics.is.mean - want2) / want2).toBeLessThan(1e-9);
  });
});

describe('fidkit score refuses bad input with a clear message and a non-zero exit', () => {
  const cases: [string, () => string[], number, string | RegExp][] = [
    ['a nonexistent path', () => ['score', join(tmp, 'nope.npz'), F('d64_set1_stats.npz')], 1, /input not found: .*nope\.npz — check the path/],
    ['a .npz without mu/sigma', () => ['score', join(tmp, 'no-keys.npz'), F('d64_set1_stats.npz')], 1, "has no 'mu' and 'sigma' arrays (found: mean)"],
    ['a non-square sigma', () => ['score', join(tmp, 'nonsquare.npz'), F('d64_set1_stats.npz')], 1, "'sigma' must be square [D, D], got shape [2, 3]"],
    ['non-finite statistics', () => ['score', join(tmp, 'nan.npz'), F('d64_set1_stats.npz')], 1, "'mu' holds a non-finite value (NaN) at index 1"],
    ['mismatched dimensions', () => ['score', join(tmp, 'd2.npz'), F('d64_set1_stats.npz')], 1, 'has 2-d features but'],
    ['fewer than 2 samples', () => ['score', join(tmp, 'one-row.npy'), F('d64_set1_features.npy')], 1, 'FID needs at least 2 samples, got 1'],
    ['an unknown metric', () => ['score', F('d64_set1_stats.npz'), '--metrics', 'fid,fancy'], 2, "Expected a comma-separated list of fid, is, kid, cmmd, pr, prdc for --metrics but received 'fid,fancy'."],
    ['an unknown protocol', () => ['score', F('d64_set1_stats.npz'), '--protocol', 'tf2'], 2, "Expected one of tf, pytorch-fid, clean, mnist-luma, tf-imagenet, dgm-eval, edm2, torch-fidelity, clip, cmmd, onnx-spec for --protocol but received 'tf2'."],
    ['an unknown extractor', () => ['score', F('d64_set1_stats.npz'), '--extractor', 'vgg99'], 2, "Expected one of inception, mnist, vgg16, dinov2-vit-s-14, dinov2-vit-b-14, dinov2-vit-l-14, dinov2-vit-g-14, clip-vit-b-32, clip-vit-l-14, clip-vit-l-14-336, onnx:PATH.onnx for --extractor but received 'vgg99'."],
    ['a bad integer', () => ['score', F('d64_set1_stats.npz'), '--kid-subsets', '1.5'], 2, "Expected an integer ≥ 1 for --kid-subsets but received '1.5'."],
    ['statistics given to IS', () => ['score', F('d64_set1_stats.npz'), '--metrics', 'is'], 2, 'is needs per-sample logits'],
    ['one input for FID', () => ['score', F('d64_set1_stats.npz'), '--metrics', 'fid'], 2, 'fid compares two sets'],
    ['an unknown flag', () => ['score', F('d64_set1_stats.npz'), '--fast'], 2, "unknown option '--fast'"],
    ['a zero rbf sigma', () => ['score', K('kid_features1.npy'), K('kid_features2.npy'), '--metrics', 'kid', '--kid-kernel', 'rbf', '--kid-kernel-rbf-sigma', '0'], 2, "Expected a number > 0 for --kid-kernel-rbf-sigma but received '0'."],
    ['a negative rbf sigma', () => ['score', K('kid_features1.npy'), K('kid_features2.npy'), '--metrics', 'kid', '--kid-kernel', 'rbf', '--kid-kernel-rbf-sigma=-2'], 2, "Expected a number > 0 for --kid-kernel-rbf-sigma but received '-2'."],
    ['an infinite rbf sigma', () => ['score', K('kid_features1.npy'), K('kid_features2.npy'), '--metrics', 'kid', '--kid-kernel', 'rbf', '--kid-kernel-rbf-sigma', 'Infinity'], 2, "Expected a number > 0 for --kid-kernel-rbf-sigma but received 'Infinity'."],
    ['a NaN rbf sigma', () => ['score', K('kid_features1.npy'), K('kid_features2.npy'), '--metrics', 'kid', '--kid-kernel', 'rbf', '--kid-kernel-rbf-sigma', 'nan'], 2, "Expected a number > 0 for --kid-kernel-rbf-sigma but received 'nan'."],
    ['an unknown kid kernel', () => ['score', K('kid_features1.npy'), K('kid_features2.npy'), '--metrics', 'kid', '--kid-kernel', 'gauss'], 2, "Expected one of poly, rbf for --kid-kernel but received 'gauss'."],
  ];
  for (const [what, argv, code, message] of cases) {
    it(what, async () => {
      const r = await spawnCliAsync(...argv());
      expect(r.code).toBe(code);
      expect(r.stdout).toBe('');
      if (typeof message === 'string') expect(r.stderr).toContain(message);
      else expect(r.stderr).toMatch(message);
    });
  }
});

describe('fidkit score --kid-kernel rbf', () => {
  it('warns that a σ given with the polynomial kernel is ignored (torch-fidelity says nothing)', async () => {
    const r = await runCli('score', K('kid_features1.npy'), K('kid_features2.npy'), '--metrics', 'kid', '--kid-subset-size', '50', '--kid-kernel-rbf-sigma', '30', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.metrics.kid.kernel).toBe('poly');
    expect(report.warnings).toContain('kid: --kid-kernel-rbf-sigma 30 is ignored with the poly kernel; pass --kid-kernel rbf to use it');
    const plain = await runCli('score', K('kid_features1.npy'), K('kid_features2.npy'), '--metrics', 'kid', '--kid-subset-size', '50', '--json');
    expect(JSON.parse(plain.stdout).warnings).toEqual([]);
  });

  it("reproduces torch-fidelity's kernel_rbf and records the kernel in the report", async () => {
    const rbf = JSON.parse(readFileSync(join(FIXTURES, 'is_kid', 'kid_rbf_expected.json'), 'utf8')).cases.synthetic_1_vs_2_sigma30;
    const r = await runCli('score', K('kid_features1.npy'), K('kid_features2.npy'), '--metrics', 'kid', '--kid-subset-size', '50', '--kid-kernel', 'rbf', '--kid-kernel-rbf-sigma', '30', '--json');
    expect(r.code).toBe(0);
    const kid = JSON.parse(r.stdout).metrics.kid;
    expect(kid).toMatchObject({ kernel: 'rbf', rbfSigma: 30, subsets: 100, subsetSize: 50, seed: 2020 });
    expect(Math.abs(kid.mean - rbf.float64_input.kid_mean.value) / Math.abs(rbf.float64_input.kid_mean.value)).toBeLessThanOrEqual(1e-7);
    const poly = JSON.parse((await runCli('score', K('kid_features1.npy'), K('kid_features2.npy'), '--metrics', 'kid', '--kid-subset-size', '50', '--json')).stdout).metrics.kid;
    expect(poly).toMatchObject({ kernel: 'poly', degree: 3, gamma: 1 / 2048, coef0: 1 });
  });
});

describe('the built binary', () => {
  it('runs score end to end and exits 0', () => {
    const r = spawnCli('score', F('d64_set1_stats.npz'), F('d64_set2_stats.npz'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).metrics.fid.value).toBeCloseTo(9.18561380741588, 9);
  });
  it('exits 1 with the message only for bad input, 2 for usage errors', () => {
    const bad = spawnCli('score', join(tmp, 'no-keys.npz'), F('d64_set1_stats.npz'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).not.toContain('    at '); // no stack trace for expected errors
    expect(spawnCli('score').code).toBe(2);
  });
});
