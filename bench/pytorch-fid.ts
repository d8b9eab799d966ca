/**
 * @file Finding the real pytorch-fid for the benchmarks (bench/inception.ts, bench/inception-e2e.ts).
 * pytorch-fid is not a dependency of fidkit and none of its code is in this repository; the
 * benchmarks use a checkout of github.com/mseitzer/pytorch-fid given by `--pytorch-fid-src`, else
 * `$PYTORCH_FID_SRC`, else `bench/out/pytorch-fid` (ignored by git), else an installed `pytorch_fid`.
 */

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The pytorch-fid checkout to put on the Python path, or undefined to rely on an installed package. */
export function pytorchFidSource(given: string | undefined): string | undefined {
  const chosen = given ?? process.env.PYTORCH_FID_SRC;
  if (chosen) return chosen;
  const conventional = join(HERE, 'out', 'pytorch-fid');
  return existsSync(conventional) ? conventional : undefined;
}

/** Whether pytorch-fid (with torch, torchvision, Pillow, scipy) imports with `python`: true, or why not. */
export function probePytorchFid(python: string, source: string | undefined): true | string {
  const how = 'pass --pytorch-fid-src DIR or set PYTORCH_FID_SRC to a checkout of github.com/mseitzer/pytorch-fid';
  if (!existsSync(python)) return `${python} not found`;
  try {
    const stdout = execFileSync(python, [join(HERE, 'inception-e2e.py'), 'probe', ...(source ? ['--pytorch-fid-src', source] : [])], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const probe = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { ok: boolean; error?: string };
    return probe.ok ? true : `pytorch-fid is not importable with ${python}${source ? ` from ${source}` : ''} (${probe.error}): ${how}`;
  } catch (error) {
    return `pytorch-fid probe failed: ${String((error as { stderr?: string }).stderr ?? error).slice(0, 300)}`;
  }
}
