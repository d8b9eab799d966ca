/**
 * @file The FID InceptionV3 state-dict layout derived in code vs the 566 keys/shapes/dtypes that torch wrote
 * (fixtures/inception-fid/state_dict_keys.tsv), and the checker's reports for wrong-architecture dicts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  INCEPTION_CONVS,
  INCEPTION_STATE_DICT_SPEC,
  assertInceptionStateDict,
  checkInceptionStateDict,
} from '../../../src/features/inception/state-dict.js';
import { FidkitError } from '../../../src/core/errors.js';
import type { StateDict, Tensor } from '../../../src/core/types.js';

const rows = readFileSync('fixtures/inception-fid/state_dict_keys.tsv', 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .map((f) => ({ key: f[1], shape: f[2] === 'scalar' ? [] : f[2].split('x').map(Number), dtype: f[3] }));

/** A state dict with the right keys and shapes; data is left empty since the checker never reads it. */
function fakeDict(): StateDict {
  const sd: StateDict = new Map();
  for (const e of INCEPTION_STATE_DICT_SPEC) {
    sd.set(e.key, { dtype: e.dtype, shape: e.shape, data: new Float32Array(0) } as Tensor);
  }
  return sd;
}

describe('FID InceptionV3 state-dict spec', () => {
  it('equals the keys, order, shapes and dtypes torch saved', () => {
    expect(INCEPTION_CONVS.length).toBe(94);
    expect(INCEPTION_STATE_DICT_SPEC.map((e) => ({ key: e.key, shape: [...e.shape], dtype: e.dtype }))).toEqual(rows);
  });

  it('accepts the full layout and the layout without num_batches_tracked', () => {
    expect(checkInceptionStateDict(fakeDict()).ok).toBe(true);
    const sd = fakeDict();
    for (const k of [...sd.keys()]) if (k.endsWith('num_batches_tracked')) sd.delete(k);
    expect(sd.size).toBe(472);
    expect(checkInceptionStateDict(sd)).toEqual({ ok: true, missing: [], unexpected: [], wrongShape: [] });
  });

  it('names missing keys, unexpected keys and wrong shapes', () => {
    const sd = fakeDict();
    sd.delete('fc.bias');
    sd.delete('Mixed_7c.branch_pool.conv.weight');
    sd.set('AuxLogits.fc.weight', { dtype: 'float32', shape: [1000, 768], data: new Float32Array(0) });
    sd.set('fc.weight', { dtype: 'float32', shape: [1000, 2048], data: new Float32Array(0) });
    const r = checkInceptionStateDict(sd);
    expect(r.ok).toBe(false);
    expect(r.missing).toEqual(['Mixed_7c.branch_pool.conv.weight', 'fc.bias']);
    expect(r.unexpected).toEqual(['AuxLogits.fc.weight']);
    expect(r.wrongShape).toEqual([{ key: 'fc.weight', expected: [1008, 2048], actual: [1000, 2048] }]);
    let err: unknown;
    try {
      assertInceptionStateDict(sd, 'weights.pth');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FidkitError);
    expect((err as FidkitError).code).toBe('E_WEIGHTS');
    const msg = (err as Error).message;
    expect(msg).toContain('weights.pth');
    expect(msg).toContain('missing 2 key(s): Mixed_7c.branch_pool.conv.weight, fc.bias');
    expect(msg).toContain('unexpected 1 key(s): AuxLogits.fc.weight');
    expect(msg).toContain('fc.weight is [1000, 2048], expected [1008, 2048]');
  });

  it('truncates long lists in the message', () => {
    const sd: StateDict = new Map();
    expect(() => assertInceptionStateDict(sd)).toThrow(/missing 472 key\(s\): Conv2d_1a_3x3\.conv\.weight, .*… \(472 in all\)/);
  });
});
