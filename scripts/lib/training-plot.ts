/**
 * @file The training-curves figure: per-step values recorded while training (the GAN's discriminator
 * and generator losses and the generator's gradient norm) of one or more runs, one panel per recorded
 * series side by side, x = training step. Each run has one colour: its raw per-step values as a light
 * line (min/max per bucket, so spikes survive thinning) under a bold centred moving average. An
 * optional last panel repeats the last series over the first `earlySteps` steps with a shorter window,
 * since effects such as the saturating generator loss's vanishing gradient happen early in training.
 * Series may carry dashed guide lines (e.g. the discriminator loss at chance, 2 ln 2), labelled at
 * their right end on the side away from the nearest run.
 *
 * Axes: linear y spans the 0.5–99.5% quantiles of the raw values of all runs plus the whole moving
 * average (so a few early spikes do not flatten the rest; lines are clipped to the frame); log y spans
 * every positive value, with ticks at decades (and 2, 5 within them when the range is under two
 * decades). Non-finite values (and values ≤ 0 on a log axis) are skipped, never drawn as 0.
 *
 * `trainingCurvesSvg` builds the SVG text (pure and deterministic: the same data gives the same bytes,
 * each line has at most 2,000 points, so a figure of 10,000-step runs stays well under 1 MB);
 * `writeTrainingCurves` writes it as .svg, or rasterises it with sharp (librsvg) to .png, one SVG unit
 * per pixel times `scale`. Fonts, colours, title block, panel frames, axes and legend layout are the
 * sweep figure's (`plot.ts`): both build them with the shared helpers of `svg.ts`.
 */

import { InputError } from '../../src/core/errors.js';
import {
  coord,
  figureHead,
  figureSize,
  legendSvg,
  lineSvg,
  niceTicks,
  panelChrome,
  panelFrames,
  TEXT_COLOR,
  textSvg,
  textWidth,
  tickText,
  xScale,
  xTickSvg,
  yAxisSvg,
} from '../../src/report/svg.js';
import { writeFigure } from '../../src/report/figure-file.js';
import type { Frame } from '../../src/report/svg.js';

/** One training run: a legend label and its per-step values by series key (index i = step i + 1). */
export interface TrainingRun {
  label: string;
  history: Record<string, number[]>;
}

/** One panel: which history key it draws, its title and y-axis label. */
export interface TrainingSeries {
  key: string;
  title: string;
  yLabel: string;
  /** Logarithmic y axis (for quantities spanning decades, such as a gradient norm). */
  log?: boolean;
  /** Dashed horizontal guide lines, e.g. `{ value: 2 * Math.LN2, label: 'D at chance' }`. */
  references?: { value: number; label: string }[];
}

/** What the training-curves figure shows. */
export interface TrainingCurvesData {
  title: string;
  subtitle?: string;
  runs: TrainingRun[];
  /** One panel each, left to right. */
  series: TrainingSeries[];
  /** Title of every x axis; default `'training step'`. */
  xLabel?: string;
  /** Window of the centred moving average in steps; default 200. */
  smoothing?: number;
  /**
   * When set, an extra last panel, titled "first N steps of (c)", shows the last series over steps
   * 1…earlySteps, averaged over max(1, min(smoothing, round(earlySteps / 50))) steps so early changes
   * stay visible.
   */
  earlySteps?: number;
}

/** Size of the figure in SVG units (= PNG pixels at `scale` 1). */
export interface TrainingCurvesOptions {
  /** Default 1600. */
  width?: number;
  /** Default 560. */
  height?: number;
}

/** Options of {@link writeTrainingCurves}. */
export interface WriteTrainingCurvesOptions extends TrainingCurvesOptions {
  /** PNG pixels per SVG unit (1 → 1600×560 px by default); ignored for .svg. Default 1. */
  scale?: number;
}

/** The default figure size. */
export const TRAINING_CURVES_SIZE = Object.freeze({ width: 1600, height: 560 });
/** Default moving-average window, in steps. */
export const DEFAULT_SMOOTHING = 200;
/** Most points of one drawn line (raw or average). */
export const MAX_LINE_POINTS = 2000;

/** The sweep figure's sweep colour, then its reference colours: run i gets colour i (cycling). */
const RUN_COLORS = ['#1f77b4', '#d62728', '#2a9d3a', '#8e44ad', '#b8651b', '#d6399a', '#555555', '#118a9a'];
const GUIDE_COLOR = '#888888';
const RAW_OPACITY = 0.28;

const runColor = (i: number) => RUN_COLORS[i % RUN_COLORS.length];

/**
 * Centred moving average: out[i] is the mean of the finite values among values[i − ⌊(w−1)/2⌋ …
 * i + ⌈(w−1)/2⌉], the window cut at both ends of the array (so the first and last points average
 * fewer steps); NaN where the window holds no finite value. Centred rather than trailing so a change
 * appears at the step it happens, not `window` steps later.
 *
 * @example movingAverage([1, 2, 3, 4, 5], 3) // [1.5, 2, 3, 4, 4.5]
 * @throws {InputError} when `window` is not a positive integer.
 */
export function movingAverage(values: ArrayLike<number>, window: number): Float64Array {
  if (!Number.isInteger(window) || window < 1) {
    throw new InputError(`moving-average window must be a positive integer (steps), got ${window}`);
  }
  const n = values.length;
  // Prefix sums of the finite values and of their count: O(n) for any window.
  const sum = new Float64Array(n + 1);
  const count = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const ok = Number.isFinite(v);
    sum[i + 1] = sum[i] + (ok ? v : 0);
    count[i + 1] = count[i] + (ok ? 1 : 0);
  }
  const before = Math.floor((window - 1) / 2);
  const after = window - 1 - before;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - before);
    const hi = Math.min(n, i + after + 1);
    const c = count[hi] - count[lo];
    out[i] = c > 0 ? (sum[hi] - sum[lo]) / c : NaN;
  }
  return out;
}

/**
 * Thin a line to at most about `maxPoints` points, keeping its envelope: the indices are cut into
 * ⌊maxPoints / 2⌋ buckets and each bucket keeps its smallest and largest usable value, in step order.
 * Returns [index, value] pairs; `usable` filters values (default: finite).
 */
export function thinMinMax(
  values: ArrayLike<number>,
  maxPoints: number,
  usable: (v: number) => boolean = Number.isFinite,
): Array<[number, number]> {
  const n = values.length;
  const out: Array<[number, number]> = [];
  if (n <= maxPoints) {
    for (let i = 0; i < n; i++) if (usable(values[i])) out.push([i, values[i]]);
    return out;
  }
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    let iMin = -1;
    let iMax = -1;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (!usable(v)) continue;
      if (iMin < 0 || v < values[iMin]) iMin = i;
      if (iMax < 0 || v > values[iMax]) iMax = i;
    }
    if (iMin < 0) continue;
    if (iMin === iMax) out.push([iMin, values[iMin]]);
    else for (const i of iMin < iMax ? [iMin, iMax] : [iMax, iMin]) out.push([i, values[i]]);
  }
  return out;
}

/** Thin a smooth line by keeping every ⌈n / maxPoints⌉-th usable point, plus the last. */
function thinStride(values: ArrayLike<number>, maxPoints: number, usable: (v: number) => boolean): Array<[number, number]> {
  const n = values.length;
  // Points 0, s, 2s, … number ⌊(n−1)/s⌋ + 1 ≤ maxPoints, and the last is added only when not among them.
  const stride = Math.max(1, Math.ceil((n - 1) / (maxPoints - 1)));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i += stride) if (usable(values[i])) out.push([i, values[i]]);
  if (n > 0 && (n - 1) % stride !== 0 && usable(values[n - 1])) out.push([n - 1, values[n - 1]]);
  return out;
}

/** A `<path>` through the points (`M x,y L x,y x,y …`). */
function path(points: Array<[number, number]>, cls: string, stroke: string, width: number, extra = ''): string {
  const pts = points.map(([x, y]) => `${coord(x)},${coord(y)}`);
  const d = pts.length === 1 ? `M${pts[0]}h0.01` : `M${pts[0]}L${pts.slice(1).join(' ')}`;
  return (
    `<path class="${cls}" d="${d}" fill="none" stroke="${stroke}" stroke-width="${coord(width)}" ` +
    `stroke-linejoin="round" stroke-linecap="round"${extra ? ' ' + extra : ''}/>`
  );
}

/** A y axis: where its ticks go and how to map a value. */
interface Axis {
  /** Tick values and their printed labels. */
  ticks: Array<{ value: number; label: string }>;
  /** Value → 0…1 along the axis. */
  unit(v: number): number;
}

/** Plain decimals for ordinary magnitudes, `2e-5` style beyond them. */
function logTickLabel(v: number): string {
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return v.toExponential().replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

function linearAxis(min: number, max: number): Axis {
  const t = niceTicks(min, max, 5);
  return { ticks: t.values.map((value) => ({ value, label: tickText(value, t) })), unit: (v) => (v - t.lo) / (t.hi - t.lo) };
}

/**
 * A log axis over [min, max] (both > 0): ends at 1-2-5 × 10^k values, labelled ticks at decades,
 * plus at 2 and 5 × 10^k when it spans under two decades; more than 6 decades label every other one.
 */
export function logAxisTicks(min: number, max: number): { lo: number; hi: number; values: number[] } {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) throw new Error(`internal: bad log range [${min}, ${max}]`);
  if (max === min) {
    min /= 2;
    max *= 2;
  }
  const mantissas = [1, 2, 5];
  const below = (v: number) => {
    const e = Math.floor(Math.log10(v) + 1e-9);
    for (let j = mantissas.length - 1; j >= 0; j--) if (mantissas[j] * 10 ** e <= v * (1 + 1e-9)) return [j, e] as const;
    return [0, e] as const;
  };
  const above = (v: number) => {
    const e = Math.floor(Math.log10(v) - 1e-9);
    for (const j of [0, 1, 2]) if (mantissas[j] * 10 ** e >= v * (1 - 1e-9)) return [j, e] as const;
    return [0, e + 1] as const;
  };
  const [j0, e0] = below(min);
  const [j1, e1] = above(max);
  const val = (j: number, e: number) => Number((mantissas[j] * 10 ** e).toPrecision(3));
  const lo = val(j0, e0);
  const hi = val(j1, e1);
  const decades = Math.log10(hi / lo);
  const values: number[] = [];
  const every = decades > 6 ? Math.ceil(decades / 6) : 1;
  for (let e = e0; e <= e1; e++) {
    for (let j = 0; j < 3; j++) {
      if ((e === e0 && j < j0) || (e === e1 && j > j1)) continue;
      if (j > 0 && decades >= 2) continue;
      if (j === 0 && decades >= 2 && (e - e0) % every !== 0) continue;
      values.push(val(j, e));
    }
  }
  return { lo, hi, values };
}

function logAxis(min: number, max: number): Axis {
  const t = logAxisTicks(min, max);
  const l0 = Math.log10(t.lo);
  const span = Math.log10(t.hi) - l0;
  return { ticks: t.values.map((value) => ({ value, label: logTickLabel(value) })), unit: (v) => (Math.log10(v) - l0) / span };
}

/** The q-quantile (0…1) of sorted values, by linear interpolation. */
function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  return i + 1 < sorted.length ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/** A step count with thousands separators: 10000 → "10,000". */
function stepText(v: number): string {
  return String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function checkData(data: TrainingCurvesData): void {
  if (data.runs.length === 0) throw new InputError(`nothing to plot for "${data.title}": no training runs given`);
  if (data.series.length === 0) {
    throw new InputError(`nothing to plot for "${data.title}": no series given (e.g. { key: 'gLoss', ... })`);
  }
  for (const run of data.runs) {
    for (const s of data.series) {
      if (!Array.isArray(run.history[s.key])) {
        const have = Object.keys(run.history).join(', ') || 'none';
        throw new InputError(
          `training run "${run.label}" has no history "${s.key}" (it has: ${have}); pass a model.json written by ` +
            '`fidkit train`, or drop that series',
        );
      }
    }
  }
  for (const [name, v] of [['smoothing', data.smoothing], ['earlySteps', data.earlySteps]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new InputError(`training-curves ${name} must be a positive integer (steps), got ${v}`);
    }
  }
}

/** One panel to draw: a series over steps 1…steps with an averaging window. */
interface PanelSpec {
  series: TrainingSeries;
  title: string;
  steps: number;
  window: number;
}

function panelSvg(f: Frame, k: number, p: PanelSpec, runs: TrainingRun[], clipId: string, xLabel: string): string[] {
  const log = p.series.log === true;
  const usable = log ? (v: number) => Number.isFinite(v) && v > 0 : Number.isFinite;
  const lines = runs.map((run) => {
    const raw = run.history[p.series.key].slice(0, p.steps);
    return { raw, avg: movingAverage(raw, p.window) };
  });

  // y range: see the file comment.
  let lo = Infinity;
  let hi = -Infinity;
  for (const { raw, avg } of lines) {
    const vals = Float64Array.from(raw.filter(usable)).sort();
    if (vals.length > 0) {
      lo = Math.min(lo, log ? vals[0] : quantile(vals, 0.005));
      hi = Math.max(hi, log ? vals[vals.length - 1] : quantile(vals, 0.995));
    }
    for (const v of avg) {
      if (usable(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  for (const r of p.series.references ?? []) {
    if (usable(r.value)) {
      lo = Math.min(lo, r.value);
      hi = Math.max(hi, r.value);
    }
  }
  const empty = !(lo <= hi);
  if (empty) [lo, hi] = log ? [0.1, 10] : [0, 1];
  const axis = log ? logAxis(lo, hi) : linearAxis(lo, hi);
  const Y = (v: number) => f.y1 - f.pad - axis.unit(v) * (f.y1 - f.y0 - 2 * f.pad);
  const xt = niceTicks(0, Math.max(1, p.steps), 5);
  const X = xScale(f, xt);

  const chrome = panelChrome(f, k, p.title, xLabel, {
    // Shrunk to fit over the frame (bold glyphs run about 8% wider than textWidth's estimate).
    titleSize: Math.min(15 * k, (f.x1 - f.x0) / (1.08 * textWidth(p.title, 1) || 1)),
    xTitleCls: 'axis-title',
  });
  const out: string[] = [`<clipPath id="${clipId}"><rect ${chrome.box}/></clipPath>`, chrome.back];
  out.push(...yAxisSvg(f, axis.ticks, Y, k, p.series.yLabel, 'axis-title'));
  for (const v of xt.values) out.push(...xTickSvg(f, X(v), stepText(v), k));

  const clip = `clip-path="url(#${clipId})"`;
  // Guides first, then every run's raw line, then every average: no run's raw hides another's mean.
  for (const r of p.series.references ?? []) {
    if (!usable(r.value)) continue;
    const y = Y(r.value);
    out.push(lineSvg(f.x0, y, f.x1, y, GUIDE_COLOR, 1.2 * k, `class="guide" stroke-dasharray="6 4"`));
  }
  const toXy = (pts: Array<[number, number]>) => pts.map(([i, v]) => [X(i + 1), Y(v)] as [number, number]);
  lines.forEach(({ raw }, r) => {
    const pts = thinMinMax(raw, MAX_LINE_POINTS, usable);
    if (pts.length > 0) out.push(path(toXy(pts), `raw run-${r}`, runColor(r), 1 * k, `stroke-opacity="${RAW_OPACITY}" ${clip}`));
  });
  lines.forEach(({ avg }, r) => {
    const pts = thinStride(avg, MAX_LINE_POINTS, usable);
    if (pts.length > 0) out.push(path(toXy(pts), `average run-${r}`, runColor(r), 2.2 * k, clip));
  });
  // Where a guide's label goes (at its right end): on the side away from the run whose average runs
  // closest to the guide over the last fifth of the steps, unless that side is outside the frame.
  const tail = Math.floor(0.8 * p.steps);
  const tailMeans = lines
    .map(({ avg }) => [...avg.subarray(tail)].filter(usable))
    .filter((v) => v.length > 0)
    .map((v) => v.reduce((s, x) => s + x, 0) / v.length);
  for (const r of p.series.references ?? []) {
    if (!usable(r.value)) continue;
    const y = Y(r.value);
    const nearest = tailMeans.reduce<number | undefined>(
      (best, m) => (best === undefined || Math.abs(Y(m) - y) < Math.abs(Y(best) - y) ? m : best),
      undefined,
    );
    const dataAbove = nearest !== undefined && nearest > r.value;
    const above = y - 16 * k >= f.y0 && (!dataAbove || y + 16 * k > f.y1);
    const ly = above ? y - 5 * k : y + 14 * k;
    out.push(textSvg(f.x1 - 6 * k, ly, r.label, 11 * k, { anchor: 'end', fill: '#555555', halo: true, cls: 'guide-label' }));
  }
  if (empty) out.push(textSvg((f.x0 + f.x1) / 2, (f.y0 + f.y1) / 2, 'no finite values', 13 * k, { anchor: 'middle', fill: '#555555' }));
  out.push(...chrome.front);
  return out;
}

/** Legend under the title: each run's colour, then what the light and bold lines are. */
function legend(width: number, top: number, k: number, runs: TrainingRun[], window: number): { svg: string[]; bottom: number } {
  const entries = [
    ...runs.map((r, i) => ({ label: r.label, color: runColor(i), width: 2.2 * k, opacity: 1, fill: TEXT_COLOR })),
    { label: 'each step', color: '#555555', width: 1 * k, opacity: RAW_OPACITY + 0.1, fill: '#555555' },
    { label: `${stepText(window)}-step moving average`, color: '#555555', width: 2.2 * k, opacity: 1, fill: '#555555' },
  ].map((e) => ({
    label: e.label,
    fill: e.fill,
    sample: (x: number, cy: number, w: number) => [
      lineSvg(x, cy, x + w, cy, e.color, e.width, e.opacity < 1 ? `stroke-opacity="${e.opacity}"` : ''),
    ],
  }));
  return legendSvg(entries, width, top, k);
}

/**
 * The training-curves figure as SVG text.
 *
 * @example
 * const svg = trainingCurvesSvg({
 *   title: 'MNIST GAN: saturating vs non-saturating generator loss',
 *   runs: [{ label: 'non-saturating', history: ns.training.history }, { label: 'saturating', history: sat.training.history }],
 *   series: [
 *     { key: 'dLoss', title: 'D loss', yLabel: 'discriminator loss' },
 *     { key: 'gLoss', title: 'G loss', yLabel: 'generator loss' },
 *     { key: 'gGradNorm', title: 'G gradient norm', yLabel: '‖∇G‖', log: true },
 *   ],
 *   earlySteps: 1000,
 * });
 * @throws {InputError} when there are no runs or series, a run lacks a series' history, `smoothing` or
 *   `earlySteps` is not a positive integer, or the size is not an integer (width 600…20000, height
 *   300…20000).
 */
export function trainingCurvesSvg(data: TrainingCurvesData, options: TrainingCurvesOptions = {}): string {
  const { width, height, k } = figureSize('training-curves', options, TRAINING_CURVES_SIZE);
  checkData(data);
  const smoothing = data.smoothing ?? DEFAULT_SMOOTHING;
  const steps = Math.max(...data.runs.flatMap((r) => data.series.map((s) => r.history[s.key].length)));
  const panels: PanelSpec[] = data.series.map((series) => ({ series, title: series.title, steps, window: smoothing }));
  if (data.earlySteps !== undefined) {
    const series = data.series[data.series.length - 1];
    const early = Math.min(data.earlySteps, steps);
    panels.push({
      series,
      title: `first ${stepText(early)} steps of (${String.fromCharCode(96 + data.series.length)})`,
      steps: early,
      window: Math.max(1, Math.min(smoothing, Math.round(data.earlySteps / 50))),
    });
  }
  panels.forEach((p, i) => (p.title = `(${String.fromCharCode(97 + i)}) ${p.title}`));

  const { svg: out, top } = figureHead(width, height, k, data.title, data.subtitle);
  const leg = legend(width, top, k, data.runs, smoothing);
  out.push(...leg.svg);

  const frames = panelFrames(width, height, k, panels.length, leg.bottom, { left: 78 * k, right: 18 * k, pad: 6 * k });
  panels.forEach((p, i) => {
    const f = frames[i];
    out.push(`<g class="panel panel-${i}">`);
    out.push(...panelSvg(f, k, p, data.runs, `training-clip-${i}`, data.xLabel ?? 'training step'));
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * Write the training-curves figure: `.svg` as text, `.png` rasterised by sharp at `scale` pixels per
 * SVG unit (1600×560 px by default). Atomic: the file appears complete or not at all.
 *
 * @example await writeTrainingCurves('models/mnist-gan/loss-curves.png', data);
 * @throws {InputError} as {@link trainingCurvesSvg}, when `path` ends in neither .png nor .svg, or
 *   `scale` is not a number from 0.25 to 8; file-system errors as Node's.
 */
export async function writeTrainingCurves(
  path: string,
  data: TrainingCurvesData,
  options: WriteTrainingCurvesOptions = {},
): Promise<void> {
  await writeFigure(path, () => trainingCurvesSvg(data, options), options.scale, {
    name: 'the training curves',
    what: 'training-curves',
  });
}
