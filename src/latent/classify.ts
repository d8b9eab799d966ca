/**
 * @file Which digit the bundled MNIST classifier sees in generated frames (the `mnist` extractor's
 * logits, softmax in float64). Frames are handed over as the 8-bit RGB images a PNG of them would
 * decode to: round(clamp(v, 0, 1)·255), the gray value replicated to R, G and B.
 */
import { loadExtractor } from '../features/registry.js';
import { toRgb8 } from '../generators/sample.js';

/** The classifier's verdict on one image. */
export interface DigitPrediction {
  /** The most probable class, 0–9. */
  readonly digit: number;
  /** Its softmax probability. */
  readonly probability: number;
}

/** argmax and softmax probability of each row of `logits` ([rows, classes]); max-shifted in float64. */
export function topClass(logits: ArrayLike<number>, rows: number, classes: number): DigitPrediction[] {
  return Array.from({ length: rows }, (_, r) => {
    let digit = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + digit]) digit = c;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[r * classes + c] - logits[r * classes + digit]);
    return { digit, probability: 1 / sum };
  });
}

/**
 * Classify grayscale images with the bundled MNIST classifier (or the classifier folder `weights`).
 * @throws {FidkitError} when the classifier cannot be loaded.
 */
export async function classifyDigits(pixels: Float32Array, count: number, height: number, width: number, weights?: string): Promise<DigitPrediction[]> {
  if (count === 0) return [];
  const { extractor } = await loadExtractor('mnist', { weights });
  try {
    const { logits } = await extractor.extract(toRgb8(pixels, count, height, width, 1), ['logits']);
    return topClass(logits.data, logits.rows, logits.cols);
  } finally {
    await extractor.dispose();
  }
}
