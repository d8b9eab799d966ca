import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractorFor, layerNeeds, metricNames, registerMetric } from '../../src/api/metric-table.js';
import { featureMatrixFromNpy, readNpyFile } from '../../src/io/npy.js';
import { renderScoreReport } from '../../src/report/score-report.js';
import { score } from '../../src/api/score.js';
import { FIXTURES } from '../cli/run-cli.js';

const features = join(FIXTURES, 'frechet', 'd64_set1_features.npy');

describe('the metric table', () => {
  it('lists the built-ins in report order and derives each input’s layers from them', () => {
    expect(metricNames().slice(0, 6)).toEqual(['fid', 'is', 'kid', 'cmmd', 'pr', 'prdc']);
    expect(layerNeeds(['cmmd'], 'input2')).toEqual({ moments: false, logits: false, features: true });
    expect(layerNeeds(['fid', 'is'], 'input1')).toEqual({ moments: true, logits: true, features: false });
    expect(layerNeeds(['fid', 'is'], 'input2')).toEqual({ moments: true, logits: false, features: false });
    expect(layerNeeds(['kid'], 'input2')).toEqual({ moments: false, logits: false, features: true });
  });

  it('keeps each metric’s default extractor as data: pr → vgg16, cmmd → clip-vit-l-14-336, --extractor for all', () => {
    expect(extractorFor('fid')).toBe('inception');
    expect(extractorFor('pr')).toBe('vgg16');
    expect(extractorFor('cmmd', { extractor: 'mnist' })).toBe('mnist');
    expect(extractorFor('cmmd')).toBe('clip-vit-l-14-336');
  });

  it('takes a new metric from one entry: score, its JSON member and its table row', async () => {
    // A toy metric, the mean feature norm of input1: one entry is all it takes.
    registerMetric({
      name: 'meannorm',
      description: 'mean L2 norm of the feature rows of input1 (a toy)',
      inputs: 1,
      needs: () => ({ features: true }),
      compute: ({ generated }) => {
        const f = generated.features!;
        let sum = 0;
        for (let i = 0; i < f.rows; i++) {
          let s = 0;
          for (let j = 0; j < f.cols; j++) s += f.data[i * f.cols + j] ** 2;
          sum += Math.sqrt(s);
        }
        return { value: sum / f.rows, rows: f.rows };
      },
      rows: (r) => [['mean ‖x‖', r.value, null, `${r.rows} rows`]],
    });
    const m = featureMatrixFromNpy(await readNpyFile(features), features);
    let want = 0;
    for (let i = 0; i < m.rows; i++) want += Math.hypot(...Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
    want /= m.rows;

    const report = await score([features], { metrics: ['meannorm'] });
    const got = report.metrics.meannorm as { value: number; rows: number };
    expect(Math.abs(got.value - want) / want).toBeLessThan(1e-12);
    expect(got.rows).toBe(m.rows);
    expect(renderScoreReport(report)).toMatch(/mean ‖x‖ +\d+\.\d+ +\d+ rows/);
    expect(() => registerMetric({ name: 'meannorm', description: '', inputs: 1, needs: () => ({}), compute: () => 0, rows: () => [] })).toThrow(/already registered/);
  });
});
