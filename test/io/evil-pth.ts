/**
 * @file Test helper: tiny zip-format `.pth` files holding one tensor that is a view of any size and stride
 * over a small storage — what `torch.save({key: torch.zeros(1).expand(n, n)}, path)` writes (an n×n tensor
 * with stride (0, 0) over a 1-element storage), built from bytes so the suite needs no Python.
 */
import { strToU8, zipSync } from 'fflate';

const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const str = (s: string): number[] => [0x58, ...u32(s.length), ...strToU8(s)]; // BINUNICODE
const glob = (m: string, n: string): number[] => [0x63, ...strToU8(`${m}\n${n}\n`)]; // GLOBAL
const int = (v: number): number[] => [0x4a, ...u32(v)]; // BININT
const tuple = (items: number[][]): number[] => [0x28, ...items.flat(), 0x74]; // MARK … TUPLE

/**
 * The bytes of a zip `.pth` whose state dict maps `key` to `torch._utils._rebuild_tensor_v2(storage, 0, size,
 * stride)` over a float32 storage of `storageElements` zeros.
 */
export function viewPth(key: string, size: readonly number[], stride: readonly number[], storageElements = 1): Uint8Array {
  const od = [...glob('collections', 'OrderedDict'), 0x29, 0x52]; // OrderedDict()
  const pid = tuple([str('storage'), glob('torch', 'FloatStorage'), str('0'), str('cpu'), int(storageElements)]);
  const args = tuple([[...pid, 0x51], int(0), tuple(size.map(int)), tuple(stride.map(int)), [0x89], od]); // BINPERSID, NEWFALSE
  const pkl = [0x80, 2, ...od, 0x28, ...str(key), ...glob('torch._utils', '_rebuild_tensor_v2'), ...args, 0x52, 0x75, 0x2e];
  return zipSync(
    {
      'archive/data.pkl': new Uint8Array(pkl),
      'archive/data/0': new Uint8Array(4 * storageElements),
      'archive/version': strToU8('3\n'),
    },
    { level: 0 },
  );
}
