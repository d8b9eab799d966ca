/**
 * @file The human form of a score report: one row per metric value (with ± where the metric has
 * a spread), then the inputs with their sample counts and how they were made.
 */
import type { ScoreReport } from '../score.js';
import { renderTable, type Cell } from './table.js';

/** Render a {@link ScoreReport} as the table `fidkit score` prints. */
export function renderScoreReport(report: ScoreReport): string {
  const rows: Cell[][] = [];
  const m = report.metrics;
  if (m.fid) rows.push(['FID', m.fid.value, null, `${m.fid.method}${m.fid.offsetApplied ? ', eps offset' : ''}`]);
  if (m.is) rows.push(['IS', m.is.mean, m.is.std, `${m.is.splits} splits${m.is.shuffled ? `, shuffled (seed ${m.is.seed})` : ''}`]);
  if (m.kid) rows.push(['KID', m.kid.mean, m.kid.std, `${m.kid.subsets} subsets of ${m.kid.subsetSize}, seed ${m.kid.seed}`]);
  if (m.pr) {
    const how = `k=${m.pr.k}, d ${m.pr.membership === 'le' ? '≤' : '<'} r`;
    rows.push(['precision', m.pr.precision, null, how], ['recall', m.pr.recall, null, how], ['F-score', m.pr.fScore, null, how]);
  }
  if (m.prdc) {
    const how = `k=${m.prdc.k}, d ${m.prdc.membership === 'le' ? '≤' : '<'} r`;
    for (const key of ['precision', 'recall', 'density', 'coverage'] as const) rows.push([`${key} (prdc)`, m.prdc[key], null, how]);
  }
  const inputs = report.inputs.map((i) => [i.role, i.path, i.kind, i.count ?? 'unknown', i.dim, i.extractor ?? '', i.protocol ?? '']);
  return (
    renderTable(['metric', 'value', '±', 'how'], rows) +
    '\n' +
    renderTable(['input', 'path', 'kind', 'N', 'D', 'extractor', 'protocol'], inputs) +
    `\nfidkit ${report.fidkit}\n`
  );
}
