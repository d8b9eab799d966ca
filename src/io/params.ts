/**
 * @file Parameter tables of the trainable MNIST generators (GAN, VAE): names and shapes in file
 * order, their seeded initialisation, and their packing as little-endian float32 — the same kind of
 * `model.json` + `weights.bin` pair as the classifier's (`src/features/mnist/weights.ts`). Also the
 * seeded standard-normal draws the latent codes and the VAE's reparameterisation use.
 */
import { FormatError } from '../core/errors.js';
import type { RandomState } from '../random/random-state.js';

/** One parameter: dense weights are in×out (tfjs's layout), biases 1-d. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
}
export type ParamTable = readonly ParamSpec[];
/** Plain float32 weights by parameter name. */
export type Weights = Record<string, Float32Array>;

export function paramSize(p: ParamSpec): number {
  return p.shape.reduce((a, b) => a * b, 1);
}

/** Total parameter count of a table. */
export function paramCount(table: ParamTable): number {
  return table.reduce((n, p) => n + paramSize(p), 0);
}

/**
 * He-uniform weights (limit √(6/fan_in), fan_in = all dimensions but the last: shape[0] for a dense
 * in×out matrix, kh·kw·cin for an HWIO filter) and zero biases, drawn in table order from `rng` —
 * the classifier's scheme, so a seed means the same weights on every machine.
 */
export function initDense(table: ParamTable, rng: RandomState): Weights {
  const out: Weights = {};
  for (const p of table) {
    const data = new Float32Array(paramSize(p));
    if (p.shape.length >= 2) {
      const limit = Math.sqrt(6 / p.shape.slice(0, -1).reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) data[i] = (2 * rng.randomSample() - 1) * limit;
    }
    out[p.name] = data;
  }
  return out;
}

/** Concatenate `weights` in table order as little-endian float32 bytes. */
export function packParams(table: ParamTable, weights: Weights): Uint8Array {
  const flat = new Float32Array(paramCount(table));
  let offset = 0;
  for (const p of table) {
    flat.set(weights[p.name], offset);
    offset += paramSize(p);
  }
  return new Uint8Array(flat.buffer);
}

/**
 * Split packed float32 bytes into named arrays.
 * @throws {FormatError} when the byte count is not the table's.
 */
export function unpackParams(table: ParamTable, bytes: Uint8Array, source: string): Weights {
  const total = paramCount(table);
  if (bytes.byteLength !== total * 4) throw new FormatError(`${source} has ${bytes.byteLength} bytes, expected ${total * 4} (${total} float32 parameters): the file is damaged or of another model`);
  // Copy into an aligned buffer: a Node Buffer's byteOffset need not be a multiple of 4.
  const flat = new Float32Array(total);
  new Uint8Array(flat.buffer).set(bytes);
  const out: Weights = {};
  let offset = 0;
  for (const p of table) {
    out[p.name] = flat.subarray(offset, offset + paramSize(p));
    offset += paramSize(p);
  }
  return out;
}

/**
 * Fill `out` with standard-normal draws from `rng` (Box–Muller on two `random_sample()` draws; not
 * numpy's polar method — only reproducibility within fidkit matters here).
 */
export function fillNormal(rng: RandomState, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - rng.randomSample(); // (0, 1]: log(u) is finite
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * rng.randomSample();
    out[i] = r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
  }
  return out;
}
