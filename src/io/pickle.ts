/**
 * @file A data-only Python unpickler: enough of the pickle virtual machine (protocols 0–5) to read what
 * `torch.save` writes, and nothing that can run code. Every GLOBAL / STACK_GLOBAL goes through a caller-given
 * allow list (`findClass`); anything it does not know is refused with the class named. INST, OBJ, NEWOBJ(_EX)
 * and the extension registry are refused outright. Persistent ids (how torch refers to tensor storages) are
 * handed to the caller's `persistentLoad`.
 *
 * Python values map to JS as: None → null, bool → boolean, int → number (bigint beyond 2^53), float → number,
 * str → string, bytes → Uint8Array, list → array, tuple → frozen array, dict → {@link PyDict} (a Map that
 * remembers its class and any attributes BUILD gave it), set/frozenset → Set.
 */

import { FormatError } from '../core/errors.js';

/** A Python dict or `collections.OrderedDict`, in insertion order. */
export class PyDict extends Map<unknown, unknown> {
  /** `'dict'` or the qualified name of the dict subclass (e.g. `collections.OrderedDict`). */
  readonly className: string;
  /** Instance attributes set by BUILD, e.g. the `_metadata` torch attaches to `state_dict()` results. */
  readonly attributes = new Map<string, unknown>();
  constructor(className = 'dict') {
    super();
    this.className = className;
  }
}

/** A callable that a GLOBAL opcode may resolve to: a pure function of its (already unpickled) arguments. */
export interface PyCallable {
  /** `module.name`, for error messages. */
  readonly qualname: string;
  call(args: readonly unknown[]): unknown;
  /**
   * Only for the classes a caller treats as plain attribute records (TorchScript's `__torch__.*` modules):
   * what NEWOBJ makes of `cls.__new__(cls, *args)`. Absent everywhere else, so NEWOBJ is refused.
   */
  construct?(args: readonly unknown[]): unknown;
}

/**
 * An instance of a class a caller allowed as a plain record (see {@link PyCallable.construct}): its class
 * name and the attributes BUILD gave it. Nothing of the class is run: no `__setstate__`, no methods.
 */
export class PyObject {
  readonly attributes = new Map<string, unknown>();
  constructor(readonly className: string) {}
}

export interface UnpickleHooks {
  /** Resolve `module.name` to an allowed callable; throw (FormatError) to refuse it. */
  findClass(module: string, name: string): PyCallable;
  /** Turn a persistent id (BINPERSID/PERSID) into a value; throw to refuse it. */
  persistentLoad?(pid: unknown): unknown;
}

/** Python `_codecs.encode(str, 'latin1')`: how protocol 2 pickles Python 3 `bytes`. */
export const CODECS_ENCODE: PyCallable = {
  qualname: '_codecs.encode',
  call(args) {
    const [s, enc] = args;
    if (typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) {
      throw new FormatError(`_codecs.encode is only supported with a str and 'latin1' (bytes pickled by protocol 2)`);
    }
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) throw new FormatError(`_codecs.encode: character U+${c.toString(16)} is not latin1`);
      out[i] = c;
    }
    return out;
  },
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Unpickle one pickle starting at `start`; returns the value and the offset just past its STOP opcode. */
export function unpickle(
  bytes: Uint8Array,
  start: number,
  hooks: UnpickleHooks,
  source = 'pickle data',
): { value: unknown; end: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (msg: string): never => {
    throw new FormatError(`${source}: ${msg} (pickle byte ${pos - start})`);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > bytes.length) fail('the data ends in the middle of a pickle; the file is truncated or corrupt');
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++];
  };
  const u16 = (): number => {
    need(2);
    const v = dv.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = dv.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = dv.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('a length field is impossibly large');
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const v = bytes.subarray(pos, pos + n);
    pos += n;
    return v;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('a text opcode has no end of line; the file is truncated or corrupt');
    const s = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const str = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail('a string is not valid UTF-8');
    }
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow; the pickle is corrupt');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow; the pickle is corrupt');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = marks.pop();
    if (prev === undefined) fail('MARK missing; the pickle is corrupt');
    stack = prev!;
    return items;
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) fail(`memo entry ${i} is used before it is set`);
    return memo.get(i);
  };
  const asDict = (d: unknown, op: string): PyDict => {
    if (!(d instanceof PyDict)) fail(`${op} on a ${describe(d)}, not a dict`);
    return d as PyDict;
  };
  const asList = (l: unknown, op: string): unknown[] => {
    if (!Array.isArray(l) || Object.isFrozen(l)) fail(`${op} on a ${describe(l)}, not a list`);
    return l as unknown[];
  };
  const setItems = (d: PyDict, kv: unknown[]): void => {
    if (kv.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < kv.length; i += 2) d.set(hashable(kv[i]), kv[i + 1]);
  };
  const hashable = (k: unknown): unknown => {
    // JS Maps compare objects by identity; Python compares tuples by value. A state dict only ever has
    // str/int keys, so refuse the rest instead of silently mis-keying them.
    if (typeof k === 'object' && k !== null) fail(`a dict key is a ${describe(k)}; only str/int/float/bool/None keys are supported`);
    return k;
  };
  const persistent = (pid: unknown): unknown => {
    if (!hooks.persistentLoad) fail('a persistent id appears, but this data does not allow any');
    return hooks.persistentLoad!(pid);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME: a length prefix only, the opcodes follow inline
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) fail('STOP with a malformed stack');
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length > 0) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;

      // Numbers
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(longFromBytes(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) fail('LONG4 with a negative length');
        stack.push(longFromBytes(take(n)));
        break;
      }
      case 0x49: {
        // INT (protocol 0); "I00"/"I01" are False/True
        const s = line();
        if (s === '00') stack.push(false);
        else if (s === '01') stack.push(true);
        else stack.push(parseIntText(s, fail));
        break;
      }
      case 0x4c: // LONG (protocol 0), with an optional trailing L
        stack.push(parseIntText(line().replace(/L$/, ''), fail));
        break;
      case 0x46: // FLOAT (protocol 0)
        stack.push(parseFloatText(line(), fail));
        break;
      case 0x47: // BINFLOAT: big-endian float64
        need(8);
        stack.push(dv.getFloat64(pos, false));
        pos += 8;
        break;

      // Strings and bytes
      case 0x58: // BINUNICODE
        stack.push(str(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(str(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(str(take(u64())));
        break;
      case 0x56: // UNICODE (protocol 0, raw-unicode-escape)
        stack.push(rawUnicodeEscape(line()));
        break;
      case 0x54: {
        // BINSTRING: Python 2 str; torch loads these as UTF-8 text
        const n = i32();
        if (n < 0) fail('BINSTRING with a negative length');
        stack.push(str(take(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(str(take(u8())));
        break;
      case 0x53: // STRING (protocol 0, quoted repr)
        stack.push(pythonStringLiteral(line(), fail));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(take(u64()).slice());
        break;

      // Constants
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;

      // Containers
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        asList(top(), 'APPEND').push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        asList(top(), 'APPENDS').push(...items);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x74: {
        // TUPLE (popMark replaces `stack`, so it must run before the push is evaluated)
        const items = popMark();
        stack.push(Object.freeze(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(Object.freeze([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b, c]));
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        asDict(top(), 'SETITEM').set(hashable(k), v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(asDict(top(), 'SETITEMS'), kv);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail('ADDITEMS on something that is not a set');
        for (const x of items) (s as Set<unknown>).add(hashable(x));
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(new Set(items.map(hashable)));
        break;
      }

      // Memo
      case 0x67: // GET
        stack.push(memoGet(parseIntStrict(line(), fail)));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x70: // PUT
        memo.set(parseIntStrict(line(), fail), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;

      // Objects: only through the allow list
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(hooks.findClass(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL without two strings');
        stack.push(hooks.findClass(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!isCallable(fn)) fail(`REDUCE on a ${describe(fn)}, which is not an allowed callable`);
        if (!Array.isArray(args)) fail(`REDUCE arguments are a ${describe(args)}, not a tuple`);
        stack.push((fn as PyCallable).call(args as unknown[]));
        break;
      }
      case 0x62: {
        // BUILD: set state on an object. Only dicts (OrderedDict's `_metadata`) accept it.
        const state = pop();
        const obj = top();
        build(obj, state, fail);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x50: // PERSID (protocol 0: the id is a text line)
        stack.push(persistent(line()));
        break;
      case 0x81: // NEWOBJ
      case 0x92: {
        // NEWOBJ_EX
        const cls = stack[stack.length - 2 - (op === 0x92 ? 1 : 0)];
        const what = isCallable(cls) ? cls.qualname : describe(cls);
        if (op === 0x92 || !isCallable(cls) || !cls.construct) fail(`refusing to instantiate ${what}: a checkpoint loader only rebuilds tensors and containers`);
        const args = pop();
        pop();
        if (!Array.isArray(args)) fail(`NEWOBJ arguments are a ${describe(args)}, not a tuple`);
        stack.push((cls as PyCallable).construct!(args as unknown[]));
        break;
      }
      case 0x69: // INST
      case 0x6f: // OBJ
        fail('refusing INST/OBJ opcodes (old-style object construction); only state dicts can be read');
        break;
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        fail('refusing copyreg extension codes; only state dicts can be read');
        break;
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        fail('out-of-band buffers (protocol 5) are not supported');
        break;
      default:
        fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}; the data is corrupt or not a pickle`);
    }
  }
}

function isCallable(x: unknown): x is PyCallable {
  return typeof x === 'object' && x !== null && typeof (x as PyCallable).call === 'function' && 'qualname' in x;
}

function build(obj: unknown, state: unknown, fail: (m: string) => never): void {
  if (obj instanceof PyObject) {
    // A record's state must be its attribute dict: any other state would be the argument of a
    // `__setstate__` method, which only the class's own (never run) code could interpret.
    if (!(state instanceof PyDict)) fail(`BUILD with a ${describe(state)} state on ${obj.className} is not supported (only attribute dicts are read)`);
    for (const [k, v] of state as PyDict) obj.attributes.set(String(k), v);
    return;
  }
  if (!(obj instanceof PyDict)) fail(`BUILD (setting object state) on a ${describe(obj)} is not supported`);
  const d = obj as PyDict;
  // state is either a dict of attributes or a (dict, slotstate) pair; both set attributes only.
  const parts = Array.isArray(state) && state.length === 2 ? state : [state];
  for (const p of parts) {
    if (p === null) continue;
    if (!(p instanceof PyDict)) fail(`BUILD with a ${describe(p)} state on a dict is not supported`);
    for (const [k, v] of p as PyDict) d.attributes.set(String(k), v);
  }
}

/** A short, human description of a value's Python type, for messages. */
export function describe(x: unknown): string {
  if (x === null) return 'None';
  if (Array.isArray(x)) return Object.isFrozen(x) ? 'tuple' : 'list';
  if (x instanceof PyDict) return x.className;
  if (x instanceof PyObject) return x.className;
  if (x instanceof Uint8Array) return 'bytes';
  if (x instanceof Set) return 'set';
  if (isCallable(x)) return x.qualname;
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

/** Two's-complement little-endian integer of any length → number when exact, else bigint. */
function longFromBytes(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return narrow(v);
}

function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseIntText(s: string, fail: (m: string) => never): number | bigint {
  if (!/^[+-]?\d+$/.test(s)) fail(`bad integer literal "${s}"`);
  return narrow(BigInt(s));
}

function parseIntStrict(s: string, fail: (m: string) => never): number {
  const v = parseIntText(s, fail);
  if (typeof v !== 'number' || v < 0) fail(`bad memo index "${s}"`);
  return v as number;
}

function parseFloatText(s: string, fail: (m: string) => never): number {
  const t = s.trim();
  if (t === 'nan') return NaN;
  if (t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  const v = Number(t);
  if (t === '' || Number.isNaN(v)) fail(`bad float literal "${s}"`);
  return v;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function rawUnicodeEscape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a: string | undefined, b: string | undefined) =>
    String.fromCodePoint(parseInt(a ?? b ?? '0', 16)),
  );
}

/** A Python 2 `repr(str)` as written by protocol 0's STRING opcode ('...' or "..."). */
function pythonStringLiteral(s: string, fail: (m: string) => never): string {
  const q = s[0];
  if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) fail('STRING opcode without a quoted string');
  const body = s.slice(1, -1);
  const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
  return body.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_m, e: string) =>
    e[0] === 'x' && e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (simple[e] ?? `\\${e}`),
  );
}
