/**
 * @file The CLIP image-encoder extractors (`clip-vit-b-32`, `clip-vit-l-14`, `clip-vit-l-14-336`): OpenAI's
 * CLIP ViTs (`model.encode_image`) on ONNX Runtime (CPU), fed by one of three references' preprocessing
 * (preprocess.ts): OpenAI's own (`clip`), torch-fidelity 0.4's (`torch-fidelity`) or CMMD's (`cmmd`).
 *
 * Layers: `embedding` (the projected image embedding as `encode_image` returns it; torch-fidelity's `clip`
 * feature, which FID/KID/PRDC read on ViT-B/32 and ViT-L/14) and `embedding_normalized` (divided by its L2
 * norm: CMMD's embedding, every metric's default on ViT-L/14@336).
 * Matches the references within max |Δ| ≤ 1e-5 of the largest value on every fixture image
 * (test/features/clip/extractor.test.ts).
 */

import { InputError } from '../../core/errors.js';
import type { FeatureMatrix } from '../../core/types.js';
import { createSession, type OnnxSession, type SessionOptions } from '../../onnx/session.js';
import { runInChunks } from '../chunked-run.js';
import type { ExtractorImage, FeatureExtractor, FeatureMetric } from '../extractor.js';
import { CLIP_INPUT, CLIP_LAYERS, type ClipLayer } from './graph.js';
import { CLIP_VIT_L_14_336, type ClipModelSpec } from './models.js';
import { writeClipInput, type ClipProtocol } from './preprocess.js';

export { buildClipModel, clipModelParts, CLIP_LAYERS, type ClipLayer } from './graph.js';
export { CLIP_PROTOCOLS, type ClipProtocol } from './preprocess.js';

/**
 * The layer each metric reads on ViT-B/32 and ViT-L/14: the raw embedding, as torch-fidelity's `clip`
 * feature for every metric.
 */
export const CLIP_DEFAULT_LAYERS: Readonly<Record<FeatureMetric, ClipLayer>> = Object.freeze({
  fid: 'embedding',
  kid: 'embedding',
  prdc: 'embedding',
  is: 'embedding',
});

/** The layer CMMD reads (google-research `cmmd/embedding.py` normalises the embeddings). */
export const CLIP_CMMD_LAYER: ClipLayer = 'embedding_normalized';

/**
 * The layers model `m` gives each metric by default. ViT-L/14@336 is CMMD's space (its default preset is
 * `cmmd`), and CMMD reads an extractor's feature layer, so there every metric reads the L2-normalised
 * embedding; `fidkit features --layer embedding` gives the raw one (torch-fidelity's `clip` feature).
 */
export function clipDefaultLayers(m: ClipModelSpec): Readonly<Record<FeatureMetric, ClipLayer>> {
  return m.name === CLIP_VIT_L_14_336.name
    ? Object.freeze({ fid: CLIP_CMMD_LAYER, kid: CLIP_CMMD_LAYER, prdc: CLIP_CMMD_LAYER, is: CLIP_CMMD_LAYER })
    : CLIP_DEFAULT_LAYERS;
}

/** The layer widths of model `m`. */
export function clipLayerDims(m: ClipModelSpec): Readonly<Record<ClipLayer, number>> {
  return Object.freeze({ embedding: m.outputDim, embedding_normalized: m.outputDim });
}

/** Images per ONNX Runtime call: activations of ViT-L/14@336 (577 tokens × 4096 MLP width) stay near 0.3 GB for 8 images. */
export const CLIP_SESSION_BATCH = 8;

export interface ClipOptions extends SessionOptions {
  /** The built model: its bytes, or the path of an `.onnx` file written from `clipModelParts`. */
  readonly model: Uint8Array | string;
  readonly spec: ClipModelSpec;
  readonly protocol: ClipProtocol;
  /** Images per ONNX Runtime call (default {@link CLIP_SESSION_BATCH}). */
  readonly sessionBatch?: number;
}

export type ClipExtractor = FeatureExtractor<ClipLayer>;

/**
 * Loads a CLIP extractor from a built model.
 * @throws {InputError} for bad options, a model ONNX Runtime rejects, or one without the CLIP outputs;
 *   {FidkitError} when onnxruntime-node cannot be loaded.
 */
export async function loadClip(options: ClipOptions): Promise<ClipExtractor> {
  const sessionBatch = options.sessionBatch ?? CLIP_SESSION_BATCH;
  if (!Number.isInteger(sessionBatch) || sessionBatch < 1) throw new InputError(`sessionBatch must be a positive integer, got ${sessionBatch}`);
  const session = await createSession(options.model, options);
  for (const layer of CLIP_LAYERS) {
    if (!session.outputNames.includes(layer)) {
      await session.release();
      throw new InputError(`the ONNX model has no output '${layer}' (outputs: ${session.outputNames.join(', ')}): it was not built by clipModelParts`);
    }
  }
  return new Clip(session, options.spec, options.protocol, sessionBatch);
}

class Clip implements ClipExtractor {
  readonly name: string;
  readonly layers = CLIP_LAYERS;
  readonly dims: Readonly<Record<ClipLayer, number>>;
  private disposed = false;

  constructor(
    private readonly session: OnnxSession,
    private readonly spec: ClipModelSpec,
    readonly protocol: ClipProtocol,
    private readonly sessionBatch: number,
  ) {
    this.name = spec.name;
    this.dims = clipLayerDims(spec);
  }

  defaultLayerFor(metric: FeatureMetric): ClipLayer {
    return clipDefaultLayers(this.spec)[metric];
  }

  async extract(batch: readonly ExtractorImage[], layers: readonly ClipLayer[] = this.layers): Promise<Record<ClipLayer, FeatureMatrix>> {
    if (this.disposed) throw new InputError(`this ${this.spec.name} extractor was disposed; load a new one`);
    const r = this.spec.resolution;
    return runInChunks(batch, layers, {
      what: `CLIP ${this.spec.title}`,
      session: this.session,
      inputName: CLIP_INPUT,
      inputShape: [3, r, r],
      chunk: this.sessionBatch,
      dims: this.dims,
      write: (image, out, offset) => writeClipInput(image, this.protocol, r, out, offset),
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
