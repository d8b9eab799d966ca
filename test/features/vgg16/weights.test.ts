/**
 * @file Where the VGG16 weights come from: torchvision's file and the SHA-256 prefix it publishes; a
 * download from a local HTTP server checked against a prefix (renamed into place atomically, the full
 * hash kept beside it), a download with another prefix refused with nothing left behind, a replaced
 * cached file refused, and `--offline` with an empty cache naming the URL, the cache path and the flag
 * (`--weights-vgg16` when vgg16 is read as pr's default; `--weights` with `--extractor vgg16`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VGG16_WEIGHTS } from '../../../src/features/vgg16/weights.js';
import { resolveWeights } from '../../../src/features/weights.js';
import type { RemoteFile } from '../../../src/io/cache.js';
import { FIXTURES, runCli } from '../../cli/run-cli.js';

const URL = 'https://download.pytorch.org/models/vgg16-397923af.pth';
const PAYLOAD = Buffer.alloc(300 * 1024 + 7).map((_, i) => (i * 7 + (i >> 10)) & 0xff);
const SHA = createHash('sha256').update(PAYLOAD).digest('hex');
const root = mkdtempSync(join(tmpdir(), 'fidkit-vgg16-weights-'));
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/vgg16.pth') {
      res.writeHead(200, { 'content-length': String(PAYLOAD.length) });
      res.end(PAYLOAD);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

const file = (prefix: string): RemoteFile => ({ name: 'vgg16-test.pth', urls: [`${base}/vgg16.pth`], sha256: prefix });
// A library call: messages name option keys (the CLI's flags are tested below).
const resolve = (prefix: string, cacheDir: string) => resolveWeights(file(prefix), "torchvision's VGG16 weights file", "torch-fidelity's precision/recall", { cacheDir, env: {}, perExtractor: 'vgg16' });

describe('VGG16 weights', () => {
  it("declare torchvision's file and the SHA-256 prefix in its name (all torchvision publishes)", () => {
    expect(VGG16_WEIGHTS).toEqual({ name: 'vgg16-397923af.pth', urls: [URL], sha256: '397923af' });
  });

  it('download from a local server, are checked against the prefix, renamed into place, and their full hash kept', async () => {
    const cacheDir = join(root, 'download');
    const first = await resolve(SHA.slice(0, 8), cacheDir);
    expect(first).toEqual({ path: join(cacheDir, 'vgg16-test.pth'), sha256: SHA, official: true, source: 'download' });
    expect(readFileSync(first.path).equals(PAYLOAD)).toBe(true);
    expect(readdirSync(cacheDir).sort()).toEqual(['vgg16-test.pth', 'vgg16-test.pth.sha256']);
    // Later runs read the full hash from the sidecar instead of hashing 528 MB again.
    writeFileSync(`${first.path}.sha256`, readFileSync(`${first.path}.sha256`, 'utf8').replace(SHA, 'f'.repeat(64)));
    expect(await resolve(SHA.slice(0, 8), cacheDir)).toMatchObject({ sha256: 'f'.repeat(64), source: 'cache' });
    // … unless the file changed since (size or modification time): then it is hashed again.
    utimesSync(first.path, new Date(), new Date(Date.now() + 5000));
    expect(await resolve(SHA.slice(0, 8), cacheDir)).toMatchObject({ sha256: SHA, source: 'cache' });
  });

  it('refuse a download whose hash has another prefix, leaving nothing in the cache', async () => {
    const cacheDir = join(root, 'wrong');
    const err = await resolve('397923af', cacheDir).catch((e) => e);
    expect(err.code).toBe('E_WEIGHTS');
    expect(err.message).toBe(
      `vgg16-test.pth downloaded from ${base}/vgg16.pth has SHA-256 ${SHA}, expected 397923af… (only this prefix is published): ` +
        'the download is corrupt or the file changed upstream, and nothing was saved. Retry; if it persists, download it yourself, ' +
        'check it with `sha256sum`, and pass the extractorWeights.vgg16 option',
    );
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
  });

  it('refuse a cached file that was replaced by another one', async () => {
    const cacheDir = join(root, 'replaced');
    await resolve(SHA.slice(0, 8), cacheDir);
    const path = join(cacheDir, 'vgg16-test.pth');
    writeFileSync(path, 'something else');
    rmSync(`${path}.sha256`);
    await expect(resolve(SHA.slice(0, 8), cacheDir)).rejects.toMatchObject({
      code: 'E_WEIGHTS',
      message: `the cached ${path} is not the official vgg16-test.pth (SHA-256 ${createHash('sha256').update('something else').digest('hex')}, expected ${SHA.slice(0, 8)}… (only this prefix is published)): delete it to download it again, or pass the extractorWeights.vgg16 option`,
    });
  });

  it('offline with an empty cache: the error names the URL, the cache path and the flag that gives the file', async () => {
    const cacheDir = join(root, 'offline');
    const dest = join(cacheDir, 'vgg16-397923af.pth');
    const images = join(FIXTURES, 'images');
    const tail = `to a local copy, or copy the file from ${URL} to ${dest}, or drop --offline to download it`;
    const head = `vgg16-397923af.pth is not in the cache (${dest}) and offline mode is on (--offline or FIDKIT_OFFLINE=1): `;
    // pr reads vgg16 by default: its file comes with --weights-vgg16 (--weights is the Inception's).
    const pr = await runCli('score', join(images, 'set_a'), join(images, 'set_b'), '--metrics', 'pr', '--offline', '--cache-dir', cacheDir);
    expect(pr.code).toBe(1);
    expect(pr.stderr).toBe(`fidkit: ${head}pass --weights-vgg16 PATH ${tail}\n`);
    const main = await runCli('features', join(images, 'set_a'), '--extractor', 'vgg16', '-o', join(root, 'f.npy'), '--offline', '--cache-dir', cacheDir);
    expect(main.code).toBe(1);
    expect(main.stderr).toBe(`fidkit: ${head}pass --weights PATH ${tail}\n`);
  });
});
