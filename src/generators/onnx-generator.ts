/**
 * @file Users' image generators as ONNX files, run with ONNX Runtime behind the {@link ImageGenerator}
 * interface (the bundled MNIST GAN and VAE decoder run through the same code, see
 * `bundled-generators.ts`).
 *
 * The contract a generator file meets:
 * - **Input**: the graph has exactly one input (initializers aside): the latent codes z, float32,
 *   shape [N, d]. N may be dynamic or fixed (a fixed N is fed in chunks of N, the last one padded
 *   with zero rows); d must be fixed, or be given with `--latent-dim d` (API: `latentDim`). A
 *   PyTorch-style [N, d, 1, 1] input (DCGAN) is accepted too: it receives the same codes.
 *   fidkit draws z from N(0, I), truncated with `--truncation`.
 * - **Output**: the graph's first output is the images, float32, rank 4: N×C×H×W (`nchw`) or
 *   N×H×W×C (`nhwc`) with C = 1 (grayscale) or 3 (RGB), values in [-1, 1] or [0, 1].
 * - **Layout**, decided in this order: the `--layout nchw|nhwc` flag; the model's metadata entry
 *   `fidkit.layout` (ONNX `metadata_props`, e.g. `onnx_model.metadata_props.add(key='fidkit.layout',
 *   value='nchw')` in Python); else the output shape when it is unambiguous (dim 1 ∈ {1, 3} and the
 *   last dim not → nchw; the last ∈ {1, 3} and dim 1 not → nhwc); else fidkit refuses and names the flag.
 * - **Range**, decided in this order: the `--range 0,1|-1,1` flag; the metadata entry `fidkit.range`
 *   (`0,1` or `-1,1`); else the operator producing the output (through Reshape/Transpose/Identity-like
 *   nodes): `Tanh` → [-1, 1], `Sigmoid` → [0, 1]; else fidkit refuses and names the flag. A wrong
 *   guess would shift every score silently, which is why nothing else is assumed.
 * - Pixels are mapped to [0, 1] ((v + 1) / 2 for [-1, 1]), clamped there, and returned as
 *   [N, H, W, C]. A NaN or ±Inf in the output is an error, never clamped into a black or white pixel.
 *
 * The model's protobuf is read with `onnx-proto` for the input/output types, shapes, metadata and the
 * output's producing operator; one probe run on a single zero code gives the real output shape.
 */
import { optionName, optionRef } from '../options/mention.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { onnx as Onnx } from 'onnx-proto';
import { FidkitError, FormatError, InputError, UsageError } from '../core/errors.js';
import { onnxProto } from '../onnx/graph-builder.js';
import { createSession, type OnnxSession, type SessionOptions } from '../onnx/session.js';
import type { ImageGenerator } from './generator.js';


export type ImageLayout = 'nchw' | 'nhwc';
export const IMAGE_LAYOUTS: readonly ImageLayout[] = Object.freeze(['nchw', 'nhwc'] as const);
/** Value range of a generator's output, written as `--range` takes it. */
export type ValueRange = '0,1' | '-1,1';
export const VALUE_RANGES: readonly ValueRange[] = Object.freeze(['0,1', '-1,1'] as const);

/** ONNX `metadata_props` keys fidkit reads. */
export const METADATA_LAYOUT_KEY = 'fidkit.layout';
export const METADATA_RANGE_KEY = 'fidkit.range';

/** Latent codes per ONNX Runtime call when the model's batch is dynamic. */
export const DEFAULT_GENERATOR_BATCH = 256;

/** ONNX `TensorProto.DataType` names, for messages. */
const ELEMENT_TYPE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
});
const FLOAT32 = 1;

/** Operators that pass values through unchanged (only moved or renamed), followed back to find the range. */
const PASS_THROUGH_OPS = new Set(['Identity', 'Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Cast', 'DepthToSpace', 'SpaceToDepth']);

export interface OnnxGeneratorOptions extends SessionOptions {
  /** Output layout; overrides the model's metadata and the shape inference. */
  readonly layout?: ImageLayout;
  /** Output value range; overrides the model's metadata and the output operator. */
  readonly range?: ValueRange;
  /** d, for a model whose latent width is not fixed in its input shape. */
  readonly latentDim?: number;
  /** Codes per ONNX Runtime call when the model's batch is dynamic; default {@link DEFAULT_GENERATOR_BATCH}. */
  readonly batchSize?: number;
  /** The generator's `name` (default: the file's path, or `onnx model` for bytes). */
  readonly name?: string;
  /** Its `sha256` (default: the SHA-256 of the model's bytes). */
  readonly sha256?: string;
}

/** Where a layout or range came from. */
export type DecidedBy = 'option' | 'metadata' | 'output shape' | 'output operator';

/** An ONNX generator, with how its output is read. */
export interface OnnxGenerator extends ImageGenerator {
  readonly layout: ImageLayout;
  readonly range: ValueRange;
  readonly decidedBy: { readonly layout: DecidedBy; readonly range: DecidedBy };
  /** The model's fixed batch size, or undefined when it is dynamic. */
  readonly fixedBatch: number | undefined;
}

/** What fidkit reads from a generator's protobuf before running it. */
export interface GeneratorModelInfo {
  readonly input: { readonly name: string; readonly elementType: number; readonly dims: readonly (number | undefined)[] };
  readonly output: { readonly name: string; readonly elementType: number; readonly dims: readonly (number | undefined)[] | undefined };
  /** The graph inputs that are not initializers. */
  readonly inputNames: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Operator that produces the output, looking through {@link PASS_THROUGH_OPS}; undefined for a graph input or initializer. */
  readonly outputOp: string | undefined;
}

/**
 * Parse `--range` text (also metadata values): `0,1` or `-1,1`, spaces and brackets ignored.
 * @returns undefined for anything else
 */
export function parseValueRange(text: string): ValueRange | undefined {
  const t = text.replace(/[\s[\]()]/g, '');
  return (VALUE_RANGES as readonly string[]).includes(t) ? (t as ValueRange) : undefined;
}

/** Parse a layout name, case-insensitive; undefined for anything else. */
export function parseLayout(text: string): ImageLayout | undefined {
  const t = text.trim().toLowerCase();
  return (IMAGE_LAYOUTS as readonly string[]).includes(t) ? (t as ImageLayout) : undefined;
}

/**
 * Read what fidkit needs from an ONNX model's bytes.
 * @throws {FormatError} when the bytes are not an ONNX model with a graph, an input and an output.
 */
export function inspectGeneratorModel(bytes: Uint8Array, source = 'the model'): GeneratorModelInfo {
  let model: Onnx.ModelProto;
  try {
    model = onnxProto().ModelProto.decode(bytes);
  } catch (cause) {
    throw new FormatError(`${source} is not an ONNX model (${(cause as Error).message}): export the generator with torch.onnx.export or tf2onnx`, { cause });
  }
  const graph = model.graph;
  const graphInputs = graph?.input ?? [];
  const graphOutputs = graph?.output ?? [];
  const nodes = graph?.node ?? [];
  if (graphOutputs.length === 0 || graphInputs.length === 0 || model.opsetImport.length === 0) {
    throw new FormatError(`${source} is not an ONNX model (no graph with inputs and outputs): export the generator with torch.onnx.export or tf2onnx`);
  }
  const initializers = new Set((graph?.initializer ?? []).map((t) => t.name));
  const inputs = graphInputs.filter((i) => !initializers.has(i.name));
  if (inputs.length === 0) throw new FormatError(`${source} has no input (every graph input is an initializer): fidkit feeds the latent codes z [N, d] to the first input`);
  const metadata: Record<string, string> = {};
  for (const entry of model.metadataProps) metadata[entry.key ?? ''] = entry.value ?? '';
  const producers = new Map<string, Onnx.INodeProto>();
  for (const node of nodes) for (const out of node.output ?? []) producers.set(out, node);
  let value = graphOutputs[0].name ?? '';
  let outputOp: string | undefined;
  for (let hops = 0; hops <= nodes.length; hops++) {
    const node = producers.get(value);
    if (!node) break;
    outputOp = node.opType ?? undefined;
    if (!PASS_THROUGH_OPS.has(outputOp ?? '') || !node.input?.[0]) break;
    value = node.input[0];
    outputOp = undefined;
  }
  const describe = (v: Onnx.IValueInfoProto) => ({
    name: v.name ?? '',
    elementType: v.type?.tensorType?.elemType ?? 0,
    dims: v.type?.tensorType?.shape ? v.type.tensorType.shape.dim!.map(dimValue) : undefined,
  });
  const input = describe(inputs[0]);
  return {
    input: { ...input, dims: input.dims ?? [] },
    output: describe(graphOutputs[0]),
    inputNames: inputs.map((i) => i.name ?? ''),
    metadata,
    outputOp,
  };
}

function dimValue(d: Onnx.TensorShapeProto.IDimension): number | undefined {
  const v = d.dimValue;
  if (v === null || v === undefined || d.dimParam) return undefined;
  const n = typeof v === 'number' ? v : v.toNumber();
  // Exporters write 0 or -1 for "unknown".
  return n > 0 ? n : undefined;
}

/**
 * A copy of an ONNX model's bytes with `metadata_props` entries set (e.g. `fidkit.layout`,
 * `fidkit.range`), other entries kept.
 * @throws {FormatError} when the bytes are not an ONNX model.
 */
export function withMetadata(bytes: Uint8Array, props: Readonly<Record<string, string>>): Uint8Array {
  let model: Onnx.ModelProto;
  try {
    model = onnxProto().ModelProto.decode(bytes);
  } catch (cause) {
    throw new FormatError(`not an ONNX model (${(cause as Error).message})`, { cause });
  }
  const kept = model.metadataProps.filter((e) => !((e.key ?? '') in props));
  model.metadataProps = [...kept, ...Object.entries(props).map(([key, value]) => onnxProto().StringStringEntryProto.create({ key, value }))];
  return onnxProto().ModelProto.encode(model).finish();
}

/**
 * Map one batch of generator output to [N, H, W, C] in [0, 1]: transpose NCHW, rescale [-1, 1],
 * clamp. Writes into `out` at `offset` (elements) and returns `out`.
 * @param source the generator's name for error messages (its file)
 * @throws {InputError} when a value is NaN or ±Inf (naming the row, counted from `firstRow`): clamping
 *   Inf to 0 or 1 would score an image the model never made.
 */
export function toUnitNhwc(
  data: Float32Array,
  dims: readonly number[],
  layout: ImageLayout,
  range: ValueRange,
  out: Float32Array,
  offset = 0,
  rows = dims[0],
  firstRow = 0,
  source?: string,
): Float32Array {
  const [, a, b, c] = dims;
  const [height, width, channels] = layout === 'nchw' ? [b, c, a] : [a, b, c];
  const plane = height * width;
  const per = plane * channels;
  const shift = range === '-1,1' ? 1 : 0;
  const scale = range === '-1,1' ? 0.5 : 1;
  for (let n = 0; n < rows; n++) {
    const src = n * per;
    const dst = offset + n * per;
    for (let i = 0; i < per; i++) {
      // NHWC index i = (y·W + x)·C + ch reads NCHW (ch·H + y)·W + x = ch·plane + (i / C).
      const v = layout === 'nhwc' ? data[src + i] : data[src + (i % channels) * plane + Math.floor(i / channels)];
      if (!Number.isFinite(v)) {
        throw new InputError(
          `${source ? `${source}: ` : ''}the generator's output has ${v} for latent row ${firstRow + n}: the model fails on this code (check its weights, or the latent scale it was trained with)`,
        );
      }
      const u = (v + shift) * scale;
      out[dst + i] = u < 0 ? 0 : u > 1 ? 1 : u;
    }
  }
  return out;
}

/**
 * Load an ONNX generator from a `.onnx` path or the model's bytes.
 * @example const gen = await loadOnnxGenerator('dcgan.onnx', { range: '-1,1' });
 * @throws {FidkitError} `E_NOT_FOUND` for a missing file; {@link FormatError} for bytes that are not
 *   ONNX; {@link InputError} when the model breaks the contract (more than one input, input not
 *   float32 [N, d], output not float32 of rank 4 with 1 or 3 channels, NaN on the probe);
 *   {@link UsageError} when the layout, range or latent width cannot be told and must be passed.
 */
export async function loadOnnxGenerator(model: string | Uint8Array, options: OnnxGeneratorOptions = {}): Promise<OnnxGenerator> {
  const source = typeof model === 'string' ? model : (options.name ?? 'onnx model');
  const bytes = typeof model === 'string' ? await readModelFile(model) : model;
  const info = inspectGeneratorModel(bytes, source);
  const { input, output } = info;
  if (info.inputNames.length > 1) {
    throw new InputError(`${source} has ${info.inputNames.length} inputs (${info.inputNames.join(', ')}); fidkit feeds only the latent codes z [N, d]: export a graph whose only input is z (fix labels or other inputs inside the graph)`);
  }
  if (input.elementType !== FLOAT32) {
    throw new InputError(`${source}: input '${input.name}' is ${typeName(input.elementType)}, expected float32 latent codes z [N, d]`);
  }
  const inputRank = input.dims.length;
  if (inputRank < 2 || input.dims.slice(2).some((d) => d !== 1)) {
    throw new InputError(`${source}: input '${input.name}' has shape [${formatDims(input.dims)}], expected rank 2 [N, d] (or [N, d, 1, 1]): reshape z inside the graph`);
  }
  if (output.elementType !== FLOAT32) {
    throw new InputError(`${source}: output '${output.name}' is ${typeName(output.elementType)}, expected float32 images: export it with a float32 output (cast inside the graph)`);
  }
  if (output.dims !== undefined && output.dims.length !== 4) {
    throw new InputError(`${source}: output '${output.name}' has shape [${formatDims(output.dims)}] (rank ${output.dims.length}), expected images of rank 4, N×C×H×W or N×H×W×C: reshape inside the graph`);
  }
  const latentDim = decideLatentDim(source, input.name, input.dims[1], options.latentDim);
  const fixedBatch = input.dims[0];
  const batch = fixedBatch ?? options.batchSize ?? DEFAULT_GENERATOR_BATCH;
  if (!Number.isInteger(batch) || batch < 1) throw new InputError(`batchSize must be a positive integer, got ${batch}`);
  const session = await createSession(typeof model === 'string' ? model : bytes, options);
  try {
    const inputTail = input.dims.slice(2).map(() => 1);
    const run = async (z: Float32Array, n: number): Promise<{ data: Float32Array; dims: readonly number[] }> => {
      const results = await session.run({ [input.name]: { data: z, dims: [n, latentDim, ...inputTail] } }, [output.name]);
      return results[output.name];
    };
    // One probe on zero codes gives the real output shape (exported shapes are often symbolic).
    const probeRows = fixedBatch ?? 1;
    const probe = await run(new Float32Array(probeRows * latentDim), probeRows);
    if (probe.dims.length !== 4 || probe.dims[0] !== probeRows) {
      throw new InputError(`${source}: output '${output.name}' has shape [${probe.dims.join(', ')}] for ${probeRows} latent code(s), expected [${probeRows}, C, H, W] or [${probeRows}, H, W, C]`);
    }
    const layout = decideLayout(source, probe.dims, options.layout, info.metadata[METADATA_LAYOUT_KEY]);
    const range = decideRange(source, options.range, info.metadata[METADATA_RANGE_KEY], info.outputOp);
    const [, a, b, c] = probe.dims;
    const [height, width, channels] = layout.value === 'nchw' ? [b, c, a] : [a, b, c];
    if (channels !== 1 && channels !== 3) {
      throw new InputError(`${source}: output shape [${probe.dims.join(', ')}] read as ${layout.value.toUpperCase()} has ${channels} channels, expected 1 or 3${layout.by === 'output shape' ? '' : ` (layout from ${layout.by === 'option' ? optionName('layout') : `metadata ${METADATA_LAYOUT_KEY}`}: check it)`}`);
    }
    const sha256 = options.sha256 ?? createHash('sha256').update(bytes).digest('hex');
    return new OnnxImageGenerator(options.name ?? source, sha256, session, run, { latentDim, height, width, channels, layout: layout.value, range: range.value, batch, fixedBatch, dims: probe.dims }, { layout: layout.by, range: range.by });
  } catch (err) {
    await session.release();
    throw err;
  }
}

async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FidkitError('E_NOT_FOUND', `generator not found: ${path}: check the path (a generator is mnist-gan, mnist-vae or an .onnx file)`, { cause });
    if (code === 'EISDIR') throw new InputError(`${path} is a folder, where an .onnx generator file was expected`, { cause });
    throw new InputError(`cannot read the generator ${path}: ${(cause as Error).message}`, { cause });
  }
}

function typeName(t: number): string {
  return ELEMENT_TYPE_NAMES[t] ?? (t === 0 ? 'of unknown type' : `of ONNX type ${t}`);
}

function formatDims(dims: readonly (number | undefined)[]): string {
  return dims.map((d) => d ?? '?').join(', ');
}

function decideLatentDim(source: string, inputName: string, declared: number | undefined, given: number | undefined): number {
  if (given !== undefined && (!Number.isInteger(given) || given < 1)) throw new UsageError(`${optionName('latentDim')} must be a positive integer, got ${given}`);
  if (declared !== undefined && given !== undefined && declared !== given) {
    throw new UsageError(`${source}: input '${inputName}' has latent width ${declared}, but ${optionRef('latentDim', given)} was given: drop ${optionName('latentDim')}`);
  }
  const d = declared ?? given;
  if (d === undefined) throw new UsageError(`${source}: the latent width of input '${inputName}' is not fixed in the model: pass ${optionRef('latentDim', 'D')}`);
  return d;
}

function decideLayout(source: string, dims: readonly number[], given: ImageLayout | undefined, meta: string | undefined): { value: ImageLayout; by: DecidedBy } {
  if (given !== undefined) {
    if (!IMAGE_LAYOUTS.includes(given)) throw new UsageError(`unknown layout '${given}'; valid layouts: ${IMAGE_LAYOUTS.join(', ')}`);
    return { value: given, by: 'option' };
  }
  if (meta !== undefined) {
    const value = parseLayout(meta);
    if (!value) throw new FormatError(`${source}: metadata ${METADATA_LAYOUT_KEY} is '${meta}', expected ${IMAGE_LAYOUTS.join(' or ')}: fix it, or override it with ${optionName('layout')}`);
    return { value, by: 'metadata' };
  }
  const channelLike = (d: number) => d === 1 || d === 3;
  const first = channelLike(dims[1]);
  const last = channelLike(dims[3]);
  if (first && !last) return { value: 'nchw', by: 'output shape' };
  if (last && !first) return { value: 'nhwc', by: 'output shape' };
  if (!first && !last) {
    throw new InputError(`${source}: output shape [${dims.join(', ')}] has no channel axis of size 1 or 3 (N×C×H×W or N×H×W×C expected): fidkit reads grayscale or RGB images`);
  }
  throw new UsageError(`${source}: output shape [${dims.join(', ')}] could be N×C×H×W or N×H×W×C: pass ${optionRef('layout', 'nchw')} or ${optionRef('layout', 'nhwc')} (or store metadata ${METADATA_LAYOUT_KEY} in the model)`);
}

function decideRange(source: string, given: ValueRange | undefined, meta: string | undefined, outputOp: string | undefined): { value: ValueRange; by: DecidedBy } {
  if (given !== undefined) {
    if (!VALUE_RANGES.includes(given)) throw new UsageError(`unknown value range '${given}'; valid ranges: ${VALUE_RANGES.join(', ')}`);
    return { value: given, by: 'option' };
  }
  if (meta !== undefined) {
    const value = parseValueRange(meta);
    if (!value) throw new FormatError(`${source}: metadata ${METADATA_RANGE_KEY} is '${meta}', expected ${VALUE_RANGES.join(' or ')}: fix it, or override it with ${optionName('range')}`);
    return { value, by: 'metadata' };
  }
  if (outputOp === 'Tanh') return { value: '-1,1', by: 'output operator' };
  if (outputOp === 'Sigmoid') return { value: '0,1', by: 'output operator' };
  throw new UsageError(
    `${source}: cannot tell the value range of the output (it ends in ${outputOp ?? 'no operator'}, not Tanh or Sigmoid): pass ${optionRef('range', '-1,1')} or ${optionRef('range', '0,1')} (or store metadata ${METADATA_RANGE_KEY} in the model)`,
  );
}

interface Geometry {
  readonly latentDim: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  readonly layout: ImageLayout;
  readonly range: ValueRange;
  /** Codes per ONNX Runtime call. */
  readonly batch: number;
  readonly fixedBatch: number | undefined;
  /** The probe's output shape, to check later calls against. */
  readonly dims: readonly number[];
}

class OnnxImageGenerator implements OnnxGenerator {
  readonly latentDim: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  readonly layout: ImageLayout;
  readonly range: ValueRange;
  readonly fixedBatch: number | undefined;
  private disposed = false;

  constructor(
    readonly name: string,
    readonly sha256: string,
    private readonly session: OnnxSession,
    private readonly run: (z: Float32Array, n: number) => Promise<{ data: Float32Array; dims: readonly number[] }>,
    private readonly geometry: Geometry,
    readonly decidedBy: { readonly layout: DecidedBy; readonly range: DecidedBy },
  ) {
    ({ latentDim: this.latentDim, height: this.height, width: this.width, channels: this.channels, layout: this.layout, range: this.range, fixedBatch: this.fixedBatch } = geometry);
  }

  async generate(z: Float32Array, count: number): Promise<Float32Array> {
    if (this.disposed) throw new InputError(`the generator ${this.name} was disposed; load it again`);
    const d = this.latentDim;
    if (!Number.isInteger(count) || count < 0 || z.length !== count * d) {
      throw new InputError(`${this.name} takes latent codes of width ${d}: got ${z.length} values for ${count} codes, expected ${count} × ${d} = ${count * d}`);
    }
    const per = this.height * this.width * this.channels;
    const out = new Float32Array(count * per);
    const { batch, fixedBatch, dims, layout, range } = this.geometry;
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      // A fixed-batch model gets whole batches: the last one padded with zero codes, their images dropped.
      const rows = fixedBatch ?? n;
      let codes = z.subarray(start * d, (start + n) * d);
      if (rows !== n) {
        const padded = new Float32Array(rows * d);
        padded.set(codes);
        codes = padded;
      }
      const result = await this.run(codes, rows);
      if (result.dims.length !== 4 || result.dims[0] !== rows || result.dims.some((v, i) => i > 0 && v !== dims[i])) {
        throw new InputError(`${this.name}: output shape [${result.dims.join(', ')}] for ${rows} codes differs from the first run's [${dims.join(', ')}]: the generator's image size must not depend on its input`);
      }
      toUnitNhwc(result.data, result.dims, layout, range, out, start * per, n, start, this.name);
    }
    return out;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
