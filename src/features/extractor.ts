/**
 * @file The contract every feature extractor meets (torch-fidelity's `FeatureExtractorBase`,
 * mobilenet-style async factory): a name, the layers it provides with their widths, a default layer
 * per metric, `extract(batch)` from decoded 8-bit RGB images to one N×D matrix per requested layer,
 * and `dispose()` for its native resources.
 */

import type { DecodedImage } from '../io/decoded-image.js';
import type { FeatureMatrix } from '../types.js';

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
