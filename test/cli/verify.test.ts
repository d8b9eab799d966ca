import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVerifyGroups } from '../../src/api/verify.js';
import { FIXTURES, runCli } from './run-cli.js';

describe('fidkit verify', () => {
  it('passes on the bundled fixtures and covers every family', async () => {
    const r = await runCli('verify', '--json');
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    const failing = report.rows.filter((row: { pass: boolean }) => !row.pass);
    expect(failing).toEqual([]);
    expect(r.code).toBe(0);
    const groups = new Set(report.rows.map((row: { group: string }) => row.group));
    expect([...groups]).toEqual(['frechet', 'is', 'kid', 'cmmd', 'prdc', 'npz', 'pth', 'inception']);
    expect(report.rows.length).toBeGreaterThan(60);
  });

  it('takes metric names for the groups that check them (--only fid = frechet), in any case, and lists both on a typo', async () => {
    const r = await runCli('verify', '--only', 'FID', '--json');
    expect(r.code).toBe(0);
    const fid = JSON.parse(r.stdout);
    expect(new Set(fid.rows.map((row: { group: string }) => row.group))).toEqual(new Set(['frechet']));
    const same = JSON.parse((await runCli('verify', '--only', 'frechet,fid', '--json')).stdout);
    expect(same.rows.length).toBe(fid.rows.length); // an alias and its group count once
    expect(parseVerifyGroups('pr,is,fid')).toEqual(['prdc', 'is', 'frechet']);
    const typo = await runCli('verify', '--only', 'fidd');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("Expected a comma-separated list of frechet, is, kid, cmmd, prdc, npz, pth, inception (also fid = frechet, pr = prdc) for --only but received 'fidd'.");
    expect(() => parseVerifyGroups('is,fidd')).toThrow("unknown verify group 'fidd'; valid groups: frechet, is, kid, cmmd, prdc, npz, pth, inception; metric names: fid (= frechet), pr (= prdc)");
  });

  it('fails with exit 1 and names the case when an expected number is perturbed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-verify-'));
    for (const sub of ['frechet', 'is_kid', 'prdc', 'inception-fid']) cpSync(join(FIXTURES, sub), join(dir, sub), { recursive: true });
    const path = join(dir, 'frechet', 'expected.json');
    const expected = JSON.parse(readFileSync(path, 'utf8'));
    // Move the d512 reference FID by 1e-7 relative: far above the 1e-9 tolerance.
    const v = Number(expected.cases.d512.pytorch_fid.returned.repr) * (1 + 1e-7);
    expected.cases.d512.pytorch_fid.returned = { value: v, repr: String(v) };
    writeFileSync(path, JSON.stringify(expected));
    const r = await runCli('verify', '--fixtures', dir, '--only', 'frechet,is,kid,prdc');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^frechet\s+d512\s.*FAIL$/m);
    expect(r.stdout).toMatch(/1 FAILED/);
  });
});
