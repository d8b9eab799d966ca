/**
 * @file WebAssembly SIMD (f64x2) kernels for the level-2 work of the tridiagonal reduction
 * (`tridiagonal.ts`): once the rank-2k updates ran in WebAssembly, the symmetric matrix·vector
 * product took 45 % and the panel's small matrix·vector products in JS 33 % of the reduction at
 * D = 2048. Emitted as bytes below (no toolchain, no binary in the repository).
 *
 * `rows4(a, ld, v, y, k0, k1, v0, v1, v2, v3, out)` (addresses and lengths in bytes):
 * for the 4 rows starting at byte address `a` (row stride `ld`) and columns k0 ≤ k < k1
 * (k0, k1 multiples of 16, k0 < k1), adds A[r, k]·v_r to y[k] for each row r (the column
 * half of the product) and writes the row dot products Σₖ A[r, k]·v[k] to out[0..3] (f64).
 * Per two columns it loads v, y and four row pairs once and stores y once: 8 multiply-adds for 7
 * memory operations, twice the work per instruction of the 4-row JS loop.
 *
 * `dots2(x, ld, seg, len, u, out, rows)`: out[r] = Σ_{q<len} x[r, q]·u[q] + x[r, seg + q]·u[seg + q]
 * for r < rows (row r at x + r·ld; seg and len in bytes, len a multiple of 16): the panel
 * products V·a + W·b with [V | W] stored side by side in each row.
 * `axpyRows(x, ld, seg, len, v, out, rows)`: out[q] += Σ_r x[r, q]·v[r] on both segments — the
 * transposed products Vᵀv, Wᵀv, row by row so that every load is contiguous.
 */
import { F64, I32, name, section, uleb, V128, vec } from './wasm-encoding.js';

const get = (i: number): number[] => [0x20, ...uleb(i)];
const set = (i: number): number[] => [0x21, ...uleb(i)];
const I32_ADD = [0x6a], I32_LT_U = [0x49], F64_ADD = [0xa0];
const i32Const = (v: number): number[] => [0x41, ...uleb(v)]; // small non-negative constants only
const SIMD = 0xfd;
const v128Load = [SIMD, ...uleb(0x00), 4, 0]; // align 2⁴, offset 0
const v128Store = [SIMD, ...uleb(0x0b), 4, 0];
const f64x2Splat = [SIMD, ...uleb(0x14)];
const f64x2Add = [SIMD, ...uleb(0xf0)];
const f64x2Mul = [SIMD, ...uleb(0xf2)];
const lane = (l: number): number[] => [SIMD, ...uleb(0x21), l];
const f64Store = (offset: number): number[] => [0x39, 3, ...uleb(offset)];

const I32_GE_U = [0x4f];
const f64Load = [0x2b, 3, 0];
const v128Zero = [SIMD, ...uleb(0x0c), ...new Array<number>(16).fill(0)];
const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], END = [0x0b];
const br = (depth: number): number[] => [0x0c, depth];
const brIf = (depth: number): number[] => [0x0d, depth];
const tee = (i: number): number[] => [0x22, ...uleb(i)];

function rows4Body(): number[] {
  // Parameters: a, ld, v, y, k0, k1 (i32), v0..v3 (f64), out (i32).
  const A = 0, LD = 1, V = 2, Y = 3, K0 = 4, K1 = 5, VS = 6, OUT = 10;
  // Locals: i32 r1, r2, r3, k; v128 s0..s3, w0..w3, x, t, e.
  const R = [A, 11, 12, 13];
  const K = 14;
  const S = 15, W = 19, X = 23, T = 24, E = 25;
  const body: number[] = [];
  const emit = (...parts: number[][]): void => {
    for (const p of parts) body.push(...p);
  };
  for (let r = 1; r < 4; r++) emit(get(R[r - 1]), get(LD), I32_ADD, set(R[r]));
  for (let r = 0; r < 4; r++) emit(get(VS + r), f64x2Splat, set(W + r));
  emit(get(K0), set(K));
  emit(LOOP);
  emit(get(V), get(K), I32_ADD, v128Load, set(X));
  for (let r = 0; r < 4; r++) {
    emit(get(R[r]), get(K), I32_ADD, v128Load, set(E));
    emit(get(S + r), get(E), get(X), f64x2Mul, f64x2Add, set(S + r));
    if (r === 0) emit(get(E), get(W), f64x2Mul, set(T));
    else emit(get(T), get(E), get(W + r), f64x2Mul, f64x2Add, set(T));
  }
  // y[k..k+1] += t
  emit(get(Y), get(K), I32_ADD, get(Y), get(K), I32_ADD, v128Load, get(T), f64x2Add, v128Store);
  emit(get(K), i32Const(16), I32_ADD, tee(K), get(K1), I32_LT_U, brIf(0)); // k += 16; loop while k < k1
  emit(END);
  for (let r = 0; r < 4; r++) emit(get(OUT), get(S + r), lane(0), get(S + r), lane(1), F64_ADD, f64Store(8 * r));
  emit(END);
  return [...vec([[...uleb(4), I32], [...uleb(11), V128]]), ...body];
}

/** dots2 (transposed = false) or axpyRows (true); parameters x, ld, seg, len, u|v, out, rows. */
function panelBody(transposed: boolean): number[] {
  const X = 0, LD = 1, SEG = 2, LEN = 3, U = 4, OUT = 5, ROWS = 6;
  const R = 7, Q = 8, XS = 9, US = 10; // i32 locals
  const ACC = 11; // v128 local
  const body: number[] = [];
  const emit = (...parts: number[][]): void => {
    for (const p of parts) body.push(...p);
  };
  // US: the second segment of u (dots2) or of out (axpyRows).
  emit(get(transposed ? OUT : U), get(SEG), I32_ADD, set(US));
  emit(BLOCK, LOOP);
  emit(get(R), get(ROWS), I32_GE_U, brIf(1));
  emit(get(X), get(SEG), I32_ADD, set(XS));
  if (transposed) emit(get(U), f64Load, f64x2Splat, set(ACC));
  else emit(v128Zero, set(ACC));
  emit(i32Const(0), set(Q));
  emit(BLOCK, get(Q), get(LEN), I32_GE_U, brIf(0), LOOP);
  if (transposed) {
    // out[q..q+1] += x[q..q+1]·v;  out[seg + q..] += x[seg + q..]·v
    emit(get(OUT), get(Q), I32_ADD, get(OUT), get(Q), I32_ADD, v128Load, get(X), get(Q), I32_ADD, v128Load, get(ACC), f64x2Mul, f64x2Add, v128Store);
    emit(get(US), get(Q), I32_ADD, get(US), get(Q), I32_ADD, v128Load, get(XS), get(Q), I32_ADD, v128Load, get(ACC), f64x2Mul, f64x2Add, v128Store);
  } else {
    emit(get(ACC), get(X), get(Q), I32_ADD, v128Load, get(U), get(Q), I32_ADD, v128Load, f64x2Mul, f64x2Add);
    emit(get(XS), get(Q), I32_ADD, v128Load, get(US), get(Q), I32_ADD, v128Load, f64x2Mul, f64x2Add, set(ACC));
  }
  emit(get(Q), i32Const(16), I32_ADD, tee(Q), get(LEN), I32_LT_U, brIf(0), END, END);
  if (transposed) {
    emit(get(U), i32Const(8), I32_ADD, set(U));
  } else {
    emit(get(OUT), get(ACC), lane(0), get(ACC), lane(1), F64_ADD, f64Store(0));
    emit(get(OUT), i32Const(8), I32_ADD, set(OUT));
  }
  emit(get(X), get(LD), I32_ADD, set(X));
  emit(get(R), i32Const(1), I32_ADD, set(R), br(0), END, END, END);
  return [...vec([[...uleb(4), I32], [...uleb(1), V128]]), ...body];
}

/**
 * The module's bytes: imports env.memory, exports rows4, dots2 and axpyRows. With `sharedPages`
 * the memory import is a shared memory of that many pages (min 1, max sharedPages), for a
 * module instantiated in several threads (parallel.ts).
 */
export function tridiagonalModuleBytes(sharedPages?: number): Uint8Array {
  const limits = sharedPages === undefined ? [0x00, ...uleb(1)] : [0x03, ...uleb(1), ...uleb(sharedPages)];
  const rows4Params = [I32, I32, I32, I32, I32, I32, F64, F64, F64, F64, I32];
  const panelParams = [I32, I32, I32, I32, I32, I32, I32];
  const funcs = [rows4Body(), panelBody(false), panelBody(true)];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([
      [0x60, ...vec(rows4Params.map((p) => [p])), ...vec([])],
      [0x60, ...vec(panelParams.map((p) => [p])), ...vec([])],
    ])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec([uleb(0), uleb(1), uleb(1)])),
    ...section(7, vec([
      [...name('rows4'), 0x00, ...uleb(0)],
      [...name('dots2'), 0x00, ...uleb(1)],
      [...name('axpyRows'), 0x00, ...uleb(2)],
    ])),
    ...section(10, vec(funcs.map((f) => [...uleb(f.length), ...f]))),
  ]);
}

export type Rows4 = (
  a: number, ld: number, v: number, y: number, k0: number, k1: number,
  v0: number, v1: number, v2: number, v3: number, out: number,
) => void;

/** See the file comment: dots2 and axpyRows share this signature (addresses and lengths in bytes). */
export type PanelKernel = (x: number, ld: number, seg: number, len: number, u: number, out: number, rows: number) => void;

/**
 * A copy of a module whose only import is env.memory, importing instead a shared memory of at
 * most `maxPages` pages (the import section is rewritten; every other section is kept).
 */
export function withSharedMemoryImport(bytes: Uint8Array, maxPages: number): Uint8Array {
  const out: number[] = Array.from(bytes.subarray(0, 8));
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p++];
    let size = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[p++];
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    let body = Array.from(bytes.subarray(p, p + size));
    p += size;
    if (id === 2) body = vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(maxPages)]]);
    out.push(...section(id, body));
  }
  return Uint8Array.from(out);
}
