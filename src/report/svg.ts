/**
 * @file Small SVG building blocks for fidkit's figures (pure, deterministic): XML escaping, fixed
 * coordinate formatting, 1-2-5 "nice" axis ticks, text-width estimates for DejaVu Sans, marker shapes,
 * and a greedy label placer that keeps labels off markers, lines and each other.
 */

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

/**
 * Greedy label placement: each label takes the first of its candidate positions that stays inside the
 * bounds and overlaps the fewest obstacles (markers, line segments, labels placed before it).
 */
export class LabelPlacer {
  private readonly rects: Rect[] = [];
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
      const pad = { x: box.x - 1, y: box.y - 1, w: box.w + 2, h: box.h + 2 };
      const b = this.bounds;
      const outside = box.x < b.x || box.y < b.y || box.x + box.w > b.x + b.w || box.y + box.h > b.y + b.h;
      let hits = 0;
      for (const r of this.rects) if (rectsOverlap(pad, r)) hits++;
      for (const [x1, y1, x2, y2] of this.segments) if (segmentHitsRect(x1, y1, x2, y2, pad)) hits++;
      const score = (outside ? 1000 : 0) + 10 * hits + i * 0.01;
      if (score < bestScore) {
        bestScore = score;
        best = c;
      }
    });
    this.rects.push(textBox(best.x, best.y, text, fontSize, best.anchor));
    return best;
  }
}

export type MarkerShape = 'circle' | 'square' | 'diamond' | 'triangle' | 'triangle-down';

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
