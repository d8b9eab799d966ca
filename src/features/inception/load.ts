/**
 * @file The Inception extractor's load pipeline, as the extractor table (features/registry.ts)
 * calls it: resolve the weights (`--weights PATH`, the cache, or the download), read the `.pth`,
 * check it against the FID InceptionV3 layout, build the ONNX graph — cached next to the downloaded
 * weights, keyed by the weights' SHA-256, so later runs skip the build — and open an ONNX Runtime
 * session. Also the table's declarations for this extractor: layer widths, default layers, protocols.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { optionRef } from '../../options/mention.js';
import { resolveCacheDir, type CacheOptions } from '../../io/cache.js';
import { readPth } from '../../io/pth.js';
import type { ExtractorIdentity, LoadedExtractor } from '../extractor.js';
import { INCEPTION_OUTPUT_DIMS } from './graph.js';
import { hashInceptionStateDict } from './hash-weights.js';
import { buildInceptionModel, loadInception } from './index.js';
import { INCEPTION_PROTOCOLS, type InceptionProtocol } from './protocols.js';
import { assertInceptionStateDict } from './state-dict.js';
import { resolveInceptionWeights } from './weights.js';

/** The layers and their widths (graph outputs). */
export const INCEPTION_LAYER_DIMS = INCEPTION_OUTPUT_DIMS;

export { INCEPTION_DEFAULT_LAYERS } from './index.js';

/** The protocols, default first. */
export const INCEPTION_PROTOCOL_NAMES = Object.freeze(Object.keys(INCEPTION_PROTOCOLS)) as readonly InceptionProtocol[];

/**
 * `--weights` value selecting the deterministic hash weights of the reference fixtures: the
 * features match pytorch-fid's computed with the same weights, but mean nothing perceptually.
 * For tests and `fidkit verify`, never for reporting numbers.
 */
export const HASH_WEIGHTS = 'test:hash';

/** What `LoadedExtractor.weightsId` (and statistics files) record for the hash weights. */
export const HASH_WEIGHTS_ID = 'hash-weights-v1';

/** Bump when the graph builder changes what it writes, so cached `.onnx` files are rebuilt. */
const GRAPH_VERSION = 1;

/** What the table passes in. */
export interface InceptionRequest extends CacheOptions {
  readonly protocol: string;
  readonly weights?: string;
  readonly weightsFrom?: string;
}

/**
 * Load the Inception extractor for the table.
 * @throws {FidkitError} weights not found, not downloadable (offline), not an Inception state dict
 */
export async function loadInceptionExtractor(request: InceptionRequest): Promise<LoadedExtractor> {
  const protocol = request.protocol as InceptionProtocol;
  const warnings: string[] = [];
  if (request.weights === HASH_WEIGHTS) {
    const extractor = await loadInception({ stateDict: hashInceptionStateDict(), protocol, source: 'hash weights' });
    warnings.push(`using the deterministic test weights (${optionRef('weights', HASH_WEIGHTS)}): the features are meaningless outside tests`);
    const identity: ExtractorIdentity = { weightsSha256: null, official: false, weights: HASH_WEIGHTS, source: 'test', protocol: extractor.protocol, warnings };
    return { extractor, name: 'inception', weightsId: HASH_WEIGHTS_ID, warnings, identity };
  }
  const weights = await resolveInceptionWeights({ ...request, perExtractor: request.weightsFrom });
  if (weights.warning) warnings.push(weights.warning);
  // The built graph is cached in the cache folder under the weights' hash: reading a 95 MB .pth and
  // folding 94 BatchNorms takes seconds, loading a ready .onnx a fraction of that.
  const modelPath = join(resolveCacheDir(request), 'onnx', `inception-${weights.sha256.slice(0, 16)}-g${GRAPH_VERSION}.onnx`);
  const cached = await stat(modelPath).catch(() => undefined);
  let model: Uint8Array | string = modelPath;
  if (!cached?.isFile()) {
    const { stateDict } = await readPth(weights.path);
    assertInceptionStateDict(stateDict, weights.path);
    model = buildInceptionModel(stateDict, { source: weights.path });
    // A cache write failure (read-only cache) must not stop the run: the model is in memory.
    await writeFileAtomic(modelPath, model).catch(() => undefined);
  }
  const extractor = await loadInception({ model, protocol, source: weights.path });
  const identity: ExtractorIdentity = { weightsSha256: weights.sha256, official: weights.official, weights: weights.path, source: weights.source, protocol: extractor.protocol, warnings };
  return { extractor, name: 'inception', weightsId: weights.sha256, warnings, identity };
}
