/**
 * @file The MT19937 Mersenne Twister (Matsumoto & Nishimura 1998), seeded from one 32-bit integer
 * exactly as `numpy.random.RandomState(seed)` seeds it (Knuth's multiplier 1812433253, the
 * reference `init_genrand`). Produces the same stream of 32-bit words as NumPy's `MT19937` bit
 * generator after legacy seeding, word for word.
 */

import { InputError } from '../core/errors.js';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** MT19937 state (624 words and a position); `nextUint32()` returns the tempered outputs. */
export class Mt19937 {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  /**
   * @param seed integer in [0, 2³²−1], as `RandomState(seed)` accepts.
   * @throws {InputError} when the seed is not such an integer.
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new InputError(`seed must be an integer between 0 and 2**32 - 1 (as numpy.random.RandomState accepts), got ${seed}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1];
      // 32-bit wrap-around product, as the C code's unsigned long arithmetic masked to 32 bits.
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.pos = N;
  }

  /** Regenerates all 624 words (the "twist"). */
  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    let y: number;
    for (; kk < N - M; kk++) {
      y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; kk < N - 1; kk++) {
      y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }

  /** Next tempered 32-bit output, as an unsigned integer in [0, 2³²). */
  nextUint32(): number {
    if (this.pos >= N) this.twist();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}
