import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { readNpy } from '../../src/io/npy.js';
import { Mt19937 } from '../../src/random/mt19937.js';
import { RandomState } from '../../src/random/random-state.js';

const fixture = (name: string) => readNpy(readFileSync(new URL(`../../fixtures/is_kid/${name}`, import.meta.url)), name);

/** Rows of an int64 [S, m] index array as plain number arrays. */
function rowsOf(name: string): number[][] {
  const arr = fixture(name);
  const [s, m] = arr.shape;
  const flat = Array.from(arr.data as BigInt64Array, Number);
  return Array.from({ length: s }, (_, i) => flat.slice(i * m, (i + 1) * m));
}

// The literals below were produced with numpy 2.4.6 (python3 3.11.7) on 2026-11-27, e.g.
//   r = np.random.RandomState(0); [r.random_sample() for _ in range(3)]
//   np.random.RandomState(0).randint(0, 1000, size=5).tolist()
//   np.random.RandomState(0).permutation(10).tolist()
//   r = np.random.RandomState(42); r.choice(20, 5, replace=False).tolist(); r.choice(20, 5, replace=True).tolist()
//   np.random.RandomState(2020)._bit_generator.random_raw(3).tolist()
// They are exact: the test compares with toEqual / toBe.
describe('Mt19937', () => {
  it('emits numpy MT19937 words after RandomState(2020) seeding', () => {
    const mt = new Mt19937(2020);
    expect([mt.nextUint32(), mt.nextUint32(), mt.nextUint32()]).toEqual([4236026720, 639299976, 3751189827]);
  });

  it('rejects seeds that RandomState rejects', () => {
    expect(() => new Mt19937(-1)).toThrow(InputError);
    expect(() => new Mt19937(2 ** 32)).toThrow('seed must be an integer between 0 and 2**32 - 1');
    expect(() => new Mt19937(1.5)).toThrow(InputError);
  });
});

describe('RandomState (numpy legacy)', () => {
  it('random_sample for seed 0', () => {
    const r = new RandomState(0);
    expect([r.randomSample(), r.randomSample(), r.randomSample()]).toEqual([0.5488135039273248, 0.7151893663724195, 0.6027633760716439]);
  });

  it('randint(0, 1000) for seed 0', () => {
    const r = new RandomState(0);
    expect(Array.from({ length: 5 }, () => r.randint(0, 1000))).toEqual([684, 559, 629, 192, 835]);
  });

  it('permutation(10) for seed 0', () => {
    expect(Array.from(new RandomState(0).permutation(10))).toEqual([2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
  });

  it('choice without then with replacement share one stream (seed 42)', () => {
    const r = new RandomState(42);
    expect(Array.from(r.choice(20, 5, false))).toEqual([0, 17, 15, 1, 8]);
    expect(Array.from(r.choice(20, 5, true))).toEqual([1, 0, 11, 11, 16]);
  });

  it('reproduces torch-fidelity\'s IS shuffle: RandomState(2020).permutation(250)', () => {
    const expected = Array.from(fixture('is_shuffle_permutation.npy').data as BigInt64Array, Number);
    expect(expected.length).toBe(250);
    expect(Array.from(new RandomState(2020).permutation(250))).toEqual(expected);
  });

  for (const pair of ['f1f2', 'f1f3']) {
    it(`reproduces torch-fidelity's KID subsets (${pair}): per subset choice(N1, 50) then choice(N2, 50)`, () => {
      const idx1 = rowsOf(`${pair}_kid_subset_idx1.npy`);
      const idx2 = rowsOf(`${pair}_kid_subset_idx2.npy`);
      expect(idx1.length).toBe(100);
      const r = new RandomState(2020);
      for (let s = 0; s < idx1.length; s++) {
        expect(Array.from(r.choice(200, 50, false))).toEqual(idx1[s]);
        expect(Array.from(r.choice(200, 50, false))).toEqual(idx2[s]);
      }
    });
  }

  it('rejects impossible draws with the sizes in the message', () => {
    expect(() => new RandomState(0).choice(10, 11, false)).toThrow('cannot take a larger sample than population when replace=False (size 11 > n 10)');
    expect(() => new RandomState(0).randint(5, 5)).toThrow(InputError);
    expect(() => new RandomState(0).permutation(-1)).toThrow(InputError);
  });

  it('edge cases: permutation(0) and permutation(1) draw nothing', () => {
    const r = new RandomState(0);
    expect(Array.from(r.permutation(0))).toEqual([]);
    expect(Array.from(r.permutation(1))).toEqual([0]);
    expect(r.randomSample()).toBe(0.5488135039273248);
  });
});
