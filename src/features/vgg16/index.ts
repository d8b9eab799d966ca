/**
 * @file The VGG16 feature extractor: torch-fidelity 0.4's `FeatureExtractorVGG16` (the extractor its
 * precision/recall uses by default) on ONNX Runtime (CPU). torchvision's VGG16 up to the second
 * fully connected layer, fed by torch-fidelity's preprocessing (preprocess.ts).
 *
 * Layers: `fc2` (4096, before the ReLU) and `fc2_relu` (4096); every metric reads `fc2_relu` by
 * default, as in torch-fidelity. Matches torch-fidelity's features within max |Δ| ≤ 1e-5 of the
 * largest value on every fixture image (test/features/vgg16/extractor.test.ts).
 */

import { InputError } from '../../core/errors.js';
import { createSession, type OnnxSession, type SessionOptions } from '../../onnx/session.js';
import type { FeatureMatrix } from '../../core/types.js';
import { runInChunks } from '../chunked-run.js';
import type { ExtractorImage, FeatureExtractor, FeatureMetric } from '../extractor.js';
import { VGG16_INPUT, VGG16_OUTPUT_DIMS, type Vgg16Output } from './graph.js';
import { VGG16_INPUT_SIZE, VGG16_PROTOCOL, writeVgg16Input } from './preprocess.js';

export { buildVgg16Model, vgg16ModelParts, VGG16_OUTPUT_DIMS } from './graph.js';
export { VGG16_PROTOCOL } from './preprocess.js';

/** Layer names of the VGG16 extractor. */
export type Vgg16Layer = Vgg16Output;

/** Registry name, as torch-fidelity names it. */
export const VGG16_EXTRACTOR_NAME = 'vgg16';

/** The layer each metric reads (torch-fidelity: `fc2_relu` for all). */
export const VGG16_DEFAULT_LAYERS: Readonly<Record<FeatureMetric, Vgg16Layer>> = Object.freeze({
  fid: 'fc2_relu',
  kid: 'fc2_relu',
  prdc: 'fc2_relu',
  is: 'fc2_relu',
});

/**
 * Images per ONNX Runtime call. Activations of one 224×224 image peak at ~13 MB per tensor (64×224×224
 * float32), so 8 images keep a session's working memory near 0.3 GB while the fc layers' 470 MB of
 * weights are read once per 8 images instead of once per image.
 */
export const VGG16_SESSION_BATCH = 8;

export interface Vgg16Options extends SessionOptions {
  /** The built model: its bytes, or the path of an `.onnx` file written from `vgg16ModelParts`. */
  readonly model: Uint8Array | string;
  /** Images per ONNX Runtime call (default {@link VGG16_SESSION_BATCH}). */
  readonly sessionBatch?: number;
}

/**
 * Loads the VGG16 extractor from a built model.
 * @throws {InputError} for bad options, a model ONNX Runtime rejects, or one without the fc2 outputs;
 *   {FidkitError} when onnxruntime-node cannot be loaded.
 */
export async function loadVgg16(options: Vgg16Options): Promise<FeatureExtractor<Vgg16Layer>> {
  const sessionBatch = options.sessionBatch ?? VGG16_SESSION_BATCH;
  if (!Number.isInteger(sessionBatch) || sessionBatch < 1) throw new InputError(`sessionBatch must be a positive integer, got ${sessionBatch}`);
  const session = await createSession(options.model, options);
  for (const layer of Object.keys(VGG16_OUTPUT_DIMS)) {
    if (!session.outputNames.includes(layer)) {
      await session.release();
      throw new InputError(`the ONNX model has no output '${layer}' (outputs: ${session.outputNames.join(', ')}): it was not built by vgg16ModelParts`);
    }
  }
  return new Vgg16Extractor(session, sessionBatch);
}

class Vgg16Extractor implements FeatureExtractor<Vgg16Layer> {
  readonly name = VGG16_EXTRACTOR_NAME;
  readonly layers = Object.freeze(Object.keys(VGG16_OUTPUT_DIMS)) as readonly Vgg16Layer[];
  readonly dims = VGG16_OUTPUT_DIMS;
  readonly protocol = VGG16_PROTOCOL;
  private disposed = false;

  constructor(
    private readonly session: OnnxSession,
    private readonly sessionBatch: number,
  ) {}

  defaultLayerFor(metric: FeatureMetric): Vgg16Layer {
    return VGG16_DEFAULT_LAYERS[metric];
  }

  async extract(batch: readonly ExtractorImage[], layers: readonly Vgg16Layer[] = this.layers): Promise<Record<Vgg16Layer, FeatureMatrix>> {
    if (this.disposed) throw new InputError('this VGG16 extractor was disposed; load a new one');
    const size = VGG16_INPUT_SIZE;
    return runInChunks(batch, layers, {
      what: 'VGG16',
      session: this.session,
      inputName: VGG16_INPUT,
      inputShape: [3, size, size],
      chunk: this.sessionBatch,
      dims: VGG16_OUTPUT_DIMS,
      write: (image, out, offset) => writeVgg16Input(image, out, offset),
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
