/**
 * @file `fidkit verify`: recompute the bundled reference fixtures and print, per check, the
 * reference implementation, expected and computed values, error and tolerance. Exit 1 on any
 * failure — it is what a user runs after installing to trust the numbers.
 */
import type { Command } from 'commander';
import { renderTable } from '../report/table.js';
import { verifyFixtures, type VerifyGroup } from '../api/verify.js';
import { addOptions } from './flags.js';
import type { CommandContext } from './context.js';

export function registerVerify(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('verify')
    .description('recompute the bundled reference fixtures (pytorch-fid, torch-fidelity, prdc, NumPy) and compare; exit 1 on any mismatch');
  addOptions(cmd, 'verify')
    .action(async (flags: { fixtures?: string; json?: boolean; only?: VerifyGroup[] }) => {
      const rows = await verifyFixtures(flags.fixtures, flags.only);
      const failed = rows.filter((r) => !r.pass).length;
      if (flags.json) {
        ctx.io.stdout.write(JSON.stringify({ schema: 'fidkit.verify/1', passed: rows.length - failed, failed, rows }, null, 2) + '\n');
      } else {
        const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 ? v.toExponential(6) : v.toPrecision(15));
        ctx.io.stdout.write(
          renderTable(
            ['check', 'case', 'reference', 'expected', 'got', 'error', 'tolerance', 'result'],
            rows.map((r) => [
              r.group,
              r.name,
              r.reference,
              fmt(r.expected),
              fmt(r.got),
              r.errorKind === 'exact' ? (r.pass ? 'exact' : 'differs') : `${r.error.toExponential(1)} ${r.errorKind === 'relative' ? 'rel' : 'abs'}`,
              r.errorKind === 'exact' ? 'exact' : r.tolerance.toExponential(0),
              r.pass ? 'pass' : 'FAIL',
            ]),
          ) + `\n${rows.length - failed} of ${rows.length} checks passed${failed ? `, ${failed} FAILED` : ''}\n`,
        );
      }
      if (failed > 0) ctx.setExitCode(1);
    });
}
