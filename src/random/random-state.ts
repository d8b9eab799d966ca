/**
 * @file NumPy's legacy `numpy.random.RandomState` draws that the metrics need, bit for bit:
 * `random_sample`, `randint`, `permutation`, `shuffle` and `choice` (with and without replacement).
 * torch-fidelity shuffles Inception-Score logits with `RandomState(2020).permutation(N)` and draws KID
 * subsets with `RandomState(2020).choice(N, m, replace=False)`; matching those index sequences is
 * what makes fidkit's default IS and KID equal to torch-fidelity's to the last digit.
 *
 * These are the LEGACY algorithms (RandomState), not `numpy.random.Generator`'s, which differ:
 * - bounded integers: mask rejection (draw 32 bits, keep `bits & mask` where mask = 2^⌈log2(max+1)⌉−1,
 *   retry while > max) — numpy's `random_interval` / masked `random_bounded_uint64_fill`;
 * - shuffle: Fisher–Yates from the last element down, swapping i with `random_interval(i)`;
 * - `choice(n, size, replace=False)` = the first `size` entries of `permutation(n)` (so it draws
 *   n−1 numbers whatever `size` is);
 * - `random_sample` = (a>>5 · 2^26 + b>>6) / 2^53 from two 32-bit words.
 * Checked against numpy 2.4.6 (`test/random/random-state.test.ts` holds pasted numpy outputs).
 */

import { InputError } from '../core/errors.js';
import { Mt19937 } from './mt19937.js';

/** Largest population handled: numpy switches to 64-bit draws above 2³²−1, which no feature set reaches. */
const MAX_UINT32 = 0xffffffff;

function checkCount(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new InputError(`${name} must be an integer between 0 and ${max}, got ${value}`);
  }
}

/** A seeded generator reproducing `numpy.random.RandomState(seed)`'s legacy draws. */
export class RandomState {
  private readonly bits: Mt19937;

  /**
   * @param seed integer in [0, 2³²−1].
   * @throws {InputError} when the seed is out of range or not an integer.
   */
  constructor(seed: number) {
    this.bits = new Mt19937(seed);
  }

  /** Next raw 32-bit word of the underlying MT19937. */
  nextUint32(): number {
    return this.bits.nextUint32();
  }

  /** `random_sample()`: a double in [0, 1) with 53 random bits. */
  randomSample(): number {
    const a = this.bits.nextUint32() >>> 5;
    const b = this.bits.nextUint32() >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  /**
   * Uniform integer in [0, max] by mask rejection (numpy's `random_interval`), max ≤ 2³²−1.
   * @throws {InputError} when max is not an integer in range.
   */
  randomInterval(max: number): number {
    checkCount('randomInterval max', max, MAX_UINT32);
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.bits.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /**
   * `randint(low, high)`: an integer in [low, high) (or [0, low) with one argument), drawn like
   * the legacy int64 path for ranges below 2³².
   * @throws {InputError} when the range is empty or wider than 2³².
   */
  randint(low: number, high?: number): number {
    const lo = high === undefined ? 0 : low;
    const hi = high === undefined ? low : high;
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi <= lo) {
      throw new InputError(`randint: need integers low < high, got low=${lo}, high=${hi}`);
    }
    if (hi - lo - 1 > MAX_UINT32) throw new InputError(`randint: ranges wider than 2**32 are not supported (got ${hi - lo})`);
    return lo + this.randomInterval(hi - lo - 1);
  }

  /** In-place Fisher–Yates shuffle in numpy's legacy order (`RandomState.shuffle` on a 1-D array). */
  shuffle<T extends { length: number; [i: number]: number }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
    return values;
  }

  /**
   * `permutation(n)`: a shuffled `arange(n)`.
   * @throws {InputError} when n is not a non-negative integer below 2³¹.
   */
  permutation(n: number): Int32Array {
    checkCount('permutation n', n, 0x7fffffff);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }

  /**
   * `choice(n, size, replace)`: `size` indices from [0, n). Without replacement this is
   * `permutation(n)[:size]`, as legacy numpy does it; with replacement, `size` draws of `randint(0, n)`.
   * @throws {InputError} when n < 1, or size > n without replacement ("Cannot take a larger sample than population").
   */
  choice(n: number, size: number, replace = true): Int32Array {
    checkCount('choice population n', n, 0x7fffffff);
    checkCount('choice size', size, 0x7fffffff);
    if (n === 0 && size > 0) throw new InputError('choice: the population is empty (n = 0), so no sample can be drawn');
    if (replace) {
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = this.randomInterval(n - 1);
      return out;
    }
    if (size > n) {
      throw new InputError(`choice: cannot take a larger sample than population when replace=False (size ${size} > n ${n})`);
    }
    return this.permutation(n).slice(0, size);
  }
}
