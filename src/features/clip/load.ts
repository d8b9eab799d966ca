/**
 * @file A CLIP extractor's load pipeline, as the extractor registry calls it (the VGG16 pattern):
 * resolve the weights (`--weights PATH` / `--weights-<name> PATH`, the cache, or OpenAI's archive,
 * downloaded once and checked against the SHA-256 in its URL), read the TorchScript archive, check the
 * image tower against the model's layout, write the ONNX graph into the cache folder keyed by the
 * weights' SHA-256 (later runs skip the build) and open an ONNX Runtime session on it.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FidkitError } from '../../core/errors.js';
import { resolveCacheDir } from '../../io/cache.js';
import { optionRef } from '../../options/mention.js';
import { resolveWeights, type WeightsOptions } from '../weights.js';
import { writeClipModelFile, type ClipWeightsSource } from './build.js';
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
  readonly weights: { readonly path: string; readonly sha256: string | null; readonly official: boolean | null; readonly source: 'user' | 'cache' | 'download' | 'test' };
}

/**
 * Load CLIP image encoder `m`: weights → cached `.onnx` (built on first use) → session.
 * @throws {FidkitError} weights not found, not downloadable (offline), not that CLIP model; {InputError} from ONNX Runtime
 */
export async function loadClipExtractor(m: ClipModelSpec, request: ClipLoadRequest): Promise<LoadedClip> {
  const warnings: string[] = [];
  let weightsId: string;
  let source: ClipWeightsSource;
  let read: LoadedClip['weights'];
  if (request.hashWeights) {
    weightsId = clipHashWeightsId(m);
    source = { kind: 'hash' };
    read = { path: 'test:hash', sha256: null, official: false, source: 'test' };
    warnings.push(`using the deterministic CLIP ${m.title} test weights (${optionRef('weights', 'test:hash')}): its features are meaningless outside tests`);
  } else {
    const archive = m.weights.name.replace(/^clip-/, '');
    const weights = await resolveWeights(m.weights, `OpenAI's CLIP ${m.title} archive (${archive})`, `published CLIP ${m.title} scores`, request);
    if (weights.warning) warnings.push(weights.warning);
    weightsId = weights.sha256;
    source = { kind: 'pth', path: weights.path };
    read = { path: weights.path, sha256: weights.sha256, official: weights.official, source: weights.source };
  }
  const modelPath = clipModelPath(resolveCacheDir(request), m, weightsId);
  let temporary: string | undefined;
  let model = modelPath;
  if (!(await stat(modelPath).catch(() => undefined))?.isFile()) {
    try {
      await writeClipModelFile(modelPath, m.name, source);
    } catch (err) {
      // A read-only cache must not stop the run: build into a temporary folder instead.
      if (!(err instanceof FidkitError && err.code === 'E_WRITE')) throw err;
      temporary = await mkdtemp(join(tmpdir(), 'fidkit-clip-'));
      model = join(temporary, `${m.name}.onnx`);
      await writeClipModelFile(model, m.name, source);
    }
  }
  try {
    const extractor = await loadClip({ model, spec: m, protocol: request.protocol, threads: request.threads });
    return { extractor, weightsId, warnings, weights: read };
  } finally {
    if (temporary) await rm(temporary, { recursive: true, force: true });
  }
}
