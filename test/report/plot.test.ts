import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { sweepPlotSvg, writeSweepPlot, type SweepPlotData, type SweepPlotPoint } from '../../src/report/plot.js';
import { escapeXml, logTicks, niceTicks, rectsOverlap, segmentHitsRect, textBox, type Rect, type TextAnchor } from '../../src/report/svg.js';

const tmp = mkdtempSync(join(tmpdir(), 'fidkit-plot-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PSI = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, null];

/** A realistic MNIST sweep: FID 40 → 5, IS 7 → 9.3, precision 0.95 → 0.7, recall 0.1 → 0.85. */
function realistic(): SweepPlotData {
  const sweep = PSI.map((truncation, i): SweepPlotPoint => {
    const f = i / (PSI.length - 1);
    return {
      label: truncation === null ? 'none' : `ψ=${truncation}`,
      truncation,
      fid: 40 * (5 / 40) ** f,
      is: 7 + 2.3 * Math.sqrt(f),
      precision: 0.95 - 0.25 * f,
      recall: 0.1 + 0.75 * Math.sqrt(f),
    };
  });
  return {
    title: 'MNIST GAN: truncation sweep',
    subtitle: 'features: MNIST classifier',
    sweepLabel: 'GAN (resample)',
    sweep,
    references: [
      { label: 'MNIST test (real)', truncation: null, is: 9.77, fid: 0.9, precision: 0.75, recall: 0.75 },
      { label: 'VAE', truncation: null, is: 6, fid: 30, precision: 0.5, recall: 0.6 },
    ],
  };
}

const count = (svg: string, needle: string) => svg.split(needle).length - 1;

/** The text of every `<text class="cls">` element. */
function texts(svg: string, cls?: string): string[] {
  const re = /<text ([^>]*)>([^<]*)<\/text>/g;
  return [...svg.matchAll(re)].filter((m) => !cls || m[1].includes(`class="${cls}"`)).map((m) => m[2]);
}

/** The boxes of the labels placed inside panels, per panel. */
function labelBoxes(svg: string) {
  return svg.split('<g class="panel ').slice(1).map((panel) =>
    [...panel.matchAll(/<text class="(?:reference-label|psi-label)" x="([\d.-]+)" y="([\d.-]+)" font-size="([\d.]+)"([^>]*)>([^<]*)<\/text>/g)].map(
      (m) => {
        const anchor = (m[4].match(/text-anchor="(\w+)"/)?.[1] ?? 'start') as TextAnchor;
        return { text: m[5], box: textBox(Number(m[1]), Number(m[2]), m[5], Number(m[3]), anchor) };
      },
    ),
  );
}

describe('svg helpers', () => {
  it('niceTicks uses 1-2-5 steps covering the range', () => {
    expect(niceTicks(0.25, 2).values).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(niceTicks(0.9, 40).values).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(6, 9.77).values).toEqual([6, 7, 8, 9, 10]);
    expect(niceTicks(0, 1).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.1, 0.3).values).toEqual([0.1, 0.15, 0.2, 0.25, 0.3]);
    expect(niceTicks(0.1, 0.3).decimals).toBe(2);
    expect(niceTicks(5, 5).values).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(niceTicks(0, 0).values).toEqual([-1, -0.5, 0, 0.5, 1]);
  });

  it('logTicks puts 1-2-5 ticks in each decade covering the range, only powers of ten past 4 decades', () => {
    expect(logTicks(1.76, 357).values).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500]);
    expect(logTicks(1.76, 357).labels).toEqual(['1', '2', '5', '10', '20', '50', '100', '200', '500']);
    expect(logTicks(0.03, 0.9).values).toEqual([0.02, 0.05, 0.1, 0.2, 0.5, 1]);
    expect(logTicks(2, 50).values).toEqual([2, 5, 10, 20, 50]);
    expect(logTicks(0.01, 2000).values).toEqual([0.01, 0.1, 1, 10, 100, 1000, 10000]);
  });

  it('escapes XML and tests geometry', () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe('a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;');
    const r = { x: 0, y: 0, w: 10, h: 10 };
    expect(rectsOverlap(r, { x: 9, y: 9, w: 5, h: 5 })).toBe(true);
    expect(rectsOverlap(r, { x: 10, y: 0, w: 5, h: 5 })).toBe(false);
    expect(segmentHitsRect(-5, 5, 15, 5, r)).toBe(true);
    expect(segmentHitsRect(-5, -1, 15, -1, r)).toBe(false);
    expect(segmentHitsRect(-5, 20, 20, -5, r)).toBe(true);
    expect(segmentHitsRect(11, 20, 20, 11, r)).toBe(false);
  });
});

describe('sweepPlotSvg', () => {
  const svg = sweepPlotSvg(realistic());

  it('names the Fréchet distance after its space: fdName in the panel title and both axis titles', () => {
    const svg = sweepPlotSvg({ ...realistic(), fdName: 'FD_MNIST' });
    expect(texts(svg, 'panel-title')[0]).toBe('(a) FD_MNIST against ψ');
    expect(texts(svg.split('<g class="panel ')[1], 'axis-title log-axis')).toEqual(['FD_MNIST (log scale, lower is better)']);
    expect(svg).not.toContain('FID');
  });

  it('draws three panels with titles, ticks and labels', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1400" height="560" viewBox="0 0 1400 560"')).toBe(true);
    expect(svg).toContain('font-family="DejaVu Sans, Arial, Helvetica, sans-serif"');
    expect(texts(svg, 'title')).toEqual(['MNIST GAN: truncation sweep']);
    expect(texts(svg, 'subtitle')).toEqual(['features: MNIST classifier']);
    expect(texts(svg, 'legend')).toEqual(['GAN (resample)', 'MNIST test (real)', 'VAE']);
    expect(texts(svg, 'panel-title')).toEqual([
      '(a) FID against ψ',
      '(b) Inception Score against ψ',
      '(c) precision against recall (labels: ψ)',
    ]);
    const [fid, is, pr] = svg.split('<g class="panel ').slice(1);
    // FID 0.9…40 spans more than a decade: log axis.
    expect(texts(fid, 'tick')).toEqual(['0.5', '1', '2', '5', '10', '20', '50', '0.0', '0.5', '1.0', '1.5', '2.0', 'none']);
    expect(texts(fid, 'axis-title log-axis')).toEqual(['FID (log scale, lower is better)']);
    expect(texts(is, 'tick')).toEqual(['6', '7', '8', '9', '10', '0.0', '0.5', '1.0', '1.5', '2.0', 'none']);
    expect(texts(pr, 'tick')).toEqual([...Array(2)].flatMap(() => ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']));
    expect(texts(fid, 'reference-label')).toEqual(['MNIST test (real): 0.9', 'VAE: 30']);
    expect(texts(is, 'reference-label')).toEqual(['MNIST test (real): 9.77', 'VAE: 6']);
    expect(texts(pr, 'reference-label')).toEqual(['MNIST test (real)', 'VAE']);
    expect(texts(pr, 'psi-label')).toEqual(['0.25', '0.5', '0.75', '1', '1.25', '1.5', '2', 'none']);
    expect(count(fid, 'class="reference-line"')).toBe(2);
  });

  it('draws one marker per value: 8 per panel for the sweep, 2 reference markers in precision/recall', () => {
    expect(count(svg, 'class="marker sweep"')).toBe(3 * 8);
    expect(count(svg, 'class="marker reference"')).toBe(2);
    expect(count(svg, 'class="legend-marker"')).toBe(3);
  });

  it('keeps every coordinate finite and inside the figure, and labels apart', () => {
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    for (const m of svg.matchAll(/ (x|x1|x2|cx|y|y1|y2|cy)="([^"]*)"/g)) {
      const v = Number(m[2]);
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(m[1].startsWith('x') || m[1] === 'cx' ? 1400 : 560);
    }
    const panels = labelBoxes(svg);
    expect(panels.map((labels) => labels.length)).toEqual([2, 2, 2 + 8]);
    for (const labels of panels) {
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          expect(rectsOverlap(labels[i].box, labels[j].box), `${labels[i].text} / ${labels[j].text}`).toBe(false);
        }
      }
    }
  });

  it('is deterministic and independent of the order of the sweep rows', () => {
    const data = realistic();
    const shuffled = { ...data, sweep: [data.sweep[7], data.sweep[3], data.sweep[0], ...data.sweep.slice(4, 7), data.sweep[1], data.sweep[2]] };
    expect(sweepPlotSvg(shuffled)).toBe(svg);
    expect(sweepPlotSvg(realistic())).toBe(svg);
  });

  it('skips missing values instead of drawing them as 0, and leaves out empty panels', () => {
    const data = realistic();
    data.sweep[2].fid = NaN;
    delete data.sweep[3].is;
    data.sweep[4].recall = undefined;
    data.references[1].fid = Infinity;
    const out = sweepPlotSvg(data);
    expect(out).not.toMatch(/NaN|Infinity|undefined/);
    expect(count(out, 'class="marker sweep"')).toBe(3 * 8 - 3);
    expect(count(out, 'class="reference-line"')).toBe(3);
    for (const p of data.sweep) p.precision = undefined;
    for (const r of data.references) delete r.precision;
    const noPr = sweepPlotSvg(data);
    expect(count(noPr, '<g class="panel ')).toBe(2);
    expect(noPr).not.toContain('panel-pr');
  });

  it('escapes labels and draws a sweep without an untruncated row', () => {
    const data = realistic();
    data.title = 'A <b> & "c"';
    data.references[0].label = 'real <test> & co';
    data.sweep.pop();
    const out = sweepPlotSvg(data);
    expect(texts(out, 'title')).toEqual(['A &lt;b&gt; &amp; &quot;c&quot;']);
    expect(out).toContain('>real &lt;test&gt; &amp; co: 9.77</text>');
    expect(out).not.toContain('>none<');
  });

  it('rejects bad input with a message saying what to fix', () => {
    const data = realistic();
    expect(() => sweepPlotSvg({ ...data, sweep: [{ label: 'bad', truncation: 0, fid: 1 }] })).toThrow(
      new InputError('sweep row "bad" has truncation ψ = 0: expected a positive number, or null for no truncation'),
    );
    expect(() => sweepPlotSvg({ title: 'T', sweep: [{ label: 'x', truncation: 1 }], references: [] })).toThrow(
      new InputError(
        'nothing to plot for "T": no sweep row has a finite FID or IS, and no row has both precision and recall; ' +
          'compute at least one of those metrics',
      ),
    );
    expect(() => sweepPlotSvg(data, { width: 100 })).toThrow('sweep plot width must be an integer from 600 to 20000');
  });
});

describe('writeSweepPlot', () => {
  it('writes a PNG of the requested size with the sweep drawn in its colour', async () => {
    const path = join(tmp, 'sweep.png');
    await writeSweepPlot(path, realistic());
    const png = readFileSync(path);
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1400, 560]);
    // librsvg really drew the figure: pixels of the sweep's blue (#1f77b4) and of dark text exist.
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let blue = 0;
    let dark = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (Math.abs(r - 0x1f) < 8 && Math.abs(g - 0x77) < 8 && Math.abs(b - 0xb4) < 8) blue++;
      if (r < 60 && g < 60 && b < 60) dark++;
    }
    expect(blue).toBeGreaterThan(1000);
    expect(dark).toBeGreaterThan(1000);
  });

  it('writes SVG text, scales PNGs, and refuses other extensions', async () => {
    const data = realistic();
    await writeSweepPlot(join(tmp, 'sweep.svg'), data);
    expect(readFileSync(join(tmp, 'sweep.svg'), 'utf8')).toBe(sweepPlotSvg(data));
    await writeSweepPlot(join(tmp, 'small.png'), data, { width: 700, height: 300, scale: 0.5 });
    const meta = await sharp(readFileSync(join(tmp, 'small.png'))).metadata();
    expect([meta.width, meta.height]).toEqual([350, 150]);
    await expect(writeSweepPlot(join(tmp, 'sweep.jpg'), data)).rejects.toThrow(
      `cannot write the sweep plot to ${join(tmp, 'sweep.jpg')}: the file name must end in .png or .svg`,
    );
  });
});

/**
 * The bundled sweep as `fidkit sweep` prints it at n 10,000 (mnist-gan, scale truncation, seed 0, against
 * mnist:test; real = mnist:train-10k, VAE = mnist-vae). Hard-coded so the test needs no model run.
 */
function bundled(): SweepPlotData {
  const psi = [0.25, 0.5, 0.75, 1, 1.5, 2];
  const fid = [357, 115, 32.2, 17.8, 33.5, 53.0];
  const is = [3.38, 6.75, 8.67, 9.08, 8.45, 7.54];
  const precision = [0.915, 0.95, 0.963, 0.961, 0.93, 0.872];
  const recall = [0.066, 0.274, 0.36, 0.398, 0.443, 0.506];
  return {
    title: 'Truncation sweep: mnist-gan against mnist:test',
    subtitle: '10000 samples per set, scale truncation, seed 0, extractor mnist, k = 5',
    sweepLabel: 'mnist-gan, truncated',
    sweep: psi.map((truncation, i) => ({
      label: 'mnist-gan',
      truncation,
      fid: fid[i],
      is: is[i],
      precision: precision[i],
      recall: recall[i],
    })),
    references: [
      { label: 'real (mnist:train-10k)', truncation: null, is: 9.8, fid: 1.76, precision: 0.94, recall: 0.94 },
      { label: 'mnist-vae', truncation: null, is: 5.99, fid: 109.2, precision: 0.81, recall: 0.56 },
    ],
  };
}

/**
 * The same sweep at n 2,000 (`fidkit sweep -n 2000`, the quick look): recall reaches 0.65, so the sweep's
 * end crowds the real square — the layout where its label used to land 100 px away at the panel's top.
 */
function bundledN2000(): SweepPlotData {
  const data = bundled();
  const fid = [361.041, 113.855, 31.736, 18.741, 34.318, 54.059];
  const is = [3.286, 6.672, 8.581, 8.879, 8.318, 7.445];
  const precision = [0.9155, 0.96, 0.9605, 0.9595, 0.9285, 0.8795];
  const recall = [0.1131, 0.427, 0.5802, 0.632, 0.6542, 0.6545];
  data.sweep.forEach((p, i) => Object.assign(p, { fid: fid[i], is: is[i], precision: precision[i], recall: recall[i] }));
  data.references = [
    { label: 'real (mnist:train-10k?n=2000)', truncation: null, is: 9.669, fid: 4.743, precision: 0.9415, recall: 0.9351 },
    { label: 'mnist-vae', truncation: null, is: 5.884, fid: 111.244, precision: 0.811, recall: 0.596 },
  ];
  return data;
}

/** Shortest distance between two boxes (0 when they touch or overlap). */
function gap(a: Rect, b: Rect): number {
  const dx = Math.max(0, b.x - (a.x + a.w), a.x - (b.x + b.w));
  const dy = Math.max(0, b.y - (a.y + a.h), a.y - (b.y + b.h));
  return Math.hypot(dx, dy);
}

const num = (m: RegExpMatchArray, i: number) => Number(m[i]);

/** What one panel of the SVG draws: its frame, labels, marker boxes (in drawing order), segments. */
function panelGeometry(panel: string) {
  const frame = panel.match(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="#ffffff"\/>/)!;
  const markers: Array<{ cls: string; box: Rect }> = [];
  for (const m of panel.matchAll(/<(circle|rect|polygon) class="(marker [a-z]+)" ([^>]*)\/>/g)) {
    const attr = (name: string) => Number(m[3].match(new RegExp(`\\b${name}="([\\d.-]+)"`))![1]);
    let box: Rect;
    if (m[1] === 'circle') box = { x: attr('cx') - attr('r'), y: attr('cy') - attr('r'), w: 2 * attr('r'), h: 2 * attr('r') };
    else if (m[1] === 'rect') box = { x: attr('x'), y: attr('y'), w: attr('width'), h: attr('height') };
    else {
      const pts = m[3].match(/points="([^"]*)"/)![1].split(' ').map((p) => p.split(',').map(Number));
      const xs = pts.map((p) => p[0]);
      const ys = pts.map((p) => p[1]);
      box = { x: Math.min(...xs), y: Math.min(...ys), w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) };
    }
    markers.push({ cls: m[2], box });
  }
  const segments: Array<[number, number, number, number]> = [];
  for (const m of panel.matchAll(/<polyline class="sweep-line" points="([^"]*)"/g)) {
    const pts = m[1].split(' ').map((p) => p.split(',').map(Number));
    for (let i = 1; i < pts.length; i++) segments.push([pts[i - 1][0], pts[i - 1][1], pts[i][0], pts[i][1]]);
  }
  const referenceLines = [...panel.matchAll(/<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"[^>]*class="reference-line"/g)].map(
    (m) => [num(m, 1), num(m, 2), num(m, 3), num(m, 4)] as [number, number, number, number],
  );
  return {
    frame: { x: num(frame, 1), y: num(frame, 2), w: num(frame, 3), h: num(frame, 4) },
    markers,
    segments: [...segments, ...referenceLines],
    referenceLines,
  };
}

describe.each([
  ['n 10,000', bundled],
  ['n 2,000', bundledN2000],
])('sweep plot labels on the bundled sweep at %s', (_, make) => {
  const data = make();
  const svg = sweepPlotSvg(data);
  const panels = svg.split('<g class="panel ').slice(1);
  const labels = labelBoxes(svg);

  it('uses a log FID axis (357 / 1.76 spans more than a decade) with 1-2-5 ticks and says so', () => {
    const ticks = ['1', '2', '5', '10', '20', '50', '100', '200', '500'].slice(make === bundled ? 0 : 1); // n 2,000: real FID 4.74
    expect(texts(panels[0], 'tick').slice(0, ticks.length)).toEqual(ticks);
    expect(texts(panels[0], 'axis-title log-axis')).toEqual(['FID (log scale, lower is better)']);
    // IS 3.38…9.8 stays linear.
    expect(texts(panels[1], 'log-axis')).toEqual([]);
    // The 17.8…53 range gets room: ψ 1 (FID 17.8) and ψ 2 (53.0) lie > 60 px apart (≈ 12 px on the old linear axis).
    const g = panelGeometry(panels[0]);
    const sweepY = g.markers.filter((m) => m.cls === 'marker sweep').map((m) => m.box.y + m.box.h / 2);
    expect(sweepY[3] - sweepY[5]).toBeGreaterThan(60);
  });

  it('keeps every label 2 px clear of the other labels and the markers, off the lines, inside its panel', () => {
    expect(labels.map((l) => l.length)).toEqual([2, 2, 2 + 6]);
    panels.forEach((panel, p) => {
      const g = panelGeometry(panel);
      const ls = labels[p];
      for (let i = 0; i < ls.length; i++) {
        const { text, box } = ls[i];
        const f = g.frame;
        expect(box.x >= f.x && box.y >= f.y && box.x + box.w <= f.x + f.w && box.y + box.h <= f.y + f.h, `${text} inside`).toBe(true);
        // 2 px: the labels' white halo is 1.5 px wide, and labels that touch read as one.
        for (let j = i + 1; j < ls.length; j++) expect(gap(box, ls[j].box), `${text} / ${ls[j].text}`).toBeGreaterThanOrEqual(2);
        for (const m of g.markers) expect(gap(box, m.box), `${text} on a marker`).toBeGreaterThanOrEqual(2);
        for (const [x1, y1, x2, y2] of g.segments) {
          expect(segmentHitsRect(x1, y1, x2, y2, box), `${text} on segment ${x1},${y1}–${x2},${y2}`).toBe(false);
        }
      }
    });
  });

  it('puts each label within 12 px of its mark', () => {
    // (a), (b): a reference label next to its dashed line (reference i ↔ line i).
    for (const p of [0, 1]) {
      const g = panelGeometry(panels[p]);
      labels[p].forEach(({ text, box }, i) => {
        const y = g.referenceLines[i][1];
        const d = Math.max(0, box.y - y, y - (box.y + box.h));
        expect(d, text).toBeLessThanOrEqual(12);
      });
    }
    // (c): ψ labels next to their sweep marker, reference labels next to their reference marker.
    const g = panelGeometry(panels[2]);
    const sweep = g.markers.filter((m) => m.cls === 'marker sweep');
    const refs = g.markers.filter((m) => m.cls === 'marker reference');
    const psiText = ['0.25', '0.5', '0.75', '1', '1.5', '2'];
    for (const { text, box } of labels[2]) {
      const refIndex = data.references.findIndex((r) => r.label === text);
      const mark = refIndex >= 0 ? refs[refIndex] : sweep[psiText.indexOf(text)];
      expect(mark, text).toBeDefined();
      expect(gap(box, mark.box), text).toBeLessThanOrEqual(12);
    }
  });
});
