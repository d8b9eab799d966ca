import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { sweepPlotSvg, writeSweepPlot, type SweepPlotData, type SweepPlotPoint } from '../../src/report/plot.js';
import { escapeXml, niceTicks, rectsOverlap, segmentHitsRect, textBox, type TextAnchor } from '../../src/report/svg.js';

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
    [...panel.matchAll(/<text class="(?:reference-label|psi-label)" x="([\d.-]+)" y="([\d.-]+)" font-size="([\d.]+)"[^>]*?(?:text-anchor="(\w+)")?[^>]*>([^<]*)<\/text>/g)].map(
      (m) => ({ text: m[5], box: textBox(Number(m[1]), Number(m[2]), m[5], Number(m[3]), (m[4] ?? 'start') as TextAnchor) }),
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
    expect(texts(fid, 'tick')).toEqual(['0', '10', '20', '30', '40', '0.0', '0.5', '1.0', '1.5', '2.0', 'none']);
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
