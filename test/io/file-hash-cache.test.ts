/**
 * @file The remembered SHA-256 of a weights file: computed once per identity (path, size, mtime,
 * inode), served from the cache while that identity holds, recomputed when the file is rewritten
 * or replaced; `cache: false` always hashes; an unwritable cache folder only costs the hash.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256FileRemembered } from '../../src/io/file-hash-cache.js';

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const FAKE = 'f'.repeat(64);

/** Replaces the stored hash of the only entry, so a cache hit shows up as FAKE. */
function poison(cacheDir: string): void {
  const dir = join(cacheDir, 'hashes');
  const [name] = readdirSync(dir);
  const entry = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  writeFileSync(join(dir, name), JSON.stringify({ ...entry, sha256: FAKE }));
}

describe('sha256FileRemembered', () => {
  it('hashes once, then serves the entry while size, mtime and inode hold', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-hash-'));
    const cacheDir = join(dir, 'cache');
    const file = join(dir, 'w.pth');
    writeFileSync(file, 'weights v1');
    expect(await sha256FileRemembered(file, { cacheDir })).toBe(sha('weights v1'));
    poison(cacheDir);
    expect(await sha256FileRemembered(file, { cacheDir })).toBe(FAKE); // served, not re-hashed
    expect(await sha256FileRemembered(file, { cacheDir, cache: false })).toBe(sha('weights v1'));
  });

  it('a rewrite (new mtime) or a replacement (new inode, mtime kept) is hashed again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-hash-'));
    const cacheDir = join(dir, 'cache');
    const file = join(dir, 'w.pth');
    writeFileSync(file, 'weights v1');
    await sha256FileRemembered(file, { cacheDir });
    writeFileSync(file, 'weights v2'); // same size, new mtime
    utimesSync(file, new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(await sha256FileRemembered(file, { cacheDir })).toBe(sha('weights v2'));
    // Another file moved over it with the same size and mtime: only the inode tells.
    const other = join(dir, 'other.pth');
    writeFileSync(other, 'weights v3');
    utimesSync(other, new Date(2001, 1, 1), new Date(2001, 1, 1));
    for (const f of readdirSync(join(cacheDir, 'hashes'))) writeFileSync(join(cacheDir, 'hashes', f), '{}');
    await sha256FileRemembered(file, { cacheDir });
    renameSync(other, file);
    expect(await sha256FileRemembered(file, { cacheDir })).toBe(sha('weights v3'));
    // A copy elsewhere is its own identity.
    copyFileSync(file, join(dir, 'copy.pth'));
    expect(await sha256FileRemembered(join(dir, 'copy.pth'), { cacheDir })).toBe(sha('weights v3'));
  });

  it('a corrupt entry is a miss; an unwritable cache folder only costs the hash; a missing file names the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-hash-'));
    const cacheDir = join(dir, 'cache');
    const file = join(dir, 'w.pth');
    writeFileSync(file, 'weights');
    await sha256FileRemembered(file, { cacheDir });
    for (const f of readdirSync(join(cacheDir, 'hashes'))) writeFileSync(join(cacheDir, 'hashes', f), 'not json');
    expect(await sha256FileRemembered(file, { cacheDir })).toBe(sha('weights'));
    // A file where the cache folder should be (root ignores permission bits, so not chmod).
    writeFileSync(join(dir, 'blocked'), '');
    expect(await sha256FileRemembered(file, { cacheDir: join(dir, 'blocked') })).toBe(sha('weights'));
    await expect(sha256FileRemembered(join(dir, 'missing.pth'), { cacheDir })).rejects.toThrow(`file not found: ${join(dir, 'missing.pth')}`);
  });
});
