/**
 * @file A CLIP extractor's load pipeline, as the extractor registry calls it (the VGG16 pattern):
 * resolve the weights (`--weights PATH` / `--weights-<name> PATH`, the cache, or OpenAI's archive,
 * downloaded once and checked against the SHA-256 in its URL), read the TorchScript archive, check the
 * image tower against the model's layout, write the ONNX graph into the cache folder keyed by the
 * weights' SHA-256 (later runs skip the build) and open an ONNX Runtime session on it.
 */
import { join } from 'node:path';
import { resolveCacheDir } from '../../io/cache.js';
import { chooseWeights, openCachedModel, type WeightsRead } from '../cached-model.js';
import { resolveWeights, type WeightsOptions } from '../weights.js';
import { writeClipModelFile } from './build.js';
import { loadClip, type ClipExtractor } from './index.js';
import type { ClipModelSpec } from './models.js';
import type { ClipProtocol } from './preprocess.js';

/** Bump when graph.ts changes what it writes, so cached `.onnx` files are rebuilt. */
const GRAPH_VERSION = 1;

/** `weightsId` of a model's hash weights (tests and `fidkit verify` only). */
export function clipHashWeightsId(m: ClipModelSpec): string {
  return `${m.name}-hash-weights-v1`;
}

/** Where the model built from weights `weightsId` (a SHA-256, or {@link clipHashWeightsId}) is cached. */
export function clipModelPath(cacheDir: string, m: ClipModelSpec, weightsId: string): string {
  const tag = weightsId === clipHashWeightsId(m) ? 'hash' : weightsId.slice(0, 16);
  return join(cacheDir, 'onnx', `${m.name}-${tag}-g${GRAPH_VERSION}.onnx`);
}

export interface ClipLoadRequest extends WeightsOptions {
  readonly protocol: ClipProtocol;
  /** Use the deterministic test weights instead of a file (`--weights test:hash`). */
  readonly hashWeights?: boolean;
  /** Threads of the ONNX Runtime session (default: all cores). */
  readonly threads?: number;
}

export interface LoadedClip {
  readonly extractor: ClipExtractor;
  /** SHA-256 of the weights file, or {@link clipHashWeightsId}. */
  readonly weightsId: string;
  readonly warnings: string[];
  readonly weights: WeightsRead;
}

/**
 * Load CLIP image encoder `m`: weights → cached `.onnx` (built on first use) → session.
 * @throws {FidkitError} weights not found, not downloadable (offline), not that CLIP model; {InputError} from ONNX Runtime
 */
export async function loadClipExtractor(m: ClipModelSpec, request: ClipLoadRequest): Promise<LoadedClip> {
  const archive = m.weights.name.replace(/^clip-/, '');
  const { weightsId, source, read, warnings } = await chooseWeights(request.hashWeights, { id: clipHashWeightsId(m), title: `CLIP ${m.title}` }, () =>
    resolveWeights(m.weights, `OpenAI's CLIP ${m.title} archive (${archive})`, `published CLIP ${m.title} scores`, request),
  );
  const model = { path: clipModelPath(resolveCacheDir(request), m, weightsId), name: m.name, build: (path: string) => writeClipModelFile(path, m.name, source) };
  const extractor = await openCachedModel(model, (path) => loadClip({ model: path, spec: m, protocol: request.protocol, threads: request.threads }));
  return { extractor, weightsId, warnings, weights: read };
}
