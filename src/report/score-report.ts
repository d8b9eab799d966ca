/**
 * @file The human form of a score report: each metric's rows from the metric table (value, ± where
 * the metric has a spread, how it was computed, which features it read), then the inputs with their
 * sample counts and how they were made (a folder once per extractor).
 */
import { metricEntry } from '../api/metric-table.js';
import type { ScoreReport } from '../api/score.js';
import { renderTable, type Cell } from './table.js';

/** Render a {@link ScoreReport} as the table `fidkit score` prints. */
export function renderScoreReport(report: ScoreReport): string {
  // Each metric's rows, in the report's (table) order. Each row also names the features it read
  // (pr: vgg16 fc2_relu, fid: inception pool3, …) when they came from an extractor; files of features
  // do not say, and then the column is left out.
  const spaceOf = (result: unknown) => (result as { features?: { extractor: string | null; layer: string | null } } | null)?.features;
  const named = Object.values(report.metrics).some((r) => spaceOf(r)?.extractor);
  const rows: Cell[][] = Object.entries(report.metrics).flatMap(([name, result]) => {
    const space = spaceOf(result);
    const features = space?.extractor ? [space.extractor, space.layer].filter(Boolean).join(' ') : '';
    return metricEntry(name).rows(result).map((row) => (named ? [...row, features] : row));
  });
  const inputs = report.inputs.map((i) => [i.role, i.path, i.kind, i.count ?? 'unknown', i.dim, i.extractor ?? '', i.protocol ?? '']);
  return (
    renderTable(['metric', 'value', '±', 'how', ...(named ? ['features'] : [])], rows) +
    '\n' +
    renderTable(['input', 'path', 'kind', 'N', 'D', 'extractor', 'protocol'], inputs) +
    `\nfidkit ${report.fidkit}\n`
  );
}
