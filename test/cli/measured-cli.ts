/** Test helper: spawn the built CLI and measure it (wall time, and peak RSS read inside the child at exit). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './run-cli.js';

export interface MeasuredRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  maxRssMb: number;
}

/** Like spawnCli, plus `seconds` and `maxRssMb`; `env` is added to the environment. */
export function measuredCli(argv: readonly string[], env: Record<string, string> = {}): MeasuredRun {
  const hook = "process.on('exit',()=>process.stderr.write('\\n@maxrss='+process.resourceUsage().maxRSS+'\\n'))";
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, join(ROOT, 'bin', 'fidkit.js'), ...argv], {
    encoding: 'utf8',
    cwd: ROOT,
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  const seconds = (performance.now() - t0) / 1000;
  const m = /\n@maxrss=(\d+)\n/.exec(r.stderr);
  return {
    code: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr.replace(/\n@maxrss=\d+\n/, ''),
    seconds,
    maxRssMb: m ? Number(m[1]) / 1024 : Infinity,
  };
}
