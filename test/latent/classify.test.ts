import { describe, expect, it } from 'vitest';
import { classifyDigits, topClass } from '../../src/latent/classify.js';
import { loadTargets } from '../../src/latent/targets.js';

describe('classify', () => {
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
