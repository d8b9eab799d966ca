import { describe, expect, it } from 'vitest';
import { classifyDigits, grayToRgb8, topClass } from '../../src/latent/classify.js';
import { loadTargets } from '../../src/latent/targets.js';

describe('classify', () => {
  it('quantises grayscale as a PNG writer would and replicates it to RGB', () => {
    const [img] = grayToRgb8(Float32Array.from([0, 0.5, 1.2, -0.1, 0.2, 1 / 255]), 1, 2, 3);
    expect(img.height).toBe(2);
    expect(img.width).toBe(3);
    expect(Array.from(img.data)).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255, 0, 0, 0, 51, 51, 51, 1, 1, 1]);
  });

  it('takes the argmax and its softmax probability per row', () => {
    const [a, b] = topClass([0, Math.log(3), 0, 5, 5, 1000], 2, 3);
    expect(a.digit).toBe(1);
    expect(a.probability).toBeCloseTo(3 / 5, 14);
    expect(b.digit).toBe(2); // no overflow for large logits
    expect(b.probability).toBe(1);
  });

  it('labels real test digits as the bundled classifier does (test #0–4: 7, 2, 1, 0, 4)', async () => {
    const targets = await loadTargets([0, 1, 2, 3, 4].map((index) => ({ kind: 'index' as const, index })));
    const pixels = new Float32Array(5 * 784);
    targets.forEach((t, i) => pixels.set(t.pixels, i * 784));
    const predictions = await classifyDigits(pixels, 5, 28, 28);
    expect(predictions.map((p) => p.digit)).toEqual([7, 2, 1, 0, 4]);
    for (const p of predictions) expect(p.probability).toBeGreaterThan(0.9);
  });
});
