/**
 * @file Option parsers shared by the commands: each turns a flag's text into a typed value or
 * rejects it with commander's InvalidArgumentError (exit 2), naming the accepted form — the
 * sharp-style "Expected positive integer for --batch-size but received '1.5'".
 */
import { InvalidArgumentError } from 'commander';

/** Parser for an integer ≥ `min`. */
export function integerAtLeast(flag: string, min: number): (text: string) => number {
  return (text) => {
    const v = Number(text);
    if (!Number.isSafeInteger(v) || v < min) {
      throw new InvalidArgumentError(`Expected an integer ≥ ${min} for ${flag} but received '${text}'.`);
    }
    return v;
  };
}

/** Parser for one value of a fixed list. */
export function oneOf<T extends string>(flag: string, allowed: readonly T[]): (text: string) => T {
  return (text) => {
    if (!(allowed as readonly string[]).includes(text)) {
      throw new InvalidArgumentError(`Unknown ${flag} '${text}'; valid values: ${allowed.join(', ')}.`);
    }
    return text as T;
  };
}

/** Parser for a comma-separated list of values from a fixed list (duplicates removed, order kept). */
export function listOf<T extends string>(flag: string, allowed: readonly T[]): (text: string) => T[] {
  const one = oneOf(flag, allowed);
  return (text) => [...new Set(text.split(',').map((s) => one(s.trim().toLowerCase())))];
}
