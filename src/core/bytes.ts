/**
 * @file Byte counts for people: decimal units (1 GB = 10⁹ bytes), as `--cache-max 2GB` reads them.
 */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/**
 * A byte count with three significant digits at most.
 * @example formatBytes(390_123_456) // '390 MB'
 * @example formatBytes(2e9) // '2 GB'
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const shown = unit === 0 ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
  return `${shown} ${UNITS[unit]}`;
}
