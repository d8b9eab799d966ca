/**
 * @file The VGG16 extractor's load pipeline, as the extractor registry calls it: resolve the weights
 * (`--weights PATH`, the cache, or the download), read the `.pth`, check it against torchvision's VGG16
 * layout, write the ONNX graph straight to the cache folder — keyed by the weights' SHA-256, so later
 * runs skip the build — and open an ONNX Runtime session on that file.
 *
 * Memory: the `.pth` is read once, in a worker thread, and its tensors go into the `.onnx` as views of
 * those bytes, written piece by piece (graph.ts, build.ts): the 528 MB of weights are in memory once
 * while the graph is built, and freed before ONNX Runtime reads its own copy from the file. When the
 * cache folder cannot be written, the model goes to a temporary file deleted once the session is open.
 */
import { join } from 'node:path';
import { resolveCacheDir } from '../../io/cache.js';
import { chooseWeights, openCachedModel, type WeightsRead } from '../cached-model.js';
import type { FeatureExtractor } from '../extractor.js';
import { writeVgg16ModelFile } from './build.js';
import { loadVgg16, type Vgg16Layer } from './index.js';
import type { WeightsOptions } from '../weights.js';
import { resolveVgg16Weights } from './weights.js';

/** Bump when graph.ts changes what it writes, so cached `.onnx` files are rebuilt. */
const GRAPH_VERSION = 1;

/** `weightsId` of the hash weights (tests and `fidkit verify` only). */
export const VGG16_HASH_WEIGHTS_ID = 'vgg16-hash-weights-v1';

/** Where the model built from weights `weightsId` (a SHA-256, or {@link VGG16_HASH_WEIGHTS_ID}) is cached. */
export function vgg16ModelPath(cacheDir: string, weightsId: string): string {
  const tag = weightsId === VGG16_HASH_WEIGHTS_ID ? 'hash' : weightsId.slice(0, 16);
  return join(cacheDir, 'onnx', `vgg16-${tag}-g${GRAPH_VERSION}.onnx`);
}

export interface Vgg16LoadRequest extends WeightsOptions {
  /** Use the deterministic test weights instead of a file (`--weights test:hash`). */
  readonly hashWeights?: boolean;
  /** Threads of the ONNX Runtime session (default: all cores). */
  readonly threads?: number;
}

export interface LoadedVgg16 {
  readonly extractor: FeatureExtractor<Vgg16Layer>;
  /** SHA-256 of the weights file, or {@link VGG16_HASH_WEIGHTS_ID}. */
  readonly weightsId: string;
  readonly warnings: string[];
  /** The weights read (the `.pth`, or `test:hash`), whether they are torchvision's file, and where they came from. */
  readonly weights: WeightsRead;
}

/**
 * Load the VGG16 extractor: weights → cached `.onnx` (built on first use) → session.
 * @throws {FidkitError} weights not found, not downloadable (offline), not a VGG16 state dict; {InputError} from ONNX Runtime
 */
export async function loadVgg16Extractor(request: Vgg16LoadRequest): Promise<LoadedVgg16> {
  const { weightsId, source, read, warnings } = await chooseWeights(request.hashWeights, { id: VGG16_HASH_WEIGHTS_ID, title: 'VGG16' }, () => resolveVgg16Weights(request));
  const model = { path: vgg16ModelPath(resolveCacheDir(request), weightsId), name: 'vgg16', build: (path: string) => writeVgg16ModelFile(path, source) };
  const extractor = await openCachedModel(model, (path) => loadVgg16({ model: path, threads: request.threads }));
  return { extractor, weightsId, warnings, weights: read };
}
