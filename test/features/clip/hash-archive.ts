/**
 * @file Test helper: writes a CLIP model's hash weights (`visual.*` only) as a TorchScript-layout archive,
 * as OpenAI's files are laid out: a zip with `<name>/data.pkl` pickling the module tree as `__torch__.*`
 * records (NEWOBJ + BUILD with the attribute dict: `visual` → `transformer` → `resblocks` → `0` → `attn` …),
 * `<name>/data/<n>` storages — float16 for the tensors OpenAI's archives store in half precision, float32
 * for the rest — and `<name>/code/`, `<name>/constants.pkl` (placeholders: fidkit never reads them). The
 * values are the ones scripts/make-clip-fixtures.py saved (hash-weights.test.ts proves it through their
 * SHA-256s), so the reference embeddings in fixtures/clip apply.
 */
import { writeFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { clipHashValues } from '../../../src/features/clip/hash-weights.js';
import type { ClipModelSpec } from '../../../src/features/clip/models.js';
import { clipVisualSpec } from '../../../src/features/clip/state-dict.js';
import { glob, pickle, rebuildTensor, storagePid, str } from '../../io/torch-pickle.js';

const enc = new TextEncoder();

/** The float16 bits of a value that is exactly a float16 (the hash weights' half-precision tensors are). */
export function halfBits(v: number): number {
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === 0) return sign;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  if (e < -14) return sign | (a / 2 ** -24);
  const m = (a / 2 ** e - 1) * 1024;
  if (!Number.isInteger(m) || e > 15) throw new RangeError(`${v} is not a float16 value`);
  return sign | ((e + 15) << 10) | m;
}

type Tree = Map<string, Tree | number>; // leaf: index into the tensor list

/** Writes the archive to `path`; returns its size in bytes. */
export function writeClipHashArchive(path: string, m: ClipModelSpec): number {
  const files: Record<string, Uint8Array> = {};
  const root: Tree = new Map();
  const spec = clipVisualSpec(m);
  spec.forEach((e, i) => {
    const parts = e.key.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) {
      if (!node.has(p)) node.set(p, new Map());
      node = node.get(p) as Tree;
    }
    node.set(parts[parts.length - 1], i);
  });
  const tensor = (i: number): number[] => {
    const { shape, half } = spec[i];
    const numel = shape.reduce((a, b) => a * b, 1);
    return rebuildTensor(storagePid(half ? 'HalfStorage' : 'FloatStorage', String(i), numel), shape);
  };
  let classes = 0;
  const object = (node: Tree): number[] => {
    const body: number[] = [...glob('__torch__', `Module${classes++}`), 0x29, 0x81, 0x7d, 0x28]; // NEWOBJ, EMPTY_DICT, MARK
    body.push(...str('training'), 0x89);
    for (const [k, v] of node) body.push(...str(k), ...(typeof v === 'number' ? tensor(v) : object(v)));
    return [...body, 0x75, 0x62]; // SETITEMS, BUILD
  };
  files['clip_hash/data.pkl'] = pickle(object(root));
  spec.forEach((e, i) => {
    const values = clipHashValues(e.key, e.shape);
    if (e.half) {
      const bits = new Uint16Array(values.length);
      for (let j = 0; j < values.length; j++) bits[j] = halfBits(values[j]);
      files[`clip_hash/data/${i}`] = new Uint8Array(bits.buffer);
    } else files[`clip_hash/data/${i}`] = new Uint8Array(values.buffer);
  });
  files['clip_hash/code/__torch__.py'] = enc.encode('# placeholder: fidkit never reads code/\n');
  files['clip_hash/constants.pkl'] = pickle([0x29]); // ()
  files['clip_hash/version'] = enc.encode('3\n');
  const bytes = zipSync(files, { level: 0 });
  writeFileSync(path, bytes);
  return bytes.length;
}
