/**
 * @file The feature-extractor registry: name → loader, validated like torch-fidelity's
 * `register_feature_extractor` (non-empty, no padding or path separators, no duplicates). The CLI's
 * `--extractor` choices and error messages read this table. Built-ins are registered at the bottom.
 *
 * Loading the Inception extractor: resolve the weights (`--weights PATH`, the cache, or the
 * download), read the `.pth`, check it against the FID InceptionV3 layout, build the ONNX graph —
 * cached next to the downloaded weights, keyed by the weights' SHA-256, so later runs skip the
 * build — and open an ONNX Runtime session.
 */
import { optionRef } from '../options/mention.js';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Protocol } from '../defaults.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { CacheOptions } from '../io/cache.js';
import { resolveCacheDir } from '../io/cache.js';
import { readPth } from '../io/pth.js';
import type { FeatureExtractor, FeatureMetric } from './extractor.js';
import { hashInceptionStateDict } from './inception/hash-weights.js';
import { buildInceptionModel, loadInception } from './inception/index.js';
import { assertInceptionStateDict } from './inception/state-dict.js';
import { INCEPTION_WEIGHTS, resolveInceptionWeights } from './inception/weights.js';
import { BUNDLED_MNIST_CLASSIFIER_SHA256, loadMnistClassifier } from './mnist/index.js';

/** What a caller asks for; weights/protocol apply to extractors that use them. */
export interface ExtractorRequest extends CacheOptions {
  readonly protocol: Protocol;
  /** A weights file, or {@link HASH_WEIGHTS} for the deterministic test weights. */
  readonly weights?: string;
}

/**
 * What made an extractor's numbers, as every report records it (`extractors.<name>` of the score
 * and sweep JSON, the metadata of `.npz` statistics): which weights, whether they are the official
 * file, and the warnings the run printed about them.
 */
export interface ExtractorIdentity {
  /** SHA-256 of the weights file (lower-case hex); null for the deterministic test weights, which are computed, not read. */
  readonly weightsSha256: string | null;
  /** True for the file published numbers use: pytorch-fid's Inception weights, fidkit's bundled MNIST classifier. */
  readonly official: boolean;
  /** The weights read: the `.pth` (inception), the classifier's `model.json` (mnist), or `test:hash`. */
  readonly weights: string;
  /** `user`: --weights; `cache`: downloaded earlier; `download`: fetched by this run; `bundled`: shipped with fidkit; `test`: the hash weights. */
  readonly source: 'user' | 'cache' | 'download' | 'bundled' | 'test';
  /** How images reach the network (`tf`, `pytorch-fid`, `clean`; `mnist-luma` for the MNIST classifier). */
  readonly protocol: string;
  /** What fidkit printed on stderr about these weights (e.g. not the official file). */
  readonly warnings: readonly string[];
}

/** A loaded extractor with what identifies its numbers (for cache keys and report metadata). */
export interface LoadedExtractor {
  readonly extractor: FeatureExtractor;
  /** Registry name. */
  readonly name: string;
  /** SHA-256 of the weights file (or a fixed tag for built-in weights): keys caches, recorded in statistics files. */
  readonly weightsId: string;
  /** Messages for stderr (e.g. weights that are not the official file). */
  readonly warnings: string[];
  /** What the reports record about the weights. */
  readonly identity: ExtractorIdentity;
}

interface ExtractorEntry {
  readonly description: string;
  /** SHA-256 of the official weights (what {@link officialWeights} compares recorded hashes with). */
  readonly officialSha256?: string;
  defaultLayerFor(metric: FeatureMetric): string;
  load(request: ExtractorRequest): Promise<LoadedExtractor>;
}

/**
 * `--weights` value selecting the deterministic hash weights of the reference fixtures: the
 * features match pytorch-fid's computed with the same weights, but mean nothing perceptually.
 * For tests and `fidkit verify`, never for reporting numbers.
 */
export const HASH_WEIGHTS = 'test:hash';

/** What {@link LoadedExtractor.weightsId} (and statistics files) record for the hash weights. */
export const HASH_WEIGHTS_ID = 'hash-weights-v1';

/** Bump when the graph builder changes what it writes, so cached `.onnx` files are rebuilt. */
const GRAPH_VERSION = 1;

const registry = new Map<string, ExtractorEntry>();

/**
 * Register an extractor under `name`.
 * @throws {UsageError} an empty or padded name, one with a path separator, or a taken name
 */
export function registerExtractor(name: string, entry: ExtractorEntry): void {
  if (typeof name !== 'string' || name.length === 0 || name.trim() !== name || /[\\/]/.test(name)) {
    throw new UsageError(`invalid extractor name '${name}': use a non-empty name without spaces at the ends or path separators`);
  }
  if (registry.has(name)) throw new UsageError(`an extractor named '${name}' is already registered`);
  registry.set(name, entry);
}

/** Registered extractor names, in registration order. */
export function extractorNames(): string[] {
  return [...registry.keys()];
}

/** The registry entry of `name`. @throws {UsageError} listing the valid names */
export function extractorEntry(name: string): ExtractorEntry {
  const entry = registry.get(name);
  if (!entry) throw new UsageError(`unknown extractor '${name}'; valid extractors: ${extractorNames().join(', ')}`);
  return entry;
}

/**
 * Whether a recorded weights hash (a statistics file's `weightsSha256`) is the official file of
 * extractor `name`: true or false, or null when fidkit cannot tell (an unregistered extractor, no hash).
 */
export function officialWeights(name: string | undefined, weightsSha256: string | null | undefined): boolean | null {
  if (weightsSha256 === HASH_WEIGHTS_ID) return false;
  const official = name === undefined ? undefined : registry.get(name)?.officialSha256;
  if (official === undefined || typeof weightsSha256 !== 'string') return null;
  return weightsSha256 === official;
}

/** Load an extractor by name. @throws {UsageError} unknown name; loader errors otherwise */
export async function loadExtractor(name: string, request: ExtractorRequest): Promise<LoadedExtractor> {
  return extractorEntry(name).load(request);
}

async function loadInceptionExtractor(request: ExtractorRequest): Promise<LoadedExtractor> {
  const warnings: string[] = [];
  if (request.weights === HASH_WEIGHTS) {
    const extractor = await loadInception({ stateDict: hashInceptionStateDict(), protocol: request.protocol, source: 'hash weights' });
    warnings.push(`using the deterministic test weights (${optionRef('weights', 'test:hash')}): the features are meaningless outside tests`);
    const identity: ExtractorIdentity = { weightsSha256: null, official: false, weights: HASH_WEIGHTS, source: 'test', protocol: extractor.protocol, warnings };
    return { extractor, name: 'inception', weightsId: HASH_WEIGHTS_ID, warnings, identity };
  }
  const weights = await resolveInceptionWeights(request);
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
  const extractor = await loadInception({ model, protocol: request.protocol, source: weights.path });
  const identity: ExtractorIdentity = { weightsSha256: weights.sha256, official: weights.official, weights: weights.path, source: weights.source, protocol: extractor.protocol, warnings };
  return { extractor, name: 'inception', weightsId: weights.sha256, warnings, identity };
}

registerExtractor('inception', {
  description: "the FID Inception-v3 (TF 2015-12-05 graph, pytorch-fid's weights): pool3 (2048), logits (1008)",
  officialSha256: INCEPTION_WEIGHTS.sha256,
  defaultLayerFor: (metric) => (metric === 'is' ? 'logits_unbiased' : 'pool3'),
  load: loadInceptionExtractor,
});

async function loadMnistExtractor(request: ExtractorRequest): Promise<LoadedExtractor> {
  // --weights names another classifier folder (or its model.json), e.g. one from `fidkit train classifier --out DIR`.
  const { extractor, sha256, source } = await loadMnistClassifier(request.weights === undefined ? {} : { model: request.weights });
  const official = sha256 === BUNDLED_MNIST_CLASSIFIER_SHA256;
  const warnings = official
    ? []
    : [`${source} is not fidkit's bundled MNIST classifier (weights SHA-256 ${sha256}, expected ${BUNDLED_MNIST_CLASSIFIER_SHA256}): MNIST scores are not comparable with those of the bundled one`];
  const identity: ExtractorIdentity = {
    weightsSha256: sha256,
    official,
    weights: source,
    source: request.weights === undefined ? 'bundled' : 'user',
    protocol: extractor.protocol,
    warnings,
  };
  return { extractor, name: 'mnist', weightsId: sha256, warnings, identity };
}

registerExtractor('mnist', {
  description: "fidkit's bundled MNIST digit classifier (models/mnist-classifier): logits (10), features (128, penultimate)",
  officialSha256: BUNDLED_MNIST_CLASSIFIER_SHA256,
  defaultLayerFor: (metric) => (metric === 'is' ? 'logits' : 'features'),
  load: loadMnistExtractor,
});
