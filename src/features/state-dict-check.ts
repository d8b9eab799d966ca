/**
 * @file Compares a loaded state dict with an extractor's expected layout (key and shape per tensor, in
 * floating point): the part of a weights check the VGG16 and CLIP extractors share. Each extractor
 * words its own error around the {@link StateDictMismatch} (what the file looks like instead, which
 * file to pass).
 */

import type { StateDict } from '../core/types.js';

/** How a state dict differs from the expected layout. */
export interface StateDictMismatch {
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  /** One line per tensor of the wrong shape or a non-float dtype. */
  readonly wrong: readonly string[];
  /** "missing 2 key(s): a, b; unexpected 1 key(s): c; wrong …" — the first five of each. */
  readonly summary: string;
}

export const fmtShape = (s: readonly number[]): string => (s.length === 0 ? 'scalar' : `[${s.join(', ')}]`);

export const sameShape = (a: readonly number[] | undefined, b: readonly number[]): boolean => a !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * How `sd` differs from `spec` (every key present, with its shape, float32 or float64; no other key among
 * those `covered` says the layout speaks for), or undefined when it matches.
 */
export function stateDictMismatch(sd: StateDict, spec: readonly { readonly key: string; readonly shape: readonly number[] }[], covered: (key: string) => boolean = () => true): StateDictMismatch | undefined {
  const known = new Set(spec.map((e) => e.key));
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const e of spec) {
    const t = sd.get(e.key);
    if (t === undefined) missing.push(e.key);
    else if (!sameShape(t.shape, e.shape)) wrong.push(`${e.key} is ${fmtShape(t.shape)}, expected ${fmtShape(e.shape)}`);
    else if (t.dtype !== 'float32' && t.dtype !== 'float64') wrong.push(`${e.key} holds ${t.dtype}, expected floating point`);
  }
  const unexpected = [...sd.keys()].filter((k) => covered(k) && !known.has(k));
  if (missing.length + unexpected.length + wrong.length === 0) return undefined;
  const list = (xs: string[]): string => xs.slice(0, 5).join(', ') + (xs.length > 5 ? `, … (${xs.length} in all)` : '');
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing ${missing.length} key(s): ${list(missing)}`);
  if (unexpected.length > 0) parts.push(`unexpected ${unexpected.length} key(s): ${list(unexpected)}`);
  if (wrong.length > 0) parts.push(`wrong ${wrong.length} tensor(s): ${list(wrong)}`);
  return { missing, unexpected, wrong, summary: parts.join('; ') };
}
