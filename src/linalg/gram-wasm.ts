/**
 * @file A WebAssembly SIMD (128-bit, f64x2) micro-kernel for Gram products, emitted as bytes by
 * the small encoder below (no toolchain, no binary in the repository) and compiled once on first use.
 *
 * Why: V8 does not vectorise JavaScript loops, so the JS kernel in `gram.ts` tops out near
 * 4 GFLOP/s; the same 4×2 register tile in f64x2 lanes runs at ~17 GFLOP/s on the dev machine
 * (AMD EPYC, Node 20, one core, 256-row bands of 2048 columns; `bench/kid.ts`). Every product and sum stays float64 (inputs are widened to f64 when copied
 * into the module's memory), so results equal the JS kernel's up to summation order (~1e-16 relative).
 *
 * Layout inside the module's memory (all f64, rows padded with zeros to an even length `dPad`):
 *   [A band: bandRows × dPad][B band: bandRows × dPad][C band: bandRows × bandRows]
 * `panel(a, b, c, stride, kBytes, nB, ldc)` adds, for the 4 A rows at byte address `a` (row stride
 * `stride` bytes) and each pair of B rows j, j+1 < nB, the dot products over `kBytes` bytes of
 * columns into C[r][j] (row stride `ldc` bytes). JS drives the band/k-block loops.
 */
import { I32, name, section, uleb, V128, vec } from './wasm-encoding.js';

// Opcodes used (WebAssembly core spec 2.0, SIMD proposal as standardised).
const op = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  f64Load: 0x2b, f64Store: 0x39, f64Add: 0xa0,
  i32Const: 0x41, i32Add: 0x6a, i32Mul: 0x6c, i32LtU: 0x49, i32GeU: 0x4f,
  simd: 0xfd,
} as const;
const simd = { load: 0x00, const: 0x0c, f64x2ExtractLane: 0x21, f64x2Add: 0xf0, f64x2Mul: 0xf2 } as const;

const get = (i: number) => [op.localGet, ...uleb(i)];
const set = (i: number) => [op.localSet, ...uleb(i)];
const i32c = (v: number) => [op.i32Const, ...sleb(v)];
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) { out.push(byte); return out; }
    out.push(byte | 0x80);
  }
}
/** v128.load with alignment hint 2⁴ and a constant byte offset. */
const loadAt = (offset: number) => [op.simd, ...uleb(simd.load), 4, ...uleb(offset)];
const f64x2Add = [op.simd, ...uleb(simd.f64x2Add)];
const f64x2Mul = [op.simd, ...uleb(simd.f64x2Mul)];
const v128Zero = [op.simd, ...uleb(simd.const), ...new Array(16).fill(0)];
const lane = (l: number) => [op.simd, ...uleb(simd.f64x2ExtractLane), l];

/**
 * Bytes of the module: imports `env.memory`, exports `panel` with a `rows`×`cols` register tile
 * (rows of A per panel × rows of B per step); `rows·cols` f64x2 accumulators plus `cols + 1`
 * operands must fit the 16 SSE registers V8 allocates on x86-64. Measured (GFLOP/s, 256×256×2048):
 * 4×2 17.5, 2×4 16.3, 2×2 13.7, 4×3 13.1, 3×3 10.6; unrolling the k loop (×2, ×4) lost 25% (spills),
 * hence the defaults. `unroll` stays for such experiments.
 */
export function moduleBytes(rows = 4, cols = 2, unroll = 1): Uint8Array {
  // Parameters.
  const A = 0, B = 1, C = 2, STRIDE = 3, KBYTES = 4, NB = 5, LDC = 6;
  // i32 locals: j, k, a_1..a_{rows-1}, b_0..b_{cols-1}, c pointer.
  const J = 7, K = 8;
  const AR = [A, ...Array.from({ length: rows - 1 }, (_, r) => 9 + r)];
  const BR = Array.from({ length: cols }, (_, c) => 9 + rows - 1 + c);
  const CP = 9 + rows - 1 + cols;
  const numI32 = CP - 7 + 1;
  // v128 locals: accumulators (r·cols + c), B operands, one A operand.
  const ACC = CP + 1;
  const X = ACC + rows * cols;
  const Y = X + cols;
  const numV128 = rows * cols + cols + 1;

  const body: number[] = [];
  const emit = (...parts: number[][]) => { for (const p of parts) body.push(...p); };
  for (let r = 1; r < rows; r++) emit(get(AR[r - 1]), get(STRIDE), [op.i32Add], set(AR[r]));
  emit(i32c(0), set(J));
  // block { loop { if j >= nB break; …; j += cols; continue } }
  emit([op.block, 0x40, op.loop, 0x40]);
  emit(get(J), get(NB), [op.i32GeU], [op.brIf, 1]);
  emit(get(B), get(J), get(STRIDE), [op.i32Mul], [op.i32Add], set(BR[0]));
  for (let c = 1; c < cols; c++) emit(get(BR[c - 1]), get(STRIDE), [op.i32Add], set(BR[c]));
  for (let i = 0; i < rows * cols; i++) emit(v128Zero, set(ACC + i));
  emit(i32c(0), set(K));
  // Inner k loop over bytes (kBytes is a positive multiple of 16): two columns per step.
  emit([op.loop, 0x40]);
  for (let u = 0; u < unroll; u++) {
    const load = loadAt(16 * u);
    for (let c = 0; c < cols; c++) emit(get(BR[c]), get(K), [op.i32Add], load, set(X + c));
    for (let r = 0; r < rows; r++) {
      emit(get(AR[r]), get(K), [op.i32Add], load, set(Y));
      for (let c = 0; c < cols; c++) {
        emit(get(ACC + r * cols + c), get(Y), get(X + c), f64x2Mul, f64x2Add, set(ACC + r * cols + c));
      }
    }
  }
  emit(get(K), i32c(16 * unroll), [op.i32Add], [op.localTee, K], get(KBYTES), [op.i32LtU], [op.brIf, 0]);
  emit([op.end]);
  // C[r][j + c] += lane 0 + lane 1 (the even and odd columns' partial sums).
  emit(get(C), get(J), i32c(8), [op.i32Mul], [op.i32Add], set(CP));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const offset = uleb(c * 8);
      emit(get(CP), get(CP), [op.f64Load, 3, ...offset]);
      emit(get(ACC + r * cols + c), lane(0), get(ACC + r * cols + c), lane(1), [op.f64Add], [op.f64Add]);
      emit([op.f64Store, 3, ...offset]);
    }
    if (r < rows - 1) emit(get(CP), get(LDC), [op.i32Add], set(CP));
  }
  emit(get(J), i32c(cols), [op.i32Add], set(J));
  emit([op.br, 0]);
  emit([op.end, op.end, op.end]); // loop, block, function

  const func = [...vec([[...uleb(numI32), I32], [...uleb(numV128), V128]]), ...body];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(new Array(7).fill([I32])), ...vec([])]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec([uleb(0)])),
    ...section(7, vec([[...name('panel'), 0x00, ...uleb(0)]])),
    ...section(10, vec([[...uleb(func.length), ...func]])),
  ];
  return Uint8Array.from(bytes);
}

type Panel = (a: number, b: number, c: number, stride: number, kBytes: number, nB: number, ldc: number) => void;

/** The slice of the WebAssembly JS API used here (the project's `lib`/`@types/node` do not declare it). */
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

export interface WasmGramKernel {
  readonly memory: WasmMemory;
  readonly panel: Panel;
}

let cached: WasmGramKernel | null | undefined;

/**
 * The compiled kernel, or null where WebAssembly SIMD is unavailable (then callers use the JS
 * kernel). Compiled once per thread (a module-level cache: the bytes never change); its memory
 * grows on demand and is used by one synchronous call at a time.
 */
export function wasmGramKernel(): WasmGramKernel | null {
  if (cached !== undefined) return cached;
  cached = null;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    const bytes = moduleBytes();
    if (wasm !== undefined && wasm.validate(bytes)) {
      const memory = new wasm.Memory({ initial: 1 });
      const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
      cached = { memory, panel: instance.exports.panel as Panel };
    }
  } catch {
    cached = null; // no SIMD support: the JS kernel is used
  }
  return cached;
}

/** Makes sure the kernel's memory holds at least `bytes`; returns a fresh f64 view of it. */
export function ensureMemory(kernel: WasmGramKernel, bytes: number): Float64Array {
  const have = kernel.memory.buffer.byteLength;
  if (have < bytes) kernel.memory.grow(Math.ceil((bytes - have) / 65536));
  return new Float64Array(kernel.memory.buffer);
}
