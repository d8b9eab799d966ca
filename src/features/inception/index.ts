/**
 * @file The FID Inception feature extractor: pytorch-fid's `pt_inception-2015-12-05` network on
 * ONNX Runtime (CPU), fed by one of the three preprocessing protocols (protocols.ts).
 *
 * Layers: `pool3` (2048, FID/KID/PRDC), `logits_unbiased` (1008, torch-fidelity's Inception Score
 * input), `logits` (1008, with the classifier bias), and pytorch-fid's `--dims` taps `pool_64`,
 * `pool_192`, `pool_768`. Matches pytorch-fid (protocol `pytorch-fid`), torch-fidelity (`tf`) and
 * clean-fid (`clean`) within max |Δ| ≤ 1e-3 and ≤ 1e-5 of the largest value, on every fixture
 * image (test/features/inception/extractor.test.ts).
 */

import { InputError } from '../../core/errors.js';
import type { FeatureMatrix, StateDict } from '../../core/types.js';
import { createSession, type OnnxSession, type SessionOptions } from '../../onnx/session.js';
import { runInChunks } from '../chunked-run.js';
import type { ExtractorImage, FeatureExtractor, FeatureMetric } from '../extractor.js';
import { buildInceptionModel, INCEPTION_INPUT, INCEPTION_INPUT_SIZE, INCEPTION_OUTPUT_DIMS, type InceptionOutput } from './graph.js';
import { DEFAULT_PROTOCOL, parseProtocol, writeNetworkInput, type InceptionProtocol } from './protocols.js';

export { buildInceptionModel } from './graph.js';
export { INCEPTION_PROTOCOLS, DEFAULT_PROTOCOL, type InceptionProtocol } from './protocols.js';

/** Layer names of the Inception extractor. */
export type InceptionLayer = InceptionOutput;

/** Registry name (torch-fidelity calls the same network `inception-v3-compat`). */
export const INCEPTION_EXTRACTOR_NAME = 'inception-v3-fid';


/** The layer each metric reads (FID/KID/PRDC pool3; IS the unbiased logits, as torch-fidelity). */
export const INCEPTION_DEFAULT_LAYERS: Readonly<Record<FeatureMetric, InceptionLayer>> = Object.freeze({
  fid: 'pool3',
  kid: 'pool3',
  prdc: 'pool3',
  is: 'logits_unbiased',
});

/**
 * Images per ONNX Runtime call. Measured on the 2-core reference machine (bench/inception.ts
 * --sweep): 1 image per call gives ~0.7× the throughput of 8, 4 gives ~0.9×, 16 the same as 8;
 * memory grows by ~15 MB of activations per image (peak RSS 0.53 GB at 8, 1.3 GB at 50 with the
 * weights in memory), so larger batches are cut into chunks of this size.
 */
export const DEFAULT_SESSION_BATCH = 8;

export interface InceptionOptions extends SessionOptions {
  /** The weights (pytorch-fid's state-dict keys); the model is built from them. */
  readonly stateDict?: StateDict;
  /** Or an already built model: its bytes, or the path of a cached `.onnx` file from `buildInceptionModel`. */
  readonly model?: Uint8Array | string;
  /** Preprocessing protocol; default `tf`. */
  readonly protocol?: InceptionProtocol;
  /** Images per ONNX Runtime call (default {@link DEFAULT_SESSION_BATCH}). */
  readonly sessionBatch?: number;
  /** Where the weights came from, named in error messages. */
  readonly source?: string;
}

/**
 * Loads the FID Inception extractor.
 * @throws {FidkitError} `E_WEIGHTS` for weights of another architecture; {InputError} for bad options
 * or a model ONNX Runtime rejects; {FidkitError} when onnxruntime-node cannot be loaded.
 */
export async function loadInception(options: InceptionOptions): Promise<FeatureExtractor<InceptionLayer>> {
  const protocol = parseProtocol(options.protocol ?? DEFAULT_PROTOCOL);
  const sessionBatch = options.sessionBatch ?? DEFAULT_SESSION_BATCH;
  if (!Number.isInteger(sessionBatch) || sessionBatch < 1) throw new InputError(`sessionBatch must be a positive integer, got ${sessionBatch}`);
  let model = options.model;
  if (model === undefined) {
    if (options.stateDict === undefined) throw new InputError('loadInception needs either `stateDict` (weights) or `model` (a built .onnx)');
    model = buildInceptionModel(options.stateDict, { source: options.source });
  }
  const session = await createSession(model, options);
  for (const layer of Object.keys(INCEPTION_OUTPUT_DIMS)) {
    if (!session.outputNames.includes(layer)) {
      await session.release();
      throw new InputError(`the ONNX model has no output '${layer}' (outputs: ${session.outputNames.join(', ')}): it was not built by buildInceptionModel`);
    }
  }
  return new InceptionExtractor(session, protocol, sessionBatch);
}

class InceptionExtractor implements FeatureExtractor<InceptionLayer> {
  readonly name = INCEPTION_EXTRACTOR_NAME;
  readonly layers = Object.freeze(Object.keys(INCEPTION_OUTPUT_DIMS)) as readonly InceptionLayer[];
  readonly dims = INCEPTION_OUTPUT_DIMS;
  private disposed = false;

  constructor(
    private readonly session: OnnxSession,
    readonly protocol: InceptionProtocol,
    private readonly sessionBatch: number,
  ) {}

  defaultLayerFor(metric: FeatureMetric): InceptionLayer {
    return INCEPTION_DEFAULT_LAYERS[metric];
  }

  async extract(batch: readonly ExtractorImage[], layers: readonly InceptionLayer[] = this.layers): Promise<Record<InceptionLayer, FeatureMatrix>> {
    if (this.disposed) throw new InputError('this Inception extractor was disposed; load a new one');
    const size = INCEPTION_INPUT_SIZE;
    return runInChunks(batch, layers, {
      what: 'Inception',
      session: this.session,
      inputName: INCEPTION_INPUT,
      inputShape: [3, size, size],
      chunk: this.sessionBatch,
      dims: INCEPTION_OUTPUT_DIMS,
      write: (image, out, offset) => writeNetworkInput(image, this.protocol, out, offset, size),
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
