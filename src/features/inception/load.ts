/**
 * @file The Inception extractor's load pipeline, as the extractor table (features/registry.ts)
 * calls it: resolve the weights (`--weights PATH`, the cache, or the download), read the `.pth`,
 * check it against the FID InceptionV3 layout, build the ONNX graph — cached next to the downloaded
 * weights, keyed by the weights' SHA-256, so later runs skip the build — and open an ONNX Runtime
 * session. Also the table's declarations for this extractor: layer widths, default layers, protocols.
 */
import { createHash } from 'node:crypto';
import { closeSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { mark } from '../../core/timeline.js';
import { createTemporary, releaseTemporary, temporaryPathFor, writeFileAtomic } from '../../io/atomic-write.js';
import { optionRef } from '../../options/mention.js';
import { resolveCacheDir, type CacheOptions } from '../../io/cache.js';
import { onnxRuntimeVersion } from '../../onnx/session.js';
import type { ExtractorIdentity, FeatureExtractor, LoadedExtractor } from '../extractor.js';
import { INCEPTION_OUTPUT_DIMS } from './graph.js';
import { loadInception } from './index.js';
import { INCEPTION_PROTOCOLS, type InceptionProtocol } from './protocols.js';
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
  /** `false` (`--no-cache`): hash the weights every time and use no cached optimised graph. */
  readonly cache?: boolean;
}

/**
 * Load the Inception extractor for the table.
 * @throws {FidkitError} weights not found, not downloadable (offline), not an Inception state dict
 */
export async function loadInceptionExtractor(request: InceptionRequest): Promise<LoadedExtractor> {
  const protocol = request.protocol as InceptionProtocol;
  const warnings: string[] = [];
  if (request.weights === HASH_WEIGHTS) {
    const { hashInceptionStateDict } = await import('./hash-weights.js');
    const extractor = await loadInception({ stateDict: hashInceptionStateDict(), protocol, source: 'hash weights' });
    warnings.push(`using the deterministic test weights (${optionRef('weights', HASH_WEIGHTS)}): the features are meaningless outside tests`);
    const identity: ExtractorIdentity = { weightsSha256: null, official: false, weights: HASH_WEIGHTS, source: 'test', protocol: extractor.protocol, warnings };
    return { extractor, name: 'inception', weightsId: HASH_WEIGHTS_ID, warnings, identity };
  }
  const weights = await resolveInceptionWeights({ ...request, perExtractor: request.weightsFrom });
  mark(`weights resolved (${weights.source})`);
  if (weights.warning) warnings.push(weights.warning);
  // The built graph is cached in the cache folder under the weights' hash: reading a 95 MB .pth and
  // folding 94 BatchNorms takes seconds, loading a ready .onnx a fraction of that.
  const modelPath = join(resolveCacheDir(request), 'onnx', `inception-${weights.sha256.slice(0, 16)}-g${GRAPH_VERSION}.onnx`);
  const cached = await stat(modelPath).catch(() => undefined);
  let model: Uint8Array | string = modelPath;
  if (!cached?.isFile()) {
    // Only this path needs the .pth reader and the graph builder: loaded on demand (start-up time).
    const [{ readPth }, { assertInceptionStateDict }, { buildInceptionModel }] = await Promise.all([
      import('../../io/pth.js'), import('./state-dict.js'), import('./graph.js'),
    ]);
    const { stateDict } = await readPth(weights.path);
    assertInceptionStateDict(stateDict, weights.path);
    model = buildInceptionModel(stateDict, { source: weights.path });
    // A cache write failure (read-only cache) must not stop the run: the model is in memory.
    await writeFileAtomic(modelPath, model).catch(() => undefined);
  }
  const extractor = await loadInceptionGraph(model, modelPath, { ...request, protocol }, weights.path);
  const identity: ExtractorIdentity = { weightsSha256: weights.sha256, official: weights.official, weights: weights.path, source: weights.source, protocol: extractor.protocol, warnings };
  return { extractor, name: 'inception', weightsId: weights.sha256, warnings, identity };
}

/**
 * Opens the Inception session from ONNX Runtime's own optimised copy of the graph when the cache
 * has one for this machine (`…-ort<version>-<machine>.onnx` next to the graph): ORT then skips its
 * graph rewrites (0.45 s instead of 0.7 s to a ready session, cold, on the dev machine). Otherwise
 * the session is created from the graph and ORT writes its optimised copy (to a tracked temporary
 * name, renamed into place) for the next run. The copy's layout is CPU-specific (MLAS's NCHWc block
 * size), hence the machine in its name; a copy that does not load is removed and rewritten.
 * `cache: false` (`--no-cache`) uses the graph only.
 *
 * @param model the graph (bytes, or `modelPath` itself when it is cached); `modelPath` names the copy.
 */
export async function loadInceptionGraph(model: Uint8Array | string, modelPath: string, request: InceptionRequest, source: string): Promise<FeatureExtractor> {
  const protocol = request.protocol as InceptionProtocol;
  if (request.cache === false) {
    const extractor = await loadInception({ model, protocol, source });
    mark('inception session ready (cache off: graph optimised now)');
    return extractor;
  }
  const machine = createHash('sha256').update(`${process.platform} ${process.arch} ${cpus()[0]?.model ?? ''}`).digest('hex').slice(0, 12);
  const optimized = modelPath.replace(/\.onnx$/, `-ort${await onnxRuntimeVersion()}-${machine}.onnx`);
  if ((await stat(optimized).catch(() => undefined))?.isFile()) {
    try {
      const extractor = await loadInception({ model: optimized, protocol, source, optimization: 'disabled' });
      mark("inception session ready (ONNX Runtime's optimised graph from the cache)");
      return extractor;
    } catch {
      await rm(optimized, { force: true }).catch(() => undefined); // unreadable: rewritten below
    }
  }
  const tmp = temporaryPathFor(optimized);
  let tracked = false;
  try {
    await mkdir(dirname(optimized), { recursive: true });
    closeSync(createTemporary(tmp));
    tracked = true;
  } catch {
    // An unwritable cache: run without saving the optimised graph.
  }
  try {
    const extractor = await loadInception({ model, protocol, source, ...(tracked ? { saveOptimizedModel: tmp } : {}) });
    if (tracked) await rename(tmp, optimized).catch(() => undefined);
    mark(`inception session ready (graph optimised now${tracked ? ', saved for the next run' : ''})`);
    return extractor;
  } finally {
    if (tracked) {
      await rm(tmp, { force: true }).catch(() => undefined);
      releaseTemporary(tmp);
    }
  }
}
