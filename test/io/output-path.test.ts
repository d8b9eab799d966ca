import { linkSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FidkitError, UsageError } from '../../src/core/errors.js';
import { writeError, writeFileAtomic } from '../../src/io/atomic-write.js';
import { checkOutputs } from '../../src/io/output-path.js';

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fidkit-out-'));
  writeFileSync(join(dir, 'in.npy'), 'input bytes');
  return dir;
}

describe('checkOutputs', () => {
  it('refuses an output that is an input: same path, another spelling, a hard link, a symbolic link', async () => {
    const dir = scratch();
    const input = join(dir, 'in.npy');
    linkSync(input, join(dir, 'hard.npy'));
    symlinkSync(input, join(dir, 'soft.npy'));
    for (const out of [input, join(dir, 'sub', '..', 'in.npy'), join(dir, 'hard.npy'), join(dir, 'soft.npy')]) {
      mkdirSync(join(dir, 'sub'), { recursive: true });
      await expect(checkOutputs([out], ['mnist:test', input])).rejects.toThrow(
        new UsageError(`-o ${out} is the input ${input}: writing it would destroy the input; choose another output path`),
      );
    }
  });

  it('allows a new output, one inside an input folder, and leaves no probe file', async () => {
    const dir = scratch();
    await checkOutputs([join(dir, 'stats.npz'), { path: join(dir, 'new', 'deeper', 'plot.png'), flag: '--plot' }], [dir, join(dir, 'in.npy')]);
    expect(readdirSync(dir).sort()).toEqual(['in.npy', 'new']);
    expect(readdirSync(join(dir, 'new', 'deeper'))).toEqual([]);
  });

  it('names the path and the fix for a folder, a device, and a path under a file', async () => {
    const dir = scratch();
    await expect(checkOutputs([dir], [])).rejects.toThrow(new FidkitError('E_WRITE', `cannot write ${dir}: it is a folder: name a file inside it, e.g. ${join(dir, 'stats.npz')}`));
    await expect(checkOutputs(['/dev/null'], [])).rejects.toThrow('cannot write /dev/null: it is a device, pipe or socket, not a regular file: name a file to write');
    const under = join(dir, 'in.npy', 'out.npz');
    await expect(checkOutputs([under], [])).rejects.toThrow(
      new FidkitError('E_WRITE', `cannot write ${under}: a part of the path exists and is not a folder: choose another output path`),
    );
  });

  it('removes temporary files of dead processes next to the output, and keeps live ones', async () => {
    const dir = scratch();
    const dead = join(dir, 'stats.npz.tmp.999999999.0badc0de');
    const mine = join(dir, `stats.npz.tmp.${process.pid}.12345678`);
    const other = join(dir, 'other.npz.tmp.999999999.0badc0de');
    // A dead pid whose file is newer than this process may be a live writer on another machine (shared folder).
    const recent = join(dir, 'stats.npz.tmp.999999998.0badc0de');
    for (const f of [dead, mine, other, recent]) writeFileSync(f, 'partial');
    const old = new Date(Date.now() - process.uptime() * 1000 - 60_000);
    for (const f of [dead, mine, other]) utimesSync(f, old, old);
    await checkOutputs([join(dir, 'stats.npz')], []);
    expect(readdirSync(dir).sort()).toEqual(['in.npy', 'other.npz.tmp.999999999.0badc0de', `stats.npz.tmp.${process.pid}.12345678`, 'stats.npz.tmp.999999998.0badc0de']);
  });
});

describe('writeError', () => {
  it('turns system write errors into one line with the path and what to do', () => {
    const sys = (code: string) => Object.assign(new Error(`${code}: raw`), { code });
    const cases: [string, string][] = [
      ['ENOSPC', 'cannot write out/stats.npz: no space left on the device holding out: free some space or write the output elsewhere'],
      ['EROFS', 'cannot write out/stats.npz: out is on a read-only file system: write the output elsewhere'],
      ['EACCES', "cannot write out/stats.npz: permission denied in out: write somewhere you may write, or fix the folder's permissions"],
      ['EISDIR', 'cannot write out/stats.npz: it is a folder: name a file, e.g. out/stats.npz/out.npz'],
    ];
    for (const [code, message] of cases) {
      const err = writeError(sys(code), 'out/stats.npz');
      expect(err).toBeInstanceOf(FidkitError);
      expect((err as FidkitError).message).toBe(message);
      expect((err as FidkitError).code).toBe('E_WRITE');
    }
    const bug = new TypeError('not a system error');
    expect(writeError(bug, 'x')).toBe(bug);
  });

  it('writeFileAtomic maps a path under a file to E_WRITE and leaves nothing behind', async () => {
    const dir = scratch();
    const out = join(dir, 'in.npy', 'x.npz');
    await expect(writeFileAtomic(out, 'data')).rejects.toThrow(/^cannot write .*x\.npz: a part of the path/);
    expect(readdirSync(dir)).toEqual(['in.npy']);
  });
});
