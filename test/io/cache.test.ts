import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cachedFile,
  isOffline,
  resolveCacheDir,
  sha256File,
  type DownloadProgress,
  type RemoteFile,
} from '../../src/io/cache.js';

// A small file served from 127.0.0.1 in 16 KiB chunks, so a download gives many progress events.
const PAYLOAD = Buffer.alloc(200 * 1024 + 123).map((_, i) => (i * 131 + (i >> 9)) & 0xff);
const SHA = createHash('sha256').update(PAYLOAD).digest('hex');
const root = mkdtempSync(join(tmpdir(), 'fidkit-cache-'));
let server: Server;
let base = '';
const hits: Record<string, number> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    hits[path] = (hits[path] ?? 0) + 1;
    const send = (body: Buffer, length: boolean) => {
      res.writeHead(200, length ? { 'content-length': String(body.length) } : {});
      let o = 0;
      const next = () => {
        if (o >= body.length) return void res.end();
        res.write(body.subarray(o, (o += 16384)), next);
      };
      next();
    };
    if (path.startsWith('/file')) send(PAYLOAD, true);
    else if (path === '/nolength') send(PAYLOAD, false);
    else if (path === '/wrong') send(Buffer.from(PAYLOAD).fill(7, 1000, 1001), true);
    else if (path === '/cut') {
      res.writeHead(200, { 'content-length': String(PAYLOAD.length) });
      res.write(PAYLOAD.subarray(0, 50_000), () => res.destroy());
    } else {
      res.writeHead(404, 'Not Found');
      res.end();
    }
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
/** A fresh cache folder per test. */
const freshDir = () => join(root, `c${n++}`);
const remote = (path: string, name = 'model.bin', sha256 = SHA): RemoteFile => ({ name, urls: [`${base}${path}`], sha256 });

describe('cache folder and offline switch', () => {
  it('cacheDir, then FIDKIT_CACHE, then XDG_CACHE_HOME/fidkit, then ~/.cache/fidkit', () => {
    const env = { FIDKIT_CACHE: '/a', XDG_CACHE_HOME: '/x' };
    expect(resolveCacheDir({ cacheDir: '/opt', env })).toBe('/opt');
    expect(resolveCacheDir({ env })).toBe('/a');
    expect(resolveCacheDir({ env: { XDG_CACHE_HOME: '/x' } })).toBe('/x/fidkit');
    expect(resolveCacheDir({ env: {} })).toBe(join(homedir(), '.cache', 'fidkit'));
  });

  it('FIDKIT_OFFLINE=1/true/yes turns offline on; the option wins', () => {
    expect(isOffline({ env: { FIDKIT_OFFLINE: '1' } })).toBe(true);
    expect(isOffline({ env: { FIDKIT_OFFLINE: 'TRUE' } })).toBe(true);
    expect(isOffline({ env: { FIDKIT_OFFLINE: '0' } })).toBe(false);
    expect(isOffline({ env: {} })).toBe(false);
    expect(isOffline({ offline: false, env: { FIDKIT_OFFLINE: '1' } })).toBe(false);
  });

  it('sha256File hashes the bytes', async () => {
    const p = join(root, 'h.bin');
    writeFileSync(p, PAYLOAD);
    expect(await sha256File(p)).toBe(SHA);
  });
});

describe('cachedFile downloads from a local HTTP server', () => {
  it('streams with monotonic progress to the total, renames atomically, then serves the cache', async () => {
    const dir = freshDir();
    const dest = join(dir, 'model.bin');
    const events: DownloadProgress[] = [];
    const seenWhileLoading: Array<{ dest: boolean; temps: string[] }> = [];
    const path = await cachedFile(remote('/file'), {
      cacheDir: dir,
      env: {},
      onProgress: (e) => {
        events.push(e);
        if (e.type === 'progress') {
          seenWhileLoading.push({ dest: existsSync(dest), temps: readdirSync(dir).filter((f) => f !== 'model.bin') });
        }
      },
    });
    expect(path).toBe(dest);
    expect(readFileSync(dest).equals(PAYLOAD)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'start', loaded: 0, total: PAYLOAD.length, file: 'model.bin' });
    expect(events.at(-1)).toMatchObject({ type: 'end', loaded: PAYLOAD.length, total: PAYLOAD.length });
    // undici reads up to 64 KiB at a time: 200 KiB gives at least 3 progress events.
    expect(events.filter((e) => e.type === 'progress').length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < events.length; i++) expect(events[i].loaded).toBeGreaterThanOrEqual(events[i - 1].loaded);
    expect(events.filter((e) => e.type === 'progress').at(-1)!.loaded).toBe(PAYLOAD.length);
    // Atomic: while loading, the destination does not exist, only `<name>.tmp.<pid>.<hex>`.
    expect(seenWhileLoading.every((s) => !s.dest)).toBe(true);
    expect(seenWhileLoading[0].temps).toHaveLength(1);
    expect(seenWhileLoading[0].temps[0]).toMatch(new RegExp(`^model\\.bin\\.tmp\\.${process.pid}\\.[0-9a-f]+$`));
    expect(readdirSync(dir)).toEqual(['model.bin']);

    // Cache hit: no request, no events.
    const before = hits['/file'];
    const again: DownloadProgress[] = [];
    expect(await cachedFile(remote('/file'), { cacheDir: dir, env: {}, onProgress: (e) => again.push(e) })).toBe(dest);
    expect(hits['/file']).toBe(before);
    expect(again).toEqual([]);
  });

  it('without a content length, total is undefined until the end', async () => {
    const dir = freshDir();
    const events: DownloadProgress[] = [];
    await cachedFile(remote('/nolength'), { cacheDir: dir, env: {}, onProgress: (e) => events.push(e) });
    expect(events[0].total).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: 'end', loaded: PAYLOAD.length, total: PAYLOAD.length });
  });

  it('concurrent requests for one file share one download', async () => {
    const dir = freshDir();
    const file = remote('/file?concurrent');
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => cachedFile(file, { cacheDir: dir, env: {} })));
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(hits['/file?concurrent']).toBe(1);
  });

  it('a hash mismatch shows both hashes and the fix, and leaves no file', async () => {
    const dir = freshDir();
    const url = `${base}/wrong`;
    const got = createHash('sha256').update(Buffer.from(PAYLOAD).fill(7, 1000, 1001)).digest('hex');
    await expect(cachedFile(remote('/wrong'), { cacheDir: dir, env: {} })).rejects.toMatchObject({
      code: 'E_WEIGHTS',
      message:
        `model.bin downloaded from ${url} has SHA-256 ${got}, expected ${SHA}: the download is corrupt or the ` +
        'file changed upstream, and nothing was saved. Retry; if it persists, download it yourself, check it ' +
        'with `sha256sum`, and pass the weights option',
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a cut-off download and an HTTP error leave no file', async () => {
    const dir = freshDir();
    await expect(cachedFile(remote('/cut'), { cacheDir: dir, env: {} })).rejects.toMatchObject({ code: 'E_WEIGHTS' });
    expect(readdirSync(dir)).toEqual([]);
    await expect(cachedFile(remote('/missing'), { cacheDir: dir, env: {} })).rejects.toThrow(
      `could not download ${base}/missing: HTTP 404 Not Found. Check the URL is reachable, or download the file yourself and pass the weights option`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a size given in the spec is checked', async () => {
    const dir = freshDir();
    const file = { ...remote('/nolength'), bytes: PAYLOAD.length + 1 };
    await expect(cachedFile(file, { cacheDir: dir, env: {} })).rejects.toThrow(
      `model.bin downloaded from ${base}/nolength has ${PAYLOAD.length} bytes, expected ${PAYLOAD.length + 1}`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('falls back to the next mirror', async () => {
    const dir = freshDir();
    const file: RemoteFile = { name: 'm.bin', urls: [`${base}/gone`, `${base}/file?mirror`], sha256: SHA };
    expect(await cachedFile(file, { cacheDir: dir, env: {} })).toBe(join(dir, 'm.bin'));
  });

  it('offline never touches the network and names the URL, the cache path and --weights', async () => {
    const dir = freshDir();
    const file = remote('/file?offline');
    const message =
      `model.bin is not in the cache (${join(dir, 'model.bin')}) and offline mode is on (offline: true or FIDKIT_OFFLINE=1): ` +
      `pass the weights option to a local copy, or copy the file from ${base}/file?offline to ${join(dir, 'model.bin')}, ` +
      'or drop offline: true to download it';
    await expect(cachedFile(file, { cacheDir: dir, offline: true })).rejects.toMatchObject({ code: 'E_WEIGHTS', message });
    await expect(cachedFile(file, { cacheDir: dir, env: { FIDKIT_OFFLINE: '1' } })).rejects.toThrow(message);
    expect(hits['/file?offline']).toBeUndefined();
    expect(existsSync(dir)).toBe(false);
  });

  it('a network failure names the URL and the fix', async () => {
    const dir = freshDir();
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const url = `http://127.0.0.1:${port}/x.bin`;
    const file: RemoteFile = { name: 'x.bin', urls: [url], sha256: SHA };
    await expect(cachedFile(file, { cacheDir: dir, env: {} })).rejects.toThrow(
      `could not download ${url}: fetch failed (ECONNREFUSED). Check the network, or download the file yourself and pass the weights option`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
