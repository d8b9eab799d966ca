/**
 * @file The MNIST classifier's parameter table and weights files, shared by training
 * (`src/generators/classifier.ts`) and the ONNX extractor: `model.json` (format tag, parameter names
 * and shapes, training record) next to a raw little-endian float32 `weights.bin` holding the
 * parameters in table order. Convolutions are HWIO and dense layers in×out (tfjs's layouts).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FidkitError, FormatError } from '../../errors.js';

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
  return CLASSIFIER_PARAMS.reduce((n, p) => n + p.shape.reduce((a: number, b: number) => a * b, 1), 0);
}

/** Concatenate the weights in {@link CLASSIFIER_PARAMS} order as little-endian float32 bytes. */
export function packClassifierWeights(weights: ClassifierWeights): Uint8Array {
  const total = classifierParamCount();
  const flat = new Float32Array(total);
  let offset = 0;
  for (const { name } of CLASSIFIER_PARAMS) {
    flat.set(weights[name], offset);
    offset += weights[name].length;
  }
  return new Uint8Array(flat.buffer);
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
  // Copy into an aligned buffer: a Node Buffer's byteOffset need not be a multiple of 4.
  const flat = new Float32Array(total);
  new Uint8Array(flat.buffer).set(bytes);
  const out = {} as ClassifierWeights;
  let offset = 0;
  for (const { name, shape } of CLASSIFIER_PARAMS) {
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    out[name] = flat.subarray(offset, offset + size);
    offset += size;
  }
  return out;
}

/** What `model.json` holds (the fields the extractor reads; training adds a `training` record). */
export interface ClassifierModelFile {
  readonly format: string;
  readonly weights: string;
  readonly parameters: ReadonlyArray<{ readonly name: string; readonly shape: readonly number[] }>;
}

/**
 * Read a classifier written by `fidkit train classifier`: `model.json` (or its folder) and the
 * weights file it names.
 * @throws {FidkitError} `E_NOT_FOUND` when a file is missing; {@link FormatError} when they are not a
 *   classifier of this architecture.
 */
export async function readClassifierModel(path: string): Promise<{ weights: ClassifierWeights; bytes: Uint8Array; modelPath: string }> {
  const modelPath = path.endsWith('.json') ? path : join(path, 'model.json');
  let text: string;
  try {
    text = await readFile(modelPath, 'utf8');
  } catch (cause) {
    throw new FidkitError('E_NOT_FOUND', `MNIST classifier not found at ${modelPath}: pass the folder written by \`fidkit train classifier --out DIR\`, or reinstall fidkit to restore models/`, { cause });
  }
  let model: ClassifierModelFile;
  try {
    model = JSON.parse(text) as ClassifierModelFile;
  } catch (cause) {
    throw new FormatError(`${modelPath} is not valid JSON`, { cause });
  }
  if (model.format !== CLASSIFIER_FORMAT) throw new FormatError(`${modelPath} has format '${String(model.format)}', expected '${CLASSIFIER_FORMAT}'`);
  const same =
    Array.isArray(model.parameters) &&
    model.parameters.length === CLASSIFIER_PARAMS.length &&
    CLASSIFIER_PARAMS.every((p, i) => model.parameters[i].name === p.name && model.parameters[i].shape.join('x') === p.shape.join('x'));
  if (!same) throw new FormatError(`${modelPath} lists parameters of another architecture than fidkit's MNIST classifier`);
  const weightsPath = join(dirname(modelPath), model.weights);
  const bytes = await readFile(weightsPath).catch((cause: unknown) => {
    throw new FidkitError('E_NOT_FOUND', `${modelPath} names weights ${weightsPath}, which cannot be read`, { cause });
  });
  return { weights: unpackClassifierWeights(bytes, weightsPath), bytes, modelPath };
}
