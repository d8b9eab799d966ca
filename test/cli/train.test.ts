import { existsSync, mkdtempSync } from 'node:fs';
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

    const misuse = await runCli('train', 'vae', '--loss', 'saturating', '--steps', '1', '--out', join(root, 'x'));
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toContain('--loss applies to `fidkit train gan` only');
    const misuse2 = await runCli('train', 'vae', '--ae-steps', '10', '--steps', '1', '--out', join(root, 'y'));
    expect(misuse2.code).toBe(2);
    expect(misuse2.stderr).toContain('--ae-steps applies to `fidkit train gan` only');
    expect((await runCli('train', 'gan', '--loss', 'wasserstein')).code).toBe(2);
    expect((await runCli('train', 'resnet')).code).toBe(2);
    expect((await runCli('train', 'classifier', '--steps', '0')).code).toBe(2);
  });
});
