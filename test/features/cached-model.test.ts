/**
 * @file The load steps VGG16, CLIP and DINOv2 share (src/features/cached-model.ts): a model is built only
 * when it or a companion file is missing; an unwritable cache (E_WRITE) builds into a temporary folder that
 * is gone once the model is open; other errors pass through; the test weights come with their warning.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FidkitError, InputError } from '../../src/core/errors.js';
import { chooseWeights, openCachedModel } from '../../src/features/cached-model.js';
import { optionRef } from '../../src/options/mention.js';

const dir = mkdtempSync(join(tmpdir(), 'fidkit-cached-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openCachedModel', () => {
  it('builds once (check first), opens the cached file, and rebuilds when a companion is missing', async () => {
    const path = join(dir, 'm.onnx');
    const calls: string[] = [];
    const m = {
      path,
      name: 'm',
      companions: (p: string) => [`${p}.data`],
      check: async () => void calls.push('check'),
      build: async (p: string) => {
        calls.push(`build ${p}`);
        writeFileSync(p, 'model');
        writeFileSync(`${p}.data`, 'data');
      },
    };
    expect(await openCachedModel(m, async (p) => p)).toBe(path);
    expect(await openCachedModel(m, async (p) => p)).toBe(path);
    expect(calls).toEqual(['check', `build ${path}`]);
    rmSync(`${path}.data`);
    await openCachedModel(m, async (p) => p);
    expect(calls).toEqual(['check', `build ${path}`, 'check', `build ${path}`]);
  });

  it('builds into a temporary folder when the cache cannot be written, and removes it after open', async () => {
    const path = join(dir, 'ro', 'm.onnx');
    let opened = '';
    const m = {
      path,
      name: 'clip-vit-b-32',
      build: async (p: string) => {
        if (p === path) throw new FidkitError('E_WRITE', `cannot write ${p}`);
        writeFileSync(p, 'model');
      },
    };
    const result = await openCachedModel(m, async (p) => {
      opened = p;
      expect(existsSync(p)).toBe(true);
      return 42;
    });
    expect(result).toBe(42);
    expect(opened).toMatch(/fidkit-clip-vit-b-32-[^/]+\/clip-vit-b-32\.onnx$/);
    expect(existsSync(dirname(opened))).toBe(false);
  });

  it('passes any other build error through', async () => {
    const m = { path: join(dir, 'x.onnx'), name: 'x', build: async () => Promise.reject(new InputError('not that model')) };
    await expect(openCachedModel(m, async () => 0)).rejects.toThrow('not that model');
  });
});

describe('chooseWeights', () => {
  it('gives the hash weights with a warning, without resolving a file', async () => {
    const w = await chooseWeights(true, { id: 'vgg16-hash-weights-v1', title: 'VGG16' }, () => Promise.reject(new Error('not called')));
    expect(w).toEqual({
      weightsId: 'vgg16-hash-weights-v1',
      source: { kind: 'hash' },
      read: { path: 'test:hash', sha256: null, official: false, source: 'test' },
      warnings: [`using the deterministic VGG16 test weights (${optionRef('weights', 'test:hash')}): its features are meaningless outside tests`],
    });
  });

  it("gives the resolved file, keyed by its SHA-256, with resolve's warning", async () => {
    const w = await chooseWeights(false, { id: 'h', title: 'T' }, async () => ({ path: '/w.pth', sha256: 'ab'.repeat(32), official: false, source: 'user', warning: 'not the official file' }));
    expect(w).toEqual({ weightsId: 'ab'.repeat(32), source: { kind: 'pth', path: '/w.pth' }, read: { path: '/w.pth', sha256: 'ab'.repeat(32), official: false, source: 'user' }, warnings: ['not the official file'] });
  });
});
