/**
 * @file The DINOv2 feature extractors `dinov2-vit-{s,b,l,g}-14` on ONNX Runtime (CPU): the CLS token
 * after the final norm of facebookresearch/dinov2's backbone (graph.ts), fed by one of three presets
 * (preprocess.ts). One layer, `dinov2` (torch-fidelity's name), read by every metric. Matches the
 * reference model code within max |Δ| ≤ 1e-5 of the largest value on every fixture image and preset
 * (test/features/dinov2/).
 */

import { InputError } from '../../core/errors.js';
import type { FeatureMatrix } from '../../core/types.js';
import { createSession, type OnnxSession, type SessionOptions } from '../../onnx/session.js';
import { runInChunks } from '../chunked-run.js';
import type { ExtractorImage, FeatureExtractor, FeatureMetric } from '../extractor.js';
import { DINOV2_INPUT_SIZE, dinov2Arch } from './arch.js';
import { DINOV2_INPUT, DINOV2_OUTPUT } from './graph.js';
import { DINOV2_PROTOCOLS, writeDinov2Input } from './preprocess.js';

export { DINOV2_ARCHS, dinov2Arch } from './arch.js';
export { DINOV2_PROTOCOLS } from './preprocess.js';

/** The one layer. */
export type Dinov2Layer = typeof DINOV2_OUTPUT;

/** Every metric reads `dinov2` (torch-fidelity's default for all). */
export const DINOV2_DEFAULT_LAYERS: Readonly<Record<FeatureMetric, Dinov2Layer>> = Object.freeze({ fid: 'dinov2', kid: 'dinov2', prdc: 'dinov2', is: 'dinov2' });

/** Images per ONNX Runtime call: activations of one image are a few MB (257 tokens), so 8 keep memory small while the weights are streamed once per 8 images. */
export const DINOV2_SESSION_BATCH = 8;

export interface Dinov2Options extends SessionOptions {
  /** fidkit's model name (`dinov2-vit-l-14`). */
  readonly name: string;
  /** The preset (one of {@link DINOV2_PROTOCOLS}). */
  readonly protocol: string;
  /** The built model: its bytes, or the path of the `.onnx` written by build.ts (its data file beside it). */
  readonly model: Uint8Array | string;
  readonly sessionBatch?: number;
}

/**
 * Loads a DINOv2 extractor from a built model.
 * @throws {InputError} for bad options, a model ONNX Runtime rejects or without the `dinov2` output.
 */
export async function loadDinov2(options: Dinov2Options): Promise<FeatureExtractor<Dinov2Layer>> {
  const arch = dinov2Arch(options.name);
  if (!(DINOV2_PROTOCOLS as readonly string[]).includes(options.protocol)) {
    throw new InputError(`unknown DINOv2 preset '${options.protocol}': expected one of ${DINOV2_PROTOCOLS.join(', ')}`);
  }
  const sessionBatch = options.sessionBatch ?? DINOV2_SESSION_BATCH;
  if (!Number.isInteger(sessionBatch) || sessionBatch < 1) throw new InputError(`sessionBatch must be a positive integer, got ${sessionBatch}`);
  const session = await createSession(options.model, options);
  if (!session.outputNames.includes(DINOV2_OUTPUT)) {
    await session.release();
    throw new InputError(`the ONNX model has no output '${DINOV2_OUTPUT}' (outputs: ${session.outputNames.join(', ')}): it was not built by fidkit's DINOv2 builder`);
  }
  return new Dinov2Extractor(arch.name, arch.dim, options.protocol, session, sessionBatch);
}

class Dinov2Extractor implements FeatureExtractor<Dinov2Layer> {
  readonly layers = Object.freeze([DINOV2_OUTPUT]) as readonly Dinov2Layer[];
  readonly dims: Readonly<Record<Dinov2Layer, number>>;
  private disposed = false;

  constructor(
    readonly name: string,
    dim: number,
    readonly protocol: string,
    private readonly session: OnnxSession,
    private readonly sessionBatch: number,
  ) {
    this.dims = Object.freeze({ [DINOV2_OUTPUT]: dim }) as Record<Dinov2Layer, number>;
  }

  defaultLayerFor(metric: FeatureMetric): Dinov2Layer {
    return DINOV2_DEFAULT_LAYERS[metric];
  }

  async extract(batch: readonly ExtractorImage[], layers: readonly Dinov2Layer[] = this.layers): Promise<Record<Dinov2Layer, FeatureMatrix>> {
    if (this.disposed) throw new InputError(`this ${this.name} extractor was disposed; load a new one`);
    const size = DINOV2_INPUT_SIZE;
    return runInChunks(batch, layers, {
      what: this.name,
      session: this.session,
      inputName: DINOV2_INPUT,
      inputShape: [3, size, size],
      chunk: this.sessionBatch,
      dims: this.dims,
      write: (image, out, offset) => writeDinov2Input(image, this.protocol, out, offset),
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
