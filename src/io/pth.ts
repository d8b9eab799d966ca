/**
 * @file PyTorch checkpoint (`.pth`) reader for state dicts, in both formats `torch.save` writes:
 *
 * - zip (torch ≥ 1.6): `<name>/data.pkl` (the object pickle), `<name>/data/<key>` (raw storage bytes, stored
 *   uncompressed), `<name>/version`, and from torch 2.x `<name>/byteorder`. `<name>` varies with the file name.
 * - legacy (`_use_new_zipfile_serialization=False`, and every file from before 1.6): five things in a row —
 *   pickles of the magic number 119547037146038801333356, the protocol version 1001, a system-info dict and the
 *   object, then a pickled list of storage keys and, for each key in that list's order, an int64 element count
 *   followed by the raw bytes. Keys are memory-address strings, so storages are matched by key, never position.
 *
 * Tensors are `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)` calls on storages named by
 * persistent ids. They stay lazy views until their `data` is first read, so a caller can check keys and shapes
 * against the network it expects before any memory is spent; then they are materialised in C order (strided
 * views copied out, storages shared between tensors read once), float16/bfloat16 widened exactly to float32.
 * A view that would materialise more elements than its storage holds from its offset (torch's `expand`, stride
 * 0: a 756-byte file can describe a 10000×10000 tensor) is refused while parsing unless the caller allows it,
 * and so is any tensor of more than 2^31 elements. Only the torch/collections names a state dict needs are
 * resolved; any other class is refused by name and nothing from the file is executed.
 *
 * TorchScript archives (`torch.jit.save`, e.g. OpenAI's CLIP `ViT-B-32.pt`) are zips of the same layout plus
 * `<name>/code/` (the model's TorchScript source) and `<name>/constants.pkl`. Their `data.pkl` pickles the
 * module tree as instances of `__torch__.*` classes (NEWOBJ, then BUILD with the attribute dict). In such an
 * archive, and only there, those classes are read as plain attribute records — nothing in `code/` is read,
 * let alone run — and `torch.jit._pickle`'s list builders are allowed; every other callable is refused as in
 * a `.pth`. {@link findStateDict} flattens the tree to `model.state_dict()` keys (`visual.conv1.weight`, …).
 */

import { closeSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { halfToFloat } from './float16.js';
import { FormatError } from '../core/errors.js';
import type { StateDict, Tensor, TensorDtype } from '../core/types.js';
import { CODECS_ENCODE, PyDict, PyObject, describe, unpickle, type PyCallable, type UnpickleHooks } from './pickle.js';
import { openZip, openZipFile, readZipMember, type ZipArchive } from './zip.js';

/** The element types torch storages can have that this reader understands. */
type StorageDtype = TensorDtype | 'float16' | 'bfloat16';

const STORAGE_CLASSES: Readonly<Record<string, StorageDtype>> = Object.freeze({
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
});

const ELEMENT_SIZE: Readonly<Record<StorageDtype, number>> = Object.freeze({
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
});

/** A tensor read from a `.pth`: a {@link Tensor} plus what torch recorded about it. */
export class PthTensor implements Tensor {
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  /** The values in C order, materialised from the storage on first read (then kept). */
  declare readonly data: Tensor['data'];
  /** The dtype in the file (differs from `dtype` for float16/bfloat16, which are widened to float32). */
  readonly storageDtype: StorageDtype;
  /** Saved as an `nn.Parameter` (`_rebuild_parameter`). */
  isParameter = false;
  /** Where the values came from, as torch recorded it: tensors with the same key shared one storage. */
  readonly storageKey: string;
  readonly storageOffset: number;
  readonly stride: readonly number[];
  /** The element count, the product of `shape` (Infinity when it is not a safe integer). */
  readonly numel: number;
  /** How many elements the viewed storage holds (from its start, not from `storageOffset`). */
  readonly storageElements: number;
  /** How to materialise it; dropped once `data` is read, releasing the storage. */
  #pending: { storage: StorageRef; offset: number; stride: number[] } | null;
  #data: Tensor['data'] | null = null;

  constructor(storage: StorageRef, offset: number, shape: number[], stride: number[]) {
    this.storageDtype = storage.dtype;
    this.dtype = storage.dtype === 'float16' || storage.dtype === 'bfloat16' ? 'float32' : storage.dtype;
    this.shape = Object.freeze(shape);
    this.storageKey = storage.key;
    this.storageOffset = offset;
    this.stride = Object.freeze([...stride]);
    this.storageElements = storage.numel;
    this.numel = shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(this.numel)) this.numel = Infinity;
    this.#pending = { storage, offset, stride };
    // An own, enumerable accessor (not a prototype getter) so the tensor still prints and serialises its values.
    Object.defineProperty(this, 'data', { enumerable: true, get: () => this.#materialised() });
  }

  /**
   * The values as little-endian bytes in C order. For a C-contiguous tensor whose storage dtype needs no
   * widening and whose `data` was not read yet, this is a view into the checkpoint's bytes — no copy, and
   * the tensor stays lazy — so large weights can be written out unchanged without a second copy in memory
   * (the VGG16 graph streams its 528 MB this way). Otherwise the bytes of `data`.
   */
  get rawBytes(): Uint8Array {
    const pending = this.#pending;
    // Read `bytes` once: a file-backed storage ({@link openPthFile}) reads the file on every access.
    const bytes = pending && !this.#data && pending.storage.dtype === this.dtype && isCContiguous(this.shape, pending.stride) ? pending.storage.bytes : null;
    if (pending && bytes) {
      const es = ELEMENT_SIZE[this.dtype];
      return bytes.subarray(pending.offset * es, (pending.offset + this.numel) * es);
    }
    const d = this.data;
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }

  /**
   * The values in C order without keeping them: a fresh copy each call (unless `data` was read already),
   * so a caller streaming the weights out (the CLIP graph, whose float16 archives must be widened) holds
   * one widened tensor at a time instead of all of them.
   */
  readOnce(): Tensor['data'] {
    if (this.#data) return this.#data;
    const { storage, offset, stride } = this.#pending!;
    return materialise(storage, offset, this.shape, stride);
  }

  /**
   * A floating-point tensor's values as float32 little-endian bytes in C order, in pieces, for writing it
   * out: a float32 tensor as {@link rawBytes} (one view, no copy); a C-contiguous float16/bfloat16 tensor
   * widened piece by piece into one scratch buffer of at most `chunkElements` values, which the next
   * piece overwrites (consume each piece before asking for the next), so a widened copy of the tensor is
   * never held whole; anything else (strided, float64 narrowed) as one copy.
   * @throws {RangeError} for an integer or bool tensor.
   */
  *float32Chunks(chunkElements = 1 << 20): Generator<Uint8Array> {
    if (this.dtype !== 'float32' && this.dtype !== 'float64') throw new RangeError(`float32Chunks of a ${this.storageDtype} tensor`);
    const pending = this.#pending;
    const widened = pending !== null && (pending.storage.dtype === 'float16' || pending.storage.dtype === 'bfloat16');
    if (this.dtype === 'float32' && !(widened && !this.#data && isCContiguous(this.shape, pending!.stride))) {
      if (this.dtype === 'float32' && !widened) {
        yield this.rawBytes;
        return;
      }
      const d = this.readOnce() as Float32Array;
      yield new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
      return;
    }
    if (this.dtype === 'float64') {
      yield new Uint8Array(Float32Array.from(this.readOnce() as Float64Array).buffer);
      return;
    }
    const { storage, offset } = pending!;
    const bits = storageArray(storage) as Uint16Array;
    const scratch = new Float32Array(Math.max(1, Math.min(chunkElements, this.numel)));
    const put = widener(storage.dtype, scratch);
    for (let start = 0; start < this.numel; start += scratch.length) {
      const m = Math.min(scratch.length, this.numel - start);
      const from = offset + start;
      for (let i = 0; i < m; i++) put(i, bits[from + i]);
      yield new Uint8Array(scratch.buffer, 0, m * 4);
    }
  }

  /** More elements than its storage holds from its offset: an expanded (stride-0) or overlapping view. */
  get isExpandedView(): boolean {
    return this.numel > Math.max(0, this.storageElements - this.storageOffset);
  }

  #materialised(): Tensor['data'] {
    if (this.#data) return this.#data;
    const { storage, offset, stride } = this.#pending!;
    this.#data = materialise(storage, offset, this.shape, stride);
    this.#pending = null; // releases the storage, so the file's bytes are not pinned by it
    return this.#data;
  }
}

/** True for the tensors found inside a loaded `.pth` (and nothing else). */
export function isTensor(x: unknown): x is PthTensor {
  return x instanceof PthTensor;
}

/** A storage named by a persistent id; `bytes` is filled from the zip record or the legacy tail. */
class StorageRef {
  /** Whole-storage typed view, made on first strided use and shared by every tensor on this storage. */
  cache?: ArrayLike<number | bigint>;
  constructor(
    readonly key: string,
    readonly dtype: StorageDtype,
    readonly numel: number,
    public bytes: Uint8Array | null,
    /** A legacy view on another storage: element offset into `root`. */
    readonly view?: { root: StorageRef; offset: number },
  ) {}
}

/** `torchscript`: a `torch.jit.save` archive (the zip layout with `code/` and `constants.pkl`). */
export type PthFormat = 'zip' | 'legacy' | 'torchscript';

/** Options of {@link parsePth} and {@link readPth}. */
export interface PthOptions {
  /**
   * Accept views that materialise more elements than their storage holds (torch's `expand`, stride 0). Off by
   * default: no state dict of a network fidkit loads has them, and a tiny file could ask for gigabytes.
   */
  readonly allowExpandedViews?: boolean;
}

/** Tensors beyond this many elements are refused while parsing (typed arrays and every fidkit network stay far below). */
const MAX_TENSOR_ELEMENTS = 2 ** 31;

/** Everything in a `.pth`: the unpickled object with tensors in place, and the format it came in. */
export interface PthContents {
  readonly format: PthFormat;
  /** Python objects as in {@link unpickle}; tensors are {@link PthTensor}s, dicts are {@link PyDict}s. */
  readonly root: unknown;
}

/**
 * Parse a `.pth` from memory.
 * @param source the file name, used in messages.
 * @throws FormatError if the bytes are not a torch checkpoint, are truncated, or pickle anything but tensors
 *   and plain containers (the refused class is named).
 */
export function parsePth(bytes: Uint8Array, source = '.pth data', options: PthOptions = {}): PthContents {
  const tensors: PthTensor[] = [];
  let contents: PthContents | undefined;
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    const zip = parseZipPth(bytes, source, tensors);
    contents = { format: zip.torchScript ? 'torchscript' : 'zip', root: zip.root };
  } else if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
    contents = { format: 'legacy', root: parseLegacyPth(bytes, source, tensors) };
  }
  if (contents) {
    checkTensorSizes(contents.root, tensors, source, options);
    return contents;
  }
  if (bytes.length >= 262 && latin1(bytes.subarray(257, 262)) === 'ustar') {
    throw new FormatError(
      `${source} is a tar-format checkpoint from PyTorch < 0.4, which fidkit does not read: ` +
        `load it once with torch and re-save it with torch.save(state_dict, path)`,
    );
  }
  throw new FormatError(
    `${source} is not a PyTorch checkpoint (${bytes.length === 0 ? 'it is empty' : 'neither a zip archive nor a pickle'}): ` +
      `pass a file written by torch.save`,
  );
}

/** Read and parse a `.pth` file. @throws FormatError see {@link parsePth}; Node's ENOENT if missing */
export async function readPthFile(path: string, options: PthOptions = {}): Promise<PthContents> {
  const bytes = await readFile(path);
  return parsePth(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, options);
}

/**
 * Open a `.pth` file without reading its tensors: a zip-format file's directory and pickle are read,
 * and every tensor's bytes are read from the file each time they are asked for (`data`, `rawBytes`)
 * and never kept by the reader — so a checkpoint larger than memory or than a Node buffer (4 GiB:
 * DINOv2 ViT-g/14's 4.5 GB) can be streamed tensor by tensor. Legacy-format files are read whole.
 * Call `close()` when done; tensors must not be read after it.
 * @throws FormatError see {@link parsePth} and {@link findStateDict}; Node's ENOENT if missing
 */
export async function openPthFile(path: string, options: PthOptions = {}): Promise<PthContents & { stateDict: StateDict; close(): void }> {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(4);
    readSync(fd, head, 0, 4, 0);
    if (!(head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)) {
      closeSync(fd);
      const contents = await readPthFile(path, options);
      return { ...contents, stateDict: findStateDict(contents.root, path), close: () => {} };
    }
    const tensors: PthTensor[] = [];
    const zip = parseZipPth(openZipFile(fd, path), path, tensors);
    checkTensorSizes(zip.root, tensors, path, options);
    let open = true;
    const close = (): void => {
      if (open) closeSync(fd);
      open = false;
    };
    return { format: zip.torchScript ? 'torchscript' : 'zip', root: zip.root, stateDict: findStateDict(zip.root, path), close };
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // closed already (legacy path)
    }
    throw err;
  }
}

/**
 * Load a checkpoint and find its state dict (see {@link findStateDict}).
 * @param input the file's bytes, or its path.
 * @throws FormatError see {@link parsePth} and {@link findStateDict}.
 */
export async function readPth(
  input: Uint8Array | string,
  source = typeof input === 'string' ? input : '.pth data',
  options: PthOptions = {},
): Promise<PthContents & { stateDict: StateDict }> {
  const contents = typeof input === 'string' ? await readPthFile(input, options) : parsePth(input, source, options);
  return { ...contents, stateDict: findStateDict(contents.root, source) };
}

const NESTED_STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', 'net', 'network', 'params'];

/**
 * The state dict inside a loaded checkpoint: the root itself when it is a dict of tensors, or the first of
 * `state_dict`, `model_state_dict`, `model`, `net`, `network`, `params` that is (searched depth-first), else the
 * only dict of tensors anywhere. A `module.` prefix on every key (from `nn.DataParallel`) is stripped.
 * Non-tensor entries of the chosen dict are refused: a state dict holds tensors only.
 * A TorchScript module tree (root a `__torch__.*` record) gives every tensor attribute under its dotted path
 * (`visual.transformer.resblocks.0.ln_1.weight`), as `model.state_dict()` names parameters and buffers; plain
 * tensor attributes (CLIP's text `attn_mask`) come along, as the archive does not mark them apart.
 * @throws FormatError naming the top-level keys when no state dict is found.
 */
export function findStateDict(root: unknown, source = '.pth data'): StateDict {
  if (root instanceof PyObject) {
    const flat = flattenModule(root);
    if (flat.size === 0) {
      throw new FormatError(`${source} is a TorchScript archive whose module ${root.className} holds no tensors: it has no weights to read`);
    }
    return flat;
  }
  const found = pickStateDict(root, 0);
  if (found === null) {
    const keys = root instanceof PyDict ? [...root.keys()].map(String).slice(0, 10).join(', ') : describe(root);
    throw new FormatError(
      `${source} holds no state dict (no dict whose values are all tensors; top level: ${keys || 'empty'}): ` +
        `save the model's parameters with torch.save(model.state_dict(), path)`,
    );
  }
  const sd: StateDict = new Map();
  const keys = [...found.keys()] as string[];
  const strip = keys.length > 0 && keys.every((k) => k.startsWith('module.'));
  for (const k of keys) sd.set(strip ? k.slice(7) : k, found.get(k) as PthTensor);
  return sd;
}

/** Every tensor attribute of a TorchScript module tree under its dotted path, depth-first in attribute order. */
function flattenModule(root: PyObject): StateDict {
  const sd: StateDict = new Map();
  const seen = new Set<PyObject>();
  const walk = (m: PyObject, prefix: string, depth: number): void => {
    if (seen.has(m) || depth > 64) return;
    seen.add(m);
    for (const [name, v] of m.attributes) {
      if (isTensor(v)) {
        if (!sd.has(prefix + name)) sd.set(prefix + name, v);
      } else if (v instanceof PyObject) walk(v, `${prefix}${name}.`, depth + 1);
    }
  };
  walk(root, '', 0);
  return sd;
}

function isTensorDict(x: unknown): x is PyDict {
  if (!(x instanceof PyDict) || x.size === 0) return false;
  for (const [k, v] of x) if (typeof k !== 'string' || !isTensor(v)) return false;
  return true;
}

function pickStateDict(x: unknown, depth: number): PyDict | null {
  if (isTensorDict(x)) return x;
  if (!(x instanceof PyDict) || depth > 4) return null;
  for (const k of NESTED_STATE_DICT_KEYS) {
    const hit = x.has(k) ? pickStateDict(x.get(k), depth + 1) : null;
    if (hit) return hit;
  }
  const hits = [...x.values()].map((v) => pickStateDict(v, depth + 1)).filter((v): v is PyDict => v !== null);
  return hits.length === 1 ? hits[0] : null;
}

// ---------------------------------------------------------------------------------------------------------
// Unpickling hooks shared by both formats

const callable = (qualname: string, call: (args: readonly unknown[]) => unknown): PyCallable => ({ qualname, call });

/** `torch.jit._pickle` helpers a TorchScript `data.pkl` uses to tag typed lists: each returns its (already built) argument. */
const JIT_LIST_BUILDERS = ['build_intlist', 'build_doublelist', 'build_boollist', 'build_tensorlist', 'build_genericlist'];

/** A `__torch__.*` class of a TorchScript archive: NEWOBJ makes an empty record; calling it is refused. */
function torchScriptClass(qualname: string, source: string): PyCallable {
  return {
    qualname,
    call: () => {
      throw new FormatError(`${source}: refusing to call ${qualname}; fidkit reads TorchScript modules as attribute records and never runs their code`);
    },
    construct: () => new PyObject(qualname),
  };
}

function torchHooks(source: string, storageFromPid: (pid: readonly unknown[]) => StorageRef, tensors: PthTensor[], torchScript = false): UnpickleHooks {
  const bad = (what: string): never => {
    throw new FormatError(`${source}: ${what}; the checkpoint is corrupt or was not written by torch.save`);
  };
  const intList = (x: unknown, what: string): number[] => {
    if (!Array.isArray(x) || !x.every((v) => Number.isSafeInteger(v) && (v as number) >= 0)) bad(`${what} is not a tuple of non-negative ints`);
    return [...(x as number[])];
  };
  const rebuildTensor = (qualname: string, minArgs: number) =>
    callable(qualname, (args) => {
      if (args.length < minArgs) bad(`${qualname} called with ${args.length} arguments`);
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof StorageRef)) {
        bad(`${qualname} got a ${describe(storage)} instead of a storage`);
      }
      if (!Number.isSafeInteger(offset) || (offset as number) < 0) bad(`${qualname}: bad storage offset ${String(offset)}`);
      const shape = intList(size, 'a tensor size');
      const strides = intList(stride, 'a tensor stride');
      if (shape.length !== strides.length) bad(`tensor size [${shape}] and stride [${strides}] differ in rank`);
      const s = storage as StorageRef;
      // The last element a view touches must lie inside its storage (unless the tensor is empty).
      if (!shape.includes(0)) {
        let last = offset as number;
        for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * strides[d];
        if (last >= s.numel) bad(`a tensor of size [${shape}] stride [${strides}] offset ${String(offset)} reads past its ${s.numel}-element storage "${s.key}"`);
      }
      const t = new PthTensor(s, offset as number, shape, strides);
      tensors.push(t);
      return t;
    });
  const rebuildParameter = callable('torch._utils._rebuild_parameter', (args) => {
    if (!isTensor(args[0])) bad(`_rebuild_parameter got a ${describe(args[0])} instead of a tensor`);
    const t = args[0] as PthTensor;
    t.isParameter = true;
    return t;
  });
  const orderedDict = callable('collections.OrderedDict', (args) => {
    const d = new PyDict('collections.OrderedDict');
    // OrderedDict(iterable of pairs) is how some protocol-0 pickles write it.
    if (Array.isArray(args[0])) for (const kv of args[0]) if (Array.isArray(kv) && kv.length === 2) d.set(kv[0], kv[1]);
    return d;
  });
  const set = callable('builtins.set', (args) => new Set(Array.isArray(args[0]) ? args[0] : []));

  const allowed: Record<string, PyCallable> = {
    'collections.OrderedDict': orderedDict,
    'torch._utils._rebuild_tensor_v2': rebuildTensor('torch._utils._rebuild_tensor_v2', 4),
    'torch._utils._rebuild_tensor': rebuildTensor('torch._utils._rebuild_tensor', 4),
    'torch._utils._rebuild_parameter': rebuildParameter,
    '_codecs.encode': CODECS_ENCODE,
    'builtins.set': set,
    '__builtin__.set': set,
    'builtins.frozenset': set,
    '__builtin__.frozenset': set,
  };
  if (torchScript) {
    for (const b of JIT_LIST_BUILDERS) allowed[`torch.jit._pickle.${b}`] = callable(`torch.jit._pickle.${b}`, (args) => args[0]);
    allowed['torch.jit._pickle.restore_type_tag'] = callable('torch.jit._pickle.restore_type_tag', (args) => args[0]);
  }
  return {
    findClass(module, name) {
      const qn = `${module}.${name}`;
      const fn = allowed[qn];
      if (fn) return fn;
      if (torchScript && (module === '__torch__' || module.startsWith('__torch__.'))) return torchScriptClass(qn, source);
      if (module === 'torch' && name in STORAGE_CLASSES) return callable(qn, () => bad(`${qn} is called directly`));
      if (module === 'torch' && name.endsWith('Storage')) {
        throw new FormatError(
          `${source}: tensors of storage type ${qn} are not supported (only float32/64, float16, bfloat16, ` +
            `int8/16/32/64, uint8 and bool): convert them with tensor.float() before saving`,
        );
      }
      const hint = /^torch\.nn\.|^__main__\b|^__torch__\b/.test(module)
        ? 'the file pickles a whole model object, not a state dict: re-save it with torch.save(model.state_dict(), path)'
        : 'fidkit reads state dicts of plain tensors only and never runs code from a checkpoint: ' +
          're-save the tensors with torch.save(model.state_dict(), path)';
      throw new FormatError(`${source}: refusing to load ${qn} (not a tensor or plain container); ${hint}`);
    },
    persistentLoad(pid) {
      if (!Array.isArray(pid) || pid[0] !== 'storage') {
        const kind = Array.isArray(pid) ? String(pid[0]) : describe(pid);
        return bad(`unsupported persistent id of type "${kind}" (only tensor storages are supported)`);
      }
      return storageFromPid(pid);
    },
  };
}

/** The dtype of a storage class object from a persistent id. */
function storageDtype(cls: unknown, source: string): StorageDtype {
  const qn = typeof cls === 'object' && cls !== null && 'qualname' in cls ? String((cls as PyCallable).qualname) : describe(cls);
  const name = qn.startsWith('torch.') ? qn.slice(6) : '';
  const dt = STORAGE_CLASSES[name];
  if (!dt) {
    throw new FormatError(
      `${source}: storage type ${qn} is not supported (only float32/64, float16, bfloat16, int8/16/32/64, uint8, bool)`,
    );
  }
  return dt;
}

// ---------------------------------------------------------------------------------------------------------
// Zip format

/**
 * A record's bytes (stored records, all torch writes, are views into the file). Their CRC is not checked:
 * `torch.serialization.set_crc32_options(False)` saves files without one, and torch.load never checks it.
 */
function zipRecord(zip: ZipArchive, name: string): Uint8Array {
  return readZipMember(zip, zip.entries.get(name)!, { checkStoredCrc: false });
}

function parseZipPth(archive: Uint8Array | ZipArchive, source: string, tensors: PthTensor[]): { root: unknown; torchScript: boolean } {
  const zip = archive instanceof Uint8Array ? openZip(archive, source) : archive;
  const entries = zip.entries;
  const pkl = [...entries.keys()].filter((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1) {
    throw new FormatError(
      `${source} is a zip archive but not a torch.save checkpoint (${pkl.length === 0 ? 'no' : 'several'} <name>/data.pkl records)` +
        (pkl.length === 0 && [...entries.keys()].some((n) => n.endsWith('.npy')) ? '; it looks like a NumPy .npz' : ''),
    );
  }
  const prefix = pkl[0].slice(0, -'data.pkl'.length);
  const byteorderEntry = entries.get(`${prefix}byteorder`);
  const byteorder = byteorderEntry ? latin1(zipRecord(zip, byteorderEntry.name)).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') throw new FormatError(`${source}: unknown byteorder record "${byteorder}"`);

  // torch.jit.save writes the model's code and constants beside the data; torch.save never does.
  const torchScript = entries.has(`${prefix}constants.pkl`) || [...entries.keys()].some((n) => n.startsWith(`${prefix}code/`));

  const storages = new Map<string, StorageRef>();
  const hooks = torchHooks(
    source,
    (pid) => {
      // ('storage', <dtype>Storage, key, location, numel)
      const dtype = storageDtype(pid[1], source);
      const key = String(pid[2]);
      const known = storages.get(key);
      if (known) return known;
      const entry = entries.get(`${prefix}data/${key}`);
      if (!entry) throw new FormatError(`${source}: storage record ${prefix}data/${key} is missing; the archive is incomplete`);
      const size = ELEMENT_SIZE[dtype];
      if (zip.bytes === undefined) {
        // Read from the file whenever asked for, never kept (openPthFile).
        if (entry.size % size !== 0) throw new FormatError(`${source}: storage ${key} has ${entry.size} bytes, not a multiple of ${size} (${dtype})`);
        const s = new StorageRef(key, dtype, entry.size / size, null);
        Object.defineProperty(s, 'bytes', {
          get: () => {
            const data = zipRecord(zip, entry.name);
            return byteorder === 'big' ? byteSwapped(data, size) : data;
          },
          set: () => {},
        });
        storages.set(key, s);
        return s;
      }
      const data = zipRecord(zip, entry.name);
      if (data.length % size !== 0) {
        throw new FormatError(`${source}: storage ${key} has ${data.length} bytes, not a multiple of ${size} (${dtype})`);
      }
      const s = new StorageRef(key, dtype, data.length / size, byteorder === 'big' ? byteSwapped(data, size) : data);
      storages.set(key, s);
      return s;
    },
    tensors,
    torchScript,
  );
  const { value } = unpickle(zipRecord(zip, pkl[0]), 0, hooks, `${source}:${pkl[0]}`);
  return { root: value, torchScript };
}

// ---------------------------------------------------------------------------------------------------------
// Legacy format

const LEGACY_MAGIC = 119547037146038801333356n;

function parseLegacyPth(bytes: Uint8Array, source: string, tensors: PthTensor[]): unknown {
  // The header pickles hold plain numbers and dicts; any class there means this is some other pickle.
  const plain: UnpickleHooks = {
    findClass: (m, n) => {
      throw new FormatError(
        `${source}: refusing to load ${m}.${n}: this pickle is not a torch.save checkpoint, and fidkit never runs code from a file`,
      );
    },
  };
  let r = unpickle(bytes, 0, plain, source);
  if (r.value !== LEGACY_MAGIC) {
    throw new FormatError(`${source} starts with a pickle but not torch's magic number: it is not a torch.save checkpoint`);
  }
  r = unpickle(bytes, r.end, plain, source);
  if (r.value !== 1001) throw new FormatError(`${source}: legacy protocol version ${String(r.value)} is not supported (expected 1001)`);
  r = unpickle(bytes, r.end, plain, source);
  const sysInfo = r.value;
  if (sysInfo instanceof PyDict && sysInfo.get('little_endian') === false) {
    throw new FormatError(`${source} was saved on a big-endian machine; re-save it with torch on a little-endian one`);
  }

  const storages = new Map<string, StorageRef>();
  const hooks = torchHooks(
    source,
    (pid) => {
      // ('storage', <dtype>Storage, root_key, location, numel, view_metadata)
      const dtype = storageDtype(pid[1], source);
      const rootKey = String(pid[2]);
      const numel = pid[4];
      if (!Number.isSafeInteger(numel) || (numel as number) < 0) throw new FormatError(`${source}: storage ${rootKey} has a bad size`);
      let root = storages.get(rootKey);
      if (!root) {
        root = new StorageRef(rootKey, dtype, numel as number, null);
        storages.set(rootKey, root);
      }
      const view = pid[5];
      if (view === null || view === undefined) return root;
      // Pre-1.0 files store views of a root storage: (view_key, element offset, view numel).
      if (!Array.isArray(view) || view.length !== 3) throw new FormatError(`${source}: malformed storage view of ${rootKey}`);
      const [viewKey, offset, viewNumel] = view as [unknown, number, number];
      const k = `view:${String(viewKey)}`;
      let v = storages.get(k);
      if (!v) {
        if (offset + viewNumel > root.numel) throw new FormatError(`${source}: storage view ${String(viewKey)} lies outside ${rootKey}`);
        v = new StorageRef(String(viewKey), dtype, viewNumel, null, { root, offset });
        storages.set(k, v);
      }
      return v;
    },
    tensors,
  );
  r = unpickle(bytes, r.end, hooks, source);
  const root = r.value;
  r = unpickle(bytes, r.end, plain, source);
  const keys = r.value;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
    throw new FormatError(`${source}: the storage key list is malformed; the file is corrupt`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = r.end;
  for (const key of keys as string[]) {
    const s = storages.get(key);
    if (!s) throw new FormatError(`${source}: storage ${key} is listed but no tensor uses it; the file is corrupt`);
    if (pos + 8 > bytes.length) throw truncated(source, key);
    const numel = Number(dv.getBigInt64(pos, true));
    pos += 8;
    if (numel !== s.numel) throw new FormatError(`${source}: storage ${key} holds ${numel} elements, the pickle says ${s.numel}; the file is corrupt`);
    const n = numel * ELEMENT_SIZE[s.dtype];
    if (pos + n > bytes.length) throw truncated(source, key);
    s.bytes = bytes.subarray(pos, pos + n);
    pos += n;
  }
  for (const s of storages.values()) {
    if (s.view) {
      const es = ELEMENT_SIZE[s.dtype];
      const rb = s.view.root.bytes;
      if (rb) s.bytes = rb.subarray(s.view.offset * es, (s.view.offset + s.numel) * es);
    }
    if (s.bytes === null) throw new FormatError(`${source}: the data of storage ${s.key} is missing; the file is truncated or corrupt`);
  }
  return root;
}

function truncated(source: string, key: string): FormatError {
  return new FormatError(`${source} ends inside the data of storage ${key}: the file is truncated (re-download or re-save it)`);
}

// ---------------------------------------------------------------------------------------------------------
// Materialising tensors in C order

/**
 * Refuse, before anything is materialised, tensors too large to hold and (unless allowed) views larger than
 * their storage, naming each by its path of dict keys in the checkpoint.
 */
function checkTensorSizes(root: unknown, tensors: readonly PthTensor[], source: string, options: PthOptions): void {
  let names: Map<PthTensor, string> | undefined;
  const nameOf = (t: PthTensor): string => {
    names ??= tensorPaths(root);
    const path = names.get(t);
    return path === undefined ? 'a tensor' : `'${path}'`;
  };
  for (const t of tensors) {
    const size = `size [${t.shape.join(', ')}]`;
    if (t.numel > MAX_TENSOR_ELEMENTS) {
      throw new FormatError(
        `${source}: tensor ${nameOf(t)} of ${size} has ${t.numel === Infinity ? 'more than 2^53' : t.numel} elements, more than the 2^31 fidkit can hold; ` +
          `the file is corrupt or not a checkpoint of a network fidkit loads`,
      );
    }
    if (t.isExpandedView && !options.allowExpandedViews) {
      throw new FormatError(
        `${source}: tensor ${nameOf(t)} of ${size} with stride [${t.stride.join(', ')}] is an expanded or overlapping view that would ` +
          `materialise ${t.numel} elements from a storage of ${t.storageElements}${t.storageOffset > 0 ? ` (from element ${t.storageOffset})` : ''}; fidkit refuses such views in weights files. ` +
          `If the tensor is meant, re-save it with tensor.contiguous().clone() before torch.save`,
      );
    }
  }
}

/** Each tensor's first path of keys (`state_dict/fc.weight`, list indices as numbers) in the unpickled object. */
function tensorPaths(root: unknown): Map<PthTensor, string> {
  const out = new Map<PthTensor, string>();
  const seen = new Set<unknown>();
  const walk = (x: unknown, path: string, depth: number): void => {
    if (isTensor(x)) {
      if (!out.has(x)) out.set(x, path);
      return;
    }
    if (depth > 32 || x === null || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    const join = (k: unknown): string => (path === '' ? String(k) : `${path}/${String(k)}`);
    if (x instanceof PyDict) for (const [k, v] of x) walk(v, join(k), depth + 1);
    else if (x instanceof PyObject) for (const [k, v] of x.attributes) walk(v, join(k), depth + 1);
    else if (Array.isArray(x)) x.forEach((v, i) => walk(v, join(i), depth + 1));
  };
  walk(root, '', 0);
  return out;
}

function isCContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

type ArrayType = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => Tensor['data'] | Uint16Array;

/** The typed array holding each storage dtype's raw elements (float16/bfloat16 as uint16 bit patterns). */
const RAW_ARRAY: Readonly<Record<StorageDtype, ArrayType>> = Object.freeze({
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
});

/** The whole storage as a typed array of its own dtype, shared by every strided view of it. */
function storageArray(s: StorageRef): ArrayLike<number | bigint> {
  if (s.cache) return s.cache;
  const b = s.bytes!;
  const es = ELEMENT_SIZE[s.dtype];
  // Typed views need aligned offsets; copy when the record is not aligned (torch aligns zip records to 64).
  // (A copy: Buffer#slice would return another unaligned view of the same memory.)
  const src = b.byteOffset % es === 0 ? b : new Uint8Array(b);
  s.cache = new RAW_ARRAY[s.dtype](src.buffer as ArrayBuffer, src.byteOffset, b.length / es);
  return s.cache;
}

function materialise(s: StorageRef, offset: number, shape: readonly number[], stride: readonly number[]): Tensor['data'] {
  const n = shape.reduce((a, b) => a * b, 1);
  const es = ELEMENT_SIZE[s.dtype];
  const widen = s.dtype === 'float16' || s.dtype === 'bfloat16';
  const OutArray = widen ? Float32Array : (RAW_ARRAY[s.dtype] as new (b: ArrayBuffer | number) => Tensor['data']);
  if (n === 0) return new OutArray(0);
  if (!widen && isCContiguous(shape, stride)) {
    // The common case (every parameter of a saved model): one copy of the bytes into an aligned buffer.
    const b = s.bytes!;
    const start = b.byteOffset + offset * es;
    return new OutArray(b.buffer.slice(start, start + n * es) as ArrayBuffer);
  }
  const src = storageArray(s);
  const out = new OutArray(n);
  const put = widen
    ? widener(s.dtype, out as Float32Array)
    : (i: number, j: number) => ((out as unknown as (number | bigint)[])[i] = src[j]);
  const bits = src as Uint16Array;
  // Walk the output in C order with an odometer over the strided source index.
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let j = offset;
  for (let i = 0; i < n; i++) {
    if (widen) put(i, bits[j]);
    else put(i, j);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) {
        j += stride[d];
        break;
      }
      idx[d] = 0;
      j -= (shape[d] - 1) * stride[d];
    }
  }
  return out;
}

/** Writes a float16 or bfloat16 bit pattern as the exactly equal float32. */
function widener(dtype: StorageDtype, out: Float32Array): (i: number, bits: number) => void {
  if (dtype === 'bfloat16') {
    const u = new Uint32Array(out.buffer, out.byteOffset, out.length);
    return (i, bits) => {
      u[i] = bits << 16;
    };
  }
  return (i, bits) => {
    out[i] = halfToFloat(bits);
  };
}

function byteSwapped(b: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i += size) for (let k = 0; k < size; k++) out[i + k] = b[i + size - 1 - k];
  return out;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}
