/**
 * @file The three DINOv2 presets against the network inputs their references produced on the 24
 * fixture images (fixtures/dinov2/expected.json → inputs, recorded by scripts/make-dinov2-fixtures.py
 * from torch-fidelity's FeatureExtractorDinoV2.forward, dgm-eval's DINOv2Encoder.transform and EDM2's
 * DINOv2Detector with `torch.hub.load` replaced by a recorder): the SHA-256 of each 1×3×224×224
 * float32 input must match, i.e. bit for bit — for dgm-eval and torch-fidelity on all 24 images, for
 * edm2 on every image that is enlarged. EDM2's antialiased bicubic *shrink* is reproduced within a few
 * ulp, not to the bit (features/torch-bicubic.ts: its long sums run in another order), so the 6 shrunk
 * images (299² and 320×200 → 224²) are held to their input's sum within 1e-3 (observed ≤ 3.3e-4 on
 * sums of ~1e5 magnitude); extractor.test.ts bounds what that does to the features.
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
      let exact = 0;
      for (const set of ['set_a', 'set_b']) {
        for (const { file, sha256_nchw_f32_le: sha, sum } of expected.inputs[protocol][set] as { file: string; sha256_nchw_f32_le: string; sum: number }[]) {
          const image = await decodeImage(join(FIXTURES, 'images', set, file));
          const x = dinov2Input(image, protocol);
          const got = createHash('sha256').update(new Uint8Array(x.buffer)).digest('hex');
          const shrunk = image.width > 224 || image.height > 224;
          if (got === sha) exact++;
          else if (protocol === 'edm2' && shrunk) expect(Math.abs(x.reduce((a, b) => a + b, 0) - sum), `${set}/${file}`).toBeLessThanOrEqual(1e-3);
          else mismatches.push(`${set}/${file}: sum ${x.reduce((a, b) => a + b, 0)} vs ${sum}`);
        }
      }
      expect(mismatches).toEqual([]);
      expect(exact).toBeGreaterThanOrEqual(protocol === 'edm2' ? 18 : 24);
    });
  }
});
