/**
 * @file Small SVG building blocks for fidkit's figures (pure, deterministic): XML escaping, fixed
 * coordinate formatting, 1-2-5 "nice" axis ticks, text-width estimates for DejaVu Sans, marker shapes,
 * a greedy label placer that keeps labels off markers, lines and each other, and the pieces both
 * figures (`plot.ts`, `training-plot.ts`) share: `<text>`/`<line>` elements, the figure's title block,
 * a panel's frame, y axis and x ticks, and the legend's row layout. Writing a figure to a file is
 * in `figure-file.ts`.
 */

import { InputError } from '../core/errors.js';

/** Escape text for SVG element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A coordinate with at most 2 decimals and no `-0`, so the same figure always gives the same text. */
export function coord(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`internal: non-finite SVG coordinate ${value}`);
  const s = String(Number(value.toFixed(2)));
  return s === '-0' ? '0' : s;
}

/** Axis ticks at a 1-2-5 step covering a range. */
export interface Ticks {
  /** First tick (≤ the range's minimum). */
  lo: number;
  /** Last tick (≥ the range's maximum). */
  hi: number;
  step: number;
  values: number[];
  /** Decimals that print every tick exactly. */
  decimals: number;
}

/**
 * Ticks at multiples of 1, 2 or 5 × 10^k covering [min, max] with about `target` intervals. An empty
 * range (min = max) is widened to half the value on either side (±1 around 0).
 * @example niceTicks(0.25, 2).values // [0, 0.5, 1, 1.5, 2]
 */
export function niceTicks(min: number, max: number, target = 5): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) {
    throw new Error(`internal: bad tick range [${min}, ${max}]`);
  }
  if (max === min) {
    const half = min === 0 ? 1 : Math.abs(min) / 2;
    min -= half;
    max += half;
  }
  const raw = (max - min) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const n = raw / magnitude;
  const step = (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * magnitude;
  // The 1e-9 slack keeps 0.30000000000000004-style rounding from adding an empty interval.
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const values: number[] = [];
  for (let i = first; i <= last; i++) values.push(Number((i * step).toFixed(decimals)));
  return { lo: values[0], hi: values[values.length - 1], step, values, decimals };
}

/** Ticks of a logarithmic axis: the covered range and each tick's value and printed label. */
export interface LogTicks {
  lo: number;
  hi: number;
  values: number[];
  labels: string[];
}

/**
 * Ticks at 1, 2 and 5 × 10^k covering [min, max] (min > 0), for a log axis; past 4 decades only the powers
 * of ten, so the labels do not crowd.
 * @example logTicks(1.76, 357).values // [1, 2, 5, 10, 20, 50, 100, 200, 500]
 */
export function logTicks(min: number, max: number): LogTicks {
  if (!(min > 0) || !Number.isFinite(max) || max < min) throw new Error(`internal: bad log tick range [${min}, ${max}]`);
  const first = Math.floor(Math.log10(min) + 1e-9);
  const last = Math.ceil(Math.log10(max) - 1e-9);
  const mantissas = last - first > 4 ? [1] : [1, 2, 5];
  // toPrecision rounds away 2 * 10 ** -1 = 0.20000000000000004-style noise.
  const all: number[] = [];
  for (let e = first; e <= last; e++) for (const m of mantissas) all.push(Number((m * 10 ** e).toPrecision(1)));
  const lo = Math.max(...all.filter((v) => v <= min * (1 + 1e-9)));
  const hi = Math.min(...all.filter((v) => v >= max * (1 - 1e-9)));
  const values = all.filter((v) => v >= lo && v <= hi);
  return { lo, hi, values, labels: values.map((v) => String(v)) };
}

/**
 * Estimated advance width of `text` in DejaVu Sans at `fontSize` px: per-character classes of the font's
 * real advances (narrow punctuation ≈ 0.32 em, digits 0.64 em, capitals ≈ 0.72 em), erring wide so
 * labels placed with it do not collide.
 */
export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) {
    if (/[ .,:;'|!()[\]ijlfrt]/.test(ch)) em += 0.36;
    else if (/[mwMW]/.test(ch)) em += 0.92;
    else if (/[A-Z]/.test(ch)) em += 0.74;
    else em += 0.64;
  }
  return em * fontSize;
}

/** An axis-aligned box in SVG coordinates (y down). */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Whether two boxes overlap (touching edges do not count). */
export function rectsOverlap(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Whether the segment (x1,y1)–(x2,y2) passes through the box (Liang–Barsky clipping). */
export function segmentHitsRect(x1: number, y1: number, x2: number, y2: number, r: Rect): boolean {
  const dx = x2 - x1;
  const dy = y2 - y1;
  let t0 = 0;
  let t1 = 1;
  const edges: Array<[number, number]> = [
    [-dx, x1 - r.x],
    [dx, r.x + r.w - x1],
    [-dy, y1 - r.y],
    [dy, r.y + r.h - y1],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
      if (t0 > t1) return false;
    }
  }
  return true;
}

/** The box a text occupies, drawn with its baseline at `y` and the given `text-anchor`. */
export function textBox(x: number, y: number, text: string, fontSize: number, anchor: TextAnchor): Rect {
  const w = textWidth(text, fontSize);
  const left = anchor === 'start' ? x : anchor === 'end' ? x - w : x - w / 2;
  return { x: left, y: y - 0.78 * fontSize, w, h: fontSize };
}

export type TextAnchor = 'start' | 'middle' | 'end';

/** One place a label may go. */
export interface LabelCandidate {
  x: number;
  y: number;
  anchor: TextAnchor;
}

/** Least clearance (SVG units) the label placer keeps between a label's box and anything else. */
export const LABEL_GAP = 3;

/**
 * Greedy label placement: each label takes the first of its candidate positions that stays inside the
 * bounds and overlaps no obstacle (markers, line segments, labels placed before it) — else the one
 * overlapping the fewest. Boxes are grown by {@link LABEL_GAP} first: the white halo under the glyphs
 * and the error of {@link textWidth} would otherwise let neighbours touch.
 */
export class LabelPlacer {
  private readonly rects: Rect[] = [];
  private readonly labels: Rect[] = [];
  private readonly segments: Array<[number, number, number, number]> = [];
  constructor(private readonly bounds: Rect) {}

  /** Keep labels off a box (a marker, a legend). */
  avoidRect(rect: Rect): void {
    this.rects.push(rect);
  }

  /** Keep labels off a line segment. */
  avoidSegment(x1: number, y1: number, x2: number, y2: number): void {
    this.segments.push([x1, y1, x2, y2]);
  }

  /** Choose a candidate for `text`, remember its box as an obstacle and return it. */
  place(text: string, fontSize: number, candidates: readonly LabelCandidate[]): LabelCandidate {
    let best = candidates[0];
    let bestScore = Infinity;
    candidates.forEach((c, i) => {
      const box = textBox(c.x, c.y, text, fontSize, c.anchor);
      const g = LABEL_GAP;
      const pad = { x: box.x - g, y: box.y - g, w: box.w + 2 * g, h: box.h + 2 * g };
      const b = this.bounds;
      const outside = box.x < b.x || box.y < b.y || box.x + box.w > b.x + b.w || box.y + box.h > b.y + b.h;
      // A label on another label is unreadable; one on a line or marker (drawn over it) is only untidy.
      let hits = 0;
      for (const r of this.rects) if (rectsOverlap(pad, r)) hits++;
      for (const r of this.labels) if (rectsOverlap(pad, r)) hits += 10;
      for (const [x1, y1, x2, y2] of this.segments) if (segmentHitsRect(x1, y1, x2, y2, pad)) hits++;
      const score = (outside ? 1000 : 0) + 10 * hits + i * 0.01;
      if (score < bestScore) {
        bestScore = score;
        best = c;
      }
    });
    this.labels.push(textBox(best.x, best.y, text, fontSize, best.anchor));
    return best;
  }
}

export type MarkerShape = 'circle' | 'square' | 'diamond' | 'triangle' | 'triangle-down';

/** Half the size of the box {@link markerSvg} draws for `shape` at radius `r` (its larger half-side). */
export function markerExtent(shape: MarkerShape, r: number): number {
  return { circle: 1, square: 0.9, diamond: 1.25, triangle: 1.3, 'triangle-down': 1.3 }[shape] * r;
}

/** A marker of radius `r` centred on (x, y), with a white outline so it stands out over lines. */
export function markerSvg(shape: MarkerShape, x: number, y: number, r: number, color: string, cls: string): string {
  const style = `fill="${color}" stroke="#ffffff" stroke-width="1"`;
  const poly = (pts: Array<[number, number]>) =>
    `<polygon class="${cls}" points="${pts.map(([px, py]) => `${coord(x + px)},${coord(y + py)}`).join(' ')}" ${style}/>`;
  switch (shape) {
    case 'circle':
      return `<circle class="${cls}" cx="${coord(x)}" cy="${coord(y)}" r="${coord(r)}" ${style}/>`;
    case 'square': {
      const s = r * 0.9;
      return `<rect class="${cls}" x="${coord(x - s)}" y="${coord(y - s)}" width="${coord(2 * s)}" height="${coord(2 * s)}" ${style}/>`;
    }
    case 'diamond':
      return poly([[0, -1.25 * r], [1.25 * r, 0], [0, 1.25 * r], [-1.25 * r, 0]]);
    case 'triangle':
      return poly([[0, -1.3 * r], [1.15 * r, 0.75 * r], [-1.15 * r, 0.75 * r]]);
    case 'triangle-down':
      return poly([[0, 1.3 * r], [1.15 * r, -0.75 * r], [-1.15 * r, -0.75 * r]]);
  }
}

/** Font stack of every figure: DejaVu Sans (whose widths {@link textWidth} estimates), then fallbacks. */
export const FONT_FAMILY = 'DejaVu Sans, Arial, Helvetica, sans-serif';
/** Colour of axes, ticks and panel frames. */
export const AXIS_COLOR = '#777777';
/** Colour of grid lines. */
export const GRID_COLOR = '#e4e4e4';
/** Default text colour. */
export const TEXT_COLOR = '#222222';

/** Style of {@link textSvg}. */
export interface TextStyle {
  anchor?: TextAnchor;
  /** Default {@link TEXT_COLOR}. */
  fill?: string;
  weight?: 'bold';
  /** Turn the text 90° anticlockwise about (x, y), e.g. for a y-axis title. */
  rotate?: boolean;
  /** A white outline under the glyphs, so text stays readable over lines. */
  halo?: boolean;
  cls?: string;
}

/** A `<text>` element with its baseline at `y` (attributes in a fixed order, so output is byte-stable). */
export function textSvg(x: number, y: number, content: string, size: number, o: TextStyle = {}): string {
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

/** A `<line>` element; `extra` is appended as raw attributes (e.g. `stroke-dasharray="3 3"`). */
export function lineSvg(x1: number, y1: number, x2: number, y2: number, stroke: string, width: number, extra = ''): string {
  return (
    `<line x1="${coord(x1)}" y1="${coord(y1)}" x2="${coord(x2)}" y2="${coord(y2)}" ` +
    `stroke="${stroke}" stroke-width="${coord(width)}"${extra ? ' ' + extra : ''}/>`
  );
}

function checkFigureSize(what: string, name: 'width' | 'height', value: number): void {
  const min = name === 'width' ? 600 : 300;
  if (!Number.isInteger(value) || value < min || value > 20000) {
    throw new InputError(`${what} ${name} must be an integer from ${min} to 20000 (SVG units), got ${value}`);
  }
}

/**
 * A figure's size (from `options`, else `defaults`) and its scale `k` against `defaults`. Everything
 * scales with k, so a larger size is the same figure, not smaller print; below 0.8 text would be
 * unreadable, so small figures keep 0.8 and get tighter plots instead.
 * @throws {InputError} (naming the figure `what`, e.g. `'sweep plot'`) unless width is an integer from
 *   600 to 20000 and height from 300 to 20000.
 */
export function figureSize(
  what: string,
  options: { width?: number; height?: number },
  defaults: { width: number; height: number },
): { width: number; height: number; k: number } {
  const width = options.width ?? defaults.width;
  const height = options.height ?? defaults.height;
  checkFigureSize(what, 'width', width);
  checkFigureSize(what, 'height', height);
  return { width, height, k: Math.max(0.8, Math.min(width / defaults.width, height / defaults.height)) };
}

/**
 * The opening of a figure: `<svg>` tag, background, bold title and optional grey subtitle, both shrunk to
 * fit the width. Returns the SVG (the caller closes `</svg>`) and the baseline of the first legend row.
 */
export function figureHead(
  width: number,
  height: number,
  k: number,
  title: string,
  subtitle?: string,
): { svg: string[]; top: number } {
  const svg: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    `<rect width="${width}" height="${height}" fill="#fafafa"/>`,
  ];
  const titleSize = Math.min(20 * k, (width - 40 * k) / (textWidth(title, 1) || 1));
  svg.push(textSvg(width / 2, 30 * k, title, titleSize, { anchor: 'middle', weight: 'bold', cls: 'title' }));
  let top = 58 * k;
  if (subtitle) {
    const size = Math.min(14 * k, (width - 40 * k) / (textWidth(subtitle, 1) || 1));
    svg.push(textSvg(width / 2, 52 * k, subtitle, size, { anchor: 'middle', fill: '#555555', cls: 'subtitle' }));
    top = 80 * k;
  }
  return { svg, top };
}

/** One legend entry: its label (in `fill`, default {@link TEXT_COLOR}) and the sample drawn left of it. */
export interface LegendEntry {
  label: string;
  fill?: string;
  /** The sample (line, marker) spanning x…x + w, centred on the label's middle height `cy`. */
  sample(x: number, cy: number, w: number): string[];
}

/**
 * Legend rows centred under the title: entries fill a row up to the width (less 40k margins), then
 * wrap. `top` is the first row's baseline; returns the SVG and the last row's baseline.
 */
export function legendSvg(entries: readonly LegendEntry[], width: number, top: number, k: number): { svg: string[]; bottom: number } {
  const size = 13 * k;
  const sample = 34 * k;
  const gap = 26 * k;
  const sized = entries.map((e) => ({ e, w: sample + 6 * k + textWidth(e.label, size) }));
  const rows: (typeof sized)[] = [[]];
  let used = 0;
  for (const s of sized) {
    const row = rows[rows.length - 1];
    if (row.length > 0 && used + gap + s.w > width - 40 * k) {
      rows.push([s]);
      used = s.w;
    } else {
      used += (row.length > 0 ? gap : 0) + s.w;
      row.push(s);
    }
  }
  const svg: string[] = [];
  rows.forEach((row, ri) => {
    const total = row.reduce((t, s) => t + s.w, 0) + gap * (row.length - 1);
    let x = (width - total) / 2;
    const y = top + ri * 20 * k;
    for (const { e, w } of row) {
      svg.push(...e.sample(x, y - 0.32 * size, sample));
      svg.push(textSvg(x + sample + 6 * k, y, e.label, size, { cls: 'legend', fill: e.fill }));
      x += w + gap;
    }
  });
  return { svg, bottom: top + (rows.length - 1) * 20 * k };
}

/** Frame of one panel (SVG units, y down). */
export interface Frame {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Inner margin between the frame and the outermost ticks, so markers never sit on the frame. */
  pad: number;
}

/**
 * Frames of `count` panels side by side in equal columns, from 44k under the legend's last row to 58k
 * above the bottom; `margin.left`/`margin.right` are the gaps inside each column (room for the y axis).
 */
export function panelFrames(
  width: number,
  height: number,
  k: number,
  count: number,
  legendBottom: number,
  margin: { left: number; right: number; pad: number },
): Frame[] {
  const top = legendBottom + 44 * k;
  const bottom = height - 58 * k;
  return Array.from({ length: count }, (_, i) => ({
    x0: (width * i) / count + margin.left,
    x1: (width * (i + 1)) / count - margin.right,
    y0: top,
    y1: bottom,
    pad: margin.pad,
  }));
}

/** The printed label of a tick of `t`: exactly `t.decimals` decimals, never `-0`. */
export function tickText(v: number, t: Ticks): string {
  const s = v.toFixed(t.decimals);
  return s === '-0' ? '0' : s;
}

/** Linear map of [t.lo, t.hi] onto the frame's width inside its pad. */
export function xScale(f: Frame, t: { lo: number; hi: number }): (v: number) => number {
  return (v) => f.x0 + f.pad + ((v - t.lo) / (t.hi - t.lo)) * (f.x1 - f.x0 - 2 * f.pad);
}

/**
 * A y axis: a grid line, tick and label per tick (at `Y(value)`), and the rotated `title` left of the
 * widest label (with class `titleCls` if given).
 */
export function yAxisSvg(
  f: Frame,
  ticks: ReadonlyArray<{ value: number; label: string }>,
  Y: (v: number) => number,
  k: number,
  title: string,
  titleCls?: string,
): string[] {
  const out: string[] = [];
  for (const { value, label } of ticks) {
    const y = Y(value);
    out.push(lineSvg(f.x0, y, f.x1, y, GRID_COLOR, 1, 'class="grid"'));
    out.push(lineSvg(f.x0 - 4 * k, y, f.x0, y, AXIS_COLOR, 1));
    out.push(textSvg(f.x0 - 7 * k, y + 4 * k, label, 12 * k, { anchor: 'end', cls: 'tick' }));
  }
  const widest = Math.max(...ticks.map((t) => textWidth(t.label, 12 * k)));
  out.push(textSvg(f.x0 - 14 * k - widest, (f.y0 + f.y1) / 2, title, 14 * k, { anchor: 'middle', rotate: true, cls: titleCls }));
  return out;
}

/** One x tick at `x`: a vertical grid line, a tick under the frame and its label. */
export function xTickSvg(f: Frame, x: number, label: string, k: number): string[] {
  return [
    lineSvg(x, f.y0, x, f.y1, GRID_COLOR, 1, 'class="grid"'),
    lineSvg(x, f.y1, x, f.y1 + 4 * k, AXIS_COLOR, 1),
    textSvg(x, f.y1 + 18 * k, label, 12 * k, { anchor: 'middle', cls: 'tick' }),
  ];
}

/**
 * A panel's frame: `back` (white fill, drawn first), `front` (outline, bold title above, x-axis title
 * below; drawn last, over the data) and `box`, the frame's x/y/width/height attributes (e.g. for a
 * clip path). The title is `titleSize` px (default 15k); the x title gets class `xTitleCls` if given.
 */
export function panelChrome(
  f: Frame,
  k: number,
  title: string,
  xTitle: string,
  o: { titleSize?: number; xTitleCls?: string } = {},
): { box: string; back: string; front: string[] } {
  const box = `x="${coord(f.x0)}" y="${coord(f.y0)}" width="${coord(f.x1 - f.x0)}" height="${coord(f.y1 - f.y0)}"`;
  const mid = (f.x0 + f.x1) / 2;
  return {
    box,
    back: `<rect ${box} fill="#ffffff"/>`,
    front: [
      `<rect ${box} fill="none" stroke="${AXIS_COLOR}" stroke-width="1"/>`,
      textSvg(mid, f.y0 - 10 * k, title, o.titleSize ?? 15 * k, { anchor: 'middle', weight: 'bold', cls: 'panel-title' }),
      textSvg(mid, f.y1 + 42 * k, xTitle, 14 * k, { anchor: 'middle', cls: o.xTitleCls }),
    ],
  };
}
