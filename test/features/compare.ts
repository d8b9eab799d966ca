/**
 * @file Test helpers of the extractor tests that check fidkit's features against a reference's on the
 * fixture images: the tolerance measure and the one folder holding both image sets.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FIXTURES } from '../cli/run-cli.js';

/** max |a − b| / max |b| over all elements (the issues' bound is on this). */
export function relativeMaxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let top = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    top = Math.max(top, Math.abs(b[i]));
  }
  return diff / top;
}

/**
 * A folder `<tmp>/both` of links to the fixture images `files.set_a` and `files.set_b` (a01… sort before
 * b01…, so one run's rows are set_a's then set_b's); returns its path.
 */
export function linkBothSets(tmp: string, files: Readonly<Record<'set_a' | 'set_b', readonly string[]>>): string {
  const both = join(tmp, 'both');
  mkdirSync(both);
  for (const set of ['set_a', 'set_b'] as const) for (const f of files[set]) symlinkSync(join(FIXTURES, 'images', set, f), join(both, f));
  return both;
}
