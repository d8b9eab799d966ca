/**
 * @file The issue 5 comparison of the GAN's non-saturating and saturating generator losses: reads the
 * two runs' `model.json` (written by `fidkit train gan`; per-step `training.history` of gLoss, dLoss,
 * gGradNorm), draws their loss and gradient-norm curves over the steps both runs have, and prints
 * per-run means over steps 1–500, 501–2,000 and the last 1,000 common steps, plus the median generator
 * gradient norm over the first 1,000 steps and its saturating / non-saturating ratio, next to the
 * D(G(z)) the G losses imply and the gradient ratio D/(1 − D) that D predicts. Run from the
 * repository root:
 *
 *     node --import tsx scripts/gan-loss-curves.ts NS_MODEL_DIR SAT_MODEL_DIR OUT.png|OUT.svg
 *
 * Steps count from the start of the GAN phase: the leading autoencoder steps (`--ae-steps`), which
 * record no G or D values, are dropped from the figure and the table. A directory without model.json but with checkpoint/state.json (a run still training) is read from
 * the checkpoint, with a note on stderr.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderTable } from '../src/report/table.js';
import { writeTrainingCurves, type TrainingRun } from './lib/training-plot.js';

const KEYS = ['gLoss', 'dLoss', 'gGradNorm'] as const;

interface Run {
  dir: string;
  loss: string;
  seed: number | undefined;
  history: Record<string, number[]>;
  inProgress: boolean;
  optimizer?: string;
}

async function readRun(dir: string): Promise<Run> {
  const modelPath = join(dir, 'model.json');
  const statePath = join(dir, 'checkpoint', 'state.json');
  if (existsSync(modelPath)) {
    const model = JSON.parse(await readFile(modelPath, 'utf8'));
    const t = model.training ?? {};
    if (!t.history) throw new Error(`${modelPath} has no training.history: retrain with the current \`fidkit train gan\``);
    return { dir, loss: t.loss ?? 'non-saturating', seed: t.seed, history: t.history, inProgress: false, optimizer: model.optimizer };
  }
  if (existsSync(statePath)) {
    const state = JSON.parse(await readFile(statePath, 'utf8'));
    process.stderr.write(`note: ${modelPath} not found; using the checkpoint ${statePath} (step ${state.step}, still training)\n`);
    return { dir, loss: state.options?.loss ?? 'non-saturating', seed: state.seed, history: state.history, inProgress: true };
  }
  throw new Error(`neither ${modelPath} nor ${statePath} exists: pass the --out folder of \`fidkit train gan\``);
}

const [nsDir, satDir, outPath] = process.argv.slice(2);
if (!nsDir || !satDir || !outPath) {
  throw new Error('usage: node --import tsx scripts/gan-loss-curves.ts NS_MODEL_DIR SAT_MODEL_DIR OUT.png');
}
const runs = [await readRun(nsDir), await readRun(satDir)];
// model.json writes NaN as null; from here on a history entry is a number or null.
const expected = ['non-saturating', 'saturating'];
runs.forEach((r, i) => {
  if (r.loss !== expected[i]) process.stderr.write(`warning: ${r.dir} was trained with --loss ${r.loss}, expected ${expected[i]}\n`);
  for (const key of KEYS) if (!Array.isArray(r.history[key])) throw new Error(`${r.dir}: training history has no "${key}"`);
});
if (runs[0].seed !== runs[1].seed) process.stderr.write(`warning: the runs have different seeds (${runs[0].seed}, ${runs[1].seed})\n`);

// The GAN trains after an autoencoder phase (`--ae-steps`) whose steps record no G/D values (null in
// model.json): count GAN steps from the first step that has them, and compare the steps both runs have.
const finite = (v: number | null) => typeof v === 'number' && Number.isFinite(v);
const offsets = runs.map((r) => {
  const i = r.history.gLoss.findIndex(finite);
  if (i < 0) throw new Error(`${r.dir}: no step has a generator loss yet (still in the autoencoder phase?)`);
  return i;
});
if (offsets[0] !== offsets[1]) {
  process.stderr.write(`warning: the GAN phase starts at step ${offsets[0] + 1} in one run and ${offsets[1] + 1} in the other\n`);
}
const gan = runs.map((r, i) => Object.fromEntries(KEYS.map((k) => [k, r.history[k].slice(offsets[i])])));
const common = Math.min(...gan.flatMap((h) => KEYS.map((k) => h[k].length)));
const hist = gan.map((h) => Object.fromEntries(KEYS.map((k) => [k, h[k].slice(0, common)])));
const plotRuns: TrainingRun[] = runs.map((r, i) => ({ label: `${r.loss} G loss`, history: hist[i] }));
const ae = runs.map((r) => r.history.aeLoss?.slice(0, offsets[0]));
const sameAe = ae[0] !== undefined && JSON.stringify(ae[0]) === JSON.stringify(ae[1]);

// The GAN phase's learning rate, as model.json's optimizer description states it.
const lr = runs[0].optimizer?.match(/GAN: Adam\(lr ([\d.e-]+)/)?.[1];
const fmt = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const progress = runs.some((r) => r.inProgress) ? ' (runs still training)' : '';
const phase = offsets[0] > 0 ? `, after ${fmt(offsets[0])} autoencoder steps${sameAe ? ' (identical in both runs)' : ''}` : '';
await writeTrainingCurves(outPath, {
  title: 'MNIST GAN: non-saturating vs saturating generator loss',
  subtitle:
    `same seed (${runs[0].seed ?? '?'}), batch 64${lr ? `, Adam lr ${lr}` : ''}; first ${fmt(common)} GAN steps${phase}${progress}. ` +
    'G loss as minimised: non-saturating −log D(G(z)), saturating log(1 − D(G(z)))',
  xLabel: offsets[0] > 0 ? 'GAN step' : 'training step',
  runs: plotRuns,
  series: [
    { key: 'dLoss', title: 'discriminator loss', yLabel: 'D loss', references: [{ value: 2 * Math.LN2, label: 'D at chance: 2 ln 2' }] },
    {
      key: 'gLoss',
      title: 'generator loss',
      yLabel: 'G loss (as minimised)',
      references: [
        { value: Math.LN2, label: 'ln 2' },
        { value: -Math.LN2, label: '−ln 2' },
      ],
    },
    { key: 'gGradNorm', title: 'generator gradient norm', yLabel: '‖∇θ G loss‖ (log scale)', log: true },
  ],
  // 200 steps for the 10,000-step runs; shorter runs get a window of a fiftieth of their length, and
  // the zoom on the first 1,000 steps only when there is more than that to zoom out of.
  smoothing: Math.max(1, Math.min(200, Math.round(common / 50))),
  earlySteps: common > 1000 ? 1000 : undefined,
});

// Non-finite entries (none expected in the GAN phase) are left out of the statistics.
const mean = (a: number[]) => {
  const f = a.filter(finite);
  return f.reduce((s, v) => s + v, 0) / f.length;
};
const median = (a: number[]) => {
  const s = a.filter(finite).sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
// Windows in 1-based steps, inclusive, clipped to the common prefix.
const windows: Array<[number, number]> = [
  [1, 500],
  [501, 2000],
  [Math.max(1, common - 999), common],
];
// Short runs clip the windows into each other: keep each distinct one once.
const spans = [...new Map(windows.filter(([a]) => a <= common).map(([a, b]) => [`${a}-${Math.min(b, common)}`, [a, Math.min(b, common)]])).values()];
const rows: (string | number)[][] = [];
runs.forEach((r, i) => {
  for (const [a, hi] of spans) {
    const cells = KEYS.map((k) => Number(mean(hist[i][k].slice(a - 1, hi)).toPrecision(4)));
    rows.push([r.loss, `${fmt(a)}–${fmt(hi)}`, ...cells]);
  }
});
const early = Math.min(1000, common);
const medians = hist.map((h) => median(h.gGradNorm.slice(0, early)));
process.stdout.write(`${outPath}: ${fmt(common)} common GAN steps${phase}; steps below count from the GAN phase\n\n`);
process.stdout.write(renderTable(['run', 'steps', 'mean gLoss', 'mean dLoss', 'mean gGradNorm'], rows));
process.stdout.write('\n');
process.stdout.write(
  renderTable(
    ['run', `median gGradNorm, steps 1–${fmt(early)}`],
    runs.map((r, i) => [r.loss, Number(medians[i].toPrecision(4))]),
  ),
);
process.stdout.write(`ratio saturating / non-saturating: ${(medians[1] / medians[0]).toPrecision(4)}\n`);
// Why the ratio is what it is: per fake sample, d(loss)/d(logit) is −(1 − D) for the non-saturating
// loss and −D for the saturating one, so the saturating gradient is D/(1 − D) times the other — small
// only while D(G(z)) → 0. The G losses give D(G(z)) as a geometric mean: exp(−gLoss) for the
// non-saturating run (of D), 1 − exp(gLoss) for the saturating one (from the mean of log(1 − D)).
const dFake = runs.map((r, i) => {
  const g = mean(hist[i].gLoss.slice(0, early));
  return r.loss === 'saturating' ? 1 - Math.exp(g) : Math.exp(-g);
});
process.stdout.write(
  `D(G(z)) implied by the mean G loss over steps 1–${fmt(early)}: ` +
    runs.map((r, i) => `${r.loss} ${dFake[i].toPrecision(3)}`).join(', ') +
    `; D/(1 − D) at the saturating run's value: ${(dFake[1] / (1 - dFake[1])).toPrecision(3)}\n`,
);
