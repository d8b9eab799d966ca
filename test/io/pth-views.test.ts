/**
 * @file `.pth` files whose tensors are views larger than their storage (`torch.zeros(1).expand(n, n)` saved in
 * a state dict: a ~540-byte file describing n² floats) are refused while parsing, naming the file and the key,
 * before anything is materialised; tensors stay lazy so keys and shapes are checked against the network first.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FidkitError, FormatError } from '../../src/core/errors.js';
import { assertInceptionStateDict } from '../../src/features/inception/state-dict.js';
import { parsePth, readPth, type PthTensor } from '../../src/io/pth.js';
import { measuredCli } from '../cli/measured-cli.js';
import { FIXTURES } from '../cli/run-cli.js';
import { viewPth } from './evil-pth.js';

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('expanded and oversized views in .pth files', () => {
  it("refuses a stride-0 view larger than its storage, naming the file and the key", () => {
    const e = errorOf(() => parsePth(viewPth('fc.weight', [10000, 10000], [0, 0]), 'evil.pth'));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toBe(
      "evil.pth: tensor 'fc.weight' of size [10000, 10000] with stride [0, 0] is an expanded or overlapping view that would " +
        'materialise 100000000 elements from a storage of 1; fidkit refuses such views in weights files. ' +
        'If the tensor is meant, re-save it with tensor.contiguous().clone() before torch.save',
    );
    // Overlapping strides are caught too (9 elements from a storage of 5), and the key path names nesting.
    const overlap = errorOf(() => parsePth(viewPth('w', [3, 3], [1, 1], 5), 'o.pth'));
    expect(overlap.message).toMatch(/^o\.pth: tensor 'w' of size \[3, 3\] with stride \[1, 1\] is an expanded or overlapping view .* storage of 5;/);
  });

  it('refuses the expanded view of the torch-written fixture by default, reads it when allowed', () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'pth', 'noncontig_zip.pth')));
    expect(errorOf(() => parsePth(bytes, 'n.pth')).message).toMatch(/^n\.pth: tensor 'expanded' of size \[2, 3\] with stride \[0, 1\]/);
    const legacy = new Uint8Array(readFileSync(join(FIXTURES, 'pth', 'noncontig_legacy.pth')));
    expect(errorOf(() => parsePth(legacy, 'l.pth')).message).toMatch(/^l\.pth: tensor 'expanded' of size \[2, 3\]/);
    const { root } = parsePth(bytes, 'n.pth', { allowExpandedViews: true });
    const t = (root as Map<string, PthTensor>).get('expanded')!;
    expect(t.isExpandedView).toBe(true);
    expect(t.data.length).toBe(6);
  });

  it('refuses tensors of more than 2^31 elements with a clear message (no RangeError), even when views are allowed', () => {
    for (const options of [{}, { allowExpandedViews: true }]) {
      const e = errorOf(() => parsePth(viewPth('big', [100000, 100000], [0, 0]), 'huge.pth', options));
      expect(e).toBeInstanceOf(FormatError);
      expect(e.message).toMatch(/^huge\.pth: tensor 'big' of size \[100000, 100000\] has 10000000000 elements, more than the 2\^31/);
    }
    const e = errorOf(() => parsePth(viewPth('big', [2 ** 30, 2 ** 30, 2 ** 30], [0, 0, 0]), 'h.pth'));
    expect(e.message).toMatch(/has more than 2\^53 elements/);
  });

  it('checks keys and shapes against the Inception layout before materialising anything', async () => {
    // Views allowed, so only the architecture check stands between the file and 400 MB of float32.
    // Measured while the state dict is alive (the garbage collector could free eager tensors once it is not).
    const before = process.memoryUsage().arrayBuffers;
    const { stateDict } = await readPth(viewPth('fc.weight', [10000, 10000], [0, 0]), 'evil.pth', { allowExpandedViews: true });
    const e = errorOf(() => assertInceptionStateDict(stateDict, 'evil.pth'));
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(e).toBeInstanceOf(FidkitError);
    expect(e.message).toMatch(/evil\.pth is not pytorch-fid's FID InceptionV3 .*fc\.weight is \[10000, 10000\], expected \[1008, 2048\]/);
    expect(grown).toBeLessThan(50 * 2 ** 20); // 381 MB when tensors were eager (fidkit before issue 10)
    expect(stateDict.size).toBe(1);
  });
});

describe('fidkit score --weights with an expanded-view .pth (built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fidkit-evil-pth-'));
  const images = (s: string): string => join(FIXTURES, 'images', s);
  // Before: 3.5 s / 471 MB, 12 s / 1.6 GB (both exit 1 after materialising), and a RangeError reported as a bug.
  const cases: [string, string, number, RegExp][] = [
    ['expand10000', 'fc.weight', 10000, /is an expanded or overlapping view/],
    ['expand20000', 'unexpected_key', 20000, /is an expanded or overlapping view/],
    ['expand100000', 'fc.weight', 100000, /more than the 2\^31 fidkit can hold/],
  ];
  for (const [name, key, n, why] of cases) {
    it(`${name} (${key}): exit 1 naming the file and the key, fast and small`, () => {
      const path = join(dir, `${name}.pth`);
      writeFileSync(path, viewPth(key, [n, n], [0, 0]));
      const r = measuredCli(['score', images('set_a'), images('set_b'), '--weights', path], { FIDKIT_CACHE: join(dir, 'cache') });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`${path}: tensor '${key}' of size [${n}, ${n}]`);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).not.toMatch(/this is a bug/);
      expect(r.maxRssMb).toBeLessThan(300);
      expect(r.seconds).toBeLessThan(5); // ~0.5 s, mostly Node's start-up
    });
  }
});

describe('PthTensor.rawBytes', () => {
  for (const format of ['zip', 'legacy']) {
    it(`is a view into the ${format} file's bytes for contiguous tensors (no copy), the materialised bytes otherwise`, () => {
      const file = new Uint8Array(readFileSync(join(FIXTURES, 'pth', `dtypes_${format}.pth`)));
      const { root } = parsePth(file, 'dtypes.pth');
      const f32 = [...(root as Map<string, PthTensor>).values()].find((t) => t.storageDtype === 'float32' && t.numel > 1)!;
      const raw = f32.rawBytes;
      expect(raw.buffer).toBe(file.buffer); // a view of the file, and the tensor is still lazy
      expect(Array.from(new Float32Array(raw.slice().buffer))).toEqual(Array.from(f32.data as Float32Array));
      const half = [...(root as Map<string, PthTensor>).values()].find((t) => t.storageDtype === 'float16')!;
      expect(half.rawBytes.buffer).not.toBe(file.buffer); // widened to float32: the materialised data's bytes
      expect(half.rawBytes.length).toBe(half.numel * 4);
      const strided = parsePth(new Uint8Array(readFileSync(join(FIXTURES, 'pth', `noncontig_${format}.pth`))), 'n.pth', { allowExpandedViews: true }).root as Map<string, PthTensor>;
      const t = strided.get('transposed')!;
      expect(Array.from(new Float32Array(t.rawBytes.slice().buffer))).toEqual([0, 2, 4, 0.5, 2.5, 4.5, 1, 3, 5, 1.5, 3.5, 5.5]);
    });
  }
});

