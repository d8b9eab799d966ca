import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { applyMask, compositeMasked, formatMask, parseMask, regionMse, visibilityMap } from '../../src/latent/masks.js';

/** Hidden pixels of a map as "row,col" strings. */
const hidden = (map: Uint8Array, width: number): string[] => [...map].flatMap((v, i) => (v ? [] : [`${Math.floor(i / width)},${i % width}`]));

describe('parseMask', () => {
  it('reads the four halves and boxes, and formats them back', () => {
    for (const half of ['top', 'bottom', 'left', 'right']) expect(parseMask(half)).toEqual({ kind: 'half', half });
    expect(parseMask(' Top ')).toEqual({ kind: 'half', half: 'top' });
    expect(parseMask('box:7,8,14,10')).toEqual({ kind: 'box', x: 7, y: 8, width: 14, height: 10 });
    expect(parseMask('box: 1, 2, 3, 4')).toEqual({ kind: 'box', x: 1, y: 2, width: 3, height: 4 });
    expect(formatMask(parseMask('box:7,8,14,10'))).toBe('box:7,8,14,10');
    expect(formatMask(parseMask('left'))).toBe('left');
  });

  it('rejects other text with the accepted forms', () => {
    expect(() => parseMask('middle')).toThrow(InputError);
    expect(() => parseMask('middle')).toThrow("unknown mask 'middle'; expected top, bottom, left, right or box:x,y,w,h");
    expect(() => parseMask('box:1,2,3')).toThrow("mask 'box:1,2,3' is not box:x,y,w,h with four integers (x, y = top-left pixel; w, h = size)");
    expect(() => parseMask('box:1,2,3.5,4')).toThrow('is not box:x,y,w,h');
    expect(() => parseMask('box:1,,3,4')).toThrow('is not box:x,y,w,h');
    expect(() => parseMask('box:-1,2,3,4')).toThrow("mask 'box:-1,2,3,4': x and y must be ≥ 0 and w, h ≥ 1");
    expect(() => parseMask('box:1,2,0,4')).toThrow('w, h ≥ 1');
  });
});

describe('visibilityMap', () => {
  it('hides the named half: the top and bottom halves (and left and right) partition the image', () => {
    const top = visibilityMap(parseMask('top'), 28, 28);
    const bottom = visibilityMap(parseMask('bottom'), 28, 28);
    expect(top.length).toBe(784);
    expect(top.reduce((a, v) => a + v, 0)).toBe(392);
    expect(top.subarray(0, 14 * 28).every((v) => v === 0)).toBe(true);
    expect(top.subarray(14 * 28).every((v) => v === 1)).toBe(true);
    for (let i = 0; i < 784; i++) expect(top[i] + bottom[i]).toBe(1);
    const left = visibilityMap(parseMask('left'), 28, 28);
    const right = visibilityMap(parseMask('right'), 28, 28);
    for (let i = 0; i < 784; i++) {
      expect(left[i]).toBe(i % 28 < 14 ? 0 : 1);
      expect(left[i] + right[i]).toBe(1);
    }
  });

  it('on odd sizes gives top/left the smaller half (the middle row/column goes with bottom/right)', () => {
    expect(hidden(visibilityMap(parseMask('top'), 3, 2), 2)).toEqual(['0,0', '0,1']);
    expect(hidden(visibilityMap(parseMask('bottom'), 3, 2), 2)).toEqual(['1,0', '1,1', '2,0', '2,1']);
    expect(hidden(visibilityMap(parseMask('right'), 2, 3), 3)).toEqual(['0,1', '0,2', '1,1', '1,2']);
  });

  it('hides exactly the box, with x a column and y a row', () => {
    expect(hidden(visibilityMap(parseMask('box:1,2,3,2'), 5, 6), 6)).toEqual(['2,1', '2,2', '2,3', '3,1', '3,2', '3,3']);
    expect(visibilityMap(parseMask('box:7,7,14,14'), 28, 28).reduce((a, v) => a + v, 0)).toBe(784 - 196);
  });

  it('rejects a box outside the image and a mask hiding everything', () => {
    expect(() => visibilityMap(parseMask('box:20,0,10,5'), 28, 28)).toThrow('mask box:20,0,10,5 reaches outside the 28×28 image: keep x + w ≤ 28 and y + h ≤ 28');
    expect(() => visibilityMap(parseMask('box:0,0,28,28'), 28, 28)).toThrow('mask box:0,0,28,28 hides the whole 28×28 image: leave some pixels visible to fit');
    expect(() => visibilityMap(parseMask('top'), 1, 4)).not.toThrow(); // ⌊1/2⌋ = 0 rows hidden
    expect(() => visibilityMap(parseMask('bottom'), 1, 4)).toThrow('hides the whole');
  });
});

describe('masked images', () => {
  const image = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
  const visible = Uint8Array.from([1, 0, 1, 0]);

  it('shows hidden pixels as mid-gray, and composites visible original with generated hidden pixels', () => {
    expect(Array.from(applyMask(image, visible))).toEqual([0.1, 0.5, 0.3, 0.5].map(Math.fround));
    expect(Array.from(applyMask(image, visible, 0))).toEqual([0.1, 0, 0.3, 0].map(Math.fround));
    const filled = Float32Array.from([0.9, 0.8, 0.7, 0.6]);
    expect(Array.from(compositeMasked(image, filled, visible))).toEqual([0.1, 0.8, 0.3, 0.6].map(Math.fround));
    expect(() => applyMask(image, new Uint8Array(3))).toThrow(InputError);
    expect(() => compositeMasked(image, new Float32Array(3), visible)).toThrow(InputError);
  });

  it('measures the MSE over all, the visible or the hidden pixels', () => {
    const other = Float32Array.from([0.1, 0.0, 0.0, 0.4]);
    // Squared differences of the float32 values, summed in float64 as regionMse does.
    const f = (i: number) => (Math.fround([0.1, 0.2, 0.3, 0.4][i]) - Math.fround([0.1, 0, 0, 0.4][i])) ** 2;
    expect(regionMse(image, other)).toBeCloseTo((f(0) + f(1) + f(2) + f(3)) / 4, 15);
    expect(regionMse(image, other, visible)).toBeCloseTo((f(0) + f(2)) / 2, 15);
    expect(regionMse(image, other, visible, 0)).toBeCloseTo((f(1) + f(3)) / 2, 15);
    expect(regionMse(image, other, new Uint8Array(4))).toBeNaN();
    expect(() => regionMse(image, new Float32Array(3))).toThrow('cannot compare images of 4 and 3 pixels');
  });
});
