/**
 * @file The "hash weights" mixer every extractor's test weights are made with (Inception, VGG16, CLIP,
 * DINOv2: each `<extractor>/hash-weights.ts` only chooses a key's rule). Deterministic values that a short
 * NumPy function reproduces bit for bit (scripts/make-*-fixtures.py), so tests run the real network code
 * path without the real, unshippable weights.
 *
 * Per key K and flat C-order index i:
 *   h = FNV-1a-32(UTF-8 K);  x = h ^ (i·2654435761 mod 2³²);  then the murmur3 fmix32 finaliser
 *   (x ^= x>>>16; x *= 0x85EBCA6B; x ^= x>>>13; x *= 0xC2B2AE35; x ^= x>>>16);  u = x / 2³² ∈ [0, 1);
 *   value = offset + scale·(2u − 1), one float64 expression (2u − 1 and its product with a power of two are exact).
 */

const TWO_POW_32 = 4294967296;

/** FNV-1a 32-bit hash of the UTF-8 bytes of `key`. */
export function fnv1a32(key: string): number {
  let h = 2166136261;
  for (const b of new TextEncoder().encode(key)) {
    h = Math.imul(h ^ b, 16777619) >>> 0;
  }
  return h >>> 0;
}

/** The mixed 32-bit integer x for key hash `h` and flat index `i` (`Math.imul` keeps the exact low 32 bits). */
export function hashMix(h: number, i: number): number {
  let x = (h ^ Math.imul(i, 2654435761)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** The float64 value offset + scale·(2u − 1) of flat index `i` of the key whose FNV-1a hash is `h`. */
export function hashUniformValue(h: number, i: number, scale: number, offset = 0): number {
  return offset + scale * (2 * (hashMix(h, i) / TWO_POW_32) - 1);
}

/**
 * The first `n` hash values offset + scale·(2u − 1) of key `key`, in `out` (a new Float32Array by default).
 * A Float32Array store is the single round-to-nearest-even of the float64 value, as NumPy's
 * `astype(float32)`; a Float64Array keeps the exact value, for a caller that rounds it otherwise (float16).
 * Hot: it fills ViT-g/14's 1.1 G values, so {@link hashMix} is inlined (a call per value doubles the time).
 */
export function hashUniform(key: string, n: number, scale: number, offset?: number): Float32Array;
export function hashUniform<A extends Float32Array | Float64Array>(key: string, n: number, scale: number, offset: number, out: A): A;
export function hashUniform(key: string, n: number, scale: number, offset = 0, out: Float32Array | Float64Array = new Float32Array(n)): Float32Array | Float64Array {
  const h = fnv1a32(key);
  for (let i = 0; i < n; i++) {
    let x = (h ^ Math.imul(i, 2654435761)) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x85ebca6b) >>> 0;
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35) >>> 0;
    x ^= x >>> 16;
    out[i] = offset + scale * (2 * ((x >>> 0) / TWO_POW_32) - 1);
  }
  return out;
}
