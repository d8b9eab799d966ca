import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'fidkit-cli-latent-'));

/** Width or height of a grid of n tiles of 28·scale pixels with 2-pixel gaps. */
const side = (n: number, scale: number) => n * (28 * scale + 2) + 2;

async function pngSize(path: string): Promise<[number, number, number]> {
  const meta = await sharp(readFileSync(path)).metadata();
  expect(meta.format).toBe('png');
  return [meta.width!, meta.height!, meta.channels!];
}

describe('fidkit latent', () => {
  it('interpolate writes a 2-row grid and prints t, ‖z‖ and the classified digit per frame', async () => {
    const out = join(tmp, 'interp.png');
    const r = await runCli('latent', 'interpolate', '--from', 'seed:2', '--to', '7', '--frames', '4', '-o', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mnist-gan \(.*models\/mnist-gan\/model\.json\), latent dimension \d+\nfrom seed:2, ‖z‖ [\d.]+\nto   seed:7, ‖z‖ [\d.]+\ncos Ω -?[\d.]+ \(angle [\d.]+°\)\n/);
    expect(r.stdout).toContain('     t  ‖z‖ linear  digit  p      ‖z‖ spherical  digit  p\n');
    const rows = r.stdout.split('\n').filter((l) => /^\s*(0|0\.3333|0\.6667|1)\s+\d/.test(l));
    expect(rows.length).toBe(4);
    for (const row of rows) expect(row).toMatch(/^\s*[\d.]+\s+[\d.]+\s+\d\s+[01]\.\d{3}\s+[\d.]+\s+\d\s+[01]\.\d{3}$/);
    expect(r.stdout).toContain(`wrote ${out} (${side(4, 2)}×${side(2, 2)} px): row 1: linear (lerp), row 2: spherical (slerp); 4 columns from t = 0 (seed:2) to t = 1 (seed:7)\n`);
    expect(await pngSize(out)).toEqual([side(4, 2), side(2, 2), 1]);
  });

  it('reconstruct prints the MSE per start, is deterministic, and --json carries the same numbers', async () => {
    const out = join(tmp, 'rec.png');
    const args = ['latent', 'reconstruct', '--generator', 'mnist-vae', '--index', '3', '--starts', '2', '--steps', '15', '--seed', '1', '-o', out];
    const r = await runCli(...args, '--scale', '1', '-q');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('target: MNIST test #3, label 0, classified 0 (p ');
    expect(r.stdout).toMatch(/2 starts \(seed 1\) × 15 Adam steps, lr 0\.05, prior weight 0; [\d.]+ s\n/);
    expect(r.stdout).toContain('start  MSE start  MSE end');
    expect(r.stdout).toMatch(/best: start [12], MSE [\d.e-]+\nencoder decode\(μ\(x\)\): MSE [\d.e-]+, ‖μ‖ [\d.]+, classified \d \(p [\d.]+\)\n/);
    // Target, encoder reconstruction, two starts; scale 1.
    expect(await pngSize(out)).toEqual([side(4, 1), side(1, 1), 1]);
    const a = JSON.parse((await runCli(...args, '--json', '-q')).stdout);
    const b = JSON.parse((await runCli(...args, '--json', '-q')).stdout);
    expect(a.schema).toBe('fidkit.latent-reconstruct/1');
    expect(a.settings).toEqual({ starts: 2, steps: 15, learningRate: 0.05, seed: 1, priorWeight: 0 });
    expect(a.output).toMatchObject({ path: out, width: side(4, 2), height: side(1, 2), columns: 4, rows: 1 });
    expect(b.starts).toEqual(a.starts);
    for (const s of a.starts) expect(s.finalMse).toBeLessThan(s.initialMse);
    expect(r.stdout).toContain(`    ${a.best + 1}`);
  });

  it('inpaint prints visible and hidden MSE per start, progress on stderr', async () => {
    const out = join(tmp, 'inpaint.png');
    const r = await runCli('latent', 'inpaint', '--generator', 'mnist-vae', '--index', '0', '--mask', 'box:4,4,10,10', '--starts', '2', '--steps', '10', '-o', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^step 10\/10: best MSE [\d.e-]+\n$/);
    expect(r.stdout).toContain('mask box:4,4,10,10: 100 pixels hidden, 684 visible\n');
    expect(r.stdout).toContain('start  visible MSE start  visible MSE end  hidden MSE');
    expect(r.stdout).toMatch(/best: start [12], visible MSE [\d.e-]+, hidden MSE [\d.e-]+ \(digit\/p: the classifier on the inpainted image\)\n/);
    // Original, masked, inpainted, two starts.
    expect(await pngSize(out)).toEqual([side(5, 2), side(1, 2), 1]);
  });

  it('rejects misuse with exit 2 and a message saying what to do', async () => {
    const out = join(tmp, 'x.png');
    const cases: [string[], string][] = [
      [['reconstruct', '-o', out], 'give the target as exactly one of --index I (an MNIST test digit) or --image FILE'],
      [['reconstruct', '--index', '1', '--image', 'a.png', '-o', out], 'give the target as exactly one of'],
      [['inpaint', '--index', '1', '--mask', 'middle', '-o', out], "--mask: unknown mask 'middle'; expected top, bottom, left, right or box:x,y,w,h"],
      [['reconstruct', '--index', '1', '-o', join(tmp, 'grid.jpg')], `-o ${join(tmp, 'grid.jpg')}: the grid is written as PNG; give a file name ending in .png`],
      [['interpolate', '--from', 'index:0', '-o', out], 'endpoint index:0: the GAN has no encoder'],
      [['interpolate', '--to', 'seed:-1', '-o', out], "--to: endpoint 'seed:-1': seed must be a non-negative integer"],
      [['reconstruct', '--index', '1', '--lr', '0', '-o', out], "Expected a number > 0 for --lr but received '0'."],
      [['reconstruct', '--index', '1', '--generator', 'biggan', '-o', out], "Expected one of mnist-gan, mnist-vae for --generator but received 'biggan'."],
      [['interpolate'], "required option '-o, --out <grid.png>' not specified"],
    ];
    for (const [args, message] of cases) {
      const r = await runCli('latent', ...args);
      expect(r.stderr).toContain(message);
      expect(r.code).toBe(2);
    }
    // A target index outside the test set is bad input (exit 1).
    const bad = await runCli('latent', 'reconstruct', '--index', '10000', '--steps', '1', '-o', out);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('fidkit: MNIST test index 10000 is out of range: use 0 … 9999\n');
  });

  it('lists the experiments and their options in --help', async () => {
    const r = await runCli('latent', '--help');
    expect(r.code).toBe(0);
    for (const name of ['interpolate', 'reconstruct', 'inpaint']) expect(r.stdout).toContain(name);
    const h = await runCli('latent', 'inpaint', '--help');
    expect(h.stdout).toContain('--mask <region>');
    expect(h.stdout).toContain('--prior-weight <λ>');
    expect(h.stdout).toContain('(default: 500)');
  });
});
