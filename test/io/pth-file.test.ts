/**
 * @file `openPthFile`: a `.pth` opened through a file handle, its tensors read from the file when asked
 * for (the way DINOv2 ViT-g/14's 4.5 GB checkpoint is streamed), gives exactly what `readPth` gives
 * from the whole file in memory — keys, dtypes, shapes, values, `rawBytes` — for every checkpoint in
 * fixtures/pth (zip format through the handle; legacy format falls back to a whole read), and refuses
 * the same broken files with the same errors.
 */
import { readdirSync, writeFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPthFile, readPth } from '../../src/io/pth.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'pth');
const files = readdirSync(DIR).filter((f) => f.endsWith('.pth'));

describe('openPthFile', () => {
  it('finds the fixture checkpoints, zip and legacy', () => {
    expect(files.filter((f) => f.endsWith('_zip.pth')).length).toBeGreaterThanOrEqual(5);
    expect(files.filter((f) => f.endsWith('_legacy.pth')).length).toBeGreaterThanOrEqual(5);
  });

  for (const file of files) {
    it(`reads ${file} as readPth does`, async () => {
      const path = join(DIR, file);
      // noncontig_* holds a stride-0 view, refused by default (pth-views.test.ts); allow it to compare.
      const options = { allowExpandedViews: file.startsWith('noncontig') };
      const whole = await readPth(path, path, options);
      const lazy = await openPthFile(path, options);
      try {
        expect(lazy.format).toBe(whole.format);
        expect([...lazy.stateDict.keys()]).toEqual([...whole.stateDict.keys()]);
        for (const [key, t] of whole.stateDict) {
          const u = lazy.stateDict.get(key)!;
          expect(u.dtype, key).toBe(t.dtype);
          expect(u.shape, key).toEqual(t.shape);
          expect((u as { rawBytes: Uint8Array }).rawBytes, key).toEqual((t as { rawBytes: Uint8Array }).rawBytes);
          expect(u.data, key).toEqual(t.data);
        }
      } finally {
        lazy.close();
      }
    });
  }

  it('refuses a truncated zip checkpoint as readPth does, and a non-checkpoint', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'fidkit-pth-file-'));
    try {
      const bytes = readFileSync(join(DIR, 'dtypes_zip.pth'));
      const cut = join(tmp, 'cut.pth');
      writeFileSync(cut, bytes.subarray(0, bytes.length - 40));
      const wholeError = await readPth(cut).catch((e: Error) => e.message);
      await expect(openPthFile(cut)).rejects.toThrow(wholeError as string);
      const junk = join(tmp, 'junk.pth');
      writeFileSync(junk, 'not a checkpoint');
      await expect(openPthFile(junk)).rejects.toThrow(/is not a PyTorch checkpoint/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
