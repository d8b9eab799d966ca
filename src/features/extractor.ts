/**
 * @file The contract every feature extractor meets (torch-fidelity's `FeatureExtractorBase`,
 * mobilenet-style async factory): a name, the layers it provides with their widths, a default layer
 * per metric, `extract(batch)` from decoded 8-bit RGB images to one N×D matrix per requested layer,
 * and `dispose()` for its native resources.
 */

import type { DecodedImage } from '../io/decoded-image.js';
import type { FeatureMatrix } from '../core/types.js';

/** The metrics an extractor feeds. */
export type FeatureMetric = 'fid' | 'kid' | 'is' | 'prdc';

/** One image as extractors take it: 8-bit RGB, H×W×3 row-major; any size, sizes may differ in a batch. */
export type ExtractorImage = DecodedImage;

export interface FeatureExtractor<Layer extends string = string> {
  /** Registry name, e.g. `inception-v3-fid`. */
  readonly name: string;
  /** Layers `extract` can return, in a fixed order. */
  readonly layers: readonly Layer[];
  /** Width of each layer's feature vectors. */
  readonly dims: Readonly<Record<Layer, number>>;
  /** How pixels reach the network (e.g. `tf`, `pytorch-fid`, `clean`); part of any cache key. */
  readonly protocol: string;
  /** The layer a metric reads by default (FID: pool3; IS: logits_unbiased, as torch-fidelity). */
  defaultLayerFor(metric: FeatureMetric): Layer;
  /**
   * Features of a batch, one N×D float32 matrix per requested layer (default: all), rows in batch order.
   * @throws {InputError} for an unknown layer or a malformed image.
   */
  extract(batch: readonly ExtractorImage[], layers?: readonly Layer[]): Promise<Record<Layer, FeatureMatrix>>;
  /** Frees native resources; the extractor must not be used afterwards. */
  dispose(): Promise<void>;
}

/**
 * What made an extractor's numbers, as every report records it (`extractors.<name>` of the score
 * and sweep JSON, the metadata of `.npz` statistics): which weights, whether they are the official
 * file, and the warnings the run printed about them.
 */
export interface ExtractorIdentity {
  /** SHA-256 of the weights file (lower-case hex; the model file for onnx:PATH); null for the deterministic test weights, which are computed, not read. */
  readonly weightsSha256: string | null;
  /** True for the file published numbers use: pytorch-fid's Inception weights, fidkit's bundled MNIST classifier; null where there is none (onnx:PATH). */
  readonly official: boolean | null;
  /** The weights read: the `.pth` (inception), the classifier's `model.json` (mnist), the `.onnx` (onnx:PATH), or `test:hash`. */
  readonly weights: string;
  /** `user`: --weights or onnx:PATH; `cache`: downloaded earlier; `download`: fetched by this run; `bundled`: shipped with fidkit; `test`: the hash weights. */
  readonly source: 'user' | 'cache' | 'download' | 'bundled' | 'test';
  /** How images reach the network (`tf`, `pytorch-fid`, `clean`; `mnist-luma` for the MNIST classifier; the spec as one line for onnx:PATH). */
  readonly protocol: string;
  /** What fidkit printed on stderr about these weights (e.g. not the official file). */
  readonly warnings: readonly string[];
  /** onnx:PATH only: the model, its SHA-256, the decided preprocessing spec, the feature widths and where each field came from. */
  readonly spec?: Readonly<Record<string, unknown>>;
}

/** A loaded extractor with what identifies its numbers (for cache keys and report metadata). */
export interface LoadedExtractor {
  readonly extractor: FeatureExtractor;
  /** Table name (for parametrised entries `<name>:<argument>` as given). */
  readonly name: string;
  /** SHA-256 of the weights file (or a fixed tag for built-in weights): keys caches, recorded in statistics files. */
  readonly weightsId: string;
  /** Messages for stderr (e.g. weights that are not the official file). */
  readonly warnings: string[];
  /** What the reports record about the weights (and, for onnx:PATH, the spec). */
  readonly identity: ExtractorIdentity;
}
