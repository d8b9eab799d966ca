import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './run-cli.js';

describe('a reader that stops early', () => {
  it('`fidkit sweep --help` into a closed pipe ends quietly with exit 0 (no EPIPE stack)', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'fidkit.js'), 'sweep', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // Close our end before the help is written, as `head -1` does after its line.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|unexpected error/);
    expect(code).toBe(0);
  }, 30_000);
});
