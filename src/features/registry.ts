/**
 * @file The extractor table: every feature extractor fidkit knows, declared once as data — name,
 * description, layers with their widths, the default layer per metric, the preprocessing protocols
 * it accepts, where its weights come from, its batch size — plus its `load` factory. `--extractor`
 * choices, `--help`, the per-extractor `--weights-<name>` flags, `fidkit extractors` and the
 * per-metric layer choice all read this table (torch-fidelity's `registry.py`, transformers.js's
 * `SUPPORTED_TASKS`).
 *
 * How to add an extractor:
 * 1. Write its folder `features/<name>/` with an async `load…(options)` factory returning a
 *    {@link FeatureExtractor} (private class; `runInChunks` from `chunked-run.ts` does the batching
 *    for an ONNX network). Export its layer widths and default layers as frozen constants and have
 *    the class read them, so they are written once.
 *    A network built from a checkpoint writes its `.onnx` in a worker thread through
 *    `runModelBuild` (`model-build.ts`: its `build.ts` holds the job, its `build-worker.ts` the build),
 *    and its test weights are `hashUniform` fills (`hash-fill.ts`) with a rule per key.
 * 2. Declare its weights: `{ kind: 'download', file: { name, urls, sha256, bytes } }` for a file
 *    fetched into the cache (resolve it with `resolveWeights` from `features/weights.ts`: `--weights`
 *    / `--weights-<name>` win, then the cache, then the download, verified and renamed atomically;
 *    `--offline` fails naming the URL, the cache path and the flag), or `{ kind: 'bundled', path }`.
 * 3. Call {@link registerExtractor} at the bottom of this file with an {@link ExtractorSpec}. The
 *    table checks the entry (name, layers, default layers, protocols) and the CLI picks it up:
 *    `--extractor <name>`, `--weights-<name> PATH`, `fidkit extractors`. Give it `fdName` when
 *    papers name the Fréchet distance in its space (`FD_DINOv2`, `FD_CLIP`); reports use that name.
 * 4. Test it in `test/features/<name>/` against reference features with a stated tolerance.
 *
 * Parametrised names: an entry with `argument` is chosen as `<name>:<argument>` (`onnx:model.onnx`).
 */
import { optionName, optionRef } from '../options/mention.js';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { resolveCacheDir, sha256Matches, type CacheOptions, type RemoteFile } from '../io/cache.js';
import { runtimeChoices } from '../options/schema.js';
import type { ExtractorIdentity, FeatureExtractor, FeatureMetric, LoadedExtractor } from './extractor.js';
import { HASH_WEIGHTS, HASH_WEIGHTS_ID, INCEPTION_DEFAULT_LAYERS, INCEPTION_LAYER_DIMS, INCEPTION_PROTOCOL_NAMES, loadInceptionExtractor } from './inception/load.js';
import { INCEPTION_WEIGHTS } from './inception/weights.js';
import { loadOnnxExtractor, type OnnxSpecOptions } from './onnx/index.js';
import { BUNDLED_MNIST_CLASSIFIER, BUNDLED_MNIST_CLASSIFIER_SHA256, loadMnistClassifier, MNIST_DEFAULT_LAYERS, MNIST_DIMS, MNIST_PROTOCOL } from './mnist/index.js';
import { DINOV2_ARCHS, DINOV2_DEFAULT_LAYERS, DINOV2_PROTOCOLS } from './dinov2/index.js';
import { loadDinov2Extractor } from './dinov2/load.js';
import { dinov2WeightsFile } from './dinov2/weights.js';
import { clipDefaultLayers, clipLayerDims } from './clip/index.js';
import { loadClipExtractor } from './clip/load.js';
import { CLIP_VIT_B_32, CLIP_VIT_L_14, CLIP_VIT_L_14_336, type ClipModelSpec } from './clip/models.js';
import type { ClipProtocol } from './clip/preprocess.js';
import { VGG16_DEFAULT_LAYERS, VGG16_OUTPUT_DIMS, VGG16_PROTOCOL } from './vgg16/index.js';
import { loadVgg16Extractor } from './vgg16/load.js';
import { VGG16_WEIGHTS } from './vgg16/weights.js';

export { HASH_WEIGHTS, HASH_WEIGHTS_ID } from './inception/load.js';

/** The metrics that read an extractor's layers, in the order `fidkit extractors` shows them. */
export const FEATURE_METRICS: readonly FeatureMetric[] = Object.freeze(['fid', 'kid', 'prdc', 'is']);

/** What a caller asks for. */
export interface ExtractorRequest extends CacheOptions {
  /** One of the entry's `protocols`; default its first. */
  readonly protocol?: string;
  /** The weights (`--weights`, `--weights-<name>`): a file or folder, or {@link HASH_WEIGHTS} for the Inception's and VGG16's test weights. */
  readonly weights?: string;
  /** Set to the extractor's name when `weights` came from its per-extractor option (`--weights-<name>`), so messages name that one. */
  readonly weightsFrom?: string;
  /** The part after `<name>:` for parametrised entries (`onnx:PATH`). */
  readonly argument?: string;
  /** The bring-your-own ONNX extractor's preprocessing spec (`--onnx-*` flags), read by `onnx:PATH`. */
  readonly onnx?: OnnxSpecOptions;
  /** `false` (`--no-cache`): no remembered weights hash or cached optimised graph is read or written. */
  readonly cache?: boolean;
}

export type { ExtractorIdentity, LoadedExtractor };

/** Where an extractor's weights come from. */
export type WeightsSource =
  /** Fetched once into the cache (the `RemoteFile` names the cache file, its URLs, SHA-256 and size). */
  | { readonly kind: 'download'; readonly file: RemoteFile }
  /** Shipped with fidkit at `path`; `sha256` identifies the official weights. */
  | { readonly kind: 'bundled'; readonly path: string; readonly sha256: string }
  /** Given by the user in the extractor's argument (`onnx:PATH`). */
  | { readonly kind: 'argument'; readonly what: string };

/** One row of the table. */
export interface ExtractorSpec<Layer extends string = string> {
  /** `--extractor` name: lower-case letters, digits and `-` (it also spells the `--weights-<name>` flag). */
  readonly name: string;
  /** One line for `--help` and `fidkit extractors`. */
  readonly description: string;
  /** For parametrised entries (`onnx:PATH`): how `--help` shows the argument, e.g. `PATH.onnx`. */
  readonly argument?: string;
  /** Layer → width of its feature vectors, in a fixed order; `null` when the width is read from the model at load time. */
  readonly layers: Readonly<Record<Layer, number | null>>;
  /** The layer each metric reads by default. */
  readonly defaultLayers: Readonly<Record<FeatureMetric, Layer>>;
  /** `--protocol` values it accepts; the first is its default. */
  readonly protocols: readonly string[];
  readonly weights: WeightsSource;
  /** Images decoded and handed to `extract` at a time, when `--batch-size` is not given. */
  readonly batchSize: number;
  /**
   * What papers call the Fréchet distance on this extractor's features, as reports name `--metrics
   * fid`: `FID` (the Inception), `FD_DINOv2` (EDM2, dgm-eval), `FD_CLIP`, `FD_VGG16`. Default
   * `FD_<name>` (`FD_onnx` for onnx:PATH). The JSON key stays `fid`; this is its `name`.
   */
  readonly fdName?: string;
  load(request: ExtractorRequest & { readonly protocol: string }): Promise<LoadedExtractor>;
}

const table = new Map<string, ExtractorSpec>();

/**
 * Add an extractor to the table (built-ins below; plugins may add more before the CLI is built).
 * @throws {UsageError} a name that is not lower-case letters, digits and `-`, a taken name, no
 *   layers, a default layer that is not one of its layers, no protocols
 */
export function registerExtractor<Layer extends string>(spec: ExtractorSpec<Layer>): ExtractorSpec<Layer> {
  const { name } = spec;
  // Names become flags (--weights-<name>), so they are what a flag can spell.
  if (typeof name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new UsageError(`invalid extractor name '${name}': use lower-case letters, digits and '-', starting with a letter`);
  }
  if (table.has(name)) throw new UsageError(`an extractor named '${name}' is already registered`);
  const layers = Object.keys(spec.layers);
  if (layers.length === 0) throw new UsageError(`extractor '${name}' declares no layers`);
  for (const metric of FEATURE_METRICS) {
    const layer = spec.defaultLayers[metric];
    if (!layers.includes(layer)) throw new UsageError(`extractor '${name}': default ${metric} layer '${layer}' is not one of its layers (${layers.join(', ')})`);
  }
  if (spec.protocols.length === 0) throw new UsageError(`extractor '${name}' declares no protocols`);
  if (!Number.isSafeInteger(spec.batchSize) || spec.batchSize < 1) throw new UsageError(`extractor '${name}': batchSize must be a positive integer`);
  table.set(name, Object.freeze(spec) as ExtractorSpec);
  return spec;
}

/**
 * The name of the Fréchet distance in the space of extractor `name` (a table name, `onnx:a.onnx`, or
 * undefined when the features' origin is unknown: `.npy` files, statistics without metadata): its
 * entry's `fdName`, else `FD_<name>`; `FD` when unknown.
 * @example fdNameOf('inception') // 'FID'
 */
export function fdNameOf(name: string | undefined): string {
  if (name === undefined) return 'FD';
  const head = name.split(':')[0];
  const spec = table.get(head);
  if (spec?.fdName !== undefined) return spec.fdName;
  if (spec === undefined && !/^[a-z][a-z0-9-]*$/.test(head)) return 'FD';
  return `FD_${head}`;
}

/** Table names, in registration order; parametrised entries as `<name>:<argument>` (e.g. `onnx:PATH.onnx`). */
export function extractorNames(): string[] {
  return [...table.values()].map((e) => (e.argument ? `${e.name}:${e.argument}` : e.name));
}

/** Every entry, in registration order. */
export function extractorSpecs(): ExtractorSpec[] {
  return [...table.values()];
}

/** The `--protocol` values some extractor accepts (for the flag's choices). */
export function protocolNames(): string[] {
  return [...new Set([...table.values()].flatMap((e) => e.protocols))];
}

runtimeChoices.extractors = extractorNames;
runtimeChoices.protocols = protocolNames;
runtimeChoices.weightedExtractors = () => [...table.values()].filter((e) => e.weights.kind !== 'argument').map((e) => e.name);

/** `name` split into its table entry and argument (`onnx:a.onnx` → onnx, `a.onnx`). @throws {UsageError} listing the valid names */
export function resolveExtractorName(name: string): { spec: ExtractorSpec; argument?: string } {
  const exact = table.get(name);
  if (exact && !exact.argument) return { spec: exact };
  const colon = name.indexOf(':');
  const head = colon > 0 ? name.slice(0, colon) : name;
  const spec = table.get(head);
  if (spec?.argument) {
    const argument = colon > 0 ? name.slice(colon + 1) : '';
    if (argument.length === 0) throw new UsageError(`extractor '${head}' needs an argument: ${optionRef('extractor', `${head}:${spec.argument}`)}`);
    return { spec, argument };
  }
  throw new UsageError(`unknown extractor '${name}'; valid extractors: ${extractorNames().join(', ')}`);
}

/**
 * The table entry of `name`: a plain name, a parametrised one (`onnx:a.onnx`) or a parametrised
 * entry's bare name (`onnx`, as a loaded extractor names itself).
 * @throws {UsageError} listing the valid names
 */
export function extractorEntry(name: string): ExtractorSpec {
  return table.get(name) ?? resolveExtractorName(name).spec;
}

/**
 * Load an extractor by name, checking the protocol against the entry's.
 * @throws {UsageError} unknown name, a protocol the extractor does not accept; loader errors otherwise
 */
export async function loadExtractor(name: string, request: ExtractorRequest = {}): Promise<LoadedExtractor> {
  const { spec, argument } = resolveExtractorName(name);
  const protocol = request.protocol ?? spec.protocols[0];
  if (!spec.protocols.includes(protocol)) {
    const takes = spec.protocols.length === 1 ? `only protocol ${spec.protocols[0]} (its own preprocessing)` : `protocols ${spec.protocols.join(', ')}`;
    throw new UsageError(`extractor '${spec.name}' takes ${takes}, not '${protocol}': drop ${optionName('protocol')} or pass one of those`);
  }
  return spec.load({ ...request, protocol, argument });
}

/**
 * Whether a recorded weights hash (a statistics file's `weightsSha256`) is the official file of
 * extractor `name`: true or false, or null when fidkit cannot tell (an unregistered extractor, one
 * without official weights such as onnx:PATH, no hash).
 */
export function officialWeights(name: string | undefined, weightsSha256: string | null | undefined): boolean | null {
  if (weightsSha256 === HASH_WEIGHTS_ID) return false;
  const head = name?.split(':')[0];
  const w = head === undefined ? undefined : table.get(head)?.weights;
  const official = w?.kind === 'download' ? w.file.sha256 : w?.kind === 'bundled' ? w.sha256 : undefined;
  if (official === undefined || official === '' || typeof weightsSha256 !== 'string') return null;
  // A published prefix (torchvision's vgg16-397923af.pth) is matched as torch.hub matches it.
  return sha256Matches(weightsSha256, official);
}

/** Whether an extractor's weights are in the cache (`download`), shipped (`bundled`) or the user's (`argument`). */
export async function weightsCached(spec: ExtractorSpec, options: Pick<CacheOptions, 'cacheDir' | 'env'> = {}): Promise<boolean | null> {
  if (spec.weights.kind !== 'download') return spec.weights.kind === 'bundled' ? true : null;
  const file = spec.weights.file;
  const info = await stat(join(resolveCacheDir(options), file.name)).catch(() => undefined);
  return !!info?.isFile() && (file.bytes === undefined || info.size === file.bytes);
}

// ── built-ins ──────────────────────────────────────────────────────────────────────────────────

registerExtractor({
  name: 'inception',
  description: "the FID Inception-v3 (TF 2015-12-05 graph, pytorch-fid's weights), as pytorch-fid, torch-fidelity, clean-fid and TTUR use it",
  layers: INCEPTION_LAYER_DIMS,
  defaultLayers: INCEPTION_DEFAULT_LAYERS,
  protocols: INCEPTION_PROTOCOL_NAMES,
  weights: { kind: 'download', file: INCEPTION_WEIGHTS },
  batchSize: 50,
  fdName: 'FID',
  load: loadInceptionExtractor,
});

registerExtractor({
  name: 'mnist',
  description: "fidkit's bundled MNIST digit classifier (models/mnist-classifier): for scoring MNIST-like digits, not natural images",
  layers: MNIST_DIMS,
  defaultLayers: MNIST_DEFAULT_LAYERS,
  protocols: [MNIST_PROTOCOL],
  weights: { kind: 'bundled', path: BUNDLED_MNIST_CLASSIFIER, sha256: BUNDLED_MNIST_CLASSIFIER_SHA256 },
  batchSize: 500,
  fdName: 'FD_MNIST',
  // --weights names another classifier folder (or its model.json), e.g. one from `fidkit train classifier --out DIR`.
  load: async (request) => {
    const { extractor, sha256, source } = await loadMnistClassifier(request.weights === undefined ? {} : { model: request.weights });
    const official = sha256 === BUNDLED_MNIST_CLASSIFIER_SHA256;
    const warnings = official
      ? []
      : [`${source} is not fidkit's bundled MNIST classifier (weights SHA-256 ${sha256}, expected ${BUNDLED_MNIST_CLASSIFIER_SHA256}): MNIST scores are not comparable with those of the bundled one`];
    const identity: ExtractorIdentity = { weightsSha256: sha256, official, weights: source, source: request.weights === undefined ? 'bundled' : 'user', protocol: extractor.protocol, warnings };
    return { extractor, name: 'mnist', weightsId: sha256, warnings, identity };
  },
});

registerExtractor({
  name: 'vgg16',
  description: "torchvision's ImageNet VGG16 up to fc2 (vgg16-397923af.pth), as torch-fidelity 0.4 uses it for precision/recall",
  layers: VGG16_OUTPUT_DIMS,
  defaultLayers: VGG16_DEFAULT_LAYERS,
  protocols: [VGG16_PROTOCOL],
  weights: { kind: 'download', file: VGG16_WEIGHTS },
  batchSize: 50,
  fdName: 'FD_VGG16',
  load: async (request) => {
    const hashWeights = request.weights === HASH_WEIGHTS;
    const l = await loadVgg16Extractor({ ...request, hashWeights, weights: hashWeights ? undefined : request.weights, perExtractor: request.weightsFrom });
    const w = l.weights;
    const identity: ExtractorIdentity = { weightsSha256: w.sha256, official: w.official, weights: w.path, source: w.source, protocol: l.extractor.protocol, warnings: l.warnings };
    return { extractor: l.extractor, name: 'vgg16', weightsId: l.weightsId, warnings: l.warnings, identity };
  },
});

// DINOv2 ViT-S/14 … g/14 (torch-fidelity 0.4's names): the CLS feature of Meta's pretrain checkpoints.
const DINOV2_SIZES: Readonly<Record<string, string>> = Object.freeze({ 's-14': 'ViT-S/14, 384-d', 'b-14': 'ViT-B/14, 768-d', 'l-14': 'ViT-L/14, 1024-d', 'g-14': 'ViT-g/14, 1536-d' });
for (const arch of DINOV2_ARCHS) {
  registerExtractor({
    name: arch.name,
    description: `DINOv2 ${DINOV2_SIZES[arch.name.slice('dinov2-vit-'.length)]} CLS feature (${arch.hub}_pretrain.pth)${arch.name === 'dinov2-vit-l-14' ? ': the FD_DINOv2 space of dgm-eval and EDM2' : ''}`,
    layers: { dinov2: arch.dim },
    // FD_DINOv2 is ViT-L/14's (dgm-eval, EDM2); the other sizes say theirs, so numbers never pass for it.
    fdName: arch.name === 'dinov2-vit-l-14' ? 'FD_DINOv2' : `FD_DINOv2_${arch.name.slice('dinov2-vit-'.length).replace('-', '')}`,
    defaultLayers: DINOV2_DEFAULT_LAYERS,
    protocols: DINOV2_PROTOCOLS,
    weights: { kind: 'download', file: dinov2WeightsFile(arch) },
    batchSize: 50,
    load: async (request) => {
      const hashWeights = request.weights === HASH_WEIGHTS;
      const l = await loadDinov2Extractor({ ...request, name: arch.name, hashWeights, weights: hashWeights ? undefined : request.weights, perExtractor: request.weightsFrom });
      const w = l.weights;
      const identity: ExtractorIdentity = { weightsSha256: w.sha256, official: w.official, weights: w.path, source: w.source, protocol: l.extractor.protocol, warnings: l.warnings };
      return { extractor: l.extractor, name: arch.name, weightsId: l.weightsId, warnings: l.warnings, identity };
    },
  });
}

/** One CLIP image encoder's entry; `protocols` lists its references' preprocessing, the default first. */
function registerClip(m: ClipModelSpec, description: string, protocols: readonly ClipProtocol[]): void {
  registerExtractor({
    name: m.name,
    description,
    layers: clipLayerDims(m),
    defaultLayers: clipDefaultLayers(m),
    protocols,
    fdName: 'FD_CLIP',
    weights: { kind: 'download', file: m.weights },
    batchSize: 32,
    load: async (request) => {
      const hashWeights = request.weights === HASH_WEIGHTS;
      const l = await loadClipExtractor(m, {
        ...request,
        protocol: request.protocol as ClipProtocol,
        hashWeights,
        weights: hashWeights ? undefined : request.weights,
        perExtractor: request.weightsFrom,
      });
      const w = l.weights;
      const identity: ExtractorIdentity = { weightsSha256: w.sha256, official: w.official, weights: w.path, source: w.source, protocol: l.extractor.protocol, warnings: l.warnings };
      return { extractor: l.extractor, name: m.name, weightsId: l.weightsId, warnings: l.warnings, identity };
    },
  });
}

// torch-fidelity 0.4's name and default preprocessing for ViT-B/32; OpenAI's own for ViT-L/14 (dgm-eval's
// CLIP space); CMMD's for ViT-L/14@336, the model CMMD is defined on.
registerClip(CLIP_VIT_B_32, "OpenAI's CLIP ViT-B/32 image embedding (ViT-B-32.pt), as torch-fidelity 0.4's clip-vit-b-32", ['torch-fidelity', 'clip']);
registerClip(CLIP_VIT_L_14, "OpenAI's CLIP ViT-L/14 image embedding (ViT-L-14.pt)", ['clip', 'torch-fidelity']);
registerClip(CLIP_VIT_L_14_336, "OpenAI's CLIP ViT-L/14@336px image embedding (ViT-L-14-336px.pt), the space of CMMD (Jayasumana et al. 2024)", ['cmmd', 'clip', 'torch-fidelity']);

registerExtractor({
  name: 'onnx',
  argument: 'PATH.onnx',
  description: 'your own ONNX network (DINOv2, CLIP, SwAV, a classifier…), preprocessed as --onnx-* flags or its fidkit.* metadata say; feature width read from the model',
  layers: { features: null, logits: null },
  defaultLayers: { fid: 'features', kid: 'features', prdc: 'features', is: 'logits' },
  protocols: ['onnx-spec'],
  weights: { kind: 'argument', what: 'the .onnx file named in --extractor onnx:PATH.onnx (its SHA-256 is recorded and keys the cache)' },
  batchSize: 50,
  load: async (request) => {
    const extractor = await loadOnnxExtractor(request.argument!, request.onnx ?? {});
    const identity: ExtractorIdentity = { weightsSha256: extractor.sha256, official: null, weights: request.argument!, source: 'user', protocol: extractor.protocol, warnings: [], spec: extractor.describe() };
    return { extractor, name: 'onnx', weightsId: extractor.sha256, warnings: [], identity };
  },
});
