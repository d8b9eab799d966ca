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
import { orderedDict, pickle, rebuildTensor, storagePid, str } from '../../io/torch-pickle.js';

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
    const items: number[] = [];
    VGG16_STATE_DICT_SPEC.forEach(({ key, shape }, i) => {
      const numel = shape.reduce((a, b) => a * b, 1);
      items.push(...str(key), ...rebuildTensor(storagePid('FloatStorage', String(i), numel, true), shape));
    });
    put(pickle(orderedDict(items)));
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
