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

import { extname } from 'node:path';
import sharp from 'sharp';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import {
  coord,
  escapeXml,
  LabelPlacer,
  markerSvg,
  niceTicks,
  textWidth,
  type LabelCandidate,
  type MarkerShape,
  type Rect,
  type TextAnchor,
  type Ticks,
} from './svg.js';
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

const FONT_FAMILY = 'DejaVu Sans, Arial, Helvetica, sans-serif';
const SWEEP_COLOR = '#1f77b4';
const SWEEP_TEXT_COLOR = '#17456e';
/** Colour-blind-safe-ish and readable on white; reference i gets colour i and shape i (cycling). */
const REFERENCE_COLORS = ['#2a9d3a', '#d62728', '#8e44ad', '#b8651b', '#d6399a', '#555555', '#8a8c1f', '#118a9a'];
const REFERENCE_SHAPES: MarkerShape[] = ['square', 'diamond', 'triangle', 'triangle-down'];
const REFERENCE_DASH = '7 4';
const AXIS_COLOR = '#777777';
const GRID_COLOR = '#e4e4e4';
const TEXT_COLOR = '#222222';

type PsiMetric = 'fid' | 'is';

const PSI_PANELS: Record<PsiMetric, { title: string; axis: string }> = {
  fid: { title: 'FID against ψ', axis: 'FID (lower is better)' },
  is: { title: 'Inception Score against ψ', axis: 'IS (higher is better)' },
};

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

/** A `<text>` element; `halo` draws a white outline under the glyphs so text stays readable over lines. */
function text(
  x: number,
  y: number,
  content: string,
  size: number,
  o: { anchor?: TextAnchor; fill?: string; weight?: 'bold'; rotate?: boolean; halo?: boolean; cls?: string } = {},
): string {
  const attrs = [
    o.cls ? `class="${o.cls}"` : '',
    `x="${coord(x)}"`,
    `y="${coord(y)}"`,
    `font-size="${coord(size)}"`,
    `fill="${o.fill ?? TEXT_COLOR}"`,
    o.anchor && o.anchor !== 'start' ? `text-anchor="${o.anchor}"` : '',
    o.weight ? `font-weight="${o.weight}"` : '',
    o.rotate ? `transform="rotate(-90 ${coord(x)} ${coord(y)})"` : '',
    o.halo ? 'stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"' : '',
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, width: number, extra = ''): string {
  return (
    `<line x1="${coord(x1)}" y1="${coord(y1)}" x2="${coord(x2)}" y2="${coord(y2)}" ` +
    `stroke="${stroke}" stroke-width="${coord(width)}"${extra ? ' ' + extra : ''}/>`
  );
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

function checkSize(name: string, value: number): void {
  const min = name === 'width' ? 600 : 300;
  if (!Number.isInteger(value) || value < min || value > 20000) {
    throw new InputError(`sweep plot ${name} must be an integer from ${min} to 20000 (SVG units), got ${value}`);
  }
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

/** Frame and scales of one panel. */
interface Frame {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Inner margin between the frame and the outermost ticks, so markers never sit on the frame. */
  pad: number;
}

function yScale(f: Frame, t: Ticks): (v: number) => number {
  return (v) => f.y1 - f.pad - ((v - t.lo) / (t.hi - t.lo)) * (f.y1 - f.y0 - 2 * f.pad);
}

function tickText(v: number, t: Ticks): string {
  const s = v.toFixed(t.decimals);
  return s === '-0' ? '0' : s;
}

/** Horizontal grid lines and left tick labels; returns the SVG. */
function yAxis(f: Frame, t: Ticks, k: number, title: string): string[] {
  const Y = yScale(f, t);
  const out: string[] = [];
  for (const v of t.values) {
    const y = Y(v);
    out.push(line(f.x0, y, f.x1, y, GRID_COLOR, 1, 'class="grid"'));
    out.push(line(f.x0 - 4 * k, y, f.x0, y, AXIS_COLOR, 1));
    out.push(text(f.x0 - 7 * k, y + 4 * k, tickText(v, t), 12 * k, { anchor: 'end', cls: 'tick' }));
  }
  const widest = Math.max(...t.values.map((v) => textWidth(tickText(v, t), 12 * k)));
  out.push(text(f.x0 - 14 * k - widest, (f.y0 + f.y1) / 2, title, 14 * k, { anchor: 'middle', rotate: true }));
  return out;
}

function xTick(f: Frame, x: number, label: string, k: number): string[] {
  return [
    line(x, f.y0, x, f.y1, GRID_COLOR, 1, 'class="grid"'),
    line(x, f.y1, x, f.y1 + 4 * k, AXIS_COLOR, 1),
    text(x, f.y1 + 18 * k, label, 12 * k, { anchor: 'middle', cls: 'tick' }),
  ];
}

function panelChrome(f: Frame, k: number, title: string, xTitle: string): { back: string; front: string[] } {
  const box = `x="${coord(f.x0)}" y="${coord(f.y0)}" width="${coord(f.x1 - f.x0)}" height="${coord(f.y1 - f.y0)}"`;
  return {
    back: `<rect ${box} fill="#ffffff"/>`,
    front: [
      `<rect ${box} fill="none" stroke="${AXIS_COLOR}" stroke-width="1"/>`,
      text((f.x0 + f.x1) / 2, f.y0 - 10 * k, title, 15 * k, { anchor: 'middle', weight: 'bold', cls: 'panel-title' }),
      text((f.x0 + f.x1) / 2, f.y1 + 42 * k, xTitle, 14 * k, { anchor: 'middle' }),
    ],
  };
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
): string[] {
  const points = sweep.filter((p) => has(p[metric]));
  const references = refs.map((r, i) => ({ r, i })).filter(({ r }) => has(r[metric]));
  const values = [...points.map((p) => p[metric]!), ...references.map(({ r }) => r[metric]!)];
  const yt = niceTicks(Math.min(...values), Math.max(...values));
  const Y = yScale(f, yt);

  // x: finite ψ of every sweep row (so panels share their x axis), then a "none" slot past a break.
  const finitePsi = sweep.map(psiOf).filter(Number.isFinite);
  const hasNone = sweep.some((p) => psiOf(p) === Infinity);
  const slot = hasNone && finitePsi.length > 0 ? Math.max(50 * k, 0.14 * (f.x1 - f.x0)) : 0;
  const xt = finitePsi.length > 0 ? niceTicks(Math.min(...finitePsi), Math.max(...finitePsi), 4) : undefined;
  const left = f.x0 + f.pad;
  const right = f.x1 - f.pad - slot;
  const noneX = xt ? f.x1 - f.pad : (f.x0 + f.x1) / 2;
  const X = (psi: number) => (psi === Infinity || !xt ? noneX : left + ((psi - xt.lo) / (xt.hi - xt.lo)) * (right - left));

  const chrome = panelChrome(f, k, `(${letter}) ${PSI_PANELS[metric].title}`, 'truncation ψ');
  const out: string[] = [chrome.back, ...yAxis(f, yt, k, PSI_PANELS[metric].axis)];
  for (const v of xt?.values ?? []) out.push(...xTick(f, X(v), tickText(v, xt!), k));
  if (hasNone) out.push(...xTick(f, noneX, 'none', k));

  const placer = new LabelPlacer(inside(f));
  const r = 4.5 * k;
  const data: string[] = []; // lines, drawn under the labels
  const markers: string[] = []; // drawn over the labels: data stays visible
  // Reference rows: dashed lines across the panel.
  for (const { r: ref, i } of references) {
    const y = Y(ref[metric]!);
    data.push(line(f.x0, y, f.x1, y, refColor(i), 1.6 * k, `class="reference-line" stroke-dasharray="${REFERENCE_DASH}"`));
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
      data.push(line(ax, ay, bx, by, SWEEP_COLOR, 2 * k, `stroke-dasharray="3 3"`));
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
    labels.push(text(c.x, c.y, label, size, { anchor: c.anchor, fill: refColor(i), halo: true, cls: 'reference-label' }));
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
    line(x - g - 2 * k, f.y1 + h, x - g + 2 * k, f.y1 - h, AXIS_COLOR, 1.2),
    line(x + g - 2 * k, f.y1 + h, x + g + 2 * k, f.y1 - h, AXIS_COLOR, 1.2),
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
  const X = (v: number) => f.x0 + f.pad + ((v - xt.lo) / (xt.hi - xt.lo)) * (f.x1 - f.x0 - 2 * f.pad);

  const chrome = panelChrome(f, k, `(${letter}) precision against recall (labels: ψ)`, 'recall');
  const out: string[] = [chrome.back, ...yAxis(f, yt, k, 'precision')];
  for (const v of xt.values) out.push(...xTick(f, X(v), tickText(v, xt), k));

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
    placer.avoidRect(markerBox(x, y, 1.5 * r));
  });
  // Eight places around the point, then the same eight two and three times as far out.
  const around = (x: number, y: number, d: number, size: number): LabelCandidate[] => {
    const dy = 0.35 * size; // baseline offset that centres the text vertically on the point
    return [d, 2 * d, 3 * d].flatMap((e) => [
      { x: x + e, y: y + dy, anchor: 'start' as const },
      { x: x - e, y: y + dy, anchor: 'end' as const },
      { x, y: y - e, anchor: 'middle' as const },
      { x, y: y + e + 0.75 * size, anchor: 'middle' as const },
      { x: x + 0.75 * e, y: y - 0.75 * e, anchor: 'start' as const },
      { x: x - 0.75 * e, y: y - 0.75 * e, anchor: 'end' as const },
      { x: x + 0.75 * e, y: y + 0.75 * e + 0.75 * size, anchor: 'start' as const },
      { x: x - 0.75 * e, y: y + 0.75 * e + 0.75 * size, anchor: 'end' as const },
    ]);
  };
  // Longer reference labels first: they have fewer places to go.
  const labels: string[] = [];
  references.forEach(({ r: ref, i }, j) => {
    const [x, y] = refXy[j];
    const size = 12 * k;
    const c = placer.place(ref.label, size, around(x, y, 1.5 * r + 4 * k, size));
    const style = { anchor: c.anchor, fill: refColor(i), halo: true, cls: 'reference-label' };
    labels.push(text(c.x, c.y, ref.label, size, style));
  });
  points.forEach((p, j) => {
    const [x, y] = xy[j];
    const size = 11 * k;
    const label = psiText(p);
    const c = placer.place(label, size, around(x, y, r + 3 * k, size));
    labels.push(text(c.x, c.y, label, size, { anchor: c.anchor, fill: SWEEP_TEXT_COLOR, halo: true, cls: 'psi-label' }));
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
  const size = 13 * k;
  const sample = 34 * k;
  const gap = 26 * k;
  const entries = [
    { label: sweepLabel, color: SWEEP_COLOR, shape: 'circle' as MarkerShape, dash: '' },
    ...refs.map((r, i) => ({
      label: r.label,
      color: refColor(i),
      shape: refShape(i),
      dash: `stroke-dasharray="${REFERENCE_DASH}"`,
    })),
  ].map((e) => ({ ...e, w: sample + 6 * k + textWidth(e.label, size) }));
  const rows: (typeof entries)[] = [[]];
  let used = 0;
  for (const e of entries) {
    const row = rows[rows.length - 1];
    if (row.length > 0 && used + gap + e.w > width - 40 * k) {
      rows.push([e]);
      used = e.w;
    } else {
      used += (row.length > 0 ? gap : 0) + e.w;
      row.push(e);
    }
  }
  const svg: string[] = [];
  rows.forEach((row, ri) => {
    const total = row.reduce((s, e) => s + e.w, 0) + gap * (row.length - 1);
    let x = (width - total) / 2;
    const y = top + ri * 20 * k;
    for (const e of row) {
      const cy = y - 0.32 * size;
      svg.push(line(x, cy, x + sample, cy, e.color, 2 * k, e.dash));
      svg.push(markerSvg(e.shape, x + sample / 2, cy, (e.shape === 'circle' ? 4.5 : 5.4) * k, e.color, 'legend-marker'));
      svg.push(text(x + sample + 6 * k, y, e.label, size, { cls: 'legend' }));
      x += e.w + gap;
    }
  });
  return { svg, bottom: top + (rows.length - 1) * 20 * k };
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
  const width = options.width ?? SWEEP_PLOT_SIZE.width;
  const height = options.height ?? SWEEP_PLOT_SIZE.height;
  checkSize('width', width);
  checkSize('height', height);
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

  // Everything scales with the figure, so a larger size is the same figure, not smaller print; below
  // 0.8 text would be unreadable, so small figures keep 0.8 and get tighter plots instead.
  const k = Math.max(0.8, Math.min(width / SWEEP_PLOT_SIZE.width, height / SWEEP_PLOT_SIZE.height));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    `<rect width="${width}" height="${height}" fill="#fafafa"/>`,
  ];
  const titleSize = Math.min(20 * k, (width - 40 * k) / (textWidth(data.title, 1) || 1));
  out.push(text(width / 2, 30 * k, data.title, titleSize, { anchor: 'middle', weight: 'bold', cls: 'title' }));
  let top = 58 * k;
  if (data.subtitle) {
    const size = Math.min(14 * k, (width - 40 * k) / (textWidth(data.subtitle, 1) || 1));
    out.push(text(width / 2, 52 * k, data.subtitle, size, { anchor: 'middle', fill: '#555555', cls: 'subtitle' }));
    top = 80 * k;
  }
  const leg = legend(width, top, k, data.sweepLabel ?? 'truncation sweep', refs);
  out.push(...leg.svg);

  const panelTop = leg.bottom + 44 * k;
  const plotBottom = height - 58 * k;
  panels.forEach((panel, i) => {
    const left = (width * i) / panels.length;
    const right = (width * (i + 1)) / panels.length;
    const f: Frame = { x0: left + 74 * k, x1: right - 22 * k, y0: panelTop, y1: plotBottom, pad: 12 * k };
    const letter = String.fromCharCode(97 + i);
    out.push(`<g class="panel panel-${panel}">`);
    out.push(...(panel === 'pr' ? prPanel(f, k, sweep, refs, letter) : psiPanel(f, k, panel, sweep, refs, letter)));
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
  const ext = extname(path).toLowerCase();
  if (ext !== '.png' && ext !== '.svg') {
    throw new InputError(`cannot write the sweep plot to ${path}: the file name must end in .png or .svg`);
  }
  const scale = options.scale ?? 1;
  if (!(scale >= 0.25 && scale <= 8)) {
    throw new InputError(`sweep plot scale must be a number from 0.25 to 8, got ${scale}`);
  }
  const svg = sweepPlotSvg(data, options);
  if (ext === '.svg') {
    await writeFileAtomic(path, svg);
    return;
  }
  // librsvg renders at `density` dpi; 72 dpi maps one SVG unit (px) to one output pixel.
  const png = await sharp(Buffer.from(svg), { density: 72 * scale }).png().toBuffer();
  await writeFileAtomic(path, png);
}
