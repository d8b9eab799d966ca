/**
 * @file `exportFeatures`: the API behind `fidkit features`. One layer of an extractor for every
 * image of a folder, a generator (`gen:…`) or bundled digits (`mnist:…`), as an N×D float32 matrix
 * stacked in the order `score` stacks them (paths sorted as pytorch-fid sorts them), with the id of
 * each row: the file path, or `<label>#<i>` for the i-th (0-based) image of a virtual input.
 *
 * The default layers of `fid` and `is` go through the same {@link loadImages} as `score` (and its
 * feature cache), so their rows are bit for bit the ones `score` computes; other layers are
 * extracted directly with the same loop and batch size.
 */
import { stat } from 'node:fs/promises';
import { FidkitError, UsageError } from '../core/errors.js';
import { extractImages, fileSource, type ImageSource } from '../features/extract.js';
import { extractorEntry, type ExtractorIdentity } from '../features/registry.js';
import { batchSizeFor, ExtractorPool, folderFiles, loadImages, type FolderOptions } from './inputs.js';
import type { Shard } from '../stats/shards.js';
import { isVirtualInput, openVirtualInput } from './sources.js';
import type { FeatureMatrix } from '../core/types.js';
import { checkOptions, DEFAULTS } from '../options/schema.js';

/** Options of {@link exportFeatures}. */
export interface ExportFeaturesOptions extends FolderOptions {
  /** The extractor layer to write (default: the extractor's FID layer, `pool3` for Inception). */
  readonly layer?: string;
}

/** What {@link exportFeatures} extracted. */
export interface ExportedFeatures {
  /** The input as given (folder) or its canonical label (`gen:`/`mnist:`). */
  readonly input: string;
  /** N×D float32, row i belongs to `ids[i]`. */
  readonly features: FeatureMatrix & { readonly data: Float32Array };
  /** One per row: the image's path, or `<label>#<index>` for generated and bundled images. */
  readonly ids: string[];
  readonly layer: string;
  readonly extractor: string;
  readonly protocol: string;
  readonly weightsSha256: string;
  /** The weights behind the features: SHA-256, official or not, their warnings (as score reports record them). */
  readonly extractorIdentity: ExtractorIdentity;
  /** Folders: files skipped as unreadable (`skipBad`) and files ignored for their extension. */
  readonly skipped: { path: string; message: string }[];
  readonly ignored: number;
  readonly shard?: Shard;
}

interface OpenedImages {
  readonly label: string;
  readonly kind: 'images' | 'generated' | 'real';
  readonly source: ImageSource;
  readonly cacheId: { files?: readonly string[]; identity?: string };
  /** Row ids before skipping (folders: the files). */
  readonly ids: string[];
  readonly ignored: number;
  dispose(): Promise<void>;
}

async function openImages(path: string, options: FolderOptions): Promise<OpenedImages> {
  if (isVirtualInput(path)) {
    const v = await openVirtualInput(path, { shard: options.shard });
    const ids = Array.from({ length: v.source.total }, (_, i) => `${v.label}#${v.first + i}`);
    return { label: v.label, kind: v.kind, source: v.source, cacheId: { identity: v.identity }, ids, ignored: 0, dispose: () => v.dispose() };
  }
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new FidkitError('E_NOT_FOUND', `input not found: ${path} — check the path`);
  if (!info.isDirectory()) {
    throw new UsageError(
      `features reads image folders, generators (gen:mnist-gan?n=10000) or bundled MNIST digits (mnist:test); ${path} is a file${/\.np[yz]$/i.test(path) ? ' that already holds features or statistics' : ''}`,
    );
  }
  const { files, ignored } = await folderFiles(path, options);
  return { label: path, kind: 'images', source: fileSource(files, options.skipBad), cacheId: { files }, ids: files, ignored, dispose: async () => undefined };
}

/**
 * Extract one layer's features of every image of `path`.
 *
 * @example
 * const { features, ids } = await exportFeatures('samples/', { layer: 'pool3', protocol: 'tf' });
 * @throws {UsageError} an unknown layer (the message lists the extractor's layers), a file instead of an input of images
 * @throws {FidkitError} a missing path, an empty folder, an unreadable image (unless `skipBad`)
 */
export async function exportFeatures(path: string, options: ExportFeaturesOptions = {}): Promise<ExportedFeatures> {
  checkOptions('features', options as Readonly<Record<string, unknown>>, 'exportFeatures');
  // The table knows every extractor's layer names, so a wrong --layer fails before weights load or a network is built.
  const entry = extractorEntry(options.extractor ?? DEFAULTS.extractor);
  const names = Object.keys(entry.layers);
  if (options.layer !== undefined && !names.includes(options.layer)) throw unknownLayer(entry.name, options.layer, names);
  const pool = new ExtractorPool(options);
  // The input first (a folder listing is cheap), so an empty folder or a wrong path is reported before the
  // extractor loads; a virtual input is opened after, as it may load a generator.
  let opened = isVirtualInput(path) ? undefined : await openImages(path, options);
  try {
    const { extractor, name, weightsId, identity } = await pool.get();
    const fidLayer = extractor.defaultLayerFor('fid');
    const isLayer = extractor.defaultLayerFor('is');
    const layer = options.layer ?? fidLayer;
    if (!extractor.layers.includes(layer)) throw unknownLayer(name, layer, extractor.layers);
    opened ??= await openImages(path, options);
    const images = opened;
    let matrix: FeatureMatrix | undefined;
    let skipped: { path: string; message: string }[];
    if (layer === fidLayer || layer === isLayer) {
      const loaded = await loadImages(images.label, images.kind, images.source, images.cacheId, { moments: false, features: layer === fidLayer, logits: layer === isLayer }, options, pool);
      matrix = layer === fidLayer ? loaded.features : loaded.logits;
      skipped = loaded.skipped ?? [];
    } else {
      const r = await extractImages(images.source, extractor, {
        batchSize: batchSizeFor(name, options),
        keepLayers: [layer],
        onProgress: options.onProgress && ((e) => options.onProgress!(images.label, e)),
      });
      matrix = r.kept[layer];
      skipped = r.skipped;
    }
    const gone = new Set(skipped.map((s) => s.path));
    const ids = images.ids.filter((id) => !gone.has(id));
    if (!matrix || matrix.rows !== ids.length) throw new Error(`features of ${path}: ${matrix?.rows ?? 'no'} rows for ${ids.length} images`);
    const data = matrix.data instanceof Float32Array ? matrix.data : Float32Array.from(matrix.data);
    return {
      input: images.label,
      features: { data, rows: matrix.rows, cols: matrix.cols },
      ids,
      layer,
      extractor: name,
      protocol: extractor.protocol,
      weightsSha256: weightsId,
      extractorIdentity: identity,
      skipped,
      ignored: images.ignored,
      ...(options.shard ? { shard: options.shard } : {}),
    };
  } finally {
    await opened?.dispose();
    await pool.dispose();
  }
}

function unknownLayer(extractor: string, layer: string, layers: readonly string[]): UsageError {
  return new UsageError(`extractor '${extractor}' has no layer '${layer}'; its layers are ${layers.join(', ')}`);
}
