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
import { orderedDict, pickle, rebuildTensor, storagePid, str } from '../../io/torch-pickle.js';

const enc = new TextEncoder();

/** Write `arch`'s hash-weight state dict to `path` as a zip-format `.pth`; returns its size in bytes. */
export function writeDinov2HashPth(arch: Dinov2Arch, path: string): number {
  const spec = dinov2StateDictSpec(arch);
  const items: number[] = [];
  const files: Zippable = {};
  spec.forEach(({ key, shape }, i) => {
    const numel = shape.reduce((a, b) => a * b, 1);
    items.push(...str(key), ...rebuildTensor(storagePid('FloatStorage', String(i), numel), shape));
    const values = dinov2HashValues(key, shape);
    files[`archive/data/${i}`] = [new Uint8Array(values.buffer), { level: 0 }];
  });
  const pkl = pickle(orderedDict(items));
  const zipped = zipSync({ 'archive/data.pkl': [pkl, { level: 0 }], 'archive/byteorder': [enc.encode('little'), { level: 0 }], ...files, 'archive/version': [enc.encode('3\n'), { level: 0 }] });
  writeFileSync(path, zipped);
  return zipped.length;
}
