/**
 * @file Plain-text tables for the terminal: columns padded to their widest cell, numbers
 * right-aligned, no colours (the output is often piped into files and papers' notes).
 */

export type Cell = string | number | null | undefined;

/** Format a number for a human table: up to `digits` significant digits, no exponent for ordinary sizes. */
export function formatNumber(value: number, digits = 6): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

function text(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  return typeof cell === 'number' ? formatNumber(cell) : cell;
}

/**
 * Render rows under a header as aligned columns.
 * @example renderTable(['metric', 'value'], [['FID', 12.3]]) // "metric  value\nFID      12.3\n"
 */
export function renderTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = [header.map(text), ...rows.map((r) => header.map((_, i) => text(r[i])))];
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number'));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n') + '\n';
}
