/**
 * The sweep's policy, held by `sweep()` and shared by `fidkit sweep` (issue 15 items 1–2, issue 11
 * item 5): the reference cut to the sets' n, one extractor rule with its reason, the real and
 * compare rows, and defaults from the options schema.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/options/schema.js';
import { planSweep, sampleSizeEffects, sweep, sweepExtractor } from '../../src/api/sweep.js';
import { FIXTURES, runCli } from '../cli/run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'fidkit-sweep-policy-'));
const numbers = (rows: { label: string; fid: number | null; is: { mean: number } | null; precision: number | null; recall: number | null; density: number | null; coverage: number | null }[]) =>
  rows.map((r) => [r.label, r.fid, r.is?.mean, r.precision, r.recall, r.density, r.coverage]);

describe('the extractor rule', () => {
  it('picks mnist for MNIST generators or references by name, inception otherwise, and says why', () => {
    expect(sweepExtractor('mnist-gan', 'real-digits/')).toEqual({ name: 'mnist', reason: 'because mnist-gan is an MNIST digit generator' });
    expect(sweepExtractor('mnist-vae', undefined)).toEqual({ name: 'mnist', reason: 'because mnist-vae is an MNIST digit generator' });
    expect(sweepExtractor('g.onnx', 'mnist:test?n=50')).toEqual({ name: 'mnist', reason: 'because the reference mnist:test?n=50 is MNIST digits' });
    expect(sweepExtractor('g.onnx', 'gen:mnist-vae?n=50')).toEqual({ name: 'mnist', reason: 'because the reference gen:mnist-vae?n=50 is MNIST digits' });
    expect(sweepExtractor('g.onnx', 'real/')).toEqual({ name: 'inception', reason: 'because neither the generator nor the reference is MNIST digits' });
    expect(sweepExtractor('mnist-gan', 'mnist:test', 'inception')).toEqual({ name: 'inception', reason: 'as asked' });
  });

  it('sets the batch size from the extractor unless one is given', () => {
    expect(planSweep({}).batchSize).toBe(500);
    expect(planSweep({ extractor: 'inception' }).batchSize).toBe(50);
    expect(planSweep({ extractor: 'inception', batchSize: 7 }).batchSize).toBe(7);
  });
});

describe('planSweep', () => {
  it("resolves the CLI's defaults from the options schema", () => {
    const plan = planSweep();
    expect(plan).toEqual({
      generator: 'mnist-gan', truncations: [0.25, 0.5, 0.75, 1, 1.5, 2], mode: 'scale', count: 10_000, seed: 0, k: 5,
      reference: 'mnist:test', referenceN: 10_000, extractor: 'mnist', extractorReason: 'because mnist-gan is an MNIST digit generator', batchSize: 500,
      real: 'mnist:train-10k?n=10000', compare: ['mnist-vae'],
    });
    expect([plan.generator, plan.count, plan.seed, plan.k]).toEqual([DEFAULTS.generator, DEFAULTS.count, DEFAULTS.latentSeed, DEFAULTS.sweepK]);
  });

  it('gives the reference the sets’ n unless referenceN or an n= in the reference says otherwise', () => {
    expect(planSweep({ count: 300 }).referenceN).toBe(300);
    expect(planSweep({ count: 300, referenceN: 1000 }).referenceN).toBe(1000);
    expect(planSweep({ count: 300, referenceN: 'all' }).referenceN).toBeNull();
    expect(planSweep({ count: 300, reference: 'mnist:test?n=2000' }).referenceN).toBe(2000);
    expect(planSweep({ count: 300, reference: 'mnist-test' }).reference).toBe('mnist:test');
    expect(() => planSweep({ count: 300, reference: 'mnist:test?n=2000', referenceN: 300 })).toThrow(
      'the reference mnist:test?n=2000 says n=2000 but the referenceN option says 300: give one of them',
    );
  });

  it('turns off the real and compare rows with none, and checks option values against the schema', () => {
    const plan = planSweep({ real: 'none', compare: ['none'] });
    expect([plan.real, plan.compare]).toEqual([null, []]);
    expect(planSweep({ compare: [] }).compare).toEqual([]);
    expect(() => planSweep({ count: 1 })).toThrow('sweep(): count: expected an integer ≥ 2 but received 1');
    expect(() => planSweep({ referenceN: 1 })).toThrow("sweep(): referenceN: expected an integer ≥ 2 or 'all' but received 1");
    expect(() => planSweep({ generator: 'g.onnx' })).toThrow('the reference option is required for an ONNX generator');
  });
});

describe('sample sizes', () => {
  it("states the expected coverage of one distribution at both sizes (Naeem et al.'s formula)", () => {
    const text = sampleSizeEffects(3000, 10_000, 5);
    expect(text).toContain('the sets have n = 3000 but the reference n = 10000');
    // 1 − ∏ (10000−i)/(13000−i), i = 1…5 = 0.7314…; at equal n 1 − ∏ (3000−i)/(6000−i) = 0.9689…
    expect(text).toContain('coverage of two samples of one distribution is 0.73 at these sizes against 0.97 at equal ones (k = 5)');
  });
});

describe('sweep() from the library', () => {
  it('returns the real and VAE rows of `fidkit sweep`, with the same numbers, bit for bit', async () => {
    const report = await sweep({ count: 60, truncations: [1], cache: false });
    expect(report.rows.map((r) => [r.label, r.kind, r.count])).toEqual([
      ['ψ = 1', 'truncation', 60],
      ['real (mnist:train-10k?n=60)', 'real', 60],
      ['mnist-vae', 'generator', 60],
    ]);
    expect(report.reference).toEqual({ input: 'mnist:test?n=60', given: 'mnist:test', kind: 'real', count: 60, available: 10_000 });
    expect([report.extractor, report.extractorReason, report.batchSize, report.k, report.seed]).toEqual(['mnist', 'because mnist-gan is an MNIST digit generator', 500, 5, 0]);
    expect(report.warnings.filter((w) => w.includes('the sets have n'))).toEqual([]);

    const cli = await runCli('sweep', '-n', '60', '--truncation', '1', '--json', '-q', '--no-cache');
    expect(cli.code, cli.stderr).toBe(0);
    const json = JSON.parse(cli.stdout);
    expect(json.reference).toEqual(report.reference);
    expect(numbers(json.rows)).toEqual(numbers(report.rows));
  });
});

describe('fidkit sweep', () => {
  it('-n 300 extracts 300 reference digits; --reference-n sets its own n, with the warning and summary line', async () => {
    const same = await runCli('sweep', '-n', '300', '--truncation', '1', '--real', 'none', '--compare', 'none', '--json', '--no-cache');
    expect(same.code, same.stderr).toBe(0);
    const json = JSON.parse(same.stdout);
    expect(json.reference).toEqual({ input: 'mnist:test?n=300', given: 'mnist:test', kind: 'real', count: 300, available: 10_000 });
    expect(json.rows[0].report.inputs[1]).toMatchObject({ path: 'mnist:test?n=300', count: 300 });
    expect(same.stderr).toContain('mnist:test?n=300: 300/300 images');
    expect(same.stderr).not.toContain('sample sizes');

    const table = await runCli('sweep', '-n', '300', '--reference-n', '1000', '--truncation', '1', '--real', 'none', '--compare', 'none', '--no-cache');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stderr).toContain('reference mnist:test, n = 1000;');
    expect(table.stderr).toContain('warning: the sets have n = 300 but the reference n = 1000.');
    expect(table.stdout).toContain('against mnist:test?n=1000 (1000 samples)');
    expect(table.stdout).toMatch(/\n1 set of 300 samples against 1000 reference samples \(mnist:test\?n=1000\) in [\d.]+ s\nsample sizes differ: the sets have n = 300 but the reference n = 1000\. /);
    // 1 − ∏ (1000−i)/(1300−i) = 0.73…, against 0.97 at 300 vs 300.
    expect(table.stdout).toContain('coverage of two samples of one distribution is 0.73 at these sizes against 0.97 at equal ones (k = 5)');

    const all = await runCli('sweep', '-n', '300', '--reference-n', 'all', '--truncation', '1', '--real', 'none', '--compare', 'none', '--json', '-q', '--no-cache');
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout).reference).toMatchObject({ input: 'mnist:test', count: 10_000 });
    expect(JSON.parse(all.stdout).warnings).toContainEqual(expect.stringContaining('the sets have n = 300 but the reference n = 10000. '));
  });

  it('prints the extractor and why in the header; a folder of digits as the reference keeps mnist, cut to the first n files', async () => {
    const dir = tmp();
    const digits = join(dir, 'digits');
    const made = await runCli('sample', '--generator', 'mnist-vae', '-n', '40', '-o', digits, '-q');
    expect(made.code, made.stderr).toBe(0);
    const r = await runCli('sweep', '-n', '30', '--truncation', '1', '--reference', digits, '--compare', 'none', '--json', '--no-cache');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`sweep: mnist-gan, ψ ∈ {1} (scale), n = 30 per set, seed 0; reference ${digits}, n = 30; extractor mnist (because mnist-gan is an MNIST digit generator), batch size 500, k = 5\n`);
    const json = JSON.parse(r.stdout);
    expect(json.extractor).toBe('mnist');
    expect(json.reference).toEqual({ input: digits, given: digits, kind: 'images', count: 30, available: 40 });
    expect(json.rows).toHaveLength(1); // a folder reference has no default real row

    const asked = await runCli('sweep', '-n', '30', '--truncation', '1', '--reference', digits, '--compare', 'none', '--batch-size', '7', '--extractor', 'mnist');
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stderr).toContain('extractor mnist (as asked), batch size 7, k = 5');
  });

  it('cuts a .npy reference to its first n rows, and stops early on one of another width', async () => {
    const dir = tmp();
    const npy = join(dir, 'ref.npy');
    const made = await runCli('features', 'mnist:test?n=50', '--extractor', 'mnist', '-o', npy, '--no-cache', '-q');
    expect(made.code, made.stderr).toBe(0);
    const r = await runCli('sweep', '-n', '20', '--truncation', '1', '--reference', npy, '--compare', 'none', '--json', '-q', '--no-cache');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).reference).toEqual({ input: npy, given: npy, kind: 'features', count: 20, available: 50 });
    // The first 20 rows of mnist:test's features are the features of mnist:test?n=20: the same FID.
    const direct = await runCli('sweep', '-n', '20', '--truncation', '1', '--compare', 'none', '--json', '-q', '--no-cache');
    expect(JSON.parse(r.stdout).rows[0].fid).toBe(JSON.parse(direct.stdout).rows[0].fid);

    const wide = join(FIXTURES, 'prdc', 'a_gauss_d64_real.npy');
    const bad = await runCli('sweep', '-n', '20', '--truncation', '1', '--reference', wide, '--compare', 'none', '-q', '--no-cache');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      `${wide} has 64-d features but the extractor 'mnist' (because mnist-gan is an MNIST digit generator) gives 128-d: pass the extractor it was made with (--extractor NAME)`,
    );
  });
});
