/**
 * @file `listExtractors`: the extractor table as data, for `fidkit extractors` and API callers —
 * each extractor's description, layers with their widths, default layer per metric, protocols,
 * where its weights come from (URL, SHA-256, size; or bundled; or the user's file) and whether
 * they are already in the cache.
 */
import { join } from 'node:path';
import { resolveCacheDir, type CacheOptions } from '../io/cache.js';
import { perExtractorName } from '../options/mention.js';
import { extractorSpecs, fdNameOf, FEATURE_METRICS, weightsCached } from '../features/registry.js';
import type { FeatureMetric } from '../features/extractor.js';

export const EXTRACTORS_SCHEMA = 'fidkit.extractors/1';

/** One extractor, as `fidkit extractors --json` prints it. */
export interface ExtractorInfo {
  /** What `--extractor` takes (`onnx:PATH.onnx` for parametrised entries). */
  readonly name: string;
  readonly description: string;
  /** Layers in order, with their widths (`null`: read from the model when it is loaded). */
  readonly layers: { readonly name: string; readonly dim: number | null }[];
  readonly defaultLayers: Readonly<Record<FeatureMetric, string>>;
  /** `--protocol` values, the default first. */
  readonly protocols: readonly string[];
  readonly batchSize: number;
  /** How reports name `--metrics fid` on its features, as papers do: `FID` (inception), `FD_VGG16`, `FD_DINOv2`… */
  readonly fdName: string;
  readonly weights:
    | { readonly kind: 'download'; readonly file: string; readonly urls: readonly string[]; /** null when the publisher gives none (DINOv2). */ readonly sha256: string | null; readonly bytes: number | null; readonly cached: boolean; readonly path: string; readonly flag: string }
    | { readonly kind: 'bundled'; readonly path: string; readonly cached: true; readonly flag: string }
    | { readonly kind: 'argument'; readonly what: string; readonly cached: null };
}

export interface ExtractorsReport {
  readonly schema: typeof EXTRACTORS_SCHEMA;
  readonly cacheDir: string;
  readonly extractors: ExtractorInfo[];
}

/** Describe every extractor of the table; `cached` is checked against `cacheDir` (or the default cache). */
export async function listExtractors(options: Pick<CacheOptions, 'cacheDir' | 'env'> = {}): Promise<ExtractorsReport> {
  const cacheDir = resolveCacheDir(options);
  const extractors: ExtractorInfo[] = [];
  for (const spec of extractorSpecs()) {
    const w = spec.weights;
    const flag = perExtractorName('extractorWeights', spec.name);
    const weights: ExtractorInfo['weights'] =
      w.kind === 'download'
        ? { kind: 'download', file: w.file.name, urls: w.file.urls, sha256: w.file.sha256 === '' ? null : w.file.sha256, bytes: w.file.bytes ?? null, cached: (await weightsCached(spec, options)) === true, path: join(cacheDir, w.file.name), flag }
        : w.kind === 'bundled'
          ? { kind: 'bundled', path: w.path, cached: true, flag }
          : { kind: 'argument', what: w.what, cached: null };
    extractors.push({
      name: spec.argument ? `${spec.name}:${spec.argument}` : spec.name,
      description: spec.description,
      layers: Object.entries(spec.layers).map(([name, dim]) => ({ name, dim: dim as number | null })),
      defaultLayers: Object.fromEntries(FEATURE_METRICS.map((m) => [m, spec.defaultLayers[m]])) as Record<FeatureMetric, string>,
      protocols: spec.protocols,
      batchSize: spec.batchSize,
      fdName: fdNameOf(spec.name),
      weights,
    });
  }
  return { schema: EXTRACTORS_SCHEMA, cacheDir, extractors };
}
