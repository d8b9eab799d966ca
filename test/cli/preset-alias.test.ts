/**
 * `--preset` is another spelling of `--protocol` (issue 13's `fidkit features DIR --extractor … --preset …`):
 * the schema entry's `aliases` give every command that takes --protocol the second flag, with the
 * same parser, help and README row; both spellings give the same features; two different values
 * are a usage error (exit 2) naming both flags.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiOptions, optionsFor } from '../../src/cli/flags.js';
import { O, READS_IMAGES } from '../../src/options/schema.js';
import { FIXTURES, runCli, spawnCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fidkit-preset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const IMAGES = join(FIXTURES, 'images', 'set_a');

describe('--preset, alias of --protocol', () => {
  it('is a flag of every command that takes --protocol, with the same choices', () => {
    expect(O.protocol.commands).toEqual(READS_IMAGES);
    expect(optionsFor(O.protocol).map((o) => o.flags)).toEqual(['--protocol <name>', '--preset <name>']);
    const preset = optionsFor(O.protocol)[1];
    expect(preset.description).toMatch(/^the same as --protocol: tf, pytorch-fid, clean/);
  });

  it('reads into the API key protocol; the same value twice is fine, two different ones are refused naming both', () => {
    for (const command of READS_IMAGES) {
      expect(apiOptions(command, { preset: 'clean' })).toMatchObject({ protocol: 'clean' });
      expect(apiOptions(command, { protocol: 'clean', preset: 'clean' })).toMatchObject({ protocol: 'clean' });
      expect(() => apiOptions(command, { protocol: 'tf', preset: 'clean' })).toThrow(
        '--protocol tf and --preset clean disagree: --preset is another name for --protocol, give one of them',
      );
    }
  });

  it('fidkit features --preset gives the features --protocol gives', async () => {
    const a = await runCli('features', IMAGES, '--extractor', 'mnist', '--preset', 'mnist-luma', '-o', join(dir, 'a.npy'), '-q');
    const b = await runCli('features', IMAGES, '--extractor', 'mnist', '--protocol', 'mnist-luma', '-o', join(dir, 'b.npy'), '-q');
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(readFileSync(join(dir, 'a.npy')).equals(readFileSync(join(dir, 'b.npy')))).toBe(true);
  });

  it.each(READS_IMAGES)('fidkit %s with --protocol and --preset disagreeing exits 2 naming both', async (command) => {
    const args = { score: [IMAGES, IMAGES], stats: [IMAGES, '-o', join(dir, 's.npz')], features: [IMAGES, '-o', join(dir, 'f.npy')], sweep: ['--generator', 'mnist-gan'] }[command];
    const r = await runCli(command, ...args, '--protocol', 'tf', '--preset', 'clean');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--protocol tf and --preset clean disagree');
  });

  it('the built binary refuses a bad --preset value by that name, exit 2', () => {
    const r = spawnCli('score', IMAGES, IMAGES, '--preset', 'bogus');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Expected one of tf, pytorch-fid, clean, mnist-luma, tf-imagenet, dgm-eval, edm2, torch-fidelity, clip, cmmd, onnx-spec for --preset but received 'bogus'");
  });
});
