/**
 * @file The MNIST classifier's parameter table and weights files, shared by training
 * (`src/models/mnist/classifier.ts`) and the ONNX extractor: `model.json` (format tag, parameter names
 * and shapes, training record) next to a raw little-endian float32 `weights.bin` holding the
 * parameters in table order. Convolutions are HWIO and dense layers in×out (tfjs's layouts).
 */
import { FormatError } from '../../core/errors.js';
import { readModelFolder } from '../../io/model-folder.js';
import { packParams, paramCount, unpackParams } from '../../io/params.js';

/** Name and shape of every parameter, in file order. Convolutions are HWIO, dense layers in×out. */
export const CLASSIFIER_PARAMS = Object.freeze([
  { name: 'conv1.weight', shape: [3, 3, 1, 32] },
  { name: 'conv1.bias', shape: [32] },
  { name: 'conv2.weight', shape: [3, 3, 32, 64] },
  { name: 'conv2.bias', shape: [64] },
  { name: 'fc1.weight', shape: [1600, 128] },
  { name: 'fc1.bias', shape: [128] },
  { name: 'fc2.weight', shape: [128, 10] },
  { name: 'fc2.bias', shape: [10] },
] as const);

export type ClassifierParamName = (typeof CLASSIFIER_PARAMS)[number]['name'];

/** Width of the penultimate layer (`features`). */
export const CLASSIFIER_FEATURE_DIM = 128;
/** Number of classes (`logits`). */
export const CLASSIFIER_CLASSES = 10;
/** `format` field of `model.json`; bump when the layout changes. */
export const CLASSIFIER_FORMAT = 'fidkit.mnist-classifier/1';

/** Plain float32 weights by name (what files hold and the ONNX builder reads). */
export type ClassifierWeights = Record<ClassifierParamName, Float32Array>;

/** Total parameter count. */
export function classifierParamCount(): number {
  return paramCount(CLASSIFIER_PARAMS);
}

/** Concatenate the weights in {@link CLASSIFIER_PARAMS} order as little-endian float32 bytes. */
export function packClassifierWeights(weights: ClassifierWeights): Uint8Array {
  return packParams(CLASSIFIER_PARAMS, weights);
}

/**
 * Split a weights file into named float32 arrays.
 * @throws {FormatError} when its size is not that of the classifier's parameters.
 */
export function unpackClassifierWeights(bytes: Uint8Array, source = 'weights file'): ClassifierWeights {
  const total = classifierParamCount();
  if (bytes.byteLength !== total * 4) {
    throw new FormatError(`${source} has ${bytes.byteLength} bytes, the MNIST classifier needs ${total * 4} (${total} float32 parameters): it is not a fidkit MNIST classifier file`);
  }
  return unpackParams(CLASSIFIER_PARAMS, bytes, source) as ClassifierWeights;
}

/**
 * Read a classifier written by `fidkit train classifier`: `model.json` (or its folder) and the
 * weights file it names.
 * @throws {FidkitError} `E_NOT_FOUND` when a file is missing; {@link FormatError} when they are not a
 *   classifier of this architecture.
 */
export async function readClassifierModel(path: string): Promise<{ weights: ClassifierWeights; bytes: Uint8Array; modelPath: string }> {
  const { weights, bytes, modelPath } = await readModelFolder(path, {
    format: CLASSIFIER_FORMAT,
    params: CLASSIFIER_PARAMS,
    architecture: "fidkit's MNIST classifier",
    notFound: (p) => `MNIST classifier not found at ${p}: pass the folder written by \`fidkit train classifier --out DIR\`, or reinstall fidkit to restore models/`,
    unpack: unpackClassifierWeights,
  });
  return { weights: weights as ClassifierWeights, bytes, modelPath };
}
