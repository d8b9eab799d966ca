import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INCEPTION_WEIGHTS, resolveInceptionWeights } from '../../../src/features/inception/weights.js';

// The real 95 MB weights cannot be downloaded here: these tests cover every path around them with
// small stand-in files and an injected fetch (the HTTP download itself is tested in test/io/cache.test.ts).
const root = mkdtempSync(join(tmpdir(), 'fidkit-weights-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const OFFICIAL = '6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2';
const URL = 'https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth';

describe('resolveInceptionWeights', () => {
  it("declares pytorch-fid's release file and hash", () => {
    expect(INCEPTION_WEIGHTS.urls[0]).toBe(URL);
    expect(INCEPTION_WEIGHTS.sha256).toBe(OFFICIAL);
    expect(INCEPTION_WEIGHTS.name).toBe('pt_inception-2015-12-05-6726825d.pth');
  });

  it('--weights wins: hashed, and a non-official file is reported, not refused', async () => {
    const p = join(root, 'hash_inception.pth');
    writeFileSync(p, 'not the real weights');
    const sha = createHash('sha256').update('not the real weights').digest('hex');
    const w = await resolveInceptionWeights({ weights: p, offline: true, cacheDir: join(root, 'unused') });
    expect(w).toEqual({
      path: p,
      sha256: sha,
      official: false,
      source: 'user',
      warning: `${p} is not pytorch-fid's Inception weights file (SHA-256 ${sha}, expected ${OFFICIAL}): scores are not comparable with published FIDs`,
    });
  });

  it("verify: 'strict' refuses a non-official file with both hashes", async () => {
    const p = join(root, 'other.pth');
    writeFileSync(p, 'x');
    const sha = createHash('sha256').update('x').digest('hex');
    await expect(resolveInceptionWeights({ weights: p, verify: 'strict' })).rejects.toMatchObject({
      code: 'E_WEIGHTS',
      message:
        `${p} is not pytorch-fid's Inception weights file (SHA-256 ${sha}, expected ${OFFICIAL}): pass the official ` +
        `file (${URL}), or drop strict verification to use these weights anyway`,
    });
  });

  it('a missing --weights file says how to fix it', async () => {
    const p = join(root, 'nope.pth');
    await expect(resolveInceptionWeights({ weights: p })).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      message: `weights not found at ${p}: check the weights option, or drop the weights option to download the official file from ${URL}`,
    });
  });

  it('uses the cached file without the network', async () => {
    const cacheDir = join(root, 'cache-hit');
    mkdirSync(cacheDir);
    writeFileSync(join(cacheDir, INCEPTION_WEIGHTS.name), 'cached');
    const w = await resolveInceptionWeights({ cacheDir, offline: true });
    expect(w).toEqual({ path: join(cacheDir, INCEPTION_WEIGHTS.name), sha256: OFFICIAL, official: true, source: 'cache' });
  });

  it('offline with an empty cache names the URL, the cache path and --weights', async () => {
    const cacheDir = join(root, 'empty-cache');
    const dest = join(cacheDir, INCEPTION_WEIGHTS.name);
    await expect(resolveInceptionWeights({ cacheDir, env: { FIDKIT_OFFLINE: '1' } })).rejects.toThrow(
      `${INCEPTION_WEIGHTS.name} is not in the cache (${dest}) and offline mode is on (offline: true or FIDKIT_OFFLINE=1): ` +
        `pass the weights option to a local copy, or copy the file from ${URL} to ${dest}, or drop offline: true to download it`,
    );
  });

  it('a download with the wrong bytes is rejected on both mirrors, showing the official hash', async () => {
    const cacheDir = join(root, 'bad-download');
    const requested: string[] = [];
    const fakeFetch = (async (url: string | URL | Request) => {
      requested.push(String(url));
      return new Response('tampered', { headers: { 'content-length': '8' } });
    }) as typeof fetch;
    const err = await resolveInceptionWeights({ cacheDir, env: {}, fetch: fakeFetch }).catch((e) => e);
    expect(err.code).toBe('E_WEIGHTS');
    expect(err.message).toContain(`expected ${OFFICIAL}`);
    expect(err.message).toContain(createHash('sha256').update('tampered').digest('hex'));
    expect(requested).toEqual([...INCEPTION_WEIGHTS.urls]);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
