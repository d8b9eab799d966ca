/**
 * @file Test helper: writes the VGG16 hash weights as a `.pth` in torch's legacy format
 * (`torch.save(..., _use_new_zipfile_serialization=False)`, the format of torchvision's 2017
 * `vgg16-397923af.pth`), streamed tensor by tensor so the 528 MB never sit in memory at once.
 * The bytes differ from torch's own file (torch names legacy storages by memory address, so no two
 * torch runs agree either); the tensors are the ones scripts/make-vgg16-fixtures.py saved, as
 * hash-weights.test.ts proves through their SHA-256s.
 *
 * Layout written: pickles of the magic number, protocol version 1001 and a sys-info dict; the state
 * dict (an OrderedDict of `torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False,
 * OrderedDict())`, storages as persistent ids `('storage', torch.FloatStorage, key, 'cpu', numel,
 * None)`); the pickled list of storage keys; then per storage its int64 element count and bytes.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { vgg16HashValues } from '../../../src/features/vgg16/hash-weights.js';
import { VGG16_STATE_DICT_SPEC } from '../../../src/features/vgg16/state-dict.js';

const enc = new TextEncoder();
const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const str = (s: string): number[] => [0x58, ...u32(enc.encode(s).length), ...enc.encode(s)]; // BINUNICODE
const glob = (m: string, n: string): number[] => [0x63, ...enc.encode(`${m}\n${n}\n`)]; // GLOBAL
const int = (v: number): number[] => [0x4a, ...u32(v)]; // BININT
const tuple = (items: number[][]): number[] => [0x28, ...items.flat(), 0x74]; // MARK … TUPLE
const pickle = (body: number[]): Uint8Array => Uint8Array.from([0x80, 2, ...body, 0x2e]); // PROTO 2 … STOP

/** Strides of a C-contiguous tensor. */
const strides = (shape: readonly number[]): number[] => shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));

/** Write the VGG16 hash-weight state dict to `path` as a legacy-format `.pth`; returns its size in bytes. */
export function writeVgg16HashPth(path: string): number {
  const fd = openSync(path, 'w');
  let size = 0;
  const put = (bytes: Uint8Array): void => {
    for (let o = 0; o < bytes.length; ) o += writeSync(fd, bytes, o);
    size += bytes.length;
  };
  try {
    // 0x1950a86a20f9469cfc6c, torch's legacy magic number, as LONG1.
    put(pickle([0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]));
    put(pickle([0x4d, 0xe9, 0x03])); // 1001
    put(pickle([0x7d, 0x28, ...str('protocol_version'), 0x4d, 0xe9, 0x03, ...str('little_endian'), 0x88, 0x75])); // {…: 1001, …: True}
    const od = [...glob('collections', 'OrderedDict'), 0x29, 0x52]; // OrderedDict()
    const items: number[] = [];
    VGG16_STATE_DICT_SPEC.forEach(({ key, shape }, i) => {
      const numel = shape.reduce((a, b) => a * b, 1);
      const pid = tuple([str('storage'), glob('torch', 'FloatStorage'), str(String(i)), str('cpu'), int(numel), [0x4e]]);
      const args = tuple([[...pid, 0x51], int(0), tuple(shape.map(int)), tuple(strides(shape).map(int)), [0x89], od]); // BINPERSID, NEWFALSE
      items.push(...str(key), ...glob('torch._utils', '_rebuild_tensor_v2'), ...args, 0x52); // REDUCE
    });
    put(pickle([...od, 0x28, ...items, 0x75])); // MARK … SETITEMS
    put(pickle([0x5d, 0x28, ...VGG16_STATE_DICT_SPEC.flatMap((_, i) => str(String(i))), 0x65])); // EMPTY_LIST MARK … APPENDS
    for (const { key, shape } of VGG16_STATE_DICT_SPEC) {
      const values = vgg16HashValues(key, shape);
      const count = new Uint8Array(8);
      new DataView(count.buffer).setBigInt64(0, BigInt(values.length), true);
      put(count);
      put(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    }
  } finally {
    closeSync(fd);
  }
  return size;
}
