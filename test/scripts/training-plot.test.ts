import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import {
  logAxisTicks,
  MAX_LINE_POINTS,
  movingAverage,
  thinMinMax,
  trainingCurvesSvg,
  writeTrainingCurves,
  type TrainingCurvesData,
} from '../../scripts/lib/training-plot.js';

const tmp = mkdtempSync(join(tmpdir(), 'fidkit-training-plot-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A deterministic pseudo-random sequence in [0, 1) (LCG), so the histories look like training noise. */
function noise(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  });
}

/** GAN-like histories: D loss near 1.2, G loss ≈ 0.9 (NS) or −0.5 (saturating), grad norms over decades. */
function ganRun(label: string, steps: number, saturating: boolean, seed: number) {
  const u = noise(steps, seed);
  return {
    label,
    history: {
      dLoss: u.map((x, i) => 1.1 + 0.2 * x + 0.1 * Math.exp(-i / 500)),
      gLoss: u.map((x) => (saturating ? -0.5 - 0.2 * x : 0.9 + 0.3 * x)),
      gGradNorm: u.map((x, i) => (saturating ? 1e-3 + (1 - Math.exp(-i / 800)) * 0.5 : 0.8) * (0.7 + 0.6 * x)),
    },
  };
}

function data(steps = [3000, 2500], extra: Partial<TrainingCurvesData> = {}): TrainingCurvesData {
  return {
    title: 'MNIST GAN: non-saturating vs saturating',
    subtitle: 'synthetic histories',
    runs: [ganRun('non-saturating', steps[0], false, 1), ganRun('saturating', steps[1], true, 2)],
    series: [
      { key: 'dLoss', title: 'discriminator loss', yLabel: 'D loss', references: [{ value: 2 * Math.LN2, label: 'D at chance' }] },
      { key: 'gLoss', title: 'generator loss', yLabel: 'G loss' },
      { key: 'gGradNorm', title: 'generator gradient norm', yLabel: 'gradient norm', log: true },
    ],
    earlySteps: 1000,
    ...extra,
  };
}

const count = (svg: string, needle: string) => svg.split(needle).length - 1;
const texts = (svg: string, cls: string) =>
  [...svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)].filter((m) => m[1].includes(`class="${cls}"`)).map((m) => m[2]);
const panels = (svg: string) => svg.split('<g class="panel ').slice(1);

describe('movingAverage', () => {
  it('is a centred mean with the window cut at the ends', () => {
    expect([...movingAverage([1, 2, 3, 4, 5], 3)]).toEqual([1.5, 2, 3, 4, 4.5]);
    // Even window: one more step after than before (indices i−1 … i+2).
    expect([...movingAverage([1, 2, 3, 4, 5], 4)]).toEqual([2, 2.5, 3.5, 4, 4.5]);
    expect([...movingAverage([4, 8], 1)]).toEqual([4, 8]);
    // A window longer than the history averages everything in reach.
    expect([...movingAverage([1, 2, 3], 99)]).toEqual([2, 2, 2]);
  });

  it('skips non-finite values and gives NaN only where nothing finite is in reach', () => {
    const avg = [...movingAverage([1, NaN, 3, Infinity, NaN, NaN, NaN], 3)];
    expect(avg.slice(0, 4)).toEqual([1, 2, 3, 3]);
    expect(avg.slice(4).every(Number.isNaN)).toBe(true);
  });

  it('matches the direct mean on a long random history (prefix sums do not drift)', () => {
    const v = noise(5000, 7).map((x) => 1e3 + x);
    const avg = movingAverage(v, 200);
    for (const i of [0, 99, 100, 2500, 4899, 4999]) {
      const w = v.slice(Math.max(0, i - 99), Math.min(5000, i + 101));
      // Summing 5,000 values near 1e3 in float64 loses < 1e-12 relative.
      expect(avg[i]).toBeCloseTo(w.reduce((s, x) => s + x, 0) / w.length, 9);
    }
  });

  it('rejects a window that is not a positive integer', () => {
    expect(() => movingAverage([1], 0)).toThrow(new InputError('moving-average window must be a positive integer (steps), got 0'));
    expect(() => movingAverage([1], 2.5)).toThrow(InputError);
  });
});

describe('thinMinMax', () => {
  it('keeps every usable point of a short line', () => {
    expect(thinMinMax([3, NaN, 1], 10)).toEqual([[0, 3], [2, 1]]);
  });

  it('keeps each bucket’s extremes in step order, within the point budget', () => {
    const v = noise(10_000, 3);
    v[1234] = 5; // a spike must survive thinning
    v[8765] = -5;
    const pts = thinMinMax(v, 2000);
    expect(pts.length).toBeLessThanOrEqual(2000);
    expect(pts.length).toBeGreaterThan(1900);
    expect(pts).toContainEqual([1234, 5]);
    expect(pts).toContainEqual([8765, -5]);
    for (let j = 1; j < pts.length; j++) expect(pts[j][0]).toBeGreaterThan(pts[j - 1][0]);
  });
});

describe('logAxisTicks', () => {
  it('labels decades over a wide range and 1-2-5 within a narrow one', () => {
    expect(logAxisTicks(3e-4, 0.7)).toEqual({ lo: 2e-4, hi: 1, values: [0.001, 0.01, 0.1, 1] });
    expect(logAxisTicks(0.17, 1.3)).toEqual({ lo: 0.1, hi: 2, values: [0.1, 0.2, 0.5, 1, 2] });
    expect(logAxisTicks(1, 1)).toEqual({ lo: 0.5, hi: 2, values: [0.5, 1, 2] });
  });
});

describe('trainingCurvesSvg', () => {
  const svg = trainingCurvesSvg(data());

  it('has the titles, axis labels, legend and one raw and one average path per run per panel', () => {
    expect(texts(svg, 'title')).toEqual(['MNIST GAN: non-saturating vs saturating']);
    expect(texts(svg, 'subtitle')).toEqual(['synthetic histories']);
    expect(texts(svg, 'panel-title')).toEqual([
      '(a) discriminator loss',
      '(b) generator loss',
      '(c) generator gradient norm',
      '(d) first 1,000 steps of (c)',
    ]);
    expect(texts(svg, 'axis-title')).toEqual([
      'D loss', 'training step', 'G loss', 'training step', 'gradient norm', 'training step', 'gradient norm', 'training step',
    ]);
    expect(texts(svg, 'legend')).toEqual(['non-saturating', 'saturating', 'each step', '200-step moving average']);
    expect(texts(svg, 'guide-label')).toEqual(['D at chance']);
    const ps = panels(svg);
    expect(ps).toHaveLength(4);
    for (const p of ps) {
      for (const r of [0, 1]) {
        expect(count(p, `class="raw run-${r}"`)).toBe(1);
        expect(count(p, `class="average run-${r}"`)).toBe(1);
      }
    }
  });

  it('has no NaN or Infinity, stays small, and is deterministic', () => {
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    expect(svg.length).toBeLessThan(1_000_000);
    expect(trainingCurvesSvg(data())).toBe(svg);
  });

  it('draws steps up to the longest run and thins every line to the point budget', () => {
    const long = trainingCurvesSvg(data([12_000, 10_000]));
    expect(long.length).toBeLessThan(1_000_000);
    for (const p of panels(long)) {
      for (const m of p.matchAll(/<path class="[^"]*" d="M([^"]*)"/g)) {
        expect(m[1].split(/[L ]/).length).toBeLessThanOrEqual(MAX_LINE_POINTS);
      }
    }
    expect(texts(panels(long)[0], 'tick')).toContain('12,000');
    // The early panel's x axis ends at 1,000.
    expect(texts(panels(long)[3], 'tick')).toContain('1,000');
    expect(texts(panels(long)[3], 'tick')).not.toContain('2,000');
  });

  it('prints a log axis at decades when the values span them', () => {
    const c = panels(svg)[2];
    // Synthetic saturating grad norms start near 7e-4: the axis reaches down to 5e-4 with decade labels.
    expect(texts(c, 'tick').filter((t) => !t.includes(','))).toEqual(expect.arrayContaining(['0.001', '0.01', '0.1', '1']));
  });

  it('skips non-finite values instead of drawing them', () => {
    const d = data([500, 500]);
    d.runs[0].history.gLoss[10] = NaN;
    d.runs[1].history.gGradNorm[0] = 0; // not drawable on a log axis
    d.runs[1].history.gGradNorm[1] = Infinity;
    const s = trainingCurvesSvg(d);
    expect(s).not.toMatch(/NaN|Infinity/);
    expect(count(panels(s)[1], 'class="raw run-0"')).toBe(1);
  });

  it('puts a guide’s label on the side away from the nearest run, and uses the x-axis title given', () => {
    const flat = (v: number) => Array.from({ length: 100 }, () => v);
    const s = trainingCurvesSvg({
      title: 't',
      xLabel: 'GAN step',
      runs: [{ label: 'a', history: { g: flat(0.72) } }, { label: 'b', history: { g: flat(-0.67) } }],
      series: [{ key: 'g', title: 'G', yLabel: 'G loss', references: [{ value: Math.LN2, label: 'ln 2' }, { value: -Math.LN2, label: '−ln 2' }] }],
    });
    const guideY = [...s.matchAll(/<line x1="[\d.]+" y1="([\d.]+)"[^>]*class="guide"/g)].map((m) => Number(m[1]));
    const labelY = [...s.matchAll(/<text class="guide-label" x="[\d.]+" y="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(guideY).toHaveLength(2);
    // Run a sits above ln 2 (SVG y grows downwards): label below; run b sits above −ln 2 as well.
    expect(labelY[0]).toBeGreaterThan(guideY[0]);
    expect(labelY[1]).toBeGreaterThan(guideY[1]);
    expect(texts(s, 'axis-title')).toEqual(['G loss', 'GAN step']);
  });

  it('leaves out the early panel unless asked, and honours the smoothing window', () => {
    const s = trainingCurvesSvg(data(undefined, { earlySteps: undefined, smoothing: 50 }));
    expect(panels(s)).toHaveLength(3);
    expect(texts(s, 'legend')).toContain('50-step moving average');
  });

  it('rejects bad input with messages that say how to fix it', () => {
    const d = data();
    expect(() => trainingCurvesSvg({ ...d, runs: [] })).toThrow(
      new InputError('nothing to plot for "MNIST GAN: non-saturating vs saturating": no training runs given'),
    );
    expect(() => trainingCurvesSvg({ ...d, series: [...d.series, { key: 'lr', title: 'lr', yLabel: 'lr' }] })).toThrow(
      new InputError(
        'training run "non-saturating" has no history "lr" (it has: dLoss, gLoss, gGradNorm); pass a model.json written ' +
          'by `fidkit train`, or drop that series',
      ),
    );
    expect(() => trainingCurvesSvg({ ...d, smoothing: 0 })).toThrow(
      new InputError('training-curves smoothing must be a positive integer (steps), got 0'),
    );
    expect(() => trainingCurvesSvg(d, { width: 100 })).toThrow(
      new InputError('training-curves width must be an integer from 600 to 20000 (SVG units), got 100'),
    );
  });
});

describe('writeTrainingCurves', () => {
  it('writes a PNG of the requested size, and SVG text', async () => {
    const png = join(tmp, 'curves.png');
    await writeTrainingCurves(png, data(), { width: 1200, height: 450 });
    const meta = await sharp(readFileSync(png)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1200, 450]);
    await writeTrainingCurves(join(tmp, 'scaled.png'), data([400, 400]), { scale: 0.5 });
    const scaled = await sharp(readFileSync(join(tmp, 'scaled.png'))).metadata();
    expect([scaled.width, scaled.height]).toEqual([800, 280]);
    const svgPath = join(tmp, 'curves.svg');
    await writeTrainingCurves(svgPath, data());
    expect(readFileSync(svgPath, 'utf8')).toBe(trainingCurvesSvg(data()));
  });

  it('rejects other extensions and scales', async () => {
    await expect(writeTrainingCurves(join(tmp, 'x.jpg'), data())).rejects.toThrow(
      new InputError(`cannot write the training curves to ${join(tmp, 'x.jpg')}: the file name must end in .png or .svg`),
    );
    await expect(writeTrainingCurves(join(tmp, 'x.png'), data(), { scale: 10 })).rejects.toThrow(
      new InputError('training-curves scale must be a number from 0.25 to 8, got 10'),
    );
  });
});
