import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { score } from '../../src/api/score.js';
import { asCliUser, calledFromCli, optionName, optionRef } from '../../src/options/mention.js';
import { FIXTURES, ROOT, runCli } from '../cli/run-cli.js';

describe('options named for the reader', () => {
  it('library callers read option keys, CLI users flags', () => {
    const both = (f: () => string) => [f(), asCliUser(f)];
    expect(both(() => optionRef('weights'))).toEqual(['the weights option', '--weights PATH']);
    expect(both(() => optionName('weights'))).toEqual(['the weights option', '--weights']);
    expect(both(() => optionRef('kidSubsetSize', 2))).toEqual(['kidSubsetSize: 2', '--kid-subset-size 2']);
    expect(both(() => optionRef('kidSubsetSize', 'N', 'subsetSize'))).toEqual(['subsetSize: N', '--kid-subset-size N']);
    expect(both(() => optionRef('skipBad'))).toEqual(['skipBad: true', '--skip-bad']);
    expect(both(() => optionRef('cache'))).toEqual(['cache: false', '--no-cache']);
    expect(both(() => optionRef('layout', 'nchw'))).toEqual(["layout: 'nchw'", '--layout nchw']);
    expect(both(() => optionRef('cacheDir'))).toEqual(['the cacheDir option', '--cache-dir DIR']);
    expect(calledFromCli()).toBe(false);
  });

  it('the caller travels with the async context, and does not leak out of it', async () => {
    const inside = await asCliUser(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return optionRef('offline');
    });
    expect(inside).toBe('--offline');
    expect(optionRef('offline')).toBe('offline: true');
  });

  it('missing weights offline: score() names the options, the CLI the flags (same process)', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'fidkit-mention-'));
    const folder = join(FIXTURES, 'images', 'set_a');
    const cli = await runCli('score', folder, '--metrics', 'is', '--offline', '--cache-dir', cacheDir);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('offline mode is on (--offline or FIDKIT_OFFLINE=1): pass --weights PATH to a local copy, or copy the file from ');
    expect(cli.stderr).toContain(', or drop --offline to download it');
    const api = await score([folder], { metrics: ['is'], offline: true, cacheDir }).then(
      () => undefined,
      (err: Error) => err.message,
    );
    expect(api).toContain('offline mode is on (offline: true or FIDKIT_OFFLINE=1): pass the weights option to a local copy, or copy the file from ');
    expect(api).toContain(', or drop offline: true to download it');
    expect(api).not.toMatch(/ --[a-z]/);
  });

  it('no library message spells a flag itself (they go through optionRef/optionName)', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(join(ROOT, 'src'));
    const offenders: string[] = [];
    for (const file of files) {
      const rel = relative(ROOT, file);
      if (rel.startsWith('src/cli/') || rel === 'src/options/schema.ts' || rel === 'src/options/mention.ts') continue; // the CLI itself, the flags' definitions, the helper
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/^\s*(\*|\/\/|\/\*\*)/.test(line)) return; // comments and TSDoc
          if (/\b(pass|use|drop|check|with|run without)\s+--[a-z]/.test(line) || /['"`(]--[a-z][a-z-]+\b/.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
