/**
 * @file The load steps the VGG16, CLIP and DINOv2 extractors share (their `load.ts`): pick the weights of
 * a request (the test hash weights, or the file `--weights` / the cache / the download gives), and open the
 * model built from them in the cache folder — building it first when absent, into a temporary folder when
 * the cache cannot be written.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FidkitError } from '../core/errors.js';
import { optionRef } from '../options/mention.js';
import type { ModelWeightsSource } from './model-build.js';
import type { ResolvedWeights } from './weights.js';

/** The weights a load read, as reports show them. */
export interface WeightsRead {
  readonly path: string;
  readonly sha256: string | null;
  readonly official: boolean | null;
  readonly source: 'user' | 'cache' | 'download' | 'test';
}

export interface ChosenWeights {
  /** SHA-256 of the weights file, or the hash weights' id: what the cached model is keyed by. */
  readonly weightsId: string;
  /** What the build worker reads. */
  readonly source: ModelWeightsSource;
  readonly read: WeightsRead;
  readonly warnings: string[];
}

/**
 * The weights of a load request: the deterministic test weights (`--weights test:hash`: `hash.id`, and a
 * warning naming `hash.title`) when `hashWeights`, else the file `resolve` finds.
 */
export async function chooseWeights(hashWeights: boolean | undefined, hash: { readonly id: string; readonly title: string }, resolve: () => Promise<ResolvedWeights>): Promise<ChosenWeights> {
  if (hashWeights) {
    return {
      weightsId: hash.id,
      source: { kind: 'hash' },
      read: { path: 'test:hash', sha256: null, official: false, source: 'test' },
      warnings: [`using the deterministic ${hash.title} test weights (${optionRef('weights', 'test:hash')}): its features are meaningless outside tests`],
    };
  }
  const weights = await resolve();
  return {
    weightsId: weights.sha256,
    source: { kind: 'pth', path: weights.path },
    read: { path: weights.path, sha256: weights.sha256, official: weights.official, source: weights.source },
    warnings: weights.warning ? [weights.warning] : [],
  };
}

const isFile = async (path: string): Promise<boolean> => (await stat(path).catch(() => undefined))?.isFile() ?? false;

export interface CachedModel {
  /** The model's path in the cache folder. */
  readonly path: string;
  /** Its file name in a temporary folder (`<name>.onnx`) when the cache cannot be written. */
  readonly name: string;
  /** Files besides the model that must be present for it to count as built (an external data file). */
  readonly companions?: (modelPath: string) => string[];
  /** Runs once before a build (a fast check of the weights, failing before the worker starts). */
  readonly check?: () => Promise<void>;
  /** Writes the model (and its companions) to a path. */
  readonly build: (modelPath: string) => Promise<void>;
}

/**
 * `open(path)` on the cached model `m`, built first when it (or a companion) is absent. A read-only cache
 * must not stop the run: on `E_WRITE` the model is built into a temporary folder instead, removed once
 * `open` has returned (the session has read it).
 */
export async function openCachedModel<T>(m: CachedModel, open: (modelPath: string) => Promise<T>): Promise<T> {
  let temporary: string | undefined;
  let model = m.path;
  const built = async (): Promise<boolean> => {
    for (const f of [m.path, ...(m.companions?.(m.path) ?? [])]) if (!(await isFile(f))) return false;
    return true;
  };
  if (!(await built())) {
    await m.check?.();
    try {
      await m.build(m.path);
    } catch (err) {
      if (!(err instanceof FidkitError && err.code === 'E_WRITE')) throw err;
      temporary = await mkdtemp(join(tmpdir(), `fidkit-${m.name}-`));
      model = join(temporary, `${m.name}.onnx`);
      await m.build(model);
    }
  }
  try {
    return await open(model);
  } finally {
    if (temporary) await rm(temporary, { recursive: true, force: true });
  }
}
