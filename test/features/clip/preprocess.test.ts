/**
 * @file The CLIP presets' network inputs against the references' own, bit for bit: the SHA-256 of every
 * fixture image's 1×3×R×R float32 input as OpenAI's `preprocess` (`clip`), torch-fidelity's
 * `FeatureExtractorCLIP` (`torch-fidelity`) and the CMMD reference's loader (`cmmd`) made it
 * (fixtures/clip/<model>/expected.json → presets.<preset>.<set>.input_sha256, scripts/make-clip-fixtures.py).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIP_VIT_B_32, CLIP_VIT_L_14_336 } from '../../../src/features/clip/models.js';
import { clipInput, type ClipProtocol } from '../../../src/features/clip/preprocess.js';
import { decodeImage } from '../../../src/io/images.js';
import { FIXTURES } from '../../cli/run-cli.js';

const cases: [string, number, ClipProtocol][] = [
  [CLIP_VIT_B_32.name, 224, 'clip'],
  [CLIP_VIT_B_32.name, 224, 'torch-fidelity'],
  [CLIP_VIT_L_14_336.name, 336, 'clip'],
  [CLIP_VIT_L_14_336.name, 336, 'torch-fidelity'],
  [CLIP_VIT_L_14_336.name, 336, 'cmmd'],
];

describe('CLIP preprocessing', () => {
  for (const [model, size, protocol] of cases) {
    it(`${protocol} at ${size}×${size} gives the reference's input for all 24 fixture images`, async () => {
      const expected = JSON.parse(readFileSync(join(FIXTURES, 'clip', model, 'expected.json'), 'utf8'));
      let n = 0;
      for (const set of ['set_a', 'set_b']) {
        const files: string[] = expected.files[set];
        const info = expected.presets[protocol][set];
        expect(info.input_shape).toEqual([1, 3, size, size]);
        for (const [i, f] of files.entries()) {
          const x = clipInput(await decodeImage(join(FIXTURES, 'images', set, f)), protocol, size);
          expect(createHash('sha256').update(new Uint8Array(x.buffer)).digest('hex'), `${set}/${f}`).toBe(info.input_sha256[i]);
          n++;
        }
      }
      expect(n).toBe(24);
    });
  }

});
