import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featureMatrixFromNpy, readNpy, readNpyFile, writeNpy, type NdArray } from '../../src/io/npy.js';
import { readNpz, writeNpz } from '../../src/io/npz.js';

// fixtures/npy was written by NumPy itself (scripts/make-npy-fixtures.py); expected.json holds
// every value in C order (floats as Python repr, 64-bit ints as decimal strings): exact comparison.
const DIR = join(__dirname, '..', '..', 'fixtures', 'npy');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')).cases as Record<
  string,
  { dtype: string; shape: number[]; values: (string | number | boolean)[] }
>;

function valuesOf(arr: NdArray): (string | number | boolean)[] {
  const out: (string | number | boolean)[] = [];
  for (const v of arr.data as ArrayLike<number | bigint>) {
    if (typeof v === 'bigint') out.push(v.toString());
    else if (arr.dtype === 'bool') out.push(v !== 0);
    else out.push(v);
  }
  return out;
}

function expectedValues(c: { dtype: string; values: (string | number | boolean)[] }): (string | number | boolean)[] {
  return c.values.map((v) => (typeof v === 'string' && c.dtype.startsWith('float') ? Number(v) : v));
}

describe('readNpy on every layout NumPy writes', () => {
  const names = readdirSync(DIR).filter((f) => f.endsWith('.npy'));
  it('has the layout fixtures', () => expect(names.length).toBeGreaterThanOrEqual(22));
  for (const file of names) {
    const name = file.slice(0, -4);
    it(name, () => {
      const arr = readNpy(readFileSync(join(DIR, file)), file);
      const c = expected[name];
      expect(arr.dtype).toBe(c.dtype);
      expect(arr.shape).toEqual(c.shape);
      const got = valuesOf(arr);
      const want = expectedValues(c);
      expect(got.length).toBe(want.length);
      // Object.is keeps -0.0 distinct from 0.0.
      got.forEach((v, i) => expect(Object.is(v, want[i]) || v === want[i], `${name}[${i}] ${v} vs ${want[i]}`).toBe(true));
    });
  }
});

describe('readNpyFile (reads native C-order data straight into its array)', () => {
  const names = readdirSync(DIR).filter((f) => f.endsWith('.npy'));
  for (const file of names) {
    it(`${file.slice(0, -4)}: the same array as readNpy`, async () => {
      const fromFile = await readNpyFile(join(DIR, file));
      const whole = readNpy(readFileSync(join(DIR, file)), file);
      expect(fromFile.dtype).toBe(whole.dtype);
      expect(fromFile.shape).toEqual(whole.shape);
      expect(valuesOf(fromFile)).toEqual(valuesOf(whole));
    });
  }

  it('a truncated file, a non-.npy file and a folder fail with readNpy\'s messages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-npy-'));
    const bytes = readFileSync(join(DIR, 'f4_2d_v1.npy'));
    writeFileSync(join(dir, 'cut.npy'), bytes.subarray(0, bytes.length - 4));
    await expect(readNpyFile(join(dir, 'cut.npy'))).rejects.toThrow(/cut\.npy: truncated \.npy data/);
    writeFileSync(join(dir, 'text.npy'), 'hello world, not numpy');
    await expect(readNpyFile(join(dir, 'text.npy'))).rejects.toThrow('text.npy is not a NumPy .npy file (missing the \\x93NUMPY magic)');
    writeFileSync(join(dir, 'tiny.npy'), bytes.subarray(0, 5));
    await expect(readNpyFile(join(dir, 'tiny.npy'))).rejects.toThrow(/tiny\.npy/);
    await expect(readNpyFile(dir)).rejects.toThrow(`${dir} is a folder, where a file (.npy file) was expected`);
    await expect(readNpyFile(join(dir, 'missing.npy'))).rejects.toThrow(`.npy file not found: ${join(dir, 'missing.npy')}: check the path`);
  });

  it('a 1.2 MB float32 matrix arrives whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-npy-'));
    const data = Float32Array.from({ length: 3 * 100_001 }, (_, i) => i * 0.5);
    writeFileSync(join(dir, 'big.npy'), writeNpy({ shape: [100_001, 3], data }));
    const arr = await readNpyFile(join(dir, 'big.npy'));
    expect(arr.shape).toEqual([100_001, 3]);
    expect(arr.data).toEqual(data);
  });
});

describe('writeNpy', () => {
  it('round-trips every dtype and shape it writes', () => {
    const cases: NdArray[] = [
      { dtype: 'float64', shape: [2, 3], data: new Float64Array([1, -2, 3.5, 1e-300, -0, Math.PI]) },
      { dtype: 'float32', shape: [], data: new Float32Array([2.5]) },
      { dtype: 'int64', shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n]) },
      { dtype: 'uint8', shape: [1, 2, 2], data: new Uint8Array([0, 255, 7, 9]) },
      { dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) },
      { dtype: 'int16', shape: [0, 4], data: new Int16Array(0) },
    ];
    for (const arr of cases) {
      const bytes = writeNpy(arr);
      const headerLen = bytes[8] | (bytes[9] << 8);
      expect((10 + headerLen) % 64, 'data is 64-byte aligned like np.save').toBe(0);
      const back = readNpy(bytes);
      expect(back.dtype).toBe(arr.dtype);
      expect(back.shape).toEqual(arr.shape);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(arr.data as ArrayLike<number | bigint>));
    }
  });

  it('writes the same bytes as np.save for a C-order float64 array', () => {
    // f8_3d_v1.npy is np.save(arange(24).reshape(2,3,4)*1.5-7.25): header and data must be identical.
    const original = readFileSync(join(DIR, 'f8_3d_v1.npy'));
    const arr = readNpy(original);
    expect(Buffer.from(writeNpy(arr)).equals(original)).toBe(true);
  });

  it('refuses a shape that does not match the data', () => {
    expect(() => writeNpy({ dtype: 'float64', shape: [2, 2], data: new Float64Array(3) })).toThrow(
      'writeNpy: shape [2, 2] holds 4 elements but data has 3',
    );
  });
});

describe('readNpy errors', () => {
  it('names the file when the magic is missing', () => {
    expect(() => readNpy(new TextEncoder().encode('hello world, not numpy'), 'x.npy')).toThrow(
      'x.npy is not a NumPy .npy file (missing the \\x93NUMPY magic)',
    );
  });
  it('detects truncated data', () => {
    const bytes = readFileSync(join(DIR, 'f8_3d_v1.npy'));
    expect(() => readNpy(bytes.subarray(0, bytes.length - 8), 'cut.npy')).toThrow(/cut\.npy: truncated \.npy data/);
  });
  it('refuses complex numbers with a hint', () => {
    const arr = writeNpy({ dtype: 'float64', shape: [1], data: new Float64Array(1) });
    const text = Buffer.from(arr).toString('latin1').replace("'<f8'", "'<c8'");
    expect(() => readNpy(Buffer.from(text, 'latin1'), 'c.npy')).toThrow(/dtype '<c8' is not supported/);
  });
});

describe('npz', () => {
  const stats = expected.stats as unknown as { mu: string[]; sigma: string[] };
  for (const file of ['stats_stored.npz', 'stats_compressed.npz']) {
    it(`reads ${file} (np.savez / np.savez_compressed) bit-exactly`, () => {
      const members = readNpz(readFileSync(join(DIR, file)), file);
      expect(Object.keys(members).sort()).toEqual(['mu', 'sigma']);
      expect(members.mu.shape).toEqual([5]);
      expect(members.sigma.shape).toEqual([5, 5]);
      expect(Array.from(members.mu.data as Float64Array)).toEqual(stats.mu.map(Number));
      expect(Array.from(members.sigma.data as Float64Array)).toEqual(stats.sigma.map(Number));
    });
  }

  it('reads pytorch-fid --save-stats files from the frechet fixtures', () => {
    const m = readNpz(readFileSync(join(__dirname, '..', '..', 'fixtures', 'frechet', 'd64_set1_stats.npz')));
    expect(m.mu.dtype).toBe('float64');
    expect(m.sigma.shape).toEqual([64, 64]);
  });

  it('round-trips compressed and stored archives', () => {
    const mu: NdArray = { dtype: 'float64', shape: [3], data: new Float64Array([1, 2, 3]) };
    const sigma: NdArray = { dtype: 'float64', shape: [3, 3], data: new Float64Array(9).fill(0.5) };
    for (const compress of [true, false]) {
      const back = readNpz(writeNpz({ mu, sigma }, { compress }));
      expect(Array.from(back.sigma.data as Float64Array)).toEqual(Array.from(sigma.data as Float64Array));
      expect(back.mu.shape).toEqual([3]);
    }
    // Deterministic bytes: same input, same archive (no wall-clock timestamps).
    expect(Buffer.from(writeNpz({ mu })).equals(Buffer.from(writeNpz({ mu })))).toBe(true);
  });

  it('says what is wrong with a file that is not a zip', () => {
    expect(() => readNpz(new Uint8Array([1, 2, 3, 4]), 'bad.npz')).toThrow(/bad\.npz is not a readable \.npz \(zip\) archive/);
  });
});

describe('featureMatrixFromNpy', () => {
  it('views 2-d float arrays as N×D and refuses other shapes', () => {
    const m = featureMatrixFromNpy({ dtype: 'float32', shape: [2, 3], data: new Float32Array(6) });
    expect([m.rows, m.cols]).toEqual([2, 3]);
    expect(() => featureMatrixFromNpy({ dtype: 'int32', shape: [2, 3], data: new Int32Array(6) }, 'f.npy')).toThrow(
      'f.npy: expected float32 or float64 features, got int32',
    );
  });
});
