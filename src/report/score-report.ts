/**
 * @file The human form of a score report: each metric's rows from the metric table (value, ± where
 * the metric has a spread, how it was computed), then the inputs with their sample counts and how they were made.
 */
import { metricEntry } from '../api/metric-table.js';
import type { ScoreReport } from '../score.js';
import { renderTable, type Cell } from './table.js';

/** Render a {@link ScoreReport} as the table `fidkit score` prints. */
export function renderScoreReport(report: ScoreReport): string {
  // Each metric's rows, in the report's (table) order.
  const rows: Cell[][] = Object.entries(report.metrics).flatMap(([name, result]) => metricEntry(name).rows(result));
  const inputs = report.inputs.map((i) => [i.role, i.path, i.kind, i.count ?? 'unknown', i.dim, i.extractor ?? '', i.protocol ?? '']);
  return (
    renderTable(['metric', 'value', '±', 'how'], rows) +
    '\n' +
    renderTable(['input', 'path', 'kind', 'N', 'D', 'extractor', 'protocol'], inputs) +
    `\nfidkit ${report.fidkit}\n`
  );
}
