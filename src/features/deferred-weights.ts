/**
 * @file A weight tensor as an ONNX initializer whose bytes are produced only when the model is written
 * (the VGG16, CLIP and DINOv2 graphs): so writing a model holds one tensor at a time, and a `.pth`
 * tensor's float32 bytes go out as a view of the checkpoint, never copied.
 */
import { FidkitError } from '../core/errors.js';
import type { Tensor } from '../core/types.js';
import { PthTensor } from '../io/pth.js';
import type { DeferredData } from '../onnx/graph-builder.js';

/**
 * A float tensor as deferred float32 initializer bytes: a `.pth` tensor's {@link PthTensor.float32Chunks}
 * (views of its bytes, or float16 widened a piece at a time: never a whole widened copy), else its data
 * (the hash weights; float64 narrowed).
 * @param what the model, named when the tensor is not floating point ("the file is not CLIP weights").
 * @throws {FidkitError} `E_WEIGHTS` (when the bytes are asked for) for a tensor that is not floating point
 */
export function deferredFloat32(tensor: Tensor, key: string, source: string, what: string): DeferredData {
  const numel = tensor.shape.reduce((a, b) => a * b, 1);
  return {
    type: 'float32',
    byteLength: numel * 4,
    *chunks() {
      if (tensor instanceof PthTensor && (tensor.dtype === 'float32' || tensor.dtype === 'float64')) {
        yield* tensor.float32Chunks();
        return;
      }
      const data = tensor.data;
      if (data instanceof Float32Array) yield new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      else if (data instanceof Float64Array) yield new Uint8Array(Float32Array.from(data).buffer);
      else throw new FidkitError('E_WEIGHTS', `${source}: ${key} holds ${tensor.dtype} values, expected floating point; the file is not ${what} weights`);
    },
  };
}
