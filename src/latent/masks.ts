/**
 * @file Inpainting masks, pure: parsing `--mask top|bottom|left|right|box:x,y,w,h`, the per-pixel
 * visibility map it gives, and the masked view of an image.
 *
 * The named region is the one HIDDEN from the optimiser: `top` hides rows 0 … ⌊H/2⌋ − 1 (the upper
 * half; for odd H the middle row stays visible), `bottom` hides rows ⌊H/2⌋ … H − 1 (the rest, so
 * `top` and `bottom` partition the image), `left`/`right` the same for columns; `box:x,y,w,h` hides
 * the w×h box whose top-left pixel is column x, row y (0-based), which must lie inside the image.
 */
import { InputError } from '../core/errors.js';

export type MaskHalf = 'top' | 'bottom' | 'left' | 'right';
export const MASK_HALVES = Object.freeze(['top', 'bottom', 'left', 'right'] as const);

/** A hidden region: a named half, or a box (pixels, top-left corner at column x, row y). */
export type MaskSpec = { readonly kind: 'half'; readonly half: MaskHalf } | { readonly kind: 'box'; readonly x: number; readonly y: number; readonly width: number; readonly height: number };

const MASK_FORMS = `${MASK_HALVES.join(', ')} or box:x,y,w,h`;

/**
 * Parse a mask's text form.
 * @throws {InputError} for anything but the forms above, or a box with a negative corner or an empty size.
 * @example parseMask('box:7,7,14,14') // { kind: 'box', x: 7, y: 7, width: 14, height: 14 }
 */
export function parseMask(text: string): MaskSpec {
  const t = text.trim().toLowerCase();
  if ((MASK_HALVES as readonly string[]).includes(t)) return { kind: 'half', half: t as MaskHalf };
  const m = /^box:(.*)$/.exec(t);
  if (!m) throw new InputError(`unknown mask '${text}'; expected ${MASK_FORMS}`);
  const parts = m[1].split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 4 || parts.some((s) => s === '') || !nums.every(Number.isSafeInteger)) {
    throw new InputError(`mask '${text}' is not box:x,y,w,h with four integers (x, y = top-left pixel; w, h = size)`);
  }
  const [x, y, width, height] = nums;
  if (x < 0 || y < 0 || width < 1 || height < 1) throw new InputError(`mask '${text}': x and y must be ≥ 0 and w, h ≥ 1`);
  return { kind: 'box', x, y, width, height };
}

/** The text form of a mask (inverse of {@link parseMask}). */
export function formatMask(mask: MaskSpec): string {
  return mask.kind === 'half' ? mask.half : `box:${mask.x},${mask.y},${mask.width},${mask.height}`;
}

/**
 * Visibility map of `mask` on a height×width image: row-major, 1 = visible (the loss sees it), 0 = hidden.
 * @throws {InputError} when a box reaches outside the image, or the mask hides every pixel.
 */
export function visibilityMap(mask: MaskSpec, height: number, width: number): Uint8Array {
  let [r0, r1, c0, c1] = [0, 0, 0, 0]; // hidden rows [r0, r1), columns [c0, c1)
  if (mask.kind === 'box') {
    if (mask.x + mask.width > width || mask.y + mask.height > height) {
      throw new InputError(`mask ${formatMask(mask)} reaches outside the ${width}×${height} image: keep x + w ≤ ${width} and y + h ≤ ${height}`);
    }
    [r0, r1, c0, c1] = [mask.y, mask.y + mask.height, mask.x, mask.x + mask.width];
  } else {
    const midRow = Math.floor(height / 2);
    const midCol = Math.floor(width / 2);
    [r0, r1, c0, c1] = {
      top: [0, midRow, 0, width],
      bottom: [midRow, height, 0, width],
      left: [0, height, 0, midCol],
      right: [0, height, midCol, width],
    }[mask.half];
  }
  const visible = new Uint8Array(height * width).fill(1);
  for (let r = r0; r < r1; r++) visible.fill(0, r * width + c0, r * width + c1);
  if (!visible.includes(1)) throw new InputError(`mask ${formatMask(mask)} hides the whole ${width}×${height} image: leave some pixels visible to fit`);
  return visible;
}

/**
 * The masked view of a grayscale image (as shown in the grid): visible pixels kept, hidden ones set to `fill`.
 * @throws {InputError} when the image and the map differ in size.
 */
export function applyMask(image: Float32Array, visible: Uint8Array, fill = 0.5): Float32Array {
  if (image.length !== visible.length) throw new InputError(`image of ${image.length} pixels and mask of ${visible.length} differ in size`);
  return image.map((v, i) => (visible[i] ? v : fill));
}

/**
 * Visible pixels from `original`, hidden ones from `filled`: the inpainted image.
 * @throws {InputError} when the sizes differ.
 */
export function compositeMasked(original: Float32Array, filled: Float32Array, visible: Uint8Array): Float32Array {
  if (original.length !== visible.length || filled.length !== visible.length) throw new InputError(`images of ${original.length} and ${filled.length} pixels and a mask of ${visible.length} differ in size`);
  return original.map((v, i) => (visible[i] ? v : filled[i]));
}

/**
 * Mean squared difference of `a` and `b` over the pixels where `select[i] === which` (all pixels
 * when `select` is omitted); NaN when none is selected. float64 accumulation.
 * @throws {InputError} when the lengths differ.
 */
export function regionMse(a: ArrayLike<number>, b: ArrayLike<number>, select?: Uint8Array, which = 1): number {
  if (a.length !== b.length || (select && select.length !== a.length)) throw new InputError(`cannot compare images of ${a.length} and ${b.length} pixels${select ? ` with a mask of ${select.length}` : ''}`);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (select && select[i] !== which) continue;
    const d = a[i] - b[i];
    sum += d * d;
    n++;
  }
  return n === 0 ? NaN : sum / n;
}
