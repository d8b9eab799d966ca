/**
 * @file The truncation-sweep figure of `fidkit sweep`: how sample quality moves with the truncation ψ.
 * Three panels side by side, sharing one legend:
 * (a) FID against ψ and (b) Inception Score against ψ — lines with markers, the untruncated samples
 * (ψ = none) in a slot at the right end past an axis break, reference rows (real data, another model)
 * as dashed horizontal lines with their labels and values;
 * (c) precision against recall on 0..1 axes — the sweep connected in ψ order with each point
 * labelled by its ψ, reference rows as distinct markers with their labels.
 * A panel whose metric no row has is left out. Missing values (absent, NaN, ±Infinity) are skipped,
 * never drawn as 0.
 *
 * `sweepPlotSvg` builds the SVG text (pure and deterministic: the same data gives the same bytes);
 * `writeSweepPlot` writes it as .svg, or rasterises it with sharp (librsvg) to .png, one SVG unit per
 * pixel times `scale`. Text uses DejaVu Sans, falling back to Arial/Helvetica/sans-serif.
 */

import { InputError } from '../core/errors.js';
import {
  AXIS_COLOR,
  coord,
  figureHead,
  figureSize,
  LabelPlacer,
  legendSvg,
  logTicks,
  lineSvg,
  markerExtent,
  markerSvg,
  niceTicks,
  panelChrome,
  panelFrames,
  textSvg,
  tickText,
  xScale,
  xTickSvg,
  yAxisSvg,
  type Frame,
  type LabelCandidate,
  type MarkerShape,
  type Rect,
  type Ticks,
} from './svg.js';
import { writeFigure } from './figure-file.js';
import { formatNumber } from './table.js';

/** One row of the sweep, or a reference row (real data, another model). */
export interface SweepPlotPoint {
  label: string;
  /** ψ; `null` (or `Infinity`) = no truncation. Ignored for reference rows. */
  truncation: number | null;
  fid?: number;
  is?: number;
  precision?: number;
  recall?: number;
}

/** What the sweep figure shows. */
export interface SweepPlotData {
  title: string;
  subtitle?: string;
  /** Legend entry of the sweep's line; default `'truncation sweep'`. */
  sweepLabel?: string;
  /** The Fréchet distance's name in the features' space (`FID` on the Inception, `FD_MNIST`, …); default `'FID'`. */
  fdName?: string;
  /** The ψ rows, in any order. */
  sweep: SweepPlotPoint[];
  /** Rows drawn for comparison, e.g. `'MNIST test (real)'`, `'VAE'`. */
  references: SweepPlotPoint[];
}

/** Size of the figure in SVG units (= PNG pixels at `scale` 1). */
export interface SweepPlotOptions {
  /** Default 1400. */
  width?: number;
  /** Default 560. */
  height?: number;
}

/** Options of {@link writeSweepPlot}. */
export interface WriteSweepPlotOptions extends SweepPlotOptions {
  /** PNG pixels per SVG unit (1 → 1400×560 px by default); ignored for .svg. Default 1. */
  scale?: number;
}

/** The default figure size. */
export const SWEEP_PLOT_SIZE = Object.freeze({ width: 1400, height: 560 });

const SWEEP_COLOR = '#1f77b4';
const SWEEP_TEXT_COLOR = '#17456e';
/** Colour-blind-safe-ish and readable on white; reference i gets colour i and shape i (cycling). */
const REFERENCE_COLORS = ['#2a9d3a', '#d62728', '#8e44ad', '#b8651b', '#d6399a', '#555555', '#8a8c1f', '#118a9a'];
const REFERENCE_SHAPES: MarkerShape[] = ['square', 'diamond', 'triangle', 'triangle-down'];
const REFERENCE_DASH = '7 4';

type PsiMetric = 'fid' | 'is';

/** Titles of a ψ panel; the Fréchet distance is named after its space (`FID`, `FD_MNIST`, `FD_DINOv2`). */
const psiPanelText = (metric: PsiMetric, fdName: string): { title: string; axis: string; logAxis: string } =>
  metric === 'fid'
    ? { title: `${fdName} against ψ`, axis: `${fdName} (lower is better)`, logAxis: `${fdName} (log scale, lower is better)` }
    : { title: 'Inception Score against ψ', axis: 'IS (higher is better)', logAxis: 'IS (log scale, higher is better)' };

/**
 * Past this max/min ratio the FID axis is logarithmic: a collapsed-sample FID in the hundreds would
 * otherwise squash the 10–50 range where the sweep's interesting points lie into a few pixels.
 */
const LOG_AXIS_RATIO = 10;

const refColor = (i: number) => REFERENCE_COLORS[i % REFERENCE_COLORS.length];
const refShape = (i: number) => REFERENCE_SHAPES[i % REFERENCE_SHAPES.length];

function has(v: number | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** ψ as a sort key and axis position: Infinity for no truncation. */
function psiOf(p: SweepPlotPoint): number {
  return p.truncation === null ? Infinity : p.truncation;
}

function psiText(p: SweepPlotPoint): string {
  const psi = psiOf(p);
  return psi === Infinity ? 'none' : formatNumber(psi, 3);
}

function polyline(points: Array<[number, number]>, stroke: string, width: number): string {
  const pts = points.map(([x, y]) => `${coord(x)},${coord(y)}`).join(' ');
  return (
    `<polyline class="sweep-line" points="${pts}" fill="none" stroke="${stroke}" ` +
    `stroke-width="${coord(width)}" stroke-linejoin="round"/>`
  );
}

function markerBox(x: number, y: number, r: number): Rect {
  return { x: x - r - 1, y: y - r - 1, w: 2 * r + 2, h: 2 * r + 2 };
}

function checkRows(data: SweepPlotData): void {
  for (const p of data.sweep) {
    const psi = p.truncation;
    if (psi !== null && !(typeof psi === 'number' && psi > 0)) {
      throw new InputError(
        `sweep row "${p.label}" has truncation ψ = ${psi}: expected a positive number, or null for no truncation`,
      );
    }
  }
}

function yScale(f: Frame, t: Ticks): (v: number) => number {
  return (v) => f.y1 - f.pad - ((v - t.lo) / (t.hi - t.lo)) * (f.y1 - f.y0 - 2 * f.pad);
}

/** The y axis of ticks `t` (labels by {@link tickText}). */
function yAxis(f: Frame, t: Ticks, k: number, title: string): string[] {
  return yAxisSvg(f, t.values.map((value) => ({ value, label: tickText(value, t) })), yScale(f, t), k, title);
}

/**
 * The y axis of a ψ panel and its map: linear, or logarithmic (1-2-5 ticks per decade, "log scale" in
 * the title) when `log` allows it and the values are positive and span more than {@link LOG_AXIS_RATIO}.
 */
function psiYAxis(f: Frame, k: number, values: number[], metric: PsiMetric, log: boolean, fdName: string): { svg: string[]; Y: (v: number) => number } {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (log && lo > 0 && hi / lo > LOG_AXIS_RATIO) {
    const t = logTicks(lo, hi);
    const [a, b] = [Math.log10(t.lo), Math.log10(t.hi)];
    const Y = (v: number) => f.y1 - f.pad - ((Math.log10(v) - a) / (b - a)) * (f.y1 - f.y0 - 2 * f.pad);
    const ticks = t.values.map((value, i) => ({ value, label: t.labels[i] }));
    return { svg: yAxisSvg(f, ticks, Y, k, psiPanelText(metric, fdName).logAxis, 'axis-title log-axis'), Y };
  }
  const t = niceTicks(lo, hi);
  return { svg: yAxis(f, t, k, psiPanelText(metric, fdName).axis), Y: yScale(f, t) };
}

function inside(f: Frame): Rect {
  return { x: f.x0 + 2, y: f.y0 + 2, w: f.x1 - f.x0 - 4, h: f.y1 - f.y0 - 4 };
}

/** Panels (a)/(b): one metric against ψ. */
function psiPanel(
  f: Frame,
  k: number,
  metric: PsiMetric,
  sweep: SweepPlotPoint[],
  refs: SweepPlotPoint[],
  letter: string,
  fdName: string,
): string[] {
  const points = sweep.filter((p) => has(p[metric]));
  const references = refs.map((r, i) => ({ r, i })).filter(({ r }) => has(r[metric]));
  const values = [...points.map((p) => p[metric]!), ...references.map(({ r }) => r[metric]!)];
  const y = psiYAxis(f, k, values, metric, metric === 'fid', fdName);
  const Y = y.Y;

  // x: finite ψ of every sweep row (so panels share their x axis), then a "none" slot past a break.
  const finitePsi = sweep.map(psiOf).filter(Number.isFinite);
  const hasNone = sweep.some((p) => psiOf(p) === Infinity);
  const slot = hasNone && finitePsi.length > 0 ? Math.max(50 * k, 0.14 * (f.x1 - f.x0)) : 0;
  const xt = finitePsi.length > 0 ? niceTicks(Math.min(...finitePsi), Math.max(...finitePsi), 4) : undefined;
  const left = f.x0 + f.pad;
  const right = f.x1 - f.pad - slot;
  const noneX = xt ? f.x1 - f.pad : (f.x0 + f.x1) / 2;
  const X = (psi: number) => (psi === Infinity || !xt ? noneX : left + ((psi - xt.lo) / (xt.hi - xt.lo)) * (right - left));

  const chrome = panelChrome(f, k, `(${letter}) ${psiPanelText(metric, fdName).title}`, 'truncation ψ');
  const out: string[] = [chrome.back, ...y.svg];
  for (const v of xt?.values ?? []) out.push(...xTickSvg(f, X(v), tickText(v, xt!), k));
  if (hasNone) out.push(...xTickSvg(f, noneX, 'none', k));

  const placer = new LabelPlacer(inside(f));
  const r = 4.5 * k;
  const data: string[] = []; // lines, drawn under the labels
  const markers: string[] = []; // drawn over the labels: data stays visible
  // Reference rows: dashed lines across the panel.
  for (const { r: ref, i } of references) {
    const y = Y(ref[metric]!);
    data.push(lineSvg(f.x0, y, f.x1, y, refColor(i), 1.6 * k, `class="reference-line" stroke-dasharray="${REFERENCE_DASH}"`));
    placer.avoidSegment(f.x0, y, f.x1, y);
  }
  // The sweep: solid through the finite ψ, dashed into the "none" slot (it is not at a ψ on the scale).
  const xy = points.map((p) => [X(psiOf(p)), Y(p[metric]!)] as [number, number]);
  const finiteXy = xy.filter((_, j) => psiOf(points[j]) !== Infinity);
  if (finiteXy.length > 1) data.push(polyline(finiteXy, SWEEP_COLOR, 2 * k));
  for (let j = 1; j < xy.length; j++) {
    const [ax, ay] = xy[j - 1];
    const [bx, by] = xy[j];
    placer.avoidSegment(ax, ay, bx, by);
    if (psiOf(points[j]) === Infinity && psiOf(points[j - 1]) !== Infinity) {
      data.push(lineSvg(ax, ay, bx, by, SWEEP_COLOR, 2 * k, `stroke-dasharray="3 3"`));
    }
  }
  for (const [x, y] of xy) {
    markers.push(markerSvg('circle', x, y, r, SWEEP_COLOR, 'marker sweep'));
    placer.avoidRect(markerBox(x, y, r));
  }
  // Labels of the reference lines, at whichever end is free of the sweep.
  const labels: string[] = [];
  const size = 12 * k;
  for (const { r: ref, i } of references) {
    const y = Y(ref[metric]!);
    const label = `${ref.label}: ${formatNumber(ref[metric]!, 3)}`;
    const a = 6 * k;
    const mid = (f.x0 + f.x1) / 2;
    // Next to the line at either end first; further away (stacked) when lines lie close together.
    const candidates: LabelCandidate[] = [];
    for (let level = 0; level < 3; level++) {
      const above = y - 5 * k - level * 14 * k;
      const below = y + 15 * k + level * 14 * k;
      candidates.push(
        { x: f.x0 + a, y: above, anchor: 'start' },
        { x: right - a, y: above, anchor: 'end' },
        { x: f.x0 + a, y: below, anchor: 'start' },
        { x: right - a, y: below, anchor: 'end' },
        { x: mid, y: above, anchor: 'middle' },
        { x: mid, y: below, anchor: 'middle' },
        { x: f.x1 - a, y: above, anchor: 'end' },
        { x: f.x1 - a, y: below, anchor: 'end' },
      );
    }
    const c = placer.place(label, size, candidates);
    labels.push(textSvg(c.x, c.y, label, size, { anchor: c.anchor, fill: refColor(i), halo: true, cls: 'reference-label' }));
  }
  out.push(...data, ...labels, ...markers, ...chrome.front);
  if (hasNone && xt) out.push(...axisBreak(f, (right + noneX) / 2, k));
  return out;
}

/** Two slanted strokes across the bottom of the frame: the ψ axis is not continuous up to "none". */
function axisBreak(f: Frame, x: number, k: number): string[] {
  const h = 5 * k;
  const g = 3 * k;
  return [
    `<rect x="${coord(x - g)}" y="${coord(f.y1 - h)}" width="${coord(2 * g)}" height="${coord(2 * h)}" fill="#ffffff"/>`,
    lineSvg(x - g - 2 * k, f.y1 + h, x - g + 2 * k, f.y1 - h, AXIS_COLOR, 1.2),
    lineSvg(x + g - 2 * k, f.y1 + h, x + g + 2 * k, f.y1 - h, AXIS_COLOR, 1.2),
  ];
}

/** Panel (c): precision against recall. */
function prPanel(f: Frame, k: number, sweep: SweepPlotPoint[], refs: SweepPlotPoint[], letter: string): string[] {
  const points = sweep.filter((p) => has(p.precision) && has(p.recall));
  const references = refs.map((r, i) => ({ r, i })).filter(({ r }) => has(r.precision) && has(r.recall));
  const all = [...points, ...references.map(({ r }) => r)];
  // 0..1 unless a value is outside (which precision/recall never are, but a bad row must stay visible).
  const xt = niceTicks(Math.min(0, ...all.map((p) => p.recall!)), Math.max(1, ...all.map((p) => p.recall!)));
  const yt = niceTicks(Math.min(0, ...all.map((p) => p.precision!)), Math.max(1, ...all.map((p) => p.precision!)));
  const Y = yScale(f, yt);
  const X = xScale(f, xt);

  const chrome = panelChrome(f, k, `(${letter}) precision against recall (labels: ψ)`, 'recall');
  const out: string[] = [chrome.back, ...yAxis(f, yt, k, 'precision')];
  for (const v of xt.values) out.push(...xTickSvg(f, X(v), tickText(v, xt), k));

  const placer = new LabelPlacer(inside(f));
  const r = 4.5 * k;
  const data: string[] = []; // lines, drawn under the labels
  const markers: string[] = []; // drawn over the labels: data stays visible
  const xy = points.map((p) => [X(p.recall!), Y(p.precision!)] as [number, number]);
  if (xy.length > 1) data.push(polyline(xy, SWEEP_COLOR, 2 * k));
  for (let j = 1; j < xy.length; j++) placer.avoidSegment(xy[j - 1][0], xy[j - 1][1], xy[j][0], xy[j][1]);
  for (const [x, y] of xy) {
    markers.push(markerSvg('circle', x, y, r, SWEEP_COLOR, 'marker sweep'));
    placer.avoidRect(markerBox(x, y, r));
  }
  const refXy = references.map(({ r: ref }) => [X(ref.recall!), Y(ref.precision!)] as [number, number]);
  references.forEach(({ i }, j) => {
    const [x, y] = refXy[j];
    markers.push(markerSvg(refShape(i), x, y, 1.2 * r, refColor(i), 'marker reference'));
    placer.avoidRect(markerBox(x, y, markerExtent(refShape(i), 1.2 * r)));
  });
  // Places around a mark of half-size `m`: right, left, above, below, the four diagonals, then above and
  // below with the label's edge flush with the mark's (a long label by the panel's edge fits there),
  // in rings 4, 8 and 12 units out from the mark's edge; only if all of those are taken, further out.
  const around = (x: number, y: number, m: number, size: number): LabelCandidate[] => {
    const dy = 0.35 * size; // baseline offset that centres the text vertically on the point
    const ring = (e: number): LabelCandidate[] => {
      const q = 0.7 * e; // diagonals: the box's corner e from the mark's corner
      return [
        { x: x + m + e, y: y + dy, anchor: 'start' },
        { x: x - m - e, y: y + dy, anchor: 'end' },
        { x, y: y - m - e - 0.22 * size, anchor: 'middle' },
        { x, y: y + m + e + 0.78 * size, anchor: 'middle' },
        { x: x + m + q, y: y - m - q - 0.22 * size, anchor: 'start' },
        { x: x - m - q, y: y - m - q - 0.22 * size, anchor: 'end' },
        { x: x + m + q, y: y + m + q + 0.78 * size, anchor: 'start' },
        { x: x - m - q, y: y + m + q + 0.78 * size, anchor: 'end' },
        { x: x + m, y: y - m - e - 0.22 * size, anchor: 'end' },
        { x: x - m, y: y - m - e - 0.22 * size, anchor: 'start' },
        { x: x + m, y: y + m + e + 0.78 * size, anchor: 'end' },
        { x: x - m, y: y + m + e + 0.78 * size, anchor: 'start' },
      ];
    };
    return [4 * k, 8 * k, 12 * k, 20 * k, 30 * k].flatMap(ring);
  };
  // Longer reference labels first: they have fewer places to go.
  const labels: string[] = [];
  references.forEach(({ r: ref, i }, j) => {
    const [x, y] = refXy[j];
    const size = 12 * k;
    const c = placer.place(ref.label, size, around(x, y, markerExtent(refShape(i), 1.2 * r), size));
    const style = { anchor: c.anchor, fill: refColor(i), halo: true, cls: 'reference-label' };
    labels.push(textSvg(c.x, c.y, ref.label, size, style));
  });
  points.forEach((p, j) => {
    const [x, y] = xy[j];
    const size = 11 * k;
    const label = psiText(p);
    const c = placer.place(label, size, around(x, y, r, size));
    labels.push(textSvg(c.x, c.y, label, size, { anchor: c.anchor, fill: SWEEP_TEXT_COLOR, halo: true, cls: 'psi-label' }));
  });
  out.push(...data, ...labels, ...markers, ...chrome.front);
  return out;
}

/** Legend rows under the title: the sweep's line, then each reference's dashed line and marker. */
function legend(
  width: number,
  top: number,
  k: number,
  sweepLabel: string,
  refs: SweepPlotPoint[],
): { svg: string[]; bottom: number } {
  const entries = [
    { label: sweepLabel, color: SWEEP_COLOR, shape: 'circle' as MarkerShape, dash: '' },
    ...refs.map((r, i) => ({
      label: r.label,
      color: refColor(i),
      shape: refShape(i),
      dash: `stroke-dasharray="${REFERENCE_DASH}"`,
    })),
  ].map((e) => ({
    label: e.label,
    sample: (x: number, cy: number, w: number) => [
      lineSvg(x, cy, x + w, cy, e.color, 2 * k, e.dash),
      markerSvg(e.shape, x + w / 2, cy, (e.shape === 'circle' ? 4.5 : 5.4) * k, e.color, 'legend-marker'),
    ],
  }));
  return legendSvg(entries, width, top, k);
}

/**
 * The sweep figure as SVG text.
 *
 * @example
 * const svg = sweepPlotSvg({
 *   title: 'MNIST GAN: truncation sweep',
 *   sweep: [{ label: 'ψ=0.5', truncation: 0.5, fid: 20, is: 8 }, { label: 'none', truncation: null, fid: 5, is: 9.3 }],
 *   references: [{ label: 'MNIST test (real)', truncation: null, is: 9.77 }],
 * });
 * @throws {InputError} when a sweep row's ψ is not positive or null, no row has any metric to draw, or the
 *   size is not an integer (width 600…20000, height 300…20000).
 */
export function sweepPlotSvg(data: SweepPlotData, options: SweepPlotOptions = {}): string {
  const { width, height, k } = figureSize('sweep plot', options, SWEEP_PLOT_SIZE);
  checkRows(data);
  // Stable sort: ψ ascending, untruncated last.
  const sweep = [...data.sweep].sort((a, b) => (psiOf(a) === psiOf(b) ? 0 : psiOf(a) < psiOf(b) ? -1 : 1));
  const refs = data.references;
  const panels: Array<'fid' | 'is' | 'pr'> = [];
  if (sweep.some((p) => has(p.fid))) panels.push('fid');
  if (sweep.some((p) => has(p.is))) panels.push('is');
  if ([...sweep, ...refs].some((p) => has(p.precision) && has(p.recall))) panels.push('pr');
  if (panels.length === 0) {
    throw new InputError(
      `nothing to plot for "${data.title}": no sweep row has a finite FID or IS, and no row has both precision and ` +
        'recall; compute at least one of those metrics',
    );
  }

  const { svg: out, top } = figureHead(width, height, k, data.title, data.subtitle);
  const leg = legend(width, top, k, data.sweepLabel ?? 'truncation sweep', refs);
  out.push(...leg.svg);

  const frames = panelFrames(width, height, k, panels.length, leg.bottom, { left: 74 * k, right: 22 * k, pad: 12 * k });
  panels.forEach((panel, i) => {
    const f = frames[i];
    const letter = String.fromCharCode(97 + i);
    out.push(`<g class="panel panel-${panel}">`);
    out.push(...(panel === 'pr' ? prPanel(f, k, sweep, refs, letter) : psiPanel(f, k, panel, sweep, refs, letter, data.fdName ?? 'FID')));
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * Write the sweep figure: `.svg` as text, `.png` rasterised by sharp at `scale` pixels per SVG unit
 * (1400×560 px by default). Atomic: the file appears complete or not at all.
 *
 * @example await writeSweepPlot('sweep.png', data);
 * @throws {InputError} as {@link sweepPlotSvg}, when `path` ends in neither .png nor .svg, or `scale` is
 *   not a number from 0.25 to 8; file-system errors as Node's.
 */
export async function writeSweepPlot(path: string, data: SweepPlotData, options: WriteSweepPlotOptions = {}): Promise<void> {
  await writeFigure(path, () => sweepPlotSvg(data, options), options.scale, {
    name: 'the sweep plot',
    what: 'sweep plot',
  });
}
