/**
 * @file A small typed builder for ONNX models over `onnx-proto`: declare inputs, initializers and
 * nodes, then serialise to the bytes onnxruntime loads. It covers the operators fidkit's networks
 * use (Conv, Relu, MaxPool, AveragePool, Concat, GlobalAveragePool, Flatten, MatMul, Gemm, Add,
 * Sub, Mul, Resize, Cast, Transpose) with typed options, plus a generic `node()` for the rest.
 * Pure: no onnxruntime here (that lives in `session.ts`), no I/O.
 *
 * Value names are generated (`<prefix>_<n>`) unless given, so a builder can be driven by plain
 * function calls that pass names along, the way a PyTorch `forward` passes tensors along.
 *
 * Large weights: an initializer can be {@link DeferredData} — its bytes are produced only while the
 * model is serialised, piece by piece ({@link GraphBuilder.toParts}), so a 528 MB network can be
 * written to a file straight from views of the weights file (or from values generated tensor by
 * tensor) without a second copy of the weights or of the serialised model in memory.
 */

import { createRequire } from 'node:module';
import type { onnx as Onnx } from 'onnx-proto';
import { InputError } from '../core/errors.js';

/**
 * The protobuf definitions, loaded on first use: importing onnx-proto costs ~0.1 s, which commands
 * that only load an already built graph (the cached Inception `.onnx`) should not pay at start-up.
 * Every module that reads or writes ONNX protobufs gets them here, never by a static import.
 */
let protoModule: typeof Onnx | undefined;
export function onnxProto(): typeof Onnx {
  protoModule ??= (createRequire(import.meta.url)('onnx-proto') as { onnx: typeof Onnx }).onnx;
  return protoModule;
}

/** Element types the builder writes (ONNX `TensorProto.DataType` values). */
export const ELEMENT_TYPE = Object.freeze({ float32: 1, uint8: 2, int64: 7, float64: 11 });
export type ElementType = keyof typeof ELEMENT_TYPE;

/** A dimension: a fixed size, or a symbolic name for a dynamic one (e.g. `'batch'`). */
export type Dim = number | string;

/** An attribute value with its ONNX type spelled out, so ints and floats are never confused. */
export type AttributeValue =
  | { readonly int: number }
  | { readonly ints: readonly number[] }
  | { readonly float: number }
  | { readonly floats: readonly number[] }
  | { readonly string: string };

/** Data for an initializer; the typed array decides the element type. */
export type InitializerData = Float32Array | Float64Array | BigInt64Array | Uint8Array;

/**
 * Initializer bytes made only while the model is serialised: a view into a weights file, or values
 * generated on demand. `chunks()` is called once per serialisation and must yield exactly
 * `byteLength` little-endian bytes of `type` in C order.
 */
export interface DeferredData {
  readonly type: ElementType;
  readonly byteLength: number;
  chunks(): Iterable<Uint8Array>;
}

const ELEMENT_BYTES: Readonly<Record<ElementType, number>> = Object.freeze({ float32: 4, uint8: 1, int64: 8, float64: 8 });

export interface ConvOptions {
  /** [strideH, strideW]; default [1, 1]. */
  readonly strides?: readonly [number, number];
  /** [top, left, bottom, right]; default no padding. */
  readonly pads?: readonly [number, number, number, number];
  readonly group?: number;
}

export interface PoolOptions {
  readonly kernel: readonly [number, number];
  readonly strides?: readonly [number, number];
  /** [top, left, bottom, right]; default no padding. */
  readonly pads?: readonly [number, number, number, number];
}

export interface ResizeOptions {
  /** Output [height, width]. */
  readonly size: readonly [number, number];
  readonly mode: 'linear' | 'cubic' | 'nearest';
  readonly coordinateTransformationMode: 'asymmetric' | 'half_pixel' | 'pytorch_half_pixel' | 'align_corners';
  /** Cubic coefficient (PIL and PyTorch use −0.5 and −0.75). */
  readonly cubicCoeffA?: number;
  /** Opset ≥ 18: stretch the kernel when downscaling, as PIL does. */
  readonly antialias?: boolean;
  /** Give taps outside the image zero weight and renormalise (as PIL does); default false (clamp). */
  readonly excludeOutside?: boolean;
}

export interface ModelOptions {
  /** Default-domain opset; 17 covers everything above except `antialias` (18). */
  readonly opset?: number;
  readonly producerName?: string;
  readonly docString?: string;
}

const TYPE_OF_ARRAY = (data: InitializerData): ElementType =>
  data instanceof Float32Array
    ? 'float32'
    : data instanceof Float64Array
      ? 'float64'
      : data instanceof BigInt64Array
        ? 'int64'
        : 'uint8';

/** Builds one ONNX graph; call `toBytes()` once everything is declared. */
export class GraphBuilder {
  private readonly nodes: Onnx.INodeProto[] = [];
  private readonly initializers: Onnx.ITensorProto[] = [];
  /** Deferred initializers: their TensorProto without raw_data, and where the bytes come from. */
  private readonly deferred: { proto: Onnx.ITensorProto; data: DeferredData }[] = [];
  private readonly inputs: Onnx.IValueInfoProto[] = [];
  private readonly outputs: Onnx.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly graphName: string) {}

  /** A name not used yet, derived from `prefix`. */
  fresh(prefix: string): string {
    let name = prefix;
    while (this.names.has(name)) name = `${prefix}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new InputError(`ONNX graph '${this.graphName}': the value name '${name}' is used twice`);
    this.names.add(name);
    return name;
  }

  /** Declares a graph input and returns its name. */
  input(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), type, dims));
    return name;
  }

  /** Marks an existing value as a graph output with the given type and shape. */
  output(value: string, type: ElementType, dims: readonly Dim[]): void {
    if (!this.names.has(value)) throw new InputError(`ONNX graph '${this.graphName}': output '${value}' is not a value of the graph`);
    this.outputs.push(valueInfo(value, type, dims));
  }

  /**
   * Adds a constant tensor (stored as raw little-endian bytes) and returns its name.
   * @throws {InputError} when `dims` does not match the data length.
   */
  initializer(prefix: string, data: InitializerData | DeferredData, dims: readonly number[]): string {
    const numel = dims.reduce((a, b) => a * b, 1);
    if (isDeferred(data)) {
      if (numel * ELEMENT_BYTES[data.type] !== data.byteLength) {
        throw new InputError(`ONNX initializer '${prefix}': shape [${dims.join(', ')}] needs ${numel} ${data.type} values, got ${data.byteLength} bytes`);
      }
      const name = this.fresh(prefix);
      this.deferred.push({ proto: { name, dims: [...dims], dataType: ELEMENT_TYPE[data.type] }, data });
      return name;
    }
    if (numel !== data.length) {
      throw new InputError(`ONNX initializer '${prefix}': shape [${dims.join(', ')}] needs ${numel} values, got ${data.length}`);
    }
    const name = this.fresh(prefix);
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: ELEMENT_TYPE[TYPE_OF_ARRAY(data)],
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /**
   * Adds a node of any operator and returns the names of its outputs.
   * @param outputCount how many outputs to create (named after `name` or the op type).
   */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
    options: { readonly name?: string; readonly outputCount?: number; readonly domain?: string } = {},
  ): string[] {
    for (const input of inputs) {
      // '' is ONNX's "optional input left out".
      if (input !== '' && !this.names.has(input)) {
        throw new InputError(`ONNX graph '${this.graphName}': ${opType} reads '${input}', which no earlier node produced`);
      }
    }
    const base = options.name ?? opType;
    const outputs = Array.from({ length: options.outputCount ?? 1 }, (_, i) => this.fresh(i === 0 ? base : `${base}_out${i}`));
    this.nodes.push({
      opType,
      name: this.fresh(`${base}_node`),
      input: [...inputs],
      output: outputs,
      domain: options.domain ?? '',
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return outputs;
  }

  /** One-output node; the common case. */
  op(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, AttributeValue>> = {}, name?: string): string {
    return this.node(opType, inputs, attributes, { name })[0];
  }

  conv(x: string, weight: string, bias: string | undefined, options: ConvOptions = {}, name?: string): string {
    return this.op(
      'Conv',
      bias === undefined ? [x, weight] : [x, weight, bias],
      {
        strides: { ints: options.strides ?? [1, 1] },
        pads: { ints: options.pads ?? [0, 0, 0, 0] },
        group: { int: options.group ?? 1 },
      },
      name,
    );
  }

  relu(x: string, name?: string): string {
    return this.op('Relu', [x], {}, name);
  }

  maxPool(x: string, options: PoolOptions, name?: string): string {
    return this.op('MaxPool', [x], poolAttributes(options), name);
  }

  /** `countIncludePad: false` divides by the number of cells inside the image (TF `SAME` pooling). */
  averagePool(x: string, options: PoolOptions & { readonly countIncludePad: boolean }, name?: string): string {
    return this.op('AveragePool', [x], { ...poolAttributes(options), count_include_pad: { int: options.countIncludePad ? 1 : 0 } }, name);
  }

  globalAveragePool(x: string, name?: string): string {
    return this.op('GlobalAveragePool', [x], {}, name);
  }

  concat(xs: readonly string[], axis: number, name?: string): string {
    return this.op('Concat', xs, { axis: { int: axis } }, name);
  }

  /** Flattens to 2-D: dims before `axis` form the rows. */
  flatten(x: string, axis = 1, name?: string): string {
    return this.op('Flatten', [x], { axis: { int: axis } }, name);
  }

  matMul(a: string, b: string, name?: string): string {
    return this.op('MatMul', [a, b], {}, name);
  }

  /** `alpha·A'·B' + beta·C` with optional transposes. */
  gemm(a: string, b: string, c: string | undefined, options: { readonly transA?: boolean; readonly transB?: boolean } = {}, name?: string): string {
    return this.op(
      'Gemm',
      c === undefined ? [a, b] : [a, b, c],
      { transA: { int: options.transA ? 1 : 0 }, transB: { int: options.transB ? 1 : 0 } },
      name,
    );
  }

  add(a: string, b: string, name?: string): string {
    return this.op('Add', [a, b], {}, name);
  }

  sub(a: string, b: string, name?: string): string {
    return this.op('Sub', [a, b], {}, name);
  }

  mul(a: string, b: string, name?: string): string {
    return this.op('Mul', [a, b], {}, name);
  }

  cast(x: string, to: ElementType, name?: string): string {
    return this.op('Cast', [x], { to: { int: ELEMENT_TYPE[to] } }, name);
  }

  transpose(x: string, perm: readonly number[], name?: string): string {
    return this.op('Transpose', [x], { perm: { ints: perm } }, name);
  }

  /** Resizes the last two axes of an NCHW tensor to `options.size` (opset ≥ 13 form, `sizes` input). */
  resize(x: string, batchAndChannels: readonly [number, number] | 'dynamic', options: ResizeOptions, name?: string): string {
    const attributes: Record<string, AttributeValue> = {
      mode: { string: options.mode },
      coordinate_transformation_mode: { string: options.coordinateTransformationMode },
    };
    if (options.cubicCoeffA !== undefined) attributes.cubic_coeff_a = { float: options.cubicCoeffA };
    if (options.antialias) attributes.antialias = { int: 1 };
    if (options.excludeOutside) attributes.exclude_outside = { int: 1 };
    if (batchAndChannels === 'dynamic') {
      // Opset 18 `axes` lets the sizes input name only H and W, so the batch can stay dynamic.
      attributes.axes = { ints: [2, 3] };
      const sizes = this.initializer('resize_sizes', BigInt64Array.from(options.size.map(BigInt)), [2]);
      return this.op('Resize', [x, '', '', sizes], attributes, name);
    }
    const sizes = this.initializer('resize_sizes', BigInt64Array.from([...batchAndChannels, ...options.size].map(BigInt)), [4]);
    return this.op('Resize', [x, '', '', sizes], attributes, name);
  }

  /**
   * Serialises the model. IR version 8 (what `onnx-proto` describes); onnxruntime accepts it with
   * newer default-domain opsets.
   * @throws {InputError} when the graph has no outputs.
   */
  toBytes(options: ModelOptions = {}): Uint8Array {
    if (this.deferred.length > 0) {
      const { byteLength, parts } = this.toParts(options);
      const out = new Uint8Array(byteLength);
      let offset = 0;
      for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
      }
      return out;
    }
    return onnxProto().ModelProto.encode(this.model(options)).finish();
  }

  /**
   * Serialises the model as a sequence of byte pieces, for writing to a file as they come: deferred
   * initializers are produced one at a time, so memory holds one of them at most (none when they are
   * views). Protobuf accepts a message's fields in any order and a sub-message's fields split, so the
   * pieces are the model's other fields, then the graph's, then each initializer's metadata followed
   * by its `raw_data` field; lengths are known up front from `byteLength`.
   * @throws {InputError} when the graph has no outputs, or a deferred initializer yields the wrong number of bytes.
   */
  toParts(options: ModelOptions = {}): { byteLength: number; parts: Iterable<Uint8Array> } {
    const model = this.model(options);
    const graph = model.graph!;
    model.graph = null;
    const onnx = onnxProto();
    const head = onnx.ModelProto.encode(model).finish();
    const graphHead = onnx.GraphProto.encode(graph).finish();
    const tensors = this.deferred.map(({ proto, data }) => {
      const meta = onnx.TensorProto.encode(proto).finish();
      const rawHeader = fieldHeader(TENSOR_RAW_DATA, data.byteLength);
      const length = meta.length + rawHeader.length + data.byteLength;
      return { name: proto.name, header: fieldHeader(GRAPH_INITIALIZER, length), meta, rawHeader, data, length };
    });
    const graphLength = graphHead.length + tensors.reduce((a, t) => a + t.header.length + t.length, 0);
    const graphHeader = fieldHeader(MODEL_GRAPH, graphLength);
    const byteLength = head.length + graphHeader.length + graphLength;
    const name = this.graphName;
    function* parts(): Iterable<Uint8Array> {
      yield head;
      yield graphHeader;
      yield graphHead;
      for (const t of tensors) {
        yield t.header;
        yield t.meta;
        yield t.rawHeader;
        let n = 0;
        for (const chunk of t.data.chunks()) {
          n += chunk.length;
          if (n > t.data.byteLength) break;
          yield chunk;
        }
        if (n !== t.data.byteLength) {
          throw new InputError(`ONNX graph '${name}': initializer '${t.name}' yielded ${n} bytes, expected ${t.data.byteLength}`);
        }
      }
    }
    return { byteLength, parts: parts() };
  }

  /**
   * Serialises the model with its deferred initializers as ONNX external data: `model` is the small
   * `.onnx` (every other initializer inline), whose deferred tensors point into one data file named
   * `location` (a plain file name, resolved by ONNX Runtime next to the `.onnx`), and `data` yields
   * that file's bytes piece by piece, each tensor at an offset aligned to {@link EXTERNAL_ALIGNMENT}.
   * For models past protobuf's 2 GiB limit (DINOv2 ViT-g/14's 4.5 GB of weights).
   * @throws {InputError} when the graph has no outputs, `location` is not a plain file name, or (while
   *   iterating) a deferred initializer yields the wrong number of bytes.
   */
  toExternalParts(location: string, options: ModelOptions = {}): { model: Uint8Array; data: { byteLength: number; parts: Iterable<Uint8Array> } } {
    if (location.length === 0 || /[/\\]/.test(location) || location === '.' || location === '..') {
      throw new InputError(`ONNX external data location '${location}' must be a plain file name (it is resolved next to the model)`);
    }
    let offset = 0;
    const placed = this.deferred.map(({ proto, data }) => {
      const start = Math.ceil(offset / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
      offset = start + data.byteLength;
      const external: Onnx.ITensorProto = {
        ...proto,
        dataLocation: 1, // TensorProto.DataLocation.EXTERNAL
        externalData: [
          { key: 'location', value: location },
          { key: 'offset', value: String(start) },
          { key: 'length', value: String(data.byteLength) },
        ],
      };
      return { external, start, data, name: proto.name };
    });
    const model = this.model(options);
    model.graph!.initializer = [...this.initializers, ...placed.map((p) => p.external)];
    const bytes = onnxProto().ModelProto.encode(model).finish();
    const graphName = this.graphName;
    function* parts(): Iterable<Uint8Array> {
      let at = 0;
      for (const p of placed) {
        if (p.start > at) yield new Uint8Array(p.start - at);
        let n = 0;
        for (const chunk of p.data.chunks()) {
          n += chunk.length;
          if (n > p.data.byteLength) break;
          yield chunk;
        }
        if (n !== p.data.byteLength) {
          throw new InputError(`ONNX graph '${graphName}': initializer '${p.name}' yielded ${n} bytes, expected ${p.data.byteLength}`);
        }
        at = p.start + n;
      }
    }
    return { model: bytes, data: { byteLength: offset, parts: parts() } };
  }

  private model(options: ModelOptions): Onnx.ModelProto {
    if (this.outputs.length === 0) throw new InputError(`ONNX graph '${this.graphName}' has no outputs`);
    return onnxProto().ModelProto.create({
      irVersion: 8,
      producerName: options.producerName ?? 'fidkit',
      docString: options.docString ?? '',
      opsetImport: [{ domain: '', version: options.opset ?? 17 }],
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }

  /** Number of nodes so far (for tests and summaries). */
  get nodeCount(): number {
    return this.nodes.length;
  }
}

/** Byte alignment of each tensor in an external data file (ONNX Runtime can map aligned tensors without copying). */
export const EXTERNAL_ALIGNMENT = 4096;

const isDeferred = (data: InitializerData | DeferredData): data is DeferredData => 'chunks' in data;

// Field numbers (onnx.proto) of the length-delimited fields `toParts` writes itself.
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;

/** A length-delimited field's tag and length varint. */
function fieldHeader(field: number, length: number): Uint8Array {
  const bytes = [(field << 3) | 2];
  for (let v = length; ; ) {
    const low = v % 128;
    v = Math.floor(v / 128);
    if (v === 0) {
      bytes.push(low);
      break;
    }
    bytes.push(low | 128);
  }
  return Uint8Array.from(bytes);
}

function valueInfo(name: string, type: ElementType, dims: readonly Dim[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function poolAttributes(options: PoolOptions): Record<string, AttributeValue> {
  return {
    kernel_shape: { ints: options.kernel },
    strides: { ints: options.strides ?? [1, 1] },
    pads: { ints: options.pads ?? [0, 0, 0, 0] },
  };
}

function attribute(name: string, value: AttributeValue): Onnx.IAttributeProto {
  const T = onnxProto().AttributeProto.AttributeType;
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('ints' in value) return { name, type: T.INTS, ints: [...value.ints] };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: T.FLOATS, floats: [...value.floats] };
  return { name, type: T.STRING, s: new TextEncoder().encode(value.string) };
}
