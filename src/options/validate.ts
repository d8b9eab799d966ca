/**
 * @file The small validation vocabulary every option uses (sharp's `is.mjs` idea): a value type
 * knows how to read a flag's text (`parse`) and how to check a value an API caller passed
 * (`check`). Both report a failure as a plain sentence fragment ("an integer ≥ 1"), so the CLI can
 * say "Expected an integer ≥ 1 for --batch-size but received '1.5'" and the API "batchSize: expected
 * an integer ≥ 1 but received 1.5" — each caller hears the name it used.
 */

/** A value type: what it accepts, in words, and how to read text or check a value. */
export interface ValueType<T> {
  /** What it accepts, e.g. "an integer ≥ 1", "one of tf, pytorch-fid, clean". */
  readonly expected: string;
  /** Read a flag's text; returns `undefined` when the text is not acceptable. */
  parse(text: string): T | undefined;
  /** Check an API value; returns `undefined` when it is not acceptable. */
  check(value: unknown): T | undefined;
  /** The accepted names, for types that take names from a list (help texts list them). */
  choices?(): readonly string[];
}

/** An integer ≥ `min` (safe integers only). */
export function integer(min: number): ValueType<number> {
  const ok = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? v : undefined);
  return { expected: `an integer ≥ ${min}`, parse: (t) => (t.trim() === '' ? undefined : ok(Number(t))), check: ok };
}

/** A finite number > `min` (`strict`) or ≥ `min`. */
export function number(min: number, strict: boolean): ValueType<number> {
  const ok = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) && (strict ? v > min : v >= min) ? v : undefined;
  return { expected: `a number ${strict ? '>' : '≥'} ${min}`, parse: (t) => (t.trim() === '' ? undefined : ok(Number(t))), check: ok };
}

/** One value of a fixed list (or of a list known only at run time, e.g. registered extractors). */
export function oneOf<T extends string>(allowed: readonly T[] | (() => readonly T[])): ValueType<T> {
  const list = () => (typeof allowed === 'function' ? allowed() : allowed);
  const ok = (v: unknown): T | undefined => (typeof v === 'string' && (list() as readonly string[]).includes(v) ? (v as T) : undefined);
  return {
    get expected() {
      return `one of ${list().join(', ')}`;
    },
    parse: ok,
    check: ok,
    choices: list,
  };
}

/**
 * A name from a list known at run time, where list items written `head:ARG` (e.g. `onnx:PATH.onnx`)
 * stand for any `head:<non-empty text>` — the extractor names.
 */
export function nameOrPattern(allowed: () => readonly string[]): ValueType<string> {
  const ok = (v: unknown): string | undefined => {
    if (typeof v !== 'string' || v.length === 0) return undefined;
    for (const item of allowed()) {
      const colon = item.indexOf(':');
      if (colon < 0 ? v === item : v.startsWith(item.slice(0, colon + 1)) && v.length > colon + 1) return v;
    }
    return undefined;
  };
  return {
    get expected() {
      return `one of ${allowed().join(', ')}`;
    },
    parse: ok,
    check: ok,
    choices: allowed,
  };
}

/**
 * A comma-separated list of values from a fixed list (case-insensitive, duplicates removed, order
 * kept). `aliases` are other names for some values (`fid` for the `frechet` check group).
 */
export function listOf<T extends string>(allowed: readonly T[] | (() => readonly T[]), aliases: Readonly<Record<string, T>> = {}): ValueType<T[]> {
  const one = oneOf(allowed);
  const ok = (items: readonly unknown[]): T[] | undefined => {
    const out: T[] = [];
    for (const item of items) {
      const name = typeof item === 'string' ? item.trim().toLowerCase() : item;
      const v = typeof name === 'string' && Object.hasOwn(aliases, name) ? aliases[name] : one.check(name);
      if (v === undefined) return undefined;
      if (!out.includes(v)) out.push(v);
    }
    return out.length > 0 ? out : undefined;
  };
  const aliasText = Object.entries(aliases).map(([a, v]) => `${a} = ${v}`).join(', ');
  return {
    get expected() {
      return `a comma-separated list of ${(typeof allowed === 'function' ? allowed() : allowed).join(', ')}${aliasText ? ` (also ${aliasText})` : ''}`;
    },
    parse: (t) => ok(t.split(',')),
    check: (v) => (Array.isArray(v) ? ok(v) : undefined),
    choices: () => one.choices!(),
  };
}

/**
 * One value of a fixed list of ranges (`0,1`, `-1,1`), read with spaces and brackets ignored, so
 * `[-1, 1]` and `(0,1)` are accepted as written in papers.
 */
export function rangeOf<T extends string>(allowed: readonly T[]): ValueType<T> {
  const one = oneOf(allowed);
  return { ...one, expected: one.expected, parse: (t) => one.parse(t.replace(/[\s[\]()]/g, '')) };
}

/**
 * A comma-separated list of file extensions out of `known` (any case, with or without the dot;
 * duplicates removed, order kept), so a typo fails when it is read rather than as "0 images".
 */
export function extensionList(known: readonly string[]): ValueType<string[]> {
  const ok = (items: readonly unknown[]): string[] | undefined => {
    if (!items.every((e) => typeof e === 'string')) return undefined;
    const list = [...new Set((items as string[]).map((e) => e.trim().replace(/^\./, '').toLowerCase()).filter((e) => e.length > 0))];
    return list.length > 0 && list.every((e) => known.includes(e)) ? list : undefined;
  };
  return {
    expected: `a comma-separated list of image extensions out of ${known.join(', ')}`,
    parse: (t) => ok(t.split(',')),
    check: (v) => (Array.isArray(v) ? ok(v) : undefined),
  };
}

/** Any non-empty text (paths, input specs); the command that reads it checks what it names. */
export const text: ValueType<string> = {
  expected: 'a non-empty text',
  parse: (t) => (t.length > 0 ? t : undefined),
  check: (v) => (typeof v === 'string' && v.length > 0 ? v : undefined),
};

/** A comma-separated list of non-empty texts (inputs, names); spaces around items are dropped. */
export const textList: ValueType<string[]> = {
  expected: 'a comma-separated list of non-empty texts',
  parse: (t) => {
    const items = t.split(',').map((s) => s.trim());
    return items.every((s) => s.length > 0) ? items : undefined;
  },
  check: (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0) ? (v as string[]) : undefined),
};

/** A count ≥ `min`, or `all`. */
export function countOrAll(min: number): ValueType<number | 'all'> {
  const int = integer(min);
  return {
    expected: `an integer ≥ ${min} or 'all'`,
    parse: (t) => (t.trim().toLowerCase() === 'all' ? 'all' : int.parse(t)),
    check: (v) => (v === 'all' ? 'all' : int.check(v)),
  };
}

/** A switch (`--json`, `--no-cache`): commander gives booleans, the API takes them. */
export const flag: ValueType<boolean> = {
  expected: 'true or false',
  parse: (t) => (t === 'true' ? true : t === 'false' ? false : undefined),
  check: (v) => (typeof v === 'boolean' ? v : undefined),
};

/** A truncation threshold ψ > 0, or `none` (= Infinity, untruncated). */
export const truncation: ValueType<number> = {
  expected: "a threshold ψ > 0 or 'none'",
  parse: (t) => {
    const s = t.trim().toLowerCase();
    if (s === 'none' || s === 'inf' || s === 'infinity') return Infinity;
    const v = Number(s);
    return s !== '' && Number.isFinite(v) && v > 0 ? v : undefined;
  },
  check: (v) => (typeof v === 'number' && v > 0 ? v : undefined),
};

/** A comma-separated list of truncation thresholds. */
export const truncationList: ValueType<number[]> = {
  expected: "a comma-separated list of thresholds ψ > 0 or 'none'",
  parse: (t) => {
    const values = t.split(',').map((s) => truncation.parse(s));
    return values.length > 0 && values.every((v) => v !== undefined) ? (values as number[]) : undefined;
  },
  check: (v) => (Array.isArray(v) && v.length > 0 && v.every((x) => truncation.check(x) !== undefined) ? (v as number[]) : undefined),
};

/** An image size `N` (square) or `HxW`, as the canonical text `HxW`; API callers may pass a number or [H, W]. */
export const imageSize: ValueType<string> = {
  expected: 'a size N or HxW (e.g. 224 or 224x256)',
  parse: (t) => {
    const m = /^\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?$/i.exec(t);
    if (!m) return undefined;
    const h = Number(m[1]);
    const w = m[2] === undefined ? h : Number(m[2]);
    return h >= 1 && w >= 1 && Number.isSafeInteger(h) && Number.isSafeInteger(w) ? `${h}x${w}` : undefined;
  },
  check: (v) => {
    if (typeof v === 'string') return imageSize.parse(v);
    if (typeof v === 'number') return imageSize.parse(String(v));
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return imageSize.parse(`${v[0]}x${v[1]}`);
    return undefined;
  },
};

/** What an image is resized to before a centre crop: `HxW`, or `short:N` (shorter side N, aspect kept, as torchvision's Resize(N)). */
export const resizeTarget: ValueType<string> = {
  expected: 'HxW or short:N (e.g. 256x256 or short:256)',
  parse: (t) => {
    const m = /^\s*short\s*:\s*(\d+)\s*$/i.exec(t);
    if (m) return Number(m[1]) >= 1 && Number.isSafeInteger(Number(m[1])) ? `short:${Number(m[1])}` : undefined;
    return /[x×]/i.test(t) ? imageSize.parse(t) : undefined;
  },
  check: (v) => (typeof v === 'string' ? resizeTarget.parse(v) : undefined),
};

/**
 * One number per channel (`r,g,b`) or one for all three (`0.5`), finite; with `positive`, > 0
 * (a standard deviation). Always three values once read.
 */
export function channelValues(positive: boolean): ValueType<number[]> {
  const ok = (xs: readonly unknown[]): number[] | undefined => {
    if (xs.length !== 1 && xs.length !== 3) return undefined;
    if (!xs.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))) return undefined;
    return xs.length === 1 ? [xs[0] as number, xs[0] as number, xs[0] as number] : [...(xs as number[])];
  };
  return {
    expected: `one ${positive ? 'number > 0' : 'finite number'} or three, comma-separated (one per channel)`,
    parse: (t) => (t.trim() === '' ? undefined : ok(t.split(',').map((x) => (x.trim() === '' ? NaN : Number(x))))),
    check: (v) => (typeof v === 'number' ? ok([v]) : Array.isArray(v) ? ok(v) : undefined),
  };
}

/** Shard `k/n` with 1 ≤ k ≤ n. */
export const shard: ValueType<{ index: number; count: number }> = {
  expected: 'k/n with 1 ≤ k ≤ n (e.g. 3/8)',
  parse: (t) => {
    const m = /^(\d+)\/(\d+)$/.exec(t.trim());
    return m ? shard.check({ index: Number(m[1]), count: Number(m[2]) }) : undefined;
  },
  check: (v) => {
    const { index, count } = (v ?? {}) as { index?: unknown; count?: unknown };
    if (typeof index !== 'number' || typeof count !== 'number' || !Number.isSafeInteger(index) || !Number.isSafeInteger(count)) return undefined;
    return index >= 1 && index <= count ? { index, count } : undefined;
  },
};

const BYTE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, k: 1e3, m: 1e6, g: 1e9, t: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/**
 * A size in bytes: the flag takes `2GB`, `500MB`, `1.5G`, `800MiB` or a plain number of bytes (units
 * are decimal, 1 GB = 10⁹ bytes; KiB/MiB/GiB are binary); the API takes a number of bytes ≥ 0.
 */
export const byteSize: ValueType<number> = {
  expected: 'a size such as 2GB, 500MB or 0',
  parse: (t) => {
    const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(t);
    const unit = m ? BYTE_UNITS[(m[2] || 'b').toLowerCase()] : undefined;
    return m && unit !== undefined ? Math.round(Number(m[1]) * unit) : undefined;
  },
  check: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined),
};

const DURATION_UNITS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000 };

/** An age: the flag takes `30d`, `12h` or `90m` (days, hours, minutes); the API takes milliseconds ≥ 0. */
export const duration: ValueType<number> = {
  expected: 'an age such as 30d, 12h or 90m (days, hours, minutes)',
  parse: (t) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([dhm])\s*$/i.exec(t);
    return m ? Number(m[1]) * DURATION_UNITS[m[2].toLowerCase()] : undefined;
  },
  check: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined),
};

/** The CLI's wording of a rejected flag value. */
export function flagMessage(flag: string, type: ValueType<unknown>, received: string): string {
  return `Expected ${type.expected} for ${flag} but received '${received}'.`;
}

/** The API's wording of a rejected option value (library callers know option names, not flags). */
export function optionMessage(key: string, type: ValueType<unknown>, received: unknown): string {
  const shown = typeof received === 'string' ? `'${received}'` : Array.isArray(received) ? JSON.stringify(received) : String(received);
  return `${key}: expected ${type.expected} but received ${shown}`;
}
