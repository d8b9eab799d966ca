/**
 * @file Turn a list of image files into features: decode in batches (sharp), run the extractor,
 * fold one layer into streaming moments (FID statistics) and keep whole the layers other metrics
 * need (logits for IS, pool3 for KID/PRDC). Decoding of the next batch overlaps inference of the
 * current one. Library code: progress is reported through `onProgress`, never printed.
 */
import { optionRef } from '../options/mention.js';
import { FidkitError, InputError } from '../core/errors.js';
import { decodeImage, type DecodedImage } from '../io/images.js';
import { Moments } from '../stats/moments.js';
import { mark } from '../core/timeline.js';
import type { FeatureMatrix } from '../core/types.js';
import type { FeatureExtractor } from './extractor.js';

/** Progress of one extraction: `done` never decreases and ends at `total`. */
export interface ExtractionProgress {
  readonly type: 'start' | 'progress' | 'end';
  /** Images processed (decoded and extracted, or skipped). */
  readonly done: number;
  readonly total: number;
}

export interface ExtractionOptions {
  /** Images per batch (decoding and inference). */
  readonly batchSize: number;
  /** Layer accumulated into streaming moments (FID statistics); none when undefined. */
  readonly momentsLayer?: string;
  /** Layers kept whole, every row (e.g. `logits_unbiased` for IS, `pool3` for KID/PRDC). */
  readonly keepLayers?: readonly string[];
  /** Skip images that fail to decode (and count them) instead of stopping at the first. */
  readonly skipBad?: boolean;
  readonly onProgress?: (event: ExtractionProgress) => void;
  /** Stops between batches; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** What the images are (a folder path, a generator), named in error messages about their features. */
  readonly label?: string;
}

export interface ExtractionResult {
  /** Images that made it into the features, in order. */
  readonly count: number;
  /** Files skipped with `skipBad`, with the reason. */
  readonly skipped: { path: string; message: string }[];
  readonly moments?: Moments;
  readonly kept: Record<string, FeatureMatrix>;
}

/** A growable float32 row store (doubling), so memory is proportional to the rows kept. */
class RowStore {
  private data: Float32Array;
  rows = 0;
  constructor(readonly cols: number) {
    this.data = new Float32Array(cols * 64);
  }
  push(m: FeatureMatrix): void {
    const need = (this.rows + m.rows) * this.cols;
    if (need > this.data.length) {
      const grown = new Float32Array(Math.max(need, this.data.length * 2));
      grown.set(this.data.subarray(0, this.rows * this.cols));
      this.data = grown;
    }
    this.data.set(m.data.subarray(0, m.rows * m.cols), this.rows * this.cols);
    this.rows += m.rows;
  }
  matrix(): FeatureMatrix {
    return { data: this.data.slice(0, this.rows * this.cols), rows: this.rows, cols: this.cols };
  }
}

/** Where images come from: `total` of them, read a batch at a time, in order. */
export interface ImageSource {
  readonly total: number;
  /**
   * Images `start` … `start + size − 1` (fewer when some are skipped as unreadable: they are pushed
   * to `skipped`). Called in order, at most one call ahead of the batch being extracted.
   */
  read(start: number, size: number, skipped: ExtractionResult['skipped']): Promise<DecodedImage[]>;
}

/** Image files decoded with sharp (`skipBad`: skip and record unreadable files instead of stopping). */
export function fileSource(files: readonly string[], skipBad = false): ImageSource {
  return {
    total: files.length,
    async read(start, size, skipped) {
      const batch = files.slice(start, start + size);
      const settled = await Promise.allSettled(batch.map((f) => decodeImage(f)));
      const images: DecodedImage[] = [];
      settled.forEach((s, i) => {
        if (s.status === 'fulfilled') images.push(s.value);
        else if (skipBad && s.reason instanceof FidkitError) skipped.push({ path: batch[i], message: s.reason.message });
        else if (s.reason instanceof FidkitError) {
          throw new InputError(`${s.reason.message}\n(stopped at the first unreadable image; pass ${optionRef('skipBad')} to skip such files and count them)`, {
            cause: s.reason,
          });
        } else throw s.reason;
      });
      return images;
    },
  };
}

/**
 * Extract features of `files` in order.
 * @throws {InputError} an unreadable image (unless `skipBad`), or no image left to extract
 * @example const r = await extractFiles(files, extractor, { batchSize: 50, momentsLayer: 'pool3' });
 */
export function extractFiles(files: readonly string[], extractor: FeatureExtractor, options: ExtractionOptions): Promise<ExtractionResult> {
  return extractImages(fileSource(files, options.skipBad), extractor, options);
}

/**
 * Extract features of the images of `source` in order (files, generated images, a bundled dataset).
 * @throws {InputError} an unreadable image (unless `skipBad`), or no image left to extract
 */
export async function extractImages(source: ImageSource, extractor: FeatureExtractor, options: ExtractionOptions): Promise<ExtractionResult> {
  const { batchSize, momentsLayer, keepLayers = [], onProgress, signal, label } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`batch size must be a positive integer, got ${batchSize}`);
  const layers = [...new Set([...(momentsLayer ? [momentsLayer] : []), ...keepLayers])];
  for (const layer of layers) {
    if (!extractor.layers.includes(layer)) {
      throw new InputError(`extractor '${extractor.name}' has no layer '${layer}'; its layers are ${extractor.layers.join(', ')}`);
    }
  }
  const moments = momentsLayer ? new Moments(extractor.dims[momentsLayer], { label }) : undefined;
  const stores = new Map(keepLayers.map((l) => [l, new RowStore(extractor.dims[l])]));
  const skipped: ExtractionResult['skipped'] = [];
  const total = source.total;
  let done = 0;
  onProgress?.({ type: 'start', done, total });
  mark('extraction starts: first batch decoding');
  let next: Promise<DecodedImage[]> | undefined = total > 0 ? source.read(0, batchSize, skipped) : undefined;
  for (let start = 0; start < total; start += batchSize) {
    signal?.throwIfAborted();
    const images = await next!;
    const following = start + batchSize;
    // Start reading the next batch now, so decoding (sharp's threads) overlaps the network.
    next = following < total ? source.read(following, batchSize, skipped) : undefined;
    next?.catch(() => undefined); // surfaced when awaited; avoids an unhandled rejection if we stop early
    if (images.length > 0) {
      const out = await extractor.extract(images, layers);
      if (moments && momentsLayer) moments.add(out[momentsLayer]);
      for (const [layer, store] of stores) store.push(out[layer]);
    }
    done = Math.min(total, following);
    if (start === 0) mark(`first batch of ${images.length} images extracted`);
    onProgress?.({ type: 'progress', done, total });
  }
  const count = total - skipped.length;
  onProgress?.({ type: 'end', done: total, total });
  if (count === 0) {
    throw new InputError(`none of the ${total} images could be read (${skipped.length} skipped); first error: ${skipped[0]?.message ?? 'none'}`);
  }
  return { count, skipped, moments, kept: Object.fromEntries([...stores].map(([l, s]) => [l, s.matrix()])) };
}
