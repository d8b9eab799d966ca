/**
 * @file Test helper: writes a DINOv2 hash-weight state dict as a zip-format `.pth`, the format of Meta's
 * `dinov2_vit*14_pretrain.pth` (torch ≥ 1.6 `torch.save`): `archive/data.pkl` (an OrderedDict of
 * `torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())`, storages as
 * persistent ids `('storage', torch.FloatStorage, '<i>', 'cpu', numel)`), `archive/data/<i>` holding
 * each tensor's float32 bytes (stored, uncompressed), `archive/version`, `archive/byteorder`. The bytes
 * differ from torch's own file; the tensors are the ones scripts/make-dinov2-fixtures.py saved, as
 * hash-weights.test.ts proves through their SHA-256s.
 */
import { writeFileSync } from 'node:fs';
import { zipSync, type Zippable } from 'fflate';
import type { Dinov2Arch } from '../../../src/features/dinov2/arch.js';
import { dinov2HashValues } from '../../../src/features/dinov2/hash-weights.js';
import { dinov2StateDictSpec } from '../../../src/features/dinov2/state-dict.js';

const enc = new TextEncoder();
const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const str = (s: string): number[] => [0x58, ...u32(enc.encode(s).length), ...enc.encode(s)]; // BINUNICODE
const glob = (m: string, n: string): number[] => [0x63, ...enc.encode(`${m}\n${n}\n`)]; // GLOBAL
const int = (v: number): number[] => [0x4a, ...u32(v)]; // BININT
const tuple = (items: number[][]): number[] => [0x28, ...items.flat(), 0x74]; // MARK … TUPLE
const strides = (shape: readonly number[]): number[] => shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));

/** Write `arch`'s hash-weight state dict to `path` as a zip-format `.pth`; returns its size in bytes. */
export function writeDinov2HashPth(arch: Dinov2Arch, path: string): number {
  const spec = dinov2StateDictSpec(arch);
  const od = [...glob('collections', 'OrderedDict'), 0x29, 0x52]; // OrderedDict()
  const items: number[] = [];
  const files: Zippable = {};
  spec.forEach(({ key, shape }, i) => {
    const numel = shape.reduce((a, b) => a * b, 1);
    const pid = tuple([str('storage'), glob('torch', 'FloatStorage'), str(String(i)), str('cpu'), int(numel)]);
    const args = tuple([[...pid, 0x51], int(0), tuple(shape.map(int)), tuple(strides(shape).map(int)), [0x89], od]); // BINPERSID, NEWFALSE
    items.push(...str(key), ...glob('torch._utils', '_rebuild_tensor_v2'), ...args, 0x52); // REDUCE
    const values = dinov2HashValues(key, shape);
    files[`archive/data/${i}`] = [new Uint8Array(values.buffer), { level: 0 }];
  });
  const pkl = Uint8Array.from([0x80, 2, ...od, 0x28, ...items, 0x75, 0x2e]); // PROTO 2, MARK … SETITEMS, STOP
  const zipped = zipSync({ 'archive/data.pkl': [pkl, { level: 0 }], 'archive/byteorder': [enc.encode('little'), { level: 0 }], ...files, 'archive/version': [enc.encode('3\n'), { level: 0 }] });
  writeFileSync(path, zipped);
  return zipped.length;
}
