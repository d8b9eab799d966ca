/**
 * @file The extraction loop every ONNX extractor shares: check the requested layers, cut a batch of
 * images into chunks of `chunk` images, write each image's network input with the extractor's own
 * preprocessing, run the session and gather one N×D matrix per layer. The chunk bounds memory
 * (activations grow with images per call) without changing results.
 */
import { InputError } from '../core/errors.js';
import type { OnnxSession } from '../onnx/session.js';
import type { FeatureMatrix } from '../core/types.js';
import type { ExtractorImage } from './extractor.js';

export interface ChunkedRun<Layer extends string> {
  /** Names the extractor in messages ("Inception", "MNIST"). */
  readonly what: string;
  readonly session: OnnxSession;
  readonly inputName: string;
  /** Shape of one image's input without the batch axis, e.g. [3, 299, 299]. */
  readonly inputShape: readonly number[];
  /** Images per session call. */
  readonly chunk: number;
  /** A model with a fixed batch size: every call gets exactly `chunk` rows, the last call padded with zeros. */
  readonly fixedBatch?: boolean;
  readonly dims: Readonly<Record<Layer, number>>;
  /** The model output behind each layer, when the names differ (default: the layer's name). */
  readonly outputNames?: Readonly<Record<Layer, string>>;
  /** Write one image's input (product of `inputShape` floats) into `out` at `offset`. */
  write(image: ExtractorImage, out: Float32Array, offset: number): void;
}

/**
 * Features of `batch` for `layers`, rows in batch order.
 * @throws {InputError} an unknown layer, or an image its preprocessing refuses (named by index)
 */
export async function runInChunks<Layer extends string>(
  batch: readonly ExtractorImage[],
  layers: readonly Layer[],
  spec: ChunkedRun<Layer>,
): Promise<Record<Layer, FeatureMatrix>> {
  for (const layer of layers) {
    if (!Object.hasOwn(spec.dims, layer)) {
      throw new InputError(`unknown ${spec.what} layer '${layer}': expected one of ${Object.keys(spec.dims).join(', ')}`);
    }
  }
  const n = batch.length;
  const perImage = spec.inputShape.reduce((a, b) => a * b, 1);
  const outputs = layers.map((layer) => ({ layer, dim: spec.dims[layer], data: new Float32Array(n * spec.dims[layer]) }));
  const input = new Float32Array((spec.fixedBatch ? spec.chunk : Math.min(n, spec.chunk)) * perImage);
  for (let start = 0; start < n; start += spec.chunk) {
    const count = Math.min(spec.chunk, n - start);
    for (let i = 0; i < count; i++) {
      try {
        spec.write(batch[start + i], input, i * perImage);
      } catch (cause) {
        throw new InputError(`image ${start + i} of the batch: ${(cause as Error).message}`, { cause });
      }
    }
    const rows = spec.fixedBatch ? spec.chunk : count;
    if (rows !== count) input.fill(0, count * perImage);
    const data = rows * perImage === input.length ? input : input.subarray(0, rows * perImage);
    const names = layers.map((layer) => spec.outputNames?.[layer] ?? layer);
    const got = await spec.session.run({ [spec.inputName]: { data, dims: [rows, ...spec.inputShape] } }, [...new Set(names)]);
    for (const [i, { dim, data: out }] of outputs.entries()) {
      const result = got[names[i]];
      if (result.data.length !== rows * dim) {
        throw new InputError(`${spec.what}: output '${names[i]}' has shape [${result.dims.join(', ')}] for ${rows} images, expected ${rows} rows of ${dim} values`);
      }
      out.set(result.data.subarray(0, count * dim), start * dim);
    }
  }
  const results = {} as Record<Layer, FeatureMatrix>;
  for (const { layer, dim, data } of outputs) results[layer] = { data, rows: n, cols: dim };
  return results;
}
