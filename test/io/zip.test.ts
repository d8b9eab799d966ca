/**
 * @file Hostile `.npz` archives (zip bombs, lying sizes, duplicate names, bad CRCs) are refused quickly and in
 * little memory, naming the file and the member, while only the members a caller reads are ever inflated.
 * The archives are hand-written (test/io/zip-bombs.ts) so that members can declare any size: the 2 GiB and
 * 5 GiB bombs are ~1000:1 deflate streams of zeros, 2 MB and 5 MB on disk.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/core/errors.js';
import { readNpz } from '../../src/io/npz.js';
import { parsePth } from '../../src/io/pth.js';
import { readStatisticsFile, statisticsFromMembers } from '../../src/io/stats-file.js';
import { measuredCli } from '../cli/measured-cli.js';
import { FIXTURES } from '../cli/run-cli.js';
import { crc32, deflatedMember, deflatedZeros, npyHeader, storedMember, zipBytes, type ZipMember } from './zip-bombs.js';

const GIB = 2 ** 30;
const STATS = join(FIXTURES, 'frechet', 'd64_set1_stats.npz');
const OTHER = join(FIXTURES, 'frechet', 'd64_set2_stats.npz');
const real = unzipSync(readFileSync(STATS));
const goodMembers = (): ZipMember[] => [deflatedMember('mu.npy', real['mu.npy']), deflatedMember('sigma.npy', real['sigma.npy'])];

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('zip bombs in .npz statistics (fidkit score through the built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fidkit-bombs-'));
  const bombs: Record<string, { path: string; member: string }> = {};
  beforeAll(() => {
    const header2 = npyHeader('<f8', [(2 * GIB) / 8]);
    const header5 = npyHeader('<f8', [(5 * GIB) / 8]);
    const shapes: [string, ZipMember][] = [
      ['junk', { name: 'junk.bin', data: deflatedZeros(2048), method: 8, size: 2 * GIB }],
      ['unused-npy', { name: 'extra.npy', data: deflatedZeros(2048, header2), method: 8, size: 2 * GIB + header2.length }],
      ['zip64', { name: 'big.npy', data: deflatedZeros(5120, header5), method: 8, size: 5 * GIB + header5.length, zip64: true }],
    ];
    // A member that is read, whose header and declared size agree (64×64 float64) but whose stream goes on
    // for 2 GiB: stopped at the declared size, one inflate step later (64 KiB steps: 240 MB RSS; 16 KiB: ~110 MB).
    const sigmaHeader = npyHeader('<f8', [64, 64]);
    shapes.push(['read-member', { name: 'sigma.npy', data: deflatedZeros(2048, sigmaHeader), method: 8, size: sigmaHeader.length + 64 * 64 * 8, crc: 0 }]);
    for (const [label, bomb] of shapes) {
      const path = join(dir, `${label}.npz`);
      writeFileSync(path, zipBytes(bomb.name === 'sigma.npy' ? [goodMembers()[0], bomb] : [...goodMembers(), bomb]));
      bombs[label] = { path, member: bomb.name };
    }
  });

  // Before the fix: 2.2 GB / 11 s / exit 0, 4.3 GB / 17 s / exit 0 and 4.3 GB / 25 s / exit 1 ("offset is out of bounds").
  for (const label of ['junk', 'unused-npy', 'zip64', 'read-member']) {
    it(`${label}: exit 1 naming the file and the member, in little time and memory`, () => {
      const { path, member } = bombs[label];
      const r = measuredCli(['score', path, OTHER, '--metrics', 'fid']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(path);
      expect(r.stderr).toContain(`member ${member}`);
      expect(r.stderr).toMatch(/zip bomb/);
      expect(r.stderr).not.toMatch(/this is a bug/);
      expect(r.maxRssMb).toBeLessThan(label === 'read-member' ? 160 : 300);
      expect(r.seconds).toBeLessThan(5); // ~0.5 s, mostly Node's start-up; 11–25 s before
    });
  }

  it('refuses duplicate member names, naming the member', () => {
    const path = join(dir, 'dup.npz');
    const [mu, sigma] = goodMembers();
    writeFileSync(path, zipBytes([mu, sigma, deflatedMember('mu.npy', new Uint8Array(real['mu.npy']))]));
    const r = measuredCli(['score', path, OTHER, '--metrics', 'fid']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${path}: member mu.npy appears twice`);
  });
});

describe('readNpz reads only what is used, never past the declared size', () => {
  it('never inflates members nobody reads, and still lists them', async () => {
    // An unused member whose "deflate" data is garbage: reading it fails, opening the archive does not.
    const garbage: ZipMember = { name: 'broken.npy', data: new Uint8Array(64).fill(0xff), method: 8, size: 1000, crc: 1 };
    const bytes = zipBytes([...goodMembers(), garbage]);
    const m = readNpz(bytes, 'x.npz');
    expect(Object.keys(m)).toEqual(['mu', 'sigma', 'broken']);
    const { stats } = statisticsFromMembers(m, 'x.npz');
    const want = await readStatisticsFile(STATS);
    expect(Buffer.from(stats.sigma.buffer).equals(Buffer.from(want.stats.sigma.buffer))).toBe(true);
    const e = errorOf(() => m.broken);
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/^x\.npz: member broken\.npy /);
  });

  it("lists the member names in the missing-keys message without inflating them", () => {
    const bytes = zipBytes([{ name: 'a.npy', data: new Uint8Array(64).fill(0xff), method: 8, size: 1000, crc: 1 }]);
    expect(() => statisticsFromMembers(readNpz(bytes, 'a.npz'), 'a.npz')).toThrow("a.npz has no 'mu' and 'sigma' arrays (found: a)");
  });

  it('refuses a read member whose declared size disagrees with its .npy header, before inflating the rest', () => {
    const mu = deflatedMember('mu.npy', real['mu.npy']);
    const bytes = zipBytes([{ ...mu, size: mu.size + 8 }, goodMembers()[1]]);
    const e = errorOf(() => readNpz(bytes, 'lie.npz').mu);
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toBe(`lie.npz: member mu.npy declares ${mu.size + 8} bytes but its contents say ${mu.size}; the archive is corrupt or hostile (re-create it)`);
  });

  it('stops a member whose stream inflates past its declared size (a small declared size over 2 GiB of zeros)', () => {
    // The header claims 8 float64s (192 bytes in all), the directory agrees, the stream holds 2 GiB more.
    const header = npyHeader('<f8', [8]);
    const size = header.length + 64;
    const bytes = zipBytes([{ name: 'mu.npy', data: deflatedZeros(2048, header), method: 8, size, crc: 0 }]);
    const t0 = performance.now();
    const e = errorOf(() => readNpz(bytes, 'long.npz').mu);
    expect(performance.now() - t0).toBeLessThan(2000); // a few ms; inflating 2 GiB takes seconds
    expect(e.message).toMatch(new RegExp(`^long\\.npz: member mu\\.npy inflates to more than its declared ${size} bytes`));
  });

  it('refuses a member that inflates to fewer bytes than declared', () => {
    const header = npyHeader('<f8', [1024]);
    const bytes = zipBytes([{ name: 'mu.npy', data: deflatedZeros(0, header), method: 8, size: header.length + 8192, crc: 0 }]);
    expect(errorOf(() => readNpz(bytes, 'short.npz').mu).message).toMatch(/short\.npz: member mu\.npy inflates to \d+ bytes but declares \d+/);
  });

  it('checks the CRC-32 of the members it reads (stored and deflated)', () => {
    for (const member of [storedMember('mu.npy', real['mu.npy']), deflatedMember('mu.npy', real['mu.npy'])]) {
      const bytes = zipBytes([{ ...member, crc: (member.crc! ^ 1) >>> 0 }]);
      expect(errorOf(() => readNpz(bytes, 'crc.npz').mu).message).toMatch(/crc\.npz: member mu\.npy fails its CRC-32 check/);
    }
    // The helper's CRC and the reader's agree on real data, zip64 extra fields included.
    const bytes = zipBytes([{ ...deflatedMember('mu.npy', real['mu.npy']), zip64: true }, storedMember('sigma.npy', real['sigma.npy'])]);
    const m = readNpz(bytes, 'ok.npz');
    expect(Buffer.from(m.mu.data.buffer).equals(Buffer.from(readNpz(readFileSync(STATS)).mu.data.buffer))).toBe(true);
    expect(crc32(real['sigma.npy'])).toBe(storedMember('sigma.npy', real['sigma.npy']).crc);
  });

  it('refuses impossible directories before reading any member', () => {
    const mu = deflatedMember('mu.npy', real['mu.npy']);
    // More than deflate's 1032:1 maximum.
    const over = zipBytes([{ ...mu, size: mu.data.length * 2000 }]);
    expect(errorOf(() => readNpz(over, 'o.npz')).message).toMatch(/o\.npz: member mu\.npy declares \d+ bytes, more than deflate can produce/);
    // A stored member whose sizes differ.
    const stored = storedMember('mu.npy', real['mu.npy']);
    expect(errorOf(() => readNpz(zipBytes([{ ...stored, size: stored.size * 2 }]), 's.npz')).message).toMatch(/s\.npz: member mu\.npy is stored uncompressed but declares/);
    // A member count the directory cannot hold.
    const lying = zipBytes([mu]);
    new DataView(lying.buffer).setUint16(lying.length - 22 + 10, 60000, true);
    expect(errorOf(() => readNpz(lying, 'c.npz')).message).toMatch(/c\.npz is not a readable \.npz \(zip\) archive: the directory claims 60000 members/);
    // Unsupported compression methods are named when the member is read.
    const bz = zipBytes([{ ...stored, method: 12 as 0 }]);
    expect(errorOf(() => readNpz(bz, 'b.npz').mu).message).toMatch(/b\.npz: member mu\.npy uses zip compression method 12/);
  });

  it('guards zip-format .pth files the same way (a deflated data.pkl bomb)', () => {
    const bomb: ZipMember = { name: 'archive/data.pkl', data: deflatedZeros(2048), method: 8, size: 2 * GIB };
    const e = errorOf(() => parsePth(zipBytes([bomb]), 'b.pth'));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/^b\.pth: member archive\/data\.pkl would inflate \d+ bytes to 2147483648 \(\d+:1\): that is a zip bomb/);
  });
});
