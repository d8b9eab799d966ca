/**
 * @file The `.pth` reader on TorchScript archives (`torch.jit.save`, the format of OpenAI's CLIP weights):
 * fixtures/pth/torchscript_*.pt made by Debian torch 1.13 (scripts/make-torchscript-fixtures.py) — a traced
 * toy CLIP from openai/CLIP's own model code with its fp16 weights, and a scripted module. The flattened
 * module tree must equal what `torch.jit.load(f).state_dict()` gives (keys, shapes, dtypes, values bit for
 * bit through the SHA-256 of the float32 widening); callables are still refused, including one injected into
 * a real archive's data.pkl.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/core/errors.js';
import { PyObject } from '../../src/io/pickle.js';
import { parsePth, readPth, type PthTensor } from '../../src/io/pth.js';

const DIR = 'fixtures/pth';

interface TsFixture {
  file: string;
  sha256: string;
  state_dict: Record<string, { dtype: string; shape: number[]; sha256_f32_le: string; first: number[] }>;
}

const fixture = (name: string): TsFixture => JSON.parse(readFileSync(`${DIR}/${name}.json`, 'utf8')) as TsFixture;

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('TorchScript archives', () => {
  for (const name of ['torchscript_tiny_clip', 'torchscript_scripted']) {
    it(`${name}.pt flattens to torch.jit.load(...).state_dict(), bit for bit`, async () => {
      const fx = fixture(name);
      const path = `${DIR}/${name}.pt`;
      expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(fx.sha256);
      const { format, root, stateDict } = await readPth(path);
      expect(format).toBe('torchscript');
      expect(root).toBeInstanceOf(PyObject);
      expect((root as PyObject).className).toMatch(/^__torch__\./);
      expect([...stateDict.keys()].sort()).toEqual(Object.keys(fx.state_dict).sort());
      for (const [key, want] of Object.entries(fx.state_dict)) {
        const t = stateDict.get(key) as PthTensor;
        expect(t.shape, key).toEqual(want.shape);
        expect(t.storageDtype, key).toBe(want.dtype);
        const f32 = t.dtype === 'float64' ? Float32Array.from(t.data as Float64Array) : (t.data as Float32Array);
        expect(f32).toBeInstanceOf(Float32Array);
        expect(createHash('sha256').update(new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength)).digest('hex'), key).toBe(want.sha256_f32_le);
        expect(Array.from(f32.subarray(0, want.first.length)), key).toEqual(want.first);
      }
    });
  }

  it('the toy CLIP keeps the fp16 storages OpenAI ships, widened exactly', async () => {
    const { stateDict } = await readPth(`${DIR}/torchscript_tiny_clip.pt`);
    const conv = stateDict.get('visual.conv1.weight') as PthTensor;
    expect(conv.storageDtype).toBe('float16');
    expect(conv.dtype).toBe('float32');
    expect((stateDict.get('visual.ln_pre.weight') as PthTensor).storageDtype).toBe('float32');
    expect(stateDict.get('visual.conv1.bias')).toBeUndefined(); // CLIP's patch embedding has no bias
    // readOnce widens without keeping: two calls give equal, distinct arrays, equal to `data`.
    const once = conv.readOnce();
    expect(conv.readOnce()).not.toBe(once);
    expect(conv.readOnce()).toEqual(once);
    expect(conv.data).toEqual(once);
  });

  it('float32Chunks streams float16 tensors widened through one scratch buffer, float32 ones as views', async () => {
    const { stateDict } = await readPth(`${DIR}/torchscript_tiny_clip.pt`);
    for (const key of ['visual.transformer.resblocks.0.mlp.c_fc.weight', 'visual.ln_pre.weight', 'visual.positional_embedding']) {
      const t = stateDict.get(key) as PthTensor;
      const pieces: Float32Array[] = [];
      for (const c of t.float32Chunks(1000)) pieces.push(new Float32Array(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength))); // copied before the next piece overwrites it
      const joined = Float32Array.from(pieces.flatMap((p) => Array.from(p)));
      expect(joined, key).toEqual(t.readOnce());
      if (t.storageDtype === 'float16') expect(pieces.length, key).toBe(Math.ceil(t.numel / 1000));
      else expect(pieces.length, key).toBe(1);
    }
  });

  it('refuses an archive whose data.pkl calls os.system, naming the file and the callable, running nothing', () => {
    const marker = '/tmp/fidkit-pwned';
    const e = errorOf(() => parsePth(new Uint8Array(readFileSync(`${DIR}/torchscript_evil.pt`)), 'torchscript_evil.pt'));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/torchscript_evil\.pt.*refusing to load os\.system/);
    expect(existsSync(marker)).toBe(false);
  });

  // Rewrites the tiny archive's data.pkl with the given pickle, keeping code/ and constants.pkl (so it stays a TorchScript archive).
  const withPickle = (pkl: number[]): Uint8Array => {
    const files = unzipSync(new Uint8Array(readFileSync(`${DIR}/torchscript_tiny_clip.pt`)));
    const name = Object.keys(files).find((n) => n.endsWith('/data.pkl'))!;
    files[name] = new Uint8Array(pkl);
    return zipSync(files, { level: 0 });
  };
  const glob = (m: string, n: string): number[] => [0x63, ...strToU8(`${m}\n${n}\n`)];
  const str = (s: string): number[] => [0x58, s.length, 0, 0, 0, ...strToU8(s)];

  it('refuses calling a __torch__ class, other torch.jit helpers, and non-dict module state', () => {
    // GLOBAL __torch__.M, (str,) REDUCE: a call, not NEWOBJ.
    const call = [0x80, 2, ...glob('__torch__', 'M'), ...str('x'), 0x85, 0x52, 0x2e];
    expect(errorOf(() => parsePth(withPickle(call), 'a.pt')).message).toMatch(/a\.pt: refusing to call __torch__\.M/);
    // torch.jit._pickle.build_tensor_from_id reads an external tensor table: not allowed.
    const fromId = [0x80, 2, ...glob('torch.jit._pickle', 'build_tensor_from_id'), 0x4b, 0, 0x85, 0x52, 0x2e];
    expect(errorOf(() => parsePth(withPickle(fromId), 'b.pt')).message).toMatch(/b\.pt: refusing to load torch\.jit\._pickle\.build_tensor_from_id/);
    // NEWOBJ then BUILD with a tuple state (what a __setstate__ would take): refused, as the class's code is never run.
    const setstate = [0x80, 2, ...glob('__torch__', 'M'), 0x29, 0x81, 0x4b, 1, 0x85, 0x62, 0x2e];
    expect(errorOf(() => parsePth(withPickle(setstate), 'c.pt')).message).toMatch(/BUILD with a tuple state on __torch__\.M is not supported/);
  });

  it('refuses __torch__ classes in a plain torch.save zip (no code/): only TorchScript archives hold modules', () => {
    const pkl = [0x80, 2, ...glob('__torch__', 'M'), 0x29, 0x81, 0x2e];
    const plain = zipSync({ 'x/data.pkl': new Uint8Array(pkl), 'x/version': strToU8('3\n') }, { level: 0 });
    expect(errorOf(() => parsePth(plain, 'plain.pth')).message).toMatch(/plain\.pth: refusing to load __torch__\.M/);
  });

  it('an archive whose module holds no tensors says so', () => {
    const empty = [0x80, 2, ...glob('__torch__', 'M'), 0x29, 0x81, 0x7d, 0x62, 0x2e]; // NEWOBJ, EMPTY_DICT, BUILD
    return expect(readPth(withPickle(empty), 'empty.pt')).rejects.toThrow(/empty\.pt is a TorchScript archive whose module __torch__\.M holds no tensors/);
  });
});
