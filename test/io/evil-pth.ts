/**
 * @file Test helper: tiny zip-format `.pth` files holding one tensor that is a view of any size and stride
 * over a small storage — what `torch.save({key: torch.zeros(1).expand(n, n)}, path)` writes (an n×n tensor
 * with stride (0, 0) over a 1-element storage), built from bytes so the suite needs no Python.
 */
import { strToU8, zipSync } from 'fflate';
import { orderedDict, pickle, rebuildTensor, storagePid, str } from './torch-pickle.js';

/**
 * The bytes of a zip `.pth` whose state dict maps `key` to `torch._utils._rebuild_tensor_v2(storage, 0, size,
 * stride)` over a float32 storage of `storageElements` zeros.
 */
export function viewPth(key: string, size: readonly number[], stride: readonly number[], storageElements = 1): Uint8Array {
  const pkl = pickle(orderedDict([...str(key), ...rebuildTensor(storagePid('FloatStorage', '0', storageElements), size, stride)]));
  return zipSync(
    {
      'archive/data.pkl': pkl,
      'archive/data/0': new Uint8Array(4 * storageElements),
      'archive/version': strToU8('3\n'),
    },
    { level: 0 },
  );
}
