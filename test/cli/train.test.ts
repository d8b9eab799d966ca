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

  it('answers gan and vae with a usage error for now, and rejects unknown models', async () => {
    const gan = await runCli('train', 'gan');
    expect(gan.code).toBe(2);
    expect(gan.stderr).toContain("fidkit train gan is not implemented yet; only 'fidkit train classifier' is available");
    expect((await runCli('train', 'resnet')).code).toBe(2);
    expect((await runCli('train', 'classifier', '--steps', '0')).code).toBe(2);
  });
});
