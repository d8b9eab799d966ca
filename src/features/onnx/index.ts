/**
 * @file The bring-your-own ONNX extractor: `--extractor onnx:PATH.onnx` scores with any image
 * network a user exports (DINOv2, CLIP, SwAV, their own classifier…) under every fidkit metric.
 *
 * The contract a model file meets: exactly one input (initializers aside), float32 images of rank 4,
 * N×3×H×W or N×H×W×3 (N dynamic, or fixed: then fed in batches of N, the last one padded); float32
 * outputs, one of which holds the features (each image's values flattened: [N, D] or [N, D, 1, 1]…).
 * D is read from the graph, or from one probe run when the graph leaves it symbolic. How pixels reach
 * the input is the preprocessing spec (spec.ts: flags `--onnx-*` or metadata `fidkit.*`).
 *
 * Layers: `features` (the spec's output; every metric's default) and, when the spec names one,
 * `logits` (class logits for the Inception Score). The extractor's `protocol` is the spec as one line
 * and its weights id the model's SHA-256, so the feature cache keys on both and reports record them.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { onnx as Onnx } from 'onnx-proto';
import { FidkitError, FormatError, InputError, UsageError } from '../../core/errors.js';
import { onnxProto } from '../../onnx/graph-builder.js';
import { createSession, type OnnxSession, type SessionOptions } from '../../onnx/session.js';
import { optionRef } from '../../options/mention.js';
import type { FeatureMatrix } from '../../core/types.js';
import { runInChunks } from '../chunked-run.js';
import type { ExtractorImage, FeatureExtractor, FeatureMetric } from '../extractor.js';
import { writeOnnxInput } from './preprocess.js';
import { resolveSpec, specJson, specText, type ModelInputInfo, type OnnxSpec, type OnnxSpecOptions, type SpecSource } from './spec.js';

export { ONNX_SPEC_METADATA_KEYS, ONNX_SPEC_OPTION_KEYS, type OnnxSpec, type OnnxSpecOptions } from './spec.js';

const FLOAT32 = 1;

export type OnnxLayer = 'features' | 'logits';

/** Images per ONNX Runtime call when the model's batch is dynamic (activations of a ViT-B at 224² are ~10 MB per image). */
export const DEFAULT_ONNX_SESSION_BATCH = 8;

export interface OnnxExtractorOptions extends OnnxSpecOptions, SessionOptions {
  /** Images per call for a dynamic batch (default {@link DEFAULT_ONNX_SESSION_BATCH}). */
  readonly sessionBatch?: number;
}

/** A loaded BYO ONNX extractor, with what a report records about it. */
export interface OnnxExtractor extends FeatureExtractor<OnnxLayer> {
  readonly spec: OnnxSpec;
  readonly decidedBy: Readonly<Record<string, SpecSource>>;
  readonly sha256: string;
  /** The spec and the model, as report JSON. */
  describe(): Record<string, unknown>;
}

interface OutputInfo {
  readonly name: string;
  readonly elementType: number;
  readonly dims: readonly (number | undefined)[] | undefined;
}

/**
 * What fidkit reads from an extractor model's bytes: its one image input, outputs and metadata.
 * @throws {FormatError} bytes that are not an ONNX model; {InputError} a model with no or several inputs, or a non-float32 input
 */
export function inspectExtractorModel(bytes: Uint8Array, source: string): ModelInputInfo & { readonly outputInfo: readonly OutputInfo[]; readonly elementType: number } {
  let model: Onnx.ModelProto;
  try {
    model = onnxProto().ModelProto.decode(bytes);
  } catch (cause) {
    throw new FormatError(`${source} is not an ONNX model (${(cause as Error).message}): export the network with torch.onnx.export or tf2onnx`, { cause });
  }
  const graph = model.graph;
  if (!graph || (graph.output ?? []).length === 0 || (graph.input ?? []).length === 0) {
    throw new FormatError(`${source} is not an ONNX model (no graph with inputs and outputs): export the network with torch.onnx.export or tf2onnx`);
  }
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name));
  if (inputs.length !== 1) {
    throw new InputError(`${source} has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ') || 'none'}); fidkit feeds one tensor of images: export a graph whose only input is the image batch`);
  }
  const describe = (v: Onnx.IValueInfoProto): OutputInfo => ({
    name: v.name ?? '',
    elementType: v.type?.tensorType?.elemType ?? 0,
    dims: v.type?.tensorType?.shape ? v.type.tensorType.shape.dim!.map(dimValue) : undefined,
  });
  const input = describe(inputs[0]);
  if (input.elementType !== FLOAT32) throw new InputError(`${source}: input '${input.name}' is not float32 (ONNX type ${input.elementType}): export the model with a float32 image input`);
  const metadata: Record<string, string> = {};
  for (const entry of model.metadataProps) metadata[entry.key ?? ''] = entry.value ?? '';
  const outputInfo = (graph.output ?? []).map(describe);
  return { name: input.name, dims: input.dims ?? [], outputs: outputInfo.map((o) => o.name), metadata, outputInfo, elementType: input.elementType };
}

function dimValue(d: Onnx.TensorShapeProto.IDimension): number | undefined {
  const v = d.dimValue;
  if (v === null || v === undefined || d.dimParam) return undefined;
  const n = typeof v === 'number' ? v : v.toNumber();
  return n > 0 ? n : undefined;
}

/**
 * Load an ONNX model as a feature extractor.
 * @example const x = await loadOnnxExtractor('dinov2_vits14.onnx', { onnxResize: 'pil-bicubic', onnxResizeTo: 'short:256', onnxSize: '224', onnxMean: [0.485, 0.456, 0.406], onnxStd: [0.229, 0.224, 0.225] });
 * @throws {FidkitError} `E_NOT_FOUND` a missing file; {FormatError} not ONNX, or unreadable metadata;
 *   {InputError} a model that breaks the contract; {UsageError} a spec field nothing decides
 */
export async function loadOnnxExtractor(path: string, options: OnnxExtractorOptions = {}): Promise<OnnxExtractor> {
  const bytes = await readModel(path);
  const info = inspectExtractorModel(bytes, path);
  const { spec, decidedBy } = resolveSpec(info, options, path);
  const fixedBatch = info.dims[0];
  const chunk = fixedBatch ?? options.sessionBatch ?? DEFAULT_ONNX_SESSION_BATCH;
  if (!Number.isInteger(chunk) || chunk < 1) throw new InputError(`sessionBatch must be a positive integer, got ${chunk}`);
  const outputs: Partial<Record<OnnxLayer, string>> = { features: spec.output, ...(spec.logits ? { logits: spec.logits } : {}) };
  for (const name of Object.values(outputs)) {
    const o = info.outputInfo.find((x) => x.name === name)!;
    if (o.elementType !== FLOAT32) throw new InputError(`${path}: output '${name}' is not float32 (ONNX type ${o.elementType}): cast it inside the graph`);
  }
  const session = await createSession(bytes, options);
  try {
    const inputShape = spec.layout === 'nchw' ? [3, spec.size.height, spec.size.width] : [spec.size.height, spec.size.width, 3];
    // D from the graph when every non-batch dimension is fixed, else from one run on a black image.
    const dims: Partial<Record<OnnxLayer, number>> = {};
    let probe: Record<string, { data: Float32Array; dims: readonly number[] }> | undefined;
    for (const [layer, name] of Object.entries(outputs) as [OnnxLayer, string][]) {
      const declared = info.outputInfo.find((x) => x.name === name)!.dims;
      if (declared && declared.length >= 2 && declared.slice(1).every((d) => d !== undefined)) {
        dims[layer] = (declared.slice(1) as number[]).reduce((a, b) => a * b, 1);
        continue;
      }
      const rows = fixedBatch ?? 1;
      probe ??= await session.run({ [info.name]: { data: new Float32Array(rows * 3 * spec.size.height * spec.size.width), dims: [rows, ...inputShape] } }, Object.values(outputs));
      const got = probe[name];
      if (got.dims.length < 2 || got.dims[0] !== rows) {
        throw new InputError(`${path}: output '${name}' has shape [${got.dims.join(', ')}] for ${rows} image(s), expected [${rows}, D, …]: features are read per image`);
      }
      dims[layer] = got.data.length / rows;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return new OnnxFeatureExtractor(path, sha256, spec, decidedBy, session, info.name, inputShape, chunk, fixedBatch !== undefined, dims as Record<OnnxLayer, number>, outputs as Record<OnnxLayer, string>);
  } catch (err) {
    await session.release();
    throw err;
  }
}

async function readModel(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FidkitError('E_NOT_FOUND', `ONNX model not found: ${path}: check the path in ${optionRef('extractor', `onnx:${path}`)}`, { cause });
    if (code === 'EISDIR') throw new InputError(`${path} is a folder, where an .onnx model file was expected (${optionRef('extractor', 'onnx:PATH.onnx')})`, { cause });
    throw new InputError(`cannot read the ONNX model ${path}: ${(cause as Error).message}`, { cause });
  }
}

class OnnxFeatureExtractor implements OnnxExtractor {
  readonly name = 'onnx';
  readonly layers: readonly OnnxLayer[];
  readonly protocol: string;
  private disposed = false;

  constructor(
    private readonly source: string,
    readonly sha256: string,
    readonly spec: OnnxSpec,
    readonly decidedBy: Readonly<Record<string, SpecSource>>,
    private readonly session: OnnxSession,
    private readonly inputName: string,
    private readonly inputShape: readonly number[],
    private readonly chunk: number,
    private readonly fixedBatch: boolean,
    readonly dims: Readonly<Record<OnnxLayer, number>>,
    private readonly outputs: Readonly<Record<OnnxLayer, string>>,
  ) {
    this.layers = Object.freeze(Object.keys(dims)) as readonly OnnxLayer[];
    this.protocol = `onnx-spec(${specText(spec)})`;
  }

  defaultLayerFor(metric: FeatureMetric): OnnxLayer {
    return metric === 'is' ? 'logits' : 'features';
  }

  describe(): Record<string, unknown> {
    return { model: this.source, sha256: this.sha256, ...specJson(this.spec), dims: { ...this.dims }, decidedBy: { ...this.decidedBy } };
  }

  async extract(batch: readonly ExtractorImage[], layers: readonly OnnxLayer[] = this.layers): Promise<Record<OnnxLayer, FeatureMatrix>> {
    if (this.disposed) throw new InputError('this ONNX extractor was disposed; load a new one');
    if (layers.includes('logits') && !this.layers.includes('logits')) {
      throw new UsageError(`${this.source}: the Inception Score needs class logits, and no output was named for them: pass ${optionRef('onnxLogits', 'OUTPUT')}, or store metadata fidkit.logits in the model`);
    }
    return runInChunks(batch, layers, {
      what: `ONNX model ${this.source}`,
      session: this.session,
      inputName: this.inputName,
      inputShape: this.inputShape,
      chunk: this.chunk,
      fixedBatch: this.fixedBatch,
      dims: this.dims,
      outputNames: this.outputs,
      write: (image, out, offset) => writeOnnxInput(image, this.spec, out, offset),
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
