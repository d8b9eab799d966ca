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
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FidkitError } from '../../core/errors.js';
import { resolveCacheDir } from '../../io/cache.js';
import { optionRef } from '../../options/mention.js';
import type { FeatureExtractor } from '../extractor.js';
import { writeVgg16ModelFile, type Vgg16WeightsSource } from './build.js';
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
  readonly weights: { readonly path: string; readonly sha256: string | null; readonly official: boolean | null; readonly source: 'user' | 'cache' | 'download' | 'test' };
}

/**
 * Load the VGG16 extractor: weights → cached `.onnx` (built on first use) → session.
 * @throws {FidkitError} weights not found, not downloadable (offline), not a VGG16 state dict; {InputError} from ONNX Runtime
 */
export async function loadVgg16Extractor(request: Vgg16LoadRequest): Promise<LoadedVgg16> {
  const warnings: string[] = [];
  let weightsId: string;
  let source: Vgg16WeightsSource;
  let read: LoadedVgg16['weights'];
  if (request.hashWeights) {
    weightsId = VGG16_HASH_WEIGHTS_ID;
    source = { kind: 'hash' };
    read = { path: 'test:hash', sha256: null, official: false, source: 'test' };
    warnings.push(`using the deterministic VGG16 test weights (${optionRef('weights', 'test:hash')}): its features are meaningless outside tests`);
  } else {
    const weights = await resolveVgg16Weights(request);
    if (weights.warning) warnings.push(weights.warning);
    weightsId = weights.sha256;
    source = { kind: 'pth', path: weights.path };
    read = { path: weights.path, sha256: weights.sha256, official: weights.official, source: weights.source };
  }
  const modelPath = vgg16ModelPath(resolveCacheDir(request), weightsId);
  let temporary: string | undefined;
  let model = modelPath;
  if (!(await stat(modelPath).catch(() => undefined))?.isFile()) {
    try {
      await writeVgg16ModelFile(modelPath, source);
    } catch (err) {
      // A read-only cache must not stop the run: build into a temporary folder instead.
      if (!(err instanceof FidkitError && err.code === 'E_WRITE')) throw err;
      temporary = await mkdtemp(join(tmpdir(), 'fidkit-vgg16-'));
      model = join(temporary, 'vgg16.onnx');
      await writeVgg16ModelFile(model, source);
    }
  }
  try {
    const extractor = await loadVgg16({ model, threads: request.threads });
    return { extractor, weightsId, warnings, weights: read };
  } finally {
    if (temporary) await rm(temporary, { recursive: true, force: true });
  }
}
