/**
 * @file The preprocessing spec of a bring-your-own ONNX extractor (`--extractor onnx:PATH.onnx`):
 * how an 8-bit RGB image becomes the model's input, and which output holds the features. Each field
 * is decided, in this order, by its flag (`--onnx-<field>`), the model's metadata entry
 * `fidkit.<field>` (ONNX `metadata_props`, as for ONNX generators), the model's input shape (size,
 * layout), a default — or fidkit refuses and names the flag, where a guess would shift every score
 * silently (the resize method; a layout or size the shape does not tell).
 *
 * | field       | flag               | metadata             | default                     |
 * |-------------|--------------------|----------------------|-----------------------------|
 * | size        | `--onnx-size`      | `fidkit.size`        | the input's H×W when fixed  |
 * | resize      | `--onnx-resize`    | `fidkit.resize`      | required                    |
 * | resize_to   | `--onnx-resize-to` | `fidkit.resize_to`   | the size (no crop)          |
 * | range       | `--onnx-range`     | `fidkit.range`       | `0,1`                       |
 * | mean, std   | `--onnx-mean/-std` | `fidkit.mean/std`    | 0 and 1                     |
 * | channels    | `--onnx-channels`  | `fidkit.channels`    | `rgb`                       |
 * | layout      | `--onnx-layout`    | `fidkit.layout`      | the input shape's           |
 * | output      | `--onnx-output`    | `fidkit.output`      | the first output            |
 * | logits      | `--onnx-logits`    | `fidkit.logits`      | none (no Inception Score)   |
 *
 * The pipeline (preprocess.ts): resize to `resize_to` (`HxW`, or `short:N` = shorter side N with the
 * aspect kept, torchvision's `Resize(N)`), crop the centre to `size` (torchvision's `CenterCrop`
 * offsets), map the resized values to `range`, then `(x − mean)/std` per channel in float32
 * (torchvision's `Normalize`), in the network's channel order and layout.
 */
import { FormatError, InputError, UsageError } from '../../core/errors.js';
import { CHANNEL_ORDERS, IMAGE_LAYOUTS, ONNX_RANGES, ONNX_RESIZE_METHODS, O } from '../../options/schema.js';
import { optionName, optionRef } from '../../options/mention.js';
import type { ValueType } from '../../options/validate.js';

export type OnnxResize = (typeof ONNX_RESIZE_METHODS)[number];
export type OnnxRange = (typeof ONNX_RANGES)[number];
export type ChannelOrder = (typeof CHANNEL_ORDERS)[number];
export type InputLayout = (typeof IMAGE_LAYOUTS)[number];

/** The spec as flags or API options give it (any field may be absent). */
export interface OnnxSpecOptions {
  /** `N` or `HxW` (API: also a number or [H, W]). */
  readonly onnxSize?: string;
  readonly onnxResize?: OnnxResize;
  /** `HxW` or `short:N`. */
  readonly onnxResizeTo?: string;
  readonly onnxRange?: OnnxRange;
  /** One value or one per channel. */
  readonly onnxMean?: readonly number[];
  readonly onnxStd?: readonly number[];
  readonly onnxChannels?: ChannelOrder;
  readonly onnxLayout?: InputLayout;
  readonly onnxOutput?: string;
  readonly onnxLogits?: string;
}

/** A decided spec. */
export interface OnnxSpec {
  readonly size: { readonly height: number; readonly width: number };
  readonly resize: OnnxResize;
  readonly resizeTo: { readonly kind: 'exact'; readonly height: number; readonly width: number } | { readonly kind: 'short'; readonly size: number };
  readonly range: OnnxRange;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  readonly channels: ChannelOrder;
  readonly layout: InputLayout;
  readonly output: string;
  readonly logits: string | undefined;
}

/** Where a field's value came from. */
export type SpecSource = 'flag' | 'metadata' | 'model' | 'default';

/** The fields, with their flag, metadata key and option key. */
const FIELDS = Object.freeze({
  size: { key: 'onnxSize', meta: 'fidkit.size' },
  resize: { key: 'onnxResize', meta: 'fidkit.resize' },
  resizeTo: { key: 'onnxResizeTo', meta: 'fidkit.resize_to' },
  range: { key: 'onnxRange', meta: 'fidkit.range' },
  mean: { key: 'onnxMean', meta: 'fidkit.mean' },
  std: { key: 'onnxStd', meta: 'fidkit.std' },
  channels: { key: 'onnxChannels', meta: 'fidkit.channels' },
  layout: { key: 'onnxLayout', meta: 'fidkit.layout' },
  output: { key: 'onnxOutput', meta: 'fidkit.output' },
  logits: { key: 'onnxLogits', meta: 'fidkit.logits' },
} as const);
type Field = keyof typeof FIELDS;

/** The metadata keys fidkit reads from an extractor model. */
export const ONNX_SPEC_METADATA_KEYS: readonly string[] = Object.freeze(Object.values(FIELDS).map((f) => f.meta));

/** The option keys of the spec (the `--onnx-*` flags' API names). */
export const ONNX_SPEC_OPTION_KEYS: readonly (keyof OnnxSpecOptions)[] = Object.freeze(Object.values(FIELDS).map((f) => f.key));

/** What the model's graph says about its input. */
export interface ModelInputInfo {
  readonly name: string;
  /** Dimensions, `undefined` where dynamic. */
  readonly dims: readonly (number | undefined)[];
  /** Output names, in graph order. */
  readonly outputs: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
}

/** How messages name a field's option: its flag for CLI users, its key for library callers. */
const flagOf = (field: Field): string => optionName(FIELDS[field].key);
/** How to set a field: `--onnx-size N` / `onnxSize: N`. */
const refOf = (field: Field, value: string): string => optionRef(FIELDS[field].key, value);

/**
 * Decide every field of the spec for a model.
 * @param source the model's path, for messages
 * @throws {UsageError} a field that nothing decides (resize; size or layout the shape does not tell),
 *   a flag that contradicts the model's fixed input shape, an output name the model lacks
 * @throws {FormatError} a metadata value fidkit cannot read (naming the key and the flag that overrides it)
 */
export function resolveSpec(info: ModelInputInfo, options: OnnxSpecOptions, source: string): { spec: OnnxSpec; decidedBy: Record<Field, SpecSource> } {
  const decidedBy = {} as Record<Field, SpecSource>;
  /** The flag's value, else the metadata's (read with the flag's own parser). */
  const given = <T>(field: Field): T | undefined => {
    const { key, meta } = FIELDS[field];
    const type = O[key].type as ValueType<T>;
    const fromFlag = options[key] as unknown;
    if (fromFlag !== undefined) {
      const v = type.check(fromFlag);
      if (v === undefined) throw new UsageError(`${key}: expected ${type.expected} but received ${JSON.stringify(fromFlag)}`);
      decidedBy[field] = 'flag';
      return v;
    }
    const text = info.metadata[meta];
    if (text === undefined) return undefined;
    const v = type.parse(text);
    if (v === undefined) throw new FormatError(`${source}: metadata ${meta} is '${text}', expected ${type.expected}: fix it, or override it with ${flagOf(field)}`);
    decidedBy[field] = 'metadata';
    return v;
  };
  const fallback = <T>(field: Field, value: T, by: SpecSource = 'default'): T => {
    decidedBy[field] = by;
    return value;
  };
  const rank = info.dims.length;
  if (rank !== 4) {
    throw new InputError(`${source}: input '${info.name}' has shape [${dimsText(info.dims)}] (rank ${rank}), expected images of rank 4, N×3×H×W or N×H×W×3: reshape inside the graph`);
  }
  // Layout: flag, metadata, else the axis of size 3.
  let layout = given<InputLayout>('layout');
  const [, a, b, c] = info.dims;
  if (layout === undefined) {
    if (a === 3 && c !== 3) layout = fallback('layout', 'nchw', 'model');
    else if (c === 3 && a !== 3) layout = fallback('layout', 'nhwc', 'model');
    else throw new UsageError(`${source}: cannot tell the layout of input '${info.name}' [${dimsText(info.dims)}]: pass ${refOf('layout', 'nchw')} or ${refOf('layout', 'nhwc')} (or store metadata fidkit.layout in the model)`);
  }
  const [channels, h, w] = layout === 'nchw' ? [a, b, c] : [c, a, b];
  if (channels !== undefined && channels !== 3) {
    throw new InputError(`${source}: input '${info.name}' [${dimsText(info.dims)}] read as ${layout.toUpperCase()} has ${channels} channels; fidkit feeds RGB images (3 channels)${decidedBy.layout === 'model' ? '' : `: check ${flagOf('layout')}`}`);
  }
  // Size: flag, metadata, else the input's fixed H×W; a given size must agree with a fixed one.
  const sizeText = given<string>('size');
  let size: { height: number; width: number };
  if (sizeText !== undefined) {
    const [sh, sw] = sizeText.split('x').map(Number);
    size = { height: sh, width: sw };
    if ((h !== undefined && h !== sh) || (w !== undefined && w !== sw)) {
      throw new UsageError(`${source}: input '${info.name}' is fixed at ${h ?? '?'}x${w ?? '?'} (H×W), but the size ${sizeText} was given (${decidedBy.size === 'flag' ? flagOf('size') : 'metadata fidkit.size'}): drop it or fix it`);
    }
  } else if (h !== undefined && w !== undefined) {
    size = fallback('size', { height: h, width: w }, 'model');
  } else {
    throw new UsageError(`${source}: input '${info.name}' [${dimsText(info.dims)}] does not fix its height and width: pass ${refOf('size', 'N')} or ${refOf('size', 'HxW')} (or store metadata fidkit.size in the model)`);
  }
  const resize = given<OnnxResize>('resize');
  if (resize === undefined) {
    throw new UsageError(
      `${source}: the model does not say how images are resized: pass ${refOf('resize', 'METHOD')} with METHOD one of ${ONNX_RESIZE_METHODS.join(', ')} (or store metadata fidkit.resize in the model); a wrong guess shifts every score, so fidkit does not guess`,
    );
  }
  const toText = given<string>('resizeTo');
  const resizeTo: OnnxSpec['resizeTo'] =
    toText === undefined
      ? fallback('resizeTo', { kind: 'exact', height: size.height, width: size.width })
      : toText.startsWith('short:')
        ? { kind: 'short', size: Number(toText.slice(6)) }
        : { kind: 'exact', height: Number(toText.split('x')[0]), width: Number(toText.split('x')[1]) };
  if (resizeTo.kind === 'exact' && (resizeTo.height < size.height || resizeTo.width < size.width)) {
    throw new UsageError(`${source}: resizing to ${resizeTo.height}x${resizeTo.width} leaves less than the input size ${size.height}x${size.width} to crop: make ${flagOf('resizeTo')} at least the size`);
  }
  if (resizeTo.kind === 'short' && resizeTo.size < Math.max(size.height, size.width)) {
    throw new UsageError(`${source}: resizing the shorter side to ${resizeTo.size} leaves less than the input size ${size.height}x${size.width} to crop: pass ${refOf('resizeTo', 'short:N')} with N ≥ ${Math.max(size.height, size.width)}`);
  }
  const range = given<OnnxRange>('range') ?? fallback('range', '0,1' as OnnxRange);
  const mean = (given<number[]>('mean') ?? fallback('mean', [0, 0, 0])) as unknown as OnnxSpec['mean'];
  const std = (given<number[]>('std') ?? fallback('std', [1, 1, 1])) as unknown as OnnxSpec['std'];
  const order = given<ChannelOrder>('channels') ?? fallback('channels', 'rgb' as ChannelOrder);
  const output = given<string>('output') ?? fallback('output', info.outputs[0], 'model');
  const logits = given<string>('logits');
  if (logits === undefined) decidedBy.logits = 'default';
  for (const [field, name] of [['output', output], ['logits', logits]] as const) {
    if (name !== undefined && !info.outputs.includes(name)) {
      throw new UsageError(`${source} has no output '${name}' (${decidedBy[field] === 'flag' ? flagOf(field) : `metadata fidkit.${field}`}); its outputs: ${info.outputs.join(', ')}`);
    }
  }
  return { spec: { size, resize, resizeTo, range, mean, std, channels: order, layout, output, logits }, decidedBy };
}

/** The spec as one line, stable across runs: part of the feature cache key and of reports. */
export function specText(spec: OnnxSpec): string {
  const to = spec.resizeTo.kind === 'short' ? `short:${spec.resizeTo.size}` : `${spec.resizeTo.height}x${spec.resizeTo.width}`;
  return [
    `size=${spec.size.height}x${spec.size.width}`,
    `resize=${spec.resize}`,
    `resize_to=${to}`,
    `range=${spec.range}`,
    `mean=${spec.mean.join(',')}`,
    `std=${spec.std.join(',')}`,
    `channels=${spec.channels}`,
    `layout=${spec.layout}`,
    `output=${spec.output}`,
    ...(spec.logits === undefined ? [] : [`logits=${spec.logits}`]),
  ].join(' ');
}

/** The spec as report JSON (fields named as the metadata keys, without the `fidkit.` prefix). */
export function specJson(spec: OnnxSpec): Record<string, unknown> {
  return {
    size: `${spec.size.height}x${spec.size.width}`,
    resize: spec.resize,
    resize_to: spec.resizeTo.kind === 'short' ? `short:${spec.resizeTo.size}` : `${spec.resizeTo.height}x${spec.resizeTo.width}`,
    range: spec.range,
    mean: [...spec.mean],
    std: [...spec.std],
    channels: spec.channels,
    layout: spec.layout,
    output: spec.output,
    logits: spec.logits ?? null,
  };
}

function dimsText(dims: readonly (number | undefined)[]): string {
  return dims.map((d) => d ?? '?').join(', ');
}
