/**
 * @file The three DINOv2 presets against the network inputs their references produced on the 24
 * fixture images (fixtures/dinov2/expected.json → inputs, recorded by scripts/make-dinov2-fixtures.py
 * from torch-fidelity's FeatureExtractorDinoV2.forward, dgm-eval's DINOv2Encoder.transform and EDM2's
 * DINOv2Detector with `torch.hub.load` replaced by a recorder): the SHA-256 of each 1×3×224×224
 * float32 input must match, i.e. bit for bit, for every preset on all 24 images (enlarged, shrunk —
 * 299² and 320×200 → 224² — and gray, palette, RGBA and 16-bit sources).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DINOV2_PROTOCOLS, dinov2Input } from '../../../src/features/dinov2/preprocess.js';
import { decodeImage } from '../../../src/io/images.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'dinov2', 'expected.json'), 'utf8'));

describe('DINOv2 presets: network inputs against the references', () => {
  it('declares dgm-eval, edm2 and torch-fidelity, dgm-eval first (the default)', () => {
    expect(DINOV2_PROTOCOLS).toEqual(['dgm-eval', 'edm2', 'torch-fidelity']);
  });

  for (const protocol of DINOV2_PROTOCOLS) {
    it(`${protocol}: every fixture image's input is the reference's, bit for bit`, async () => {
      const mismatches: string[] = [];
      for (const set of ['set_a', 'set_b']) {
        for (const { file, sha256_nchw_f32_le: sha, sum } of expected.inputs[protocol][set] as { file: string; sha256_nchw_f32_le: string; sum: number }[]) {
          const x = dinov2Input(await decodeImage(join(FIXTURES, 'images', set, file)), protocol);
          const got = createHash('sha256').update(new Uint8Array(x.buffer)).digest('hex');
          if (got !== sha) mismatches.push(`${set}/${file}: sum ${x.reduce((a, b) => a + b, 0)} vs ${sum}`);
        }
      }
      expect(mismatches).toEqual([]);
    });
  }
});
