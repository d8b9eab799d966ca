/**
 * @file The DINOv2 extractors' load pipeline, as the extractor registry calls it: resolve the weights
 * (`--weights PATH`, the cache, or the download), check the state dict against the model's layout,
 * write the ONNX graph and its external weights file into the cache folder — keyed by the weights'
 * SHA-256, so later runs skip the build — and open an ONNX Runtime session on it.
 *
 * Memory: the `.pth` is streamed tensor by tensor from the file (io/pth.ts `openPthFile`) into the
 * data file, in a worker thread, so building holds one tensor at a time, never the weights twice
 * (ViT-g/14: 4.5 GB of weights). When the cache folder cannot be written, the model goes to a
 * temporary folder deleted once the session is open.
 */
import { join } from 'node:path';
import { resolveCacheDir } from '../../io/cache.js';
import { chooseWeights, openCachedModel, type WeightsRead } from '../cached-model.js';
import type { FeatureExtractor } from '../extractor.js';
import type { WeightsOptions } from '../weights.js';
import { dinov2Arch } from './arch.js';
import { dinov2DataPath, writeDinov2ModelFiles } from './build.js';
import { loadDinov2, type Dinov2Layer } from './index.js';
import { openPthFile } from '../../io/pth.js';
import { assertDinov2StateDict } from './state-dict.js';
import { resolveDinov2Weights } from './weights.js';

/** Bump when graph.ts changes what it writes, so cached models are rebuilt. */
const GRAPH_VERSION = 1;

/** `weightsId` of the hash weights (tests only). */
export const dinov2HashWeightsId = (name: string): string => `${name}-hash-weights-v1`;

/** Where the model `name` built from weights `weightsId` is cached (its data file beside it). */
export function dinov2ModelPath(cacheDir: string, name: string, weightsId: string): string {
  const tag = weightsId === dinov2HashWeightsId(name) ? 'hash' : weightsId.slice(0, 16);
  return join(cacheDir, 'onnx', `${name}-${tag}-g${GRAPH_VERSION}.onnx`);
}

export interface Dinov2LoadRequest extends WeightsOptions {
  readonly name: string;
  readonly protocol: string;
  /** Use the deterministic test weights instead of a file (`--weights test:hash`). */
  readonly hashWeights?: boolean;
  readonly threads?: number;
}

export interface LoadedDinov2 {
  readonly extractor: FeatureExtractor<Dinov2Layer>;
  readonly weightsId: string;
  readonly warnings: string[];
  readonly weights: WeightsRead;
}

/**
 * Load a DINOv2 extractor: weights → cached `.onnx` + `.onnx.data` (built on first use) → session.
 * @throws {FidkitError} weights not found, not downloadable (offline), not that model's state dict; {InputError} from ONNX Runtime
 */
export async function loadDinov2Extractor(request: Dinov2LoadRequest): Promise<LoadedDinov2> {
  const arch = dinov2Arch(request.name);
  const { weightsId, source, read, warnings } = await chooseWeights(request.hashWeights, { id: dinov2HashWeightsId(arch.name), title: arch.name }, () => resolveDinov2Weights(arch, request));
  const model = {
    path: dinov2ModelPath(resolveCacheDir(request), arch.name, weightsId),
    name: arch.name,
    companions: (path: string) => [dinov2DataPath(path)],
    // Check the layout here first (reads only the file's directory and pickle): a wrong file fails
    // in a fraction of a second, with the messages of this thread (flags spelled for the CLI).
    check: async () => {
      if (source.kind !== 'pth') return;
      const opened = await openPthFile(source.path);
      try {
        assertDinov2StateDict(opened.stateDict, arch, source.path);
      } finally {
        opened.close();
      }
    },
    build: (path: string) => writeDinov2ModelFiles(path, arch.name, source),
  };
  const extractor = await openCachedModel(model, (path) => loadDinov2({ name: arch.name, protocol: request.protocol, model: path, threads: request.threads }));
  return { extractor, weightsId, warnings, weights: read };
}
