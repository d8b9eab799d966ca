/**
 * @file Writing a figure built by `svg.ts` to a file: `.svg` as text, `.png` rasterised by sharp
 * (librsvg; DejaVu fonts where installed). The only I/O of the figure code.
 */
import { extname } from 'node:path';
import sharp from 'sharp';
import { InputError } from '../core/errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';

/**
 * Write a figure: `.svg` as the text `render()` returns, `.png` rasterised by sharp at `scale` pixels
 * per SVG unit (default 1). Atomic. `name` is the figure in messages (`'the sweep plot'`), `what` the
 * figure as in {@link figureSize} (`'sweep plot'`).
 * @throws {InputError} when `path` ends in neither .png nor .svg or `scale` is not a number from 0.25 to 8
 *   (checked before rendering), or as `render`; file-system errors as Node's.
 */
export async function writeFigure(
  path: string,
  render: () => string,
  scale: number | undefined,
  names: { name: string; what: string },
): Promise<void> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.png' && ext !== '.svg') {
    throw new InputError(`cannot write ${names.name} to ${path}: the file name must end in .png or .svg`);
  }
  const s = scale ?? 1;
  if (!(s >= 0.25 && s <= 8)) {
    throw new InputError(`${names.what} scale must be a number from 0.25 to 8, got ${s}`);
  }
  const svg = render();
  if (ext === '.svg') {
    await writeFileAtomic(path, svg);
    return;
  }
  // librsvg renders at `density` dpi; 72 dpi maps one SVG unit (px) to one output pixel.
  const png = await sharp(Buffer.from(svg), { density: 72 * s }).png().toBuffer();
  await writeFileAtomic(path, png);
}
