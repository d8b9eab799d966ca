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
import { resolveInceptionWeights } from './inception/weights.js';
import { loadMnistClassifier } from './mnist/index.js';

/** What a caller asks for; weights/protocol apply to extractors that use them. */
export interface ExtractorRequest extends CacheOptions {
  readonly protocol: Protocol;
  /** A weights file, or {@link HASH_WEIGHTS} for the deterministic test weights. */
  readonly weights?: string;
}

/** A loaded extractor with what identifies its numbers (for cache keys and report metadata). */
export interface LoadedExtractor {
  readonly extractor: FeatureExtractor;
  /** Registry name. */
  readonly name: string;
  /** SHA-256 of the weights file (or a fixed tag for built-in weights). */
  readonly weightsId: string;
  /** Messages for stderr (e.g. weights that are not the official file). */
  readonly warnings: string[];
}

interface ExtractorEntry {
  readonly description: string;
  defaultLayerFor(metric: FeatureMetric): string;
  load(request: ExtractorRequest): Promise<LoadedExtractor>;
}

/**
 * `--weights` value selecting the deterministic hash weights of the reference fixtures: the
 * features match pytorch-fid's computed with the same weights, but mean nothing perceptually.
 * For tests and `fidkit verify`, never for reporting numbers.
 */
export const HASH_WEIGHTS = 'test:hash';

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

/** Load an extractor by name. @throws {UsageError} unknown name; loader errors otherwise */
export async function loadExtractor(name: string, request: ExtractorRequest): Promise<LoadedExtractor> {
  return extractorEntry(name).load(request);
}

async function loadInceptionExtractor(request: ExtractorRequest): Promise<LoadedExtractor> {
  const warnings: string[] = [];
  if (request.weights === HASH_WEIGHTS) {
    const extractor = await loadInception({ stateDict: hashInceptionStateDict(), protocol: request.protocol, source: 'hash weights' });
    warnings.push(`using the deterministic test weights (${optionRef('weights', 'test:hash')}): the features are meaningless outside tests`);
    return { extractor, name: 'inception', weightsId: 'hash-weights-v1', warnings };
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
  return { extractor, name: 'inception', weightsId: weights.sha256, warnings };
}

registerExtractor('inception', {
  description: "the FID Inception-v3 (TF 2015-12-05 graph, pytorch-fid's weights): pool3 (2048), logits (1008)",
  defaultLayerFor: (metric) => (metric === 'is' ? 'logits_unbiased' : 'pool3'),
  load: loadInceptionExtractor,
});

async function loadMnistExtractor(request: ExtractorRequest): Promise<LoadedExtractor> {
  // --weights names another classifier folder (or its model.json), e.g. one from `fidkit train classifier --out DIR`.
  const { extractor, sha256 } = await loadMnistClassifier(request.weights === undefined ? {} : { model: request.weights });
  return { extractor, name: 'mnist', weightsId: sha256, warnings: [] };
}

registerExtractor('mnist', {
  description: "fidkit's bundled MNIST digit classifier (models/mnist-classifier): logits (10), features (128, penultimate)",
  defaultLayerFor: (metric) => (metric === 'is' ? 'logits' : 'features'),
  load: loadMnistExtractor,
});
