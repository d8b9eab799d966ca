import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('fidkit train', () => {
  it('trains the classifier for a few steps into --out, progress on stderr, summary on stdout', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fidkit-cli-train-')), 'run');
    const r = await runCli('train', 'classifier', '--steps', '3', '--seed', '1', '--out', out);
    expect(r.stderr).toMatch(/training on the tfjs '(tensorflow|wasm|cpu)' backend/);
    expect(r.stderr).toMatch(/step 3\/3: loss \d+\.\d{4}/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`model: ${join(out, 'model.json')}\nsteps: 3\nseed: 1\n`);
    expect(r.stdout).toMatch(/test accuracy: \d+\.\d\d% of 10000/);
    expect(existsSync(join(out, 'weights.bin'))).toBe(true);
  });

  it('trains the GAN with either loss and the VAE for 2 steps, and rejects bad arguments', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fidkit-cli-train-'));
    for (const loss of ['non-saturating', 'saturating']) {
      const out = join(root, loss);
      // One autoencoder step, then two adversarial ones: the progress line averages what each phase records.
      const r = await runCli('train', 'gan', '--loss', loss, '--ae-steps', '1', '--steps', '3', '--out', out);
      expect(r.stderr).toMatch(/step 3\/3: gLoss -?\d+\.\d{4}, dLoss \d+\.\d{4}, gGradNorm \d+\.\d{4}, aeLoss \d+\.\d{4}/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`model: ${join(out, 'model.json')}\nsteps: 3\nseed: 0\nloss: ${loss}\n`);
      expect(r.stdout).toMatch(/fakeDRealProbability: 0\.\d+/);
      expect(existsSync(join(out, 'weights.bin'))).toBe(true);
    }
    const out = join(root, 'vae');
    const vae = await runCli('train', 'vae', '--steps', '2', '--out', out);
    expect(vae.code).toBe(0);
    expect(vae.stderr).toMatch(/step 2\/2: loss \d+\.\d{4}, reconstruction \d+\.\d{4}, kl \d+\.\d{4}/);
    expect(vae.stdout).toMatch(/testElbo: -\d+\.\d+/);
    expect(existsSync(join(out, 'weights.bin'))).toBe(true);
    const resumed = await runCli('train', 'vae', '--steps', '3', '--out', out, '--resume');
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('resuming at step 2');

    // --loss and --ae-steps are options of `train gan` only (the schema lists them for it alone).
    const misuse = await runCli('train', 'vae', '--loss', 'saturating', '--steps', '1', '--out', join(root, 'x'));
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toContain("error: unknown option '--loss'");
    const misuse2 = await runCli('train', 'vae', '--ae-steps', '10', '--steps', '1', '--out', join(root, 'y'));
    expect(misuse2.code).toBe(2);
    expect(misuse2.stderr).toContain("error: unknown option '--ae-steps'");
    expect((await runCli('train', 'gan', '--loss', 'wasserstein')).code).toBe(2);
    expect((await runCli('train', 'resnet')).code).toBe(2);
    expect((await runCli('train', 'classifier', '--steps', '0')).code).toBe(2);
  });

  it('refuses a non-empty --out unless --resume or --force, and --force replaces only the earlier run', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fidkit-cli-train-')), 'run');
    expect((await runCli('train', 'vae', '--steps', '1', '--out', out)).code).toBe(0);
    const model = readFileSync(join(out, 'model.json'), 'utf8');
    const again = await runCli('train', 'vae', '--steps', '2', '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `fidkit: --out ${out} is not empty (it holds checkpoint, model.json, weights.bin of an earlier run): ` +
        'pass --resume to continue that run, --force to start over (deleting its model.json, weights.bin, checkpoint; other files are kept), or a new folder\n',
    );
    expect(readFileSync(join(out, 'model.json'), 'utf8')).toBe(model); // untouched
    const both = await runCli('train', 'vae', '--steps', '2', '--out', out, '--force', '--resume');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--resume continues the run in --out and --force starts it over: pass one of them');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const forced = await runCli('train', 'vae', '--steps', '2', '--out', out, '--force');
    expect(forced.code).toBe(0);
    expect(forced.stderr).not.toContain('resuming');
    expect(forced.stdout).toContain('steps: 2\n');
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).training.steps).toBe(2);
    expect(readdirSync(out).sort()).toEqual(['checkpoint', 'model.json', 'notes.txt', 'weights.bin']);
    expect(readdirSync(join(out, 'checkpoint')).sort()).toEqual(['state.json', 'tensors-2.bin']); // nothing of the 1-step run
    // A folder of other files is refused too, and a file is not a folder.
    const other = mkdtempSync(join(tmpdir(), 'fidkit-cli-train-'));
    writeFileSync(join(other, 'data.csv'), '1,2\n');
    const foreign = await runCli('train', 'classifier', '--steps', '1', '--out', other);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain(`--out ${other} is not empty (1 entries): pass --resume`);
    const file = await runCli('train', 'classifier', '--steps', '1', '--out', join(other, 'data.csv'));
    expect(file.code).toBe(1);
    expect(file.stderr).toContain(`--out ${join(other, 'data.csv')} is a file: pass a folder`);
  });

  it('warns when a GAN phase gets no step, and ends with the figures the progress line last showed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fidkit-cli-train-'));
    // --steps below the default --ae-steps 5000: no GAN step at all.
    const aeOnly = await runCli('train', 'gan', '--steps', '2', '--out', join(root, 'ae-only'));
    expect(aeOnly.code).toBe(0);
    expect(aeOnly.stderr).toContain(
      'warning: --steps 2 ≤ --ae-steps 5000: the GAN phase gets no step (steps 1…5000 train the autoencoder), so the generator keeps its random initial weights; ',
    );
    expect(aeOnly.stdout).not.toMatch(/gLoss/);
    expect(aeOnly.stdout).toMatch(/^aeLoss \(mean of steps 1–2\): \d+\.\d{4}$/m);
    const noAe = await runCli('train', 'gan', '--ae-steps', '0', '--steps', '2', '--out', join(root, 'no-ae'));
    expect(noAe.code).toBe(0);
    expect(noAe.stderr).toContain('warning: --ae-steps 0: the autoencoder phase gets no step, so the frozen decoder keeps its random initial weights');
    expect(noAe.stderr).not.toContain('the GAN phase gets no step');
    const quiet = await runCli('train', 'gan', '--steps', '2', '--out', join(root, 'quiet'), '-q');
    expect(quiet.stderr).toBe('');

    // 1 autoencoder step then 2 GAN steps: the last progress line and the summary show the same means.
    const both = await runCli('train', 'gan', '--ae-steps', '1', '--steps', '3', '--out', join(root, 'both'));
    expect(both.code).toBe(0);
    expect(both.stderr).not.toContain('warning');
    const line = /step 3\/3: (.*) \(mean of steps 1–3\), lr/.exec(both.stderr);
    expect(line).not.toBeNull();
    const shown = Object.fromEntries(line![1].split(', ').map((kv) => kv.split(' ')));
    expect(Object.keys(shown)).toEqual(['gLoss', 'dLoss', 'gGradNorm', 'aeLoss']);
    const summary = Object.fromEntries([...both.stdout.matchAll(/^(\w+) \((?:mean of steps \d+–\d+|step \d+)\): (-?\d+\.\d{4})$/gm)].map((m) => [m[1], m[2]]));
    expect(summary).toEqual(shown);
    expect(both.stdout).toMatch(/^gLoss \(mean of steps 2–3\): /m);
    expect(both.stdout).toMatch(/^aeLoss \(step 1\): /m);
    // And they are those steps' means of the per-step values model.json records (to 5 significant
    // digits there and 4 decimals here: within 2e-4 relative).
    const history = JSON.parse(readFileSync(join(root, 'both', 'model.json'), 'utf8')).training.history;
    const near = (got: string, want: number) => expect(Math.abs(Number(got) - want) / Math.abs(want)).toBeLessThan(2e-4);
    near(summary.gLoss, (history.gLoss[1] + history.gLoss[2]) / 2);
    near(summary.dLoss, (history.dLoss[1] + history.dLoss[2]) / 2);
    near(summary.aeLoss, history.aeLoss[0]);
    expect(history.gLoss[0]).toBeNull(); // step 1 trained the autoencoder only
  });
});
