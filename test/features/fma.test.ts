/**
 * fmaF32 (features/fma.ts), the fused multiply-add torch's kernels are reproduced with, against an
 * exact reference: the sum a·b + c in BigInt arithmetic, rounded to the nearest float32 (ties to
 * even) by comparing exact distances. Random triples over many magnitudes, and triples built so that
 * the double sum lands exactly on a float32 midpoint (the case a plain float64 computation gets wrong).
 */
import { describe, expect, it } from 'vitest';
import { fmaF32 } from '../../src/features/fma.js';

const f32 = Math.fround;
const K = 400n; // scale: every value here is an integer multiple of 2^-400 and below 2^200
const SCALE = 2 ** 400;

/** A double as the exact integer x·2^400 (x a float32 or the exact product of two). */
const exact = (x: number): bigint => BigInt(x * SCALE); // multiplying by a power of two is exact
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** float32 neighbours: the next float32 above and below x. */
function step(x: number, up: boolean): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (x === 0) return up ? 2 ** -149 : -(2 ** -149);
  u[0] += (x > 0) === up ? 1 : -1;
  return f[0];
}

function referenceFma(a: number, b: number, c: number): number {
  const s = exact(a * b) + exact(c); // a·b is exact in double for float32 a, b
  let r = f32(Number(s) / SCALE);
  // Move r to the float32 nearest to s (the approximation is off by at most one step).
  for (const up of [true, false]) {
    for (;;) {
      const n = step(r, up);
      const dn = abs(s - exact(n));
      const dr = abs(s - exact(r));
      if (dn < dr || (dn === dr && (new Uint32Array(new Float32Array([n]).buffer)[0] & 1) === 0)) r = n;
      else break;
    }
  }
  return r;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('fmaF32 vs exact rounding', () => {
  it('random float32 triples, magnitudes 2^-30..2^30, both signs', () => {
    const r = rng(7);
    const rand = () => f32((r() - 0.5) * 2 ** Math.floor(r() * 60 - 30));
    for (let i = 0; i < 20000; i++) {
      const [a, b, c] = [rand(), rand(), rand()];
      expect(fmaF32(a, b, c), `${a} ${b} ${c}`).toBe(referenceFma(a, b, c));
    }
  });

  it('double sums that land on a float32 midpoint', () => {
    const r = rng(11);
    let midpoints = 0;
    for (let i = 0; i < 20000; i++) {
      // a = 1 + k·2^-12: a² has bits down to 2^-24, half a float32 ulp; a tiny c then decides.
      const a = f32(1 + Math.floor(r() * 4096) * 2 ** -12);
      const b = f32(a * (r() < 0.5 ? 1 : 1 + 2 ** -12));
      const c = f32((r() < 0.5 ? 1 : -1) * 2 ** -(40 + Math.floor(r() * 20)));
      const s = a * b + c;
      if (f32(s) !== s && Math.abs(step(f32(s), s > f32(s)) - s) === Math.abs(s - f32(s))) midpoints++;
      expect(fmaF32(a, b, c), `${a} ${b} ${c}`).toBe(referenceFma(a, b, c));
    }
    expect(midpoints).toBeGreaterThan(500); // 732 with this seed
  });
});
