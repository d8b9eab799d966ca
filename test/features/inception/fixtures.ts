/**
 * @file Fixture access shared by the Inception tests: the decoded images of set_a/set_b (PIL's
 * `convert('RGB')` output, `fixtures/inception-fid/<set>/decoded_rgb/*.npy`) in file order, and
 * float32 matrices from `.npy` files.
 */
import { readFileSync } from 'node:fs';
import type { DecodedImage } from '../../../src/io/decoded-image.js';
import { readNpyFile } from '../../../src/io/npy.js';

export const SETS = ['set_a', 'set_b'] as const;
export type FixtureSet = (typeof SETS)[number];

export const FIXTURES = 'fixtures';

/** File names of a set, in pytorch-fid's order (the same in every protocol folder). */
export function fixtureFiles(set: FixtureSet): string[] {
  return readFileSync(`${FIXTURES}/inception-fid/${set}/files.txt`, 'utf8').trim().split('\n');
}

/** The decoded 8-bit RGB image of one fixture file. */
export async function fixtureImage(set: FixtureSet, file: string): Promise<DecodedImage> {
  const arr = await readNpyFile(`${FIXTURES}/inception-fid/${set}/decoded_rgb/${file}.npy`);
  if (!(arr.data instanceof Uint8Array) || arr.shape.length !== 3 || arr.shape[2] !== 3) {
    throw new Error(`${file}: expected uint8 HxWx3, got ${arr.dtype} [${arr.shape.join(', ')}]`);
  }
  return { data: arr.data, height: arr.shape[0], width: arr.shape[1] };
}

/** All decoded images of a set, in file order. */
export async function fixtureImages(set: FixtureSet): Promise<DecodedImage[]> {
  return Promise.all(fixtureFiles(set).map((f) => fixtureImage(set, f)));
}

/** A float32 `.npy` fixture as a flat array. */
export async function fixtureFloat32(path: string): Promise<Float32Array> {
  const arr = await readNpyFile(`${FIXTURES}/${path}`);
  if (!(arr.data instanceof Float32Array)) throw new Error(`${path}: expected float32, got ${arr.dtype}`);
  return arr.data;
}

/** CHW (3×H×W) → HWC, the layout of the protocol fixtures. */
export function chwToHwc(chw: Float32Array, height: number, width: number): Float32Array {
  const plane = height * width;
  const hwc = new Float32Array(chw.length);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) hwc[i * 3 + c] = chw[c * plane + i];
  return hwc;
}

/** Largest absolute element-wise difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
