/**
 * @file What `score` and `stats` accept as an input, loaded once: a `.npz` of FID statistics, a
 * `.npy` feature/logit matrix, or a folder of images run through a feature extractor (loaded
 * lazily, once, and shared by both inputs). Each folder yields exactly the layers the requested
 * metrics need: streaming moments for FID, whole matrices for IS (logits) and KID/PRDC (features).
 */
import { createHash } from 'node:crypto';
import { optionName, optionRef } from '../options/mention.js';
import type { OptionId } from '../options/schema.js';
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { DEFAULTS, type Protocol } from '../options/schema.js';
import { FidkitError, UsageError } from '../core/errors.js';
import { extractImages, fileSource, type ExtractionProgress, type ImageSource } from '../features/extract.js';
import { ONNX_SPEC_OPTION_KEYS, type OnnxSpecOptions } from '../features/onnx/index.js';
import { extractorEntry, HASH_WEIGHTS, HASH_WEIGHTS_ID, loadExtractor, officialWeights, type ExtractorIdentity, type LoadedExtractor } from '../features/registry.js';
import { evictFeatureCache, featureCacheKey, readFeatureCache, writeFeatureCache, type FeatureCacheEntry } from '../io/feature-cache.js';
import { sha256File } from '../io/cache.js';
import { listImages, listingIdentity } from '../io/folder.js';
import { featureMatrixFromNpy, readNpyFile } from '../io/npy.js';
import { readNpzFile } from '../io/npz.js';
import { statisticsFromMembers, type StatsMetadata } from '../io/stats-file.js';
import { nonEmptyShardRange, type Shard } from '../stats/shards.js';
import { isVirtualInput, openVirtualInput } from './sources.js';
import { Moments } from '../stats/moments.js';
import type { FeatureMatrix, FidStatistics } from '../core/types.js';
import { formatBytes } from '../core/bytes.js';

/** An input after loading. Feature `.npy` files serve as both `features` and `logits`. */
export interface LoadedInput {
  readonly path: string;
  /** `images`: a folder; `generated`: a generator's images (`gen:…`); `real`: bundled real digits (`mnist:…`). */
  readonly kind: 'statistics' | 'features' | 'images' | 'generated' | 'real';
  /** Samples behind the input (unknown for statistics files that do not record it). */
  readonly count: number | null;
  /** Width of the FID features (statistics) or of the feature matrix. */
  readonly dim: number;
  readonly stats?: FidStatistics;
  /** Streaming moments of a folder's FID layer (for `stats --shard`). */
  readonly moments?: Moments;
  readonly features?: FeatureMatrix;
  readonly logits?: FeatureMatrix;
  readonly metadata?: StatsMetadata;
  /** Inputs of images: the weights of the extractor that made the features. */
  readonly extractorIdentity?: ExtractorIdentity;
  /** Folders: files skipped as unreadable (`--skip-bad`), non-image files ignored. */
  readonly skipped?: { path: string; message: string }[];
  readonly ignored?: number;
}

/** How folders are turned into features. */
export interface FolderOptions extends OnnxSpecOptions {
  /** The table name of the extractor (`--extractor`; `onnx:PATH` for a user's ONNX model). */
  readonly extractor?: string;
  /** One of the extractor's protocols; default its first (inception: tf). */
  readonly protocol?: Protocol | string;
  /** Weights of the `extractor` (`--weights`). */
  readonly weights?: string;
  /** Weights by extractor name (`--weights-<name>`), for runs that use several extractors; wins over `weights`. */
  readonly extractorWeights?: Readonly<Record<string, string>>;
  readonly batchSize?: number;
  readonly skipBad?: boolean;
  readonly recursive?: boolean;
  /** Extensions of the files a folder contributes (`--ext`); default `IMAGE_EXTENSIONS` (io/folder.ts). */
  readonly extensions?: readonly string[];
  readonly offline?: boolean;
  readonly cacheDir?: string;
  /** Reuse and store extracted features in the cache (default true; `--no-cache`). */
  readonly cache?: boolean;
  /** Key the cache on file contents instead of sizes and modification times (`--cache-strict`). */
  readonly cacheStrict?: boolean;
  /** Size cap of the feature cache in bytes; least recently used entries go first (default 2 GB, `--cache-max`). */
  readonly cacheMax?: number;
  /** Process only this slice of the sorted file list (of a generator's or a digit set's images). */
  readonly shard?: Shard;
  readonly onProgress?: (input: string, event: ExtractionProgress) => void;
  readonly onWarning?: (message: string) => void;
  /** Informational messages for stderr (e.g. "using cached features"). */
  readonly onNote?: (message: string) => void;
}

/** Which layers a folder must yield. */
export interface LayerNeeds {
  /** Accumulate FID moments. */
  readonly moments: boolean;
  /** Keep logits (IS). */
  readonly logits: boolean;
  /** Keep per-sample features (KID, PR, PRDC). */
  readonly features: boolean;
}

/**
 * The weights file an extractor is asked to load: `--weights-<name>` (`extractorWeights[name]`)
 * first, else `--weights` when `name` is the run's main extractor (`--extractor`), else its own
 * (the table's download or bundled file). `--weights test:hash` names no file but the test weights,
 * so it applies to every extractor of the run (the Inception and VGG16 have them).
 */
export function weightsFor(name: string, options: Pick<FolderOptions, 'extractor' | 'weights' | 'extractorWeights'>): string | undefined {
  const head = name.includes(':') ? name.slice(0, name.indexOf(':')) : name;
  const main = name === (options.extractor ?? DEFAULTS.extractor) || options.weights === HASH_WEIGHTS;
  return options.extractorWeights?.[head] ?? (main ? options.weights : undefined);
}

/** The batch size of a run: `--batch-size`, else the extractor's own (the table's). */
export function batchSizeFor(name: string, options: Pick<FolderOptions, 'batchSize'>): number {
  return options.batchSize ?? extractorEntry(name).batchSize;
}

/** The `--onnx-*` options among `options` (undefined when none is set). */
function onnxSpecOptions(options: FolderOptions): OnnxSpecOptions | undefined {
  const given = ONNX_SPEC_OPTION_KEYS.filter((k) => options[k] !== undefined);
  return given.length === 0 ? undefined : Object.fromEntries(given.map((k) => [k, options[k]]));
}

/** Loads each extractor at most once (by name) and disposes them at the end. */
export class ExtractorPool {
  private readonly loaded = new Map<string, Promise<LoadedExtractor>>();
  constructor(private readonly options: FolderOptions) {}

  /** The extractor `name` (default: the run's `--extractor`), loaded on first use. */
  get(name: string = this.options.extractor ?? DEFAULTS.extractor): Promise<LoadedExtractor> {
    let l = this.loaded.get(name);
    if (!l) {
      const onnx = onnxSpecOptions(this.options);
      if (onnx && !(this.options.extractor ?? DEFAULTS.extractor).startsWith('onnx:')) {
        const names = Object.keys(onnx).map((k) => optionName(k as OptionId));
        return Promise.reject(new UsageError(`${names.join(', ')} describe${names.length === 1 ? 's' : ''} an ONNX model's preprocessing: use ${names.length === 1 ? 'it' : 'them'} with ${optionRef('extractor', 'onnx:PATH.onnx')}`));
      }
      l = loadExtractor(name, {
        protocol: name === (this.options.extractor ?? DEFAULTS.extractor) ? this.options.protocol : undefined,
        weights: weightsFor(name, this.options),
        // Messages name the option that gives this extractor's file: the weights option only for the
        // run's main extractor, --weights-<name> for the others (vgg16 when pr reads it by default).
        weightsFrom:
          this.options.extractorWeights?.[name.split(':')[0]] !== undefined || name !== (this.options.extractor ?? DEFAULTS.extractor) ? name.split(':')[0] : undefined,
        offline: this.options.offline,
        cacheDir: this.options.cacheDir,
        cache: this.options.cache,
        onnx: onnxSpecOptions(this.options),
      }).then((e) => {
        for (const w of e.warnings) this.options.onWarning?.(w);
        return e;
      });
      this.loaded.set(name, l);
    }
    return l;
  }

  async dispose(): Promise<void> {
    for (const l of this.loaded.values()) {
      const e = await l.catch(() => undefined);
      await e?.extractor.dispose();
    }
    this.loaded.clear();
  }
}

/**
 * Load one input.
 * @throws {FidkitError} a missing path, an unknown file type, a malformed file, an unreadable image
 */
export async function loadInput(path: string, needs: LayerNeeds, options: FolderOptions = {}, pool?: ExtractorPool): Promise<LoadedInput> {
  if (isVirtualInput(path)) {
    const own = pool ?? new ExtractorPool(options);
    const opened = await openVirtualInput(path, { shard: options.shard });
    try {
      const input = await loadImages(opened.label, opened.kind, opened.source, { identity: opened.identity }, needs, options, own);
      if (!options.shard) return input;
      // Recorded in the shard, so `stats merge` can refuse shards of another generator, seed, n or digit set.
      const whole = { inputId: `sha256:${createHash('sha256').update(opened.whole.identity).digest('hex')}`, inputCount: opened.whole.count };
      return { ...input, metadata: { ...input.metadata, ...whole } };
    } finally {
      await opened.dispose();
      if (!pool) await own.dispose();
    }
  }
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new FidkitError('E_NOT_FOUND', `input not found: ${path} — check the path`);
  if (info.isDirectory()) {
    const own = pool ?? new ExtractorPool(options);
    try {
      return await loadFolder(path, needs, options, own);
    } finally {
      if (!pool) await own.dispose();
    }
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.npz') {
    const { stats, metadata } = statisticsFromMembers(await readNpzFile(path), path);
    return { path, kind: 'statistics', count: stats.count ?? null, dim: stats.mu.length, stats, metadata };
  }
  if (ext === '.npy') {
    const features = featureMatrixFromNpy(await readNpyFile(path), path);
    // A shard records the whole file it was cut from, so `stats merge` can refuse foreign shards.
    const metadata = options.shard ? { inputId: `sha256:${await sha256File(path)}`, inputCount: features.rows } : undefined;
    return { path, kind: 'features', count: features.rows, dim: features.cols, features, logits: features, metadata };
  }
  throw new UsageError(
    `don't know how to read ${path}: inputs are image folders, .npz statistics, .npy features (N×D), generators (gen:mnist-gan?n=10000) or bundled MNIST digits (mnist:test)`,
  );
}

/**
 * The warnings every command that reads folders prints about one loaded input: statistics made
 * with weights that are not the official file (their metadata says so), files skipped as
 * unreadable (`--skip-bad`) and files ignored for their extension. One wording for score, stats,
 * features and sweep.
 */
export function inputWarnings(input: Pick<LoadedInput, 'path'> & Partial<Pick<LoadedInput, 'kind' | 'skipped' | 'ignored' | 'metadata' | 'extractorIdentity'>>): string[] {
  const warnings: string[] = [];
  if (input.kind === 'statistics' && inputWeights(input).officialWeights === false) {
    const sha = input.metadata?.weightsSha256;
    warnings.push(
      `${input.path}: made with ${sha === HASH_WEIGHTS_ID ? `the deterministic test weights (${optionRef('weights', 'test:hash')})` : `weights that are not the official file of the '${String(input.metadata?.extractor)}' extractor (SHA-256 ${String(sha)})`}: its numbers are not comparable with published ones`,
    );
  }
  if (input.skipped?.length) warnings.push(`${input.path}: skipped ${input.skipped.length} unreadable image(s), e.g. ${input.skipped[0].message}`);
  if (input.ignored) warnings.push(`${input.path}: ignored ${input.ignored} file(s) without an image extension (${optionName('extensions')} chooses the extensions)`);
  return warnings;
}

/**
 * The image files of a folder in the order their features are stacked: listed with `recursive`
 * and `extensions`, sorted as the Python tools sort them, then cut to `shard`'s slice.
 */
export async function folderFiles(path: string, options: FolderOptions): Promise<{ files: string[]; ignored: number; whole: StatsMetadata }> {
  const listing = await listImages(path, { recursive: options.recursive, extensions: options.extensions });
  let files = listing.files;
  let whole: StatsMetadata = {};
  if (options.shard) {
    // Recorded in the shard, so `stats merge` can refuse shards of different folders.
    whole = { inputId: await listingIdentity(path, files), inputCount: files.length };
    const { start, end } = nonEmptyShardRange(files.length, options.shard, path);
    files = files.slice(start, end);
  }
  return { files, ignored: listing.ignored, whole };
}

async function loadFolder(path: string, needs: LayerNeeds, options: FolderOptions, pool: ExtractorPool): Promise<LoadedInput> {
  const { files, ignored, whole } = await folderFiles(path, options);
  const input = await loadImages(path, 'images', fileSource(files, options.skipBad), { files }, needs, options, pool);
  return { ...input, ignored, metadata: { ...input.metadata, ...whole } };
}

/**
 * Extract (or take from the cache) the layers `needs` asks for from a source of images.
 * `cacheId` identifies the images for the feature cache: the files, or an identity string.
 */
export async function loadImages(
  path: string,
  kind: 'images' | 'generated' | 'real',
  source: ImageSource,
  cacheId: { files?: readonly string[]; identity?: string },
  needs: LayerNeeds,
  options: FolderOptions,
  pool: ExtractorPool,
): Promise<LoadedInput> {
  const { extractor, name, weightsId, identity } = await pool.get(options.extractor);
  const fidLayer = extractor.defaultLayerFor('fid');
  const isLayer = extractor.defaultLayerFor('is');
  const key =
    options.cache === false
      ? undefined
      : await featureCacheKey({ ...cacheId, extractor: name, weightsId, protocol: extractor.protocol, skipBad: options.skipBad ?? false, strict: options.cacheStrict });
  const hit = key ? await readFeatureCache(key, options.cacheDir) : undefined;
  const covers = (e: FeatureCacheEntry) => (!needs.moments || e.moments) && (!needs.features || e.features) && (!needs.logits || e.logits);
  let entry: FeatureCacheEntry;
  if (hit && covers(hit)) {
    options.onNote?.(`${path}: using cached features (${hit.count} images; ${optionRef('cache')} to recompute)`);
    entry = hit;
  } else {
    // Extract what this run needs plus whatever the old entry held, so the new entry serves both.
    const want = { moments: needs.moments || !!hit?.moments, features: needs.features || !!hit?.features, logits: needs.logits || !!hit?.logits };
    const result = await extractImages(source, extractor, {
      batchSize: batchSizeFor(name, options),
      momentsLayer: want.moments ? fidLayer : undefined,
      keepLayers: [...new Set([...(want.features ? [fidLayer] : []), ...(want.logits ? [isLayer] : [])])],
      onProgress: options.onProgress && ((e) => options.onProgress!(path, e)),
      label: path,
    });
    entry = { count: result.count, skipped: result.skipped, moments: result.moments?.state(), features: result.kept[fidLayer], logits: result.kept[isLayer] };
    if (key) await storeInCache(key, entry, kind === 'images' ? resolve(path) : path, { extractor: name, weights: weightsId, protocol: extractor.protocol, fidLayer, isLayer }, options);
  }
  const metadata: StatsMetadata = {
    extractor: name,
    protocol: extractor.protocol,
    layer: fidLayer,
    ...(needs.logits ? { logitsLayer: isLayer } : {}),
    weightsSha256: weightsId,
    count: entry.count,
    ...(options.shard ? { shard: options.shard } : {}),
  };
  const moments = entry.moments ? Moments.fromState(entry.moments, { label: path }) : undefined;
  return {
    path,
    kind,
    count: entry.count,
    dim: extractor.dims[fidLayer],
    moments,
    stats: moments && moments.count >= 2 ? moments.statistics() : undefined,
    features: entry.features,
    logits: entry.logits,
    metadata,
    extractorIdentity: identity,
    skipped: entry.skipped,
  };
}

/**
 * The weights behind an input's features, as far as fidkit can tell: the extractor's for images,
 * the file's metadata for `.npz` statistics (null fields when it records none, as in pytorch-fid's
 * files), nothing for `.npy` features.
 */
export function inputWeights(input: Pick<LoadedInput, 'extractorIdentity' | 'metadata'>): { weightsSha256: string | null; officialWeights: boolean | null } {
  if (input.extractorIdentity) return { weightsSha256: input.extractorIdentity.weightsSha256, officialWeights: input.extractorIdentity.official };
  const meta = input.metadata;
  const recorded = typeof meta?.weightsSha256 === 'string' ? meta.weightsSha256 : undefined;
  if (recorded === undefined) return { weightsSha256: null, officialWeights: null };
  const identities = meta?.extractors as Record<string, Partial<ExtractorIdentity>> | undefined;
  const official = identities?.[meta?.extractor ?? '']?.official;
  return {
    weightsSha256: recorded === HASH_WEIGHTS_ID ? null : recorded,
    officialWeights: typeof official === 'boolean' ? official : officialWeights(meta?.extractor, recorded),
  };
}

/** Write a cache entry with its description, then evict what no longer fits; failures are warnings. */
async function storeInCache(
  key: string,
  entry: FeatureCacheEntry,
  source: string,
  made: { extractor: string; weights: string; protocol: string; fidLayer: string; isLayer: string },
  options: FolderOptions,
): Promise<void> {
  const layers = {
    ...(entry.moments ? { moments: made.fidLayer } : {}),
    ...(entry.features ? { features: made.fidLayer } : {}),
    ...(entry.logits ? { logits: made.isLayer } : {}),
  };
  const shard = options.shard ? ` (shard ${options.shard.index}/${options.shard.count})` : '';
  try {
    await writeFeatureCache(key, entry, options.cacheDir, { source: source + shard, extractor: made.extractor, weights: made.weights, protocol: made.protocol, layers });
  } catch (err) {
    options.onWarning?.(`could not write the feature cache (${(err as Error).message}); pass ${optionRef('cache')} or ${optionRef('cacheDir')}`);
    return;
  }
  const cap = options.cacheMax ?? DEFAULTS.cacheMax;
  const { removed, bytes } = await evictFeatureCache(cap, { keep: key, cacheDir: options.cacheDir });
  if (removed.length > 0) {
    options.onNote?.(`feature cache: evicted ${removed.length} least recently used entr${removed.length === 1 ? 'y' : 'ies'} (${formatBytes(bytes)}) to stay within ${optionRef('cacheMax', formatBytes(cap))}`);
  }
}
