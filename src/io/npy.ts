/**
 * @file NumPy `.npy` files: read every layout NumPy writes (format versions 1.0–3.0, little/big
 * endian, C and Fortran order, 0-d to N-d) and write the common one (version 1.0, little-endian,
 * C order; 2.0 only when the header needs it), so files round-trip with `np.load`/`np.save`.
 *
 * Format reference: numpy/lib/format.py's documented layout — magic `\x93NUMPY`, two version
 * bytes, a little-endian header length (uint16 in 1.0, uint32 in 2.0/3.0), an ASCII (UTF-8 in
 * 3.0) Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }` padded
 * with spaces and a newline so the data starts on a 64-byte boundary, then the raw elements.
 */
import { halfToFloat } from './float16.js';
import type { FileHandle } from 'node:fs/promises';
import { inputFileError, openInputFile, readInputFile } from './read-input.js';
import { FormatError, InputError } from '../core/errors.js';
import type { FeatureMatrix } from '../core/types.js';

/** Element types fidkit reads. float16 is widened to float32 on read (exact) and cannot be written. */
export type NpyDtype =
  | 'float16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** An N-d array in C order with native (little-endian) elements. `shape = []` is a 0-d scalar. */
export interface NdArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** NumPy's descr kind+size → our dtype name, element size and how to build the typed array. */
const DTYPES: Readonly<Record<string, { dtype: NpyDtype; size: number }>> = Object.freeze({
  f2: { dtype: 'float16', size: 2 },
  f4: { dtype: 'float32', size: 4 },
  f8: { dtype: 'float64', size: 8 },
  i1: { dtype: 'int8', size: 1 },
  i2: { dtype: 'int16', size: 2 },
  i4: { dtype: 'int32', size: 4 },
  i8: { dtype: 'int64', size: 8 },
  u1: { dtype: 'uint8', size: 1 },
  u2: { dtype: 'uint16', size: 2 },
  u4: { dtype: 'uint32', size: 4 },
  u8: { dtype: 'uint64', size: 8 },
  b1: { dtype: 'bool', size: 1 },
});

const DESCR_OF: Readonly<Record<NpyDtype, string>> = Object.freeze({
  float16: '<f2',
  float32: '<f4',
  float64: '<f8',
  int8: '|i1',
  int16: '<i2',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
  uint16: '<u2',
  uint32: '<u4',
  uint64: '<u8',
  bool: '|b1',
});

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Parse the header dict literal. NumPy writes a fixed, simple subset of Python syntax. */
function parseHeader(text: string, where: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    if (/'descr'\s*:\s*\[/.test(text)) {
      throw new FormatError(`${where}: structured (record) dtypes are not supported; save a plain numeric array`);
    }
    throw new FormatError(`${where}: malformed .npy header ${JSON.stringify(text.trim())}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s);
      if (!Number.isSafeInteger(v) || v < 0) throw new FormatError(`${where}: bad shape entry '${s}' in .npy header`);
      return v;
    });
  return { descr, fortranOrder: fortran === 'True', shape };
}

/** Read `count` elements of `size` bytes at `offset` into a fresh native typed array. */
function decodeElements(bytes: Uint8Array, offset: number, count: number, kind: NpyDtype, size: number, bigEndian: boolean): NpyData {
  // Copy so the result owns aligned memory (the source offset is rarely aligned for 8-byte types).
  // (Buffer#slice returns a view, so copy explicitly.)
  const raw = new Uint8Array(count * size);
  raw.set(bytes.subarray(offset, offset + count * size));
  if (bigEndian && size > 1) {
    for (let i = 0; i < raw.length; i += size) raw.subarray(i, i + size).reverse();
  }
  const buf = raw.buffer;
  switch (kind) {
    case 'float16': {
      const h = new Uint16Array(buf);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(h[i]);
      return out;
    }
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'int8':
      return new Int8Array(buf);
    case 'int16':
      return new Int16Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buf);
    case 'uint16':
      return new Uint16Array(buf);
    case 'uint32':
      return new Uint32Array(buf);
    case 'uint64':
      return new BigUint64Array(buf);
  }
}

/** Reorder a Fortran-order (column-major) buffer into C order. */
function fortranToC<T extends NpyData>(data: T, shape: readonly number[]): T {
  const nd = shape.length;
  if (nd < 2) return data;
  const n = data.length;
  const out = new (data.constructor as { new (n: number): T })(n);
  // Strides of the C-order output and of the Fortran-order input, in elements.
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fStride[d] = s;
    s *= shape[d];
  }
  const idx = new Array<number>(nd).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    (out as unknown as ArrayLike<unknown> & Record<number, unknown>)[i] = (data as unknown as Record<number, unknown>)[src];
    // Advance the C-order multi-index (last axis fastest) and the matching Fortran offset.
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      src += fStride[d];
      if (idx[d] < shape[d]) break;
      src -= fStride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Longest header {@link npyByteLength} waits for; numpy's own headers are a few hundred bytes. */
const MAX_HEADER_BYTES = 1 << 20;

/**
 * The total size in bytes (header and data) of the `.npy` whose first bytes are `head`, or undefined when
 * `head` is too short to tell. Lets an archive reader compare a member's declared size with what its header
 * implies before inflating the rest.
 * @throws {FormatError} not a .npy, an unsupported version or dtype, a malformed or implausibly long header
 */
export function npyByteLength(head: Uint8Array, name = '.npy data'): number | undefined {
  if (head.length < 12) return undefined;
  if (MAGIC.some((b, i) => head[i] !== b)) throw new FormatError(`${name} is not a NumPy .npy file (missing the \\x93NUMPY magic)`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const major = head[6];
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new FormatError(`${name}: .npy format version ${major}.${head[7]} is not supported (1.0–3.0 are)`);
  }
  const headerStart = major === 1 ? 10 : 12;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > MAX_HEADER_BYTES) throw new FormatError(`${name}: a .npy header of ${headerLen} bytes is implausible; the file is corrupt`);
  if (head.length < headerStart + headerLen) return undefined;
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(head.subarray(headerStart, headerStart + headerLen));
  const { descr, shape } = parseHeader(text, name);
  const info = dtypeInfo(descr, name);
  return headerStart + headerLen + elementCount(shape) * info.size;
}

/** The element type named by a header's `descr`. @throws {FormatError} an unsupported dtype */
function dtypeInfo(descr: string, name: string): { dtype: NpyDtype; size: number } {
  const order = descr[0];
  const code = descr.slice(1);
  const info = DTYPES[code === '?' ? 'b1' : code] ?? (descr === '|b1' || descr === '?' ? DTYPES.b1 : undefined);
  if (!'<>|='.includes(order) || info === undefined) {
    throw new FormatError(
      `${name}: dtype '${descr}' is not supported; use float32/float64, (u)int8–64 or bool (e.g. arr.astype(np.float32))`,
    );
  }
  return info;
}

/**
 * Parse the bytes of a `.npy` file.
 * @param bytes the whole file
 * @param name a file name for error messages
 * @throws {FormatError} not a .npy file, a truncated file, or an unsupported dtype (structured, object, complex, strings)
 * @example const arr = readNpy(await readFile('features.npy')); // { dtype: 'float32', shape: [12, 2048], data }
 */
export function readNpy(bytes: Uint8Array, name = '.npy data'): NdArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new FormatError(`${name} is not a NumPy .npy file (missing the \\x93NUMPY magic)`);
  }
  const major = bytes[6];
  let headerLen: number;
  let headerStart: number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new FormatError(`${name}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new FormatError(`${name}: .npy format version ${major}.${bytes[7]} is not supported (1.0–3.0 are)`);
  }
  if (headerStart + headerLen > bytes.length) throw new FormatError(`${name}: truncated .npy header`);
  const headerBytes = bytes.subarray(headerStart, headerStart + headerLen);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const { descr, fortranOrder, shape } = parseHeader(header, name);
  const info = dtypeInfo(descr, name);
  const count = elementCount(shape);
  const dataStart = headerStart + headerLen;
  if (dataStart + count * info.size > bytes.length) {
    throw new FormatError(
      `${name}: truncated .npy data: shape [${shape.join(', ')}] needs ${count * info.size} bytes, file has ${bytes.length - dataStart}`,
    );
  }
  let data = decodeElements(bytes, dataStart, count, info.dtype, info.size, descr[0] === '>');
  if (fortranOrder) data = fortranToC(data, shape);
  return { dtype: info.dtype, shape, data };
}

/**
 * Read a `.npy` file from disk. A little-endian C-order array (what `np.save` writes) is read
 * straight into the memory of its typed array, so the file is never held twice: 410 MB of
 * 50k×2048 float32 features cost 410 MB, not 820 MB while decoding. Other files go through
 * {@link readNpy}.
 * @throws {FormatError} see {@link readNpy}; errors of {@link openInputFile} for the path
 */
export async function readNpyFile(path: string): Promise<NdArray> {
  const file = await openInputFile(path, '.npy file');
  try {
    const size = (await file.stat()).size;
    const head = new Uint8Array(Math.min(size, 4096));
    await readFully(file, head, 0, path);
    const total = npyByteLength(head, path);
    // A header longer than 4 KiB, or a file too short for its header: the general way (and its errors).
    if (total === undefined) return readNpy(await readInputFile(path, '.npy file'), path);
    const major = head[6];
    const headerStart = major === 1 ? 10 : 12;
    const view = new DataView(head.buffer);
    const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
    const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(head.subarray(headerStart, headerStart + headerLen));
    const { descr, fortranOrder, shape } = parseHeader(text, path);
    const info = dtypeInfo(descr, path);
    const native = descr[0] !== '>' && !fortranOrder && info.dtype !== 'float16';
    if (!native || total > size) return readNpy(await readInputFile(path, '.npy file'), path);
    const count = elementCount(shape);
    const data = typedArrayOf(info.dtype, count);
    await readFully(file, new Uint8Array(data.buffer), headerStart + headerLen, path);
    return { dtype: info.dtype, shape, data };
  } finally {
    await file.close();
  }
}

/** Fills `into` from `file` at `position`. */
async function readFully(file: FileHandle, into: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    // At most 256 MiB per read: Linux returns at most ~2 GiB per call anyway.
    const { bytesRead } = await file.read(into, done, Math.min(into.length - done, 1 << 28), position + done)
      .catch((err: unknown) => { throw inputFileError(err, path, '.npy file'); });
    if (bytesRead === 0) throw new FormatError(`${path}: the file ended while reading it (was it truncated during the read?)`);
    done += bytesRead;
  }
}

function typedArrayOf(dtype: NpyDtype, count: number): NpyData {
  switch (dtype) {
    case 'float32': return new Float32Array(count);
    case 'float64': return new Float64Array(count);
    case 'int8': return new Int8Array(count);
    case 'int16': return new Int16Array(count);
    case 'int32': return new Int32Array(count);
    case 'int64': return new BigInt64Array(count);
    case 'uint16': return new Uint16Array(count);
    case 'uint32': return new Uint32Array(count);
    case 'uint64': return new BigUint64Array(count);
    default: return new Uint8Array(count); // uint8, bool
  }
}

function dtypeOfData(data: NpyData): NpyDtype {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigUint64Array) return 'uint64';
  return 'uint8';
}

/**
 * Serialise an array as a `.npy` file: version 1.0 (2.0 if the header exceeds 65535 bytes),
 * little-endian, C order, data aligned to 64 bytes — what `np.save` writes.
 * @throws {InputError} shape and data length disagree, or float16 (not writable)
 */
export function writeNpy(arr: { dtype?: NpyDtype; shape: readonly number[]; data: NpyData }): Uint8Array {
  const dtype = arr.dtype ?? dtypeOfData(arr.data);
  if (dtype === 'float16') throw new InputError('writing float16 .npy files is not supported; convert to float32');
  const count = elementCount(arr.shape);
  if (count !== arr.data.length) {
    throw new InputError(`writeNpy: shape [${arr.shape.join(', ')}] holds ${count} elements but data has ${arr.data.length}`);
  }
  return npyBytes(DESCR_OF[dtype], arr.shape, new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength));
}

/** A 1-d array of text, written as NumPy's fixed-width unicode dtype. */
export interface NpyStrings {
  readonly strings: readonly string[];
}

/**
 * Serialise strings as a 1-d `.npy` of dtype `<U{w}` (UTF-32LE, w = the longest string in code
 * points; shorter ones NUL-padded), which `np.load` reads without `allow_pickle`, unlike an
 * object array. NumPy strips the trailing NULs, so strings must not end in U+0000.
 */
export function writeNpyStrings(arr: NpyStrings): Uint8Array {
  const codes = arr.strings.map((s) => Array.from(s, (c) => c.codePointAt(0)!));
  const width = codes.reduce((w, c) => Math.max(w, c.length), 1); // reduce, not spread: N may exceed the argument limit
  const body = new Uint32Array(codes.length * width); // typed arrays are little-endian on every platform Node supports
  codes.forEach((c, i) => body.set(c, i * width));
  return npyBytes(`<U${width}`, [codes.length], new Uint8Array(body.buffer));
}

/** Header (dict literal padded to a 64-byte boundary, version 2.0 only if it needs it) + body. */
function npyBytes(descr: string, shape: readonly number[], body: Uint8Array): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let major = 1;
  let prefix = 10;
  if (header.length + 1 + prefix > 65535) {
    major = 2;
    prefix = 12;
  }
  const total = Math.ceil((prefix + header.length + 1) / 64) * 64;
  header = header + ' '.repeat(total - prefix - header.length - 1) + '\n';
  const out = new Uint8Array(total + body.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, total - prefix, true);
  else view.setUint32(8, total - prefix, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(body, total); // typed arrays are little-endian on every platform Node supports
  return out;
}

/**
 * View a 2-d float array as a {@link FeatureMatrix} (N×D). A 1-d array is one row.
 * @throws {InputError} the array is not 1-d/2-d or not float32/float64
 */
export function featureMatrixFromNpy(arr: NdArray, name = 'array'): FeatureMatrix {
  if (!(arr.data instanceof Float32Array || arr.data instanceof Float64Array)) {
    throw new InputError(`${name}: expected float32 or float64 features, got ${arr.dtype}`);
  }
  if (arr.shape.length === 2) return { data: arr.data, rows: arr.shape[0], cols: arr.shape[1] };
  if (arr.shape.length === 1) return { data: arr.data, rows: 1, cols: arr.shape[0] };
  throw new InputError(`${name}: expected an N×D feature matrix, got shape [${arr.shape.join(', ')}]`);
}
