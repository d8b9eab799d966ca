/**
 * @file The `.pth` reader against every fixture in fixtures/pth (written by torch 1.13 in zip and legacy
 * formats): values, shapes, dtypes, shared storages, nested non-tensors, `_metadata`. All comparisons are
 * exact (bit-for-bit, −0 included); int64 values are checked through their decimal strings. Also the
 * refusals: truncated/corrupt files, missing records, and pickles naming classes a state dict never needs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/core/errors.js';
import { PyDict, unpickle } from '../../src/io/pickle.js';
import { halfToFloat } from '../../src/io/float16.js';
import { findStateDict, isTensor, parsePth, readPth, type PthTensor } from '../../src/io/pth.js';

const DIR = 'fixtures/pth';
const ALLOW_EXPANDED = { allowExpandedViews: true };

type JsonValue = number | string | boolean;
interface Fixture {
  file: string;
  format: 'zip' | 'legacy';
  containers: Record<string, string>;
  tensors: Record<
    string,
    {
      dtype: string;
      shape: number[];
      values: JsonValue[];
      values_str?: string[];
      stride: number[];
      storage_offset: number;
      storage_group: number;
      saved_as?: string;
    }
  >;
  non_tensors: Record<string, unknown>;
}

const load = (name: string): { bytes: Uint8Array; fx: Fixture } => ({
  bytes: new Uint8Array(readFileSync(`${DIR}/${name}.pth`)),
  fx: JSON.parse(readFileSync(`${DIR}/${name}.json`, 'utf8')) as Fixture,
});

/** Follow a `/`-joined path of dict keys from the root. */
function at(root: unknown, path: string): unknown {
  let x = root;
  for (const k of path.split('/')) {
    expect(x, path).toBeInstanceOf(PyDict);
    x = (x as PyDict).get(k);
  }
  return x;
}

const expectedNumber = (v: JsonValue): number =>
  v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : typeof v === 'boolean' ? Number(v) : (v as number);

const CASES = readdirSync(DIR)
  .filter((f) => f.endsWith('.pth'))
  .map((f) => f.slice(0, -4))
  .sort();

describe('readPth on the torch-written fixtures', () => {
  it('covers every fixture file', () => {
    expect(CASES.length).toBe(10);
  });

  for (const name of CASES) {
    it(`${name}: every tensor, value, dtype, shape and non-tensor is exact`, () => {
      const { bytes, fx } = load(name);
      // noncontig_* holds an expanded (stride 0) view on purpose: the reader must reproduce it when allowed.
      const { format, root } = parsePth(bytes, `${name}.pth`, ALLOW_EXPANDED);
      expect(format).toBe(fx.format);
      expect((root as PyDict).className).toBe(fx.containers['<root>'] === 'dict' ? 'dict' : 'collections.OrderedDict');

      const groups = new Map<number, string>();
      for (const [path, want] of Object.entries(fx.tensors)) {
        const t = at(root, path) as PthTensor;
        expect(isTensor(t), path).toBe(true);
        expect(t.shape, path).toEqual(want.shape);
        expect(t.storageDtype, path).toBe(want.dtype);
        const widened = want.dtype === 'float16' || want.dtype === 'bfloat16';
        expect(t.dtype, path).toBe(widened ? 'float32' : want.dtype);
        expect(t.stride, path).toEqual(want.stride);
        expect(t.storageOffset, path).toBe(want.storage_offset);
        expect(t.isParameter, path).toBe(want.saved_as === 'torch.nn.Parameter');
        expect(t.data.length, path).toBe(want.shape.reduce((a, b) => a * b, 1));
        if (want.dtype === 'int64') {
          expect(Array.from(t.data as BigInt64Array, String), path).toEqual(want.values_str);
        } else {
          const got = Array.from(t.data as ArrayLike<number>);
          const exp = want.values.map(expectedNumber);
          // Object.is distinguishes −0 from +0 and matches NaN with NaN: a bit-exact comparison for floats.
          got.forEach((g, i) => expect(Object.is(g, exp[i]), `${path}[${i}]: ${g} vs ${exp[i]}`).toBe(true));
        }
        // Same storage group in torch ⇔ same storage key in the file.
        const seen = groups.get(want.storage_group);
        if (seen === undefined) groups.set(want.storage_group, t.storageKey);
        else expect(t.storageKey, path).toBe(seen);
      }
      expect(new Set(groups.values()).size).toBe(groups.size);

      for (const [path, want] of Object.entries(fx.non_tensors)) expect(at(root, path), path).toEqual(want);
    });
  }

  it('zip and legacy files of each case load to identical tensors', () => {
    for (const c of new Set(CASES.map((n) => n.replace(/_(zip|legacy)$/, '')))) {
      const a = findStateDict(parsePth(load(`${c}_zip`).bytes, undefined, ALLOW_EXPANDED).root);
      const b = findStateDict(parsePth(load(`${c}_legacy`).bytes, undefined, ALLOW_EXPANDED).root);
      expect([...a.keys()]).toEqual([...b.keys()]);
      for (const [k, t] of a) {
        const u = b.get(k)!;
        expect(u.shape).toEqual(t.shape);
        expect(Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength)).toEqual(
          Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
        );
      }
    }
  });

  it('materialises views of one storage as independent C-order arrays', () => {
    const { root } = parsePth(load('shared_storage_zip').bytes);
    const a = at(root, 'a') as PthTensor;
    const whole = at(root, 'whole') as PthTensor;
    expect(a.data.buffer).not.toBe(whole.data.buffer);
    (a.data as Float32Array)[0] = 1234;
    expect((whole.data as Float32Array)[2]).not.toBe(1234);
  });

  it('finds the state dict inside a checkpoint dict and keeps _metadata aside', async () => {
    for (const fmt of ['zip', 'legacy']) {
      const { stateDict, root } = await readPth(`${DIR}/nested_${fmt}.pth`);
      expect([...stateDict.keys()]).toEqual([
        '0.weight',
        '0.bias',
        '1.weight',
        '1.bias',
        '1.running_mean',
        '1.running_var',
        '1.num_batches_tracked',
      ]);
      expect(Array.from(stateDict.get('1.num_batches_tracked')!.data as BigInt64Array)).toEqual([42n]);
      const sd = (root as PyDict).get('state_dict') as PyDict;
      const meta = sd.attributes.get('_metadata') as PyDict;
      expect(meta).toBeInstanceOf(PyDict);
      expect((meta.get('1') as PyDict).get('version')).toBe(2);
    }
  });

  it('strips a module. prefix (nn.DataParallel checkpoints)', async () => {
    const files = unzipSync(load('dtypes_zip').bytes);
    const pkl = files['dtypes_zip/data.pkl'];
    // Rewrite each BINUNICODE key "k" as "module.k"; pickles address the memo by index, not offset, so
    // changing string lengths keeps the pickle valid.
    let s = strFromU8(pkl, true);
    for (const k of Object.keys(load('dtypes_zip').fx.tensors)) {
      const enc = (x: string): string => `X${String.fromCharCode(x.length)}\0\0\0${x}`;
      s = s.replace(enc(k), enc(`module.${k}`));
    }
    files['dtypes_zip/data.pkl'] = strToU8(s, true);
    const { stateDict, root } = await readPth(zipSync(files, { level: 0 }));
    expect([...(root as PyDict).keys()][0]).toBe('module.f32'); // the rewrite took effect
    expect([...stateDict.keys()]).toEqual(['f32', 'f64', 'f16', 'i64', 'scalar_f32', 'scalar_i64', 'f32_4d']);
  });

  it('reads the byteorder record of newer torch versions (little and big endian)', () => {
    const { bytes, fx } = load('dtypes_zip');
    const original = findStateDict(parsePth(bytes).root);
    const size: Record<string, number> = { float32: 4, float64: 8, float16: 2, int64: 8 };
    const little = unzipSync(bytes);
    little['dtypes_zip/byteorder'] = strToU8('little');
    const big = unzipSync(bytes);
    big['dtypes_zip/byteorder'] = strToU8('big');
    const swapped = new Set<number>();
    for (const t of Object.values(fx.tensors)) {
      if (swapped.has(t.storage_group)) continue;
      swapped.add(t.storage_group);
      const rec = big[`dtypes_zip/data/${t.storage_group}`];
      const es = size[t.dtype];
      for (let i = 0; i < rec.length; i += es) rec.subarray(i, i + es).reverse();
    }
    for (const files of [little, big]) {
      const sd = findStateDict(parsePth(zipSync(files, { level: 0 })).root);
      for (const [k, t] of original) expect(Array.from(sd.get(k)!.data as ArrayLike<unknown>), k).toEqual(Array.from(t.data as ArrayLike<unknown>));
    }
  });

  it('reads pre-1.0 legacy storage views (view_metadata) by key', () => {
    // Hand-assembled object pickle: {'v': _rebuild_tensor_v2(<view '200' of storage '100' at element 2, 3
    // elements>, 0, (3,), (1,), False, OrderedDict())}; then the key list ['100'] and storage '100' = 0..5.
    const enc = (x: string): number[] => [0x58, x.length, 0, 0, 0, ...strToU8(x)];
    const glob = (m: string, n: string): number[] => [0x63, ...strToU8(`${m}\n${n}\n`)];
    const od = [...glob('collections', 'OrderedDict'), 0x29, 0x52];
    const obj = [
      ...[0x80, 2, ...od, 0x28, ...enc('v'), ...glob('torch._utils', '_rebuild_tensor_v2'), 0x28],
      ...[0x28, ...enc('storage'), ...glob('torch', 'FloatStorage'), ...enc('100'), ...enc('cpu'), 0x4b, 6],
      ...[0x28, ...enc('200'), 0x4b, 2, 0x4b, 3, 0x74, 0x74, 0x51],
      ...[0x4b, 0, 0x4b, 3, 0x85, 0x4b, 1, 0x85, 0x89, ...od, 0x74, 0x52, 0x75, 0x2e],
    ];
    const keys = [0x80, 2, 0x5d, 0x28, ...enc('100'), 0x65, 0x2e];
    const legacy = load('dtypes_legacy').bytes;
    const hooks = { findClass: (): never => { throw new Error('no classes in the header'); } };
    let end = 0;
    for (let k = 0; k < 3; k++) end = unpickle(legacy, end, hooks).end;
    const data = new Uint8Array(8 + 24);
    new DataView(data.buffer).setBigInt64(0, 6n, true);
    new Float32Array(data.buffer, 8).set([0, 1, 2, 3, 4, 5]);
    const file = new Uint8Array([...legacy.subarray(0, end), ...obj, ...keys, ...data]);
    const { root } = parsePth(file, 'old.pth');
    expect(Array.from((at(root, 'v') as PthTensor).data as Float32Array)).toEqual([2, 3, 4]);
    // The same file cut inside the storage data is refused.
    expect(errorOf(() => parsePth(file.subarray(0, file.length - 4), 'old.pth')).message).toMatch(/ends inside the data of storage 100/);
  });

  it('widens every float16 bit pattern exactly', () => {
    const dv = new DataView(new ArrayBuffer(4));
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    // Finite halves are strictly increasing in their bit pattern and each is a float32 (no rounding).
    let bad = 0;
    for (let h = 1; h < 0x7c00; h++) {
      const v = halfToFloat(h);
      dv.setFloat32(0, v);
      if (dv.getFloat32(0) !== v || !(v > halfToFloat(h - 1)) || halfToFloat(h | 0x8000) !== -v) bad++;
    }
    expect(bad).toBe(0);
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7bff)).toBe(65504);
  });
});

/** A zip checkpoint whose data.pkl is the given pickle bytes. */
const zipWithPickle = (pkl: number[] | Uint8Array): Uint8Array =>
  zipSync({ 'evil/data.pkl': new Uint8Array(pkl), 'evil/version': strToU8('3\n') }, { level: 0 });

/** PROTO 2, GLOBAL "module\nname\n", BINUNICODE arg, TUPLE1, REDUCE, STOP. */
function callPickle(module: string, name: string, arg: string): Uint8Array {
  const parts = [
    [0x80, 2, 0x63],
    [...strToU8(`${module}\n${name}\n`)],
    [0x58, arg.length, 0, 0, 0, ...strToU8(arg)],
    [0x85, 0x52, 0x2e],
  ];
  return new Uint8Array(parts.flat());
}

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('readPth refusals', () => {
  it('refuses a global outside the allow list, naming it, without running anything', () => {
    for (const bytes of [zipWithPickle(callPickle('posix', 'system', 'touch /tmp/pwned')), callPickle('posix', 'system', 'x')]) {
      const e = errorOf(() => parsePth(bytes, 'evil.pth'));
      expect(e).toBeInstanceOf(FormatError);
      expect(e.message).toMatch(/evil\.pth.*refusing to load posix\.system/);
    }
    const e = errorOf(() => parsePth(zipWithPickle(callPickle('builtins', 'eval', '1+1')), 'evil.pth'));
    expect(e.message).toContain('builtins.eval');
  });

  it('refuses a forbidden global inside a legacy file after a valid header', () => {
    const legacy = load('dtypes_legacy').bytes;
    const hooks = { findClass: (): never => { throw new Error('no classes in the header'); } };
    let end = 0;
    for (let k = 0; k < 3; k++) end = unpickle(legacy, end, hooks).end; // magic, protocol, sys info
    const bytes = new Uint8Array([...legacy.subarray(0, end), ...callPickle('subprocess', 'Popen', 'ls')]);
    const e = errorOf(() => parsePth(bytes, 'old.pth'));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/old\.pth: refusing to load subprocess\.Popen/);
  });

  it('names unsupported storage types', () => {
    const bytes = new Uint8Array([0x80, 2, 0x63, ...strToU8('torch\nComplexFloatStorage\n'), 0x2e]);
    expect(errorOf(() => parsePth(zipWithPickle(bytes), 'c.pth')).message).toMatch(/storage type torch\.ComplexFloatStorage are not supported/);
  });

  it('explains that a pickled nn.Module is not a state dict', () => {
    const e = errorOf(() => parsePth(zipWithPickle(callPickle('torch.nn.modules.conv', 'Conv2d', 'x')), 'model.pth'));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain('torch.nn.modules.conv.Conv2d');
    expect(e.message).toContain('model.state_dict()');
  });

  it('refuses NEWOBJ even for allowed names, and unknown opcodes', () => {
    // PROTO 2, GLOBAL collections OrderedDict, EMPTY_TUPLE, NEWOBJ, STOP
    const newobj = [0x80, 2, 0x63, ...strToU8('collections\nOrderedDict\n'), 0x29, 0x81, 0x2e];
    expect(errorOf(() => parsePth(zipWithPickle(newobj), 'x.pth')).message).toMatch(/refusing to instantiate collections\.OrderedDict/);
    expect(errorOf(() => parsePth(zipWithPickle([0x80, 2, 0xff]), 'x.pth')).message).toMatch(/unknown pickle opcode 0xff/);
  });

  it('refuses truncated files with a clear message', () => {
    const zip = load('dtypes_zip').bytes;
    const legacy = load('dtypes_legacy').bytes;
    expect(errorOf(() => parsePth(zip.subarray(0, zip.length - 30), 'w.pth')).message).toMatch(/w\.pth.*truncated or corrupt/);
    expect(errorOf(() => parsePth(zip.subarray(0, 1000), 'w.pth'))).toBeInstanceOf(FormatError);
    expect(errorOf(() => parsePth(legacy.subarray(0, legacy.length - 5), 'w.pth')).message).toMatch(/w\.pth ends inside the data of storage \d+: the file is truncated/);
    expect(errorOf(() => parsePth(legacy.subarray(0, 300), 'w.pth')).message).toMatch(/truncated or corrupt/);
    for (let cut = 1; cut < legacy.length; cut += 37) {
      expect(errorOf(() => parsePth(legacy.subarray(0, cut), 'w.pth')), `cut at ${cut}`).toBeInstanceOf(FormatError);
    }
  });

  it('refuses a zip with a missing storage record, non-checkpoints and empty files', () => {
    const files = unzipSync(load('dtypes_zip').bytes);
    delete files['dtypes_zip/data/1'];
    expect(errorOf(() => parsePth(zipSync(files, { level: 0 }), 'x.pth')).message).toMatch(/storage record dtypes_zip\/data\/1 is missing/);
    expect(errorOf(() => parsePth(new Uint8Array(0), 'e.pth')).message).toMatch(/e\.pth is not a PyTorch checkpoint \(it is empty\)/);
    expect(errorOf(() => parsePth(strToU8('hello world'), 't.pth')).message).toMatch(/not a PyTorch checkpoint/);
    const npz = zipSync({ 'mu.npy': new Uint8Array(10) });
    expect(errorOf(() => parsePth(npz, 's.pth')).message).toMatch(/not a torch\.save checkpoint.*\.npz/);
    // A valid pickle that is not torch's legacy header.
    expect(errorOf(() => parsePth(new Uint8Array([0x80, 2, 0x4b, 7, 0x2e]), 'p.pth')).message).toMatch(/not torch's magic number/);
  });

  it('says when a checkpoint holds no state dict', () => {
    const e = errorOf(() => findStateDict(parsePth(zipWithPickle([0x80, 2, 0x7d, 0x2e])).root, 'empty.pth'));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/empty\.pth holds no state dict/);
  });
});

describe('readPth on unaligned memory', () => {
  it('reads float16 storages from a Buffer view at an odd offset (Node pools small reads)', () => {
    // Regression: Buffer#slice returns a view, so an "aligned copy" made with it was still unaligned.
    const { bytes } = load('dtypes_legacy');
    const padded = Buffer.concat([Buffer.from([0]), Buffer.from(bytes)]).subarray(1);
    expect(padded.byteOffset % 2).toBe(1);
    const a = parsePth(padded, 'padded');
    const b = parsePth(bytes, 'aligned');
    expect(JSON.stringify(a.root, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(
      JSON.stringify(b.root, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
    );
  });
});
