/**
 * @file Test helper: the pickle bytes of torch's checkpoint formats, built by hand so the suite needs no
 * Python — the opcodes `torch.save` uses (protocol 2) and the tensor record
 * `torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())`, its storage a
 * persistent id `('storage', torch.<Float|Half>Storage, '<key>', 'cpu', numel[, None])`.
 */

const enc = new TextEncoder();
export const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
export const str = (s: string): number[] => [0x58, ...u32(enc.encode(s).length), ...enc.encode(s)]; // BINUNICODE
export const glob = (m: string, n: string): number[] => [0x63, ...enc.encode(`${m}\n${n}\n`)]; // GLOBAL
export const int = (v: number): number[] => [0x4a, ...u32(v)]; // BININT
export const tuple = (items: number[][]): number[] => [0x28, ...items.flat(), 0x74]; // MARK … TUPLE
/** PROTO 2 … STOP. */
export const pickle = (body: number[]): Uint8Array => Uint8Array.from([0x80, 2, ...body, 0x2e]);
/** `OrderedDict()`: GLOBAL, EMPTY_TUPLE, REDUCE. */
export const ORDERED_DICT: readonly number[] = [...glob('collections', 'OrderedDict'), 0x29, 0x52];

/** Strides of a C-contiguous tensor. */
export const strides = (shape: readonly number[]): number[] => shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));

/** The persistent id of storage `key` (`legacy`: the pre-zip format's, with a trailing view-metadata None). */
export function storagePid(storage: 'FloatStorage' | 'HalfStorage', key: string, numel: number, legacy = false): number[] {
  return tuple([str('storage'), glob('torch', storage), str(key), str('cpu'), int(numel), ...(legacy ? [[0x4e]] : [])]); // NONE
}

/** A tensor over the storage `pid`: `_rebuild_tensor_v2(BINPERSID pid, 0, size, stride, NEWFALSE, OrderedDict())`, REDUCE. */
export function rebuildTensor(pid: number[], size: readonly number[], stride: readonly number[] = strides(size)): number[] {
  return [...glob('torch._utils', '_rebuild_tensor_v2'), ...tuple([[...pid, 0x51], int(0), tuple(size.map(int)), tuple(stride.map(int)), [0x89], [...ORDERED_DICT]]), 0x52];
}

/** A state dict `OrderedDict` of `items` (pickled key, value, key, value …): MARK … SETITEMS. */
export const orderedDict = (items: number[]): number[] => [...ORDERED_DICT, 0x28, ...items, 0x75];
