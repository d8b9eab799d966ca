/**
 * @file Real-path check of the `.pth` reader on the 95 MB hash-weight checkpoints written by torch
 * (scripts/make-hash-weights.py): both formats must load to tensors bit-identical with
 * `hashInceptionStateDict()` and pass the FID Inception layout check; reports load times, and torch.load's
 * on the same files when Debian's python3-torch is present.
 *
 *   node --import tsx bench/pth-load.ts [/work/hash-weights]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hashInceptionStateDict } from '../src/features/inception/hash-weights.js';
import { assertInceptionStateDict } from '../src/features/inception/state-dict.js';
import { readPth } from '../src/io/pth.js';

const dir = process.argv[2] ?? '/work/hash-weights';
const reference = hashInceptionStateDict();
const bytesOf = (d: ArrayBufferView): Buffer => Buffer.from(d.buffer, d.byteOffset, d.byteLength);

for (const name of ['hash_inception_zip.pth', 'hash_inception_legacy.pth']) {
  const path = `${dir}/${name}`;
  if (!existsSync(path)) {
    console.log(`${path}: missing (run /usr/bin/python3 scripts/make-hash-weights.py ${dir})`);
    continue;
  }
  const times: number[] = [];
  let loaded: Awaited<ReturnType<typeof readPth>> | undefined;
  for (let r = 0; r < 5; r++) {
    loaded = undefined; // let the previous copy go before timing the next load
    const t0 = performance.now();
    loaded = await readPth(path);
    times.push(performance.now() - t0);
  }
  const { stateDict, format } = loaded!;
  assertInceptionStateDict(stateDict, path);
  let mismatches = 0;
  if ([...stateDict.keys()].join() !== [...reference.keys()].join()) mismatches++;
  for (const [k, t] of reference) {
    const u = stateDict.get(k);
    if (!u || u.dtype !== t.dtype || u.shape.join() !== t.shape.join() || !bytesOf(u.data).equals(bytesOf(t.data))) {
      mismatches++;
      console.log(`  mismatch: ${k}`);
    }
  }
  times.sort((a, b) => a - b);
  console.log(
    `${name} (${format}): ${stateDict.size} tensors, ${mismatches === 0 ? 'bit-identical to hashInceptionStateDict()' : `${mismatches} MISMATCHES`}; ` +
      `load ${times.map((t) => t.toFixed(0)).join(' / ')} ms (median ${times[2].toFixed(0)} ms)`,
  );
  if (mismatches > 0) process.exitCode = 1;
}

if (existsSync('/usr/bin/python3')) {
  const py = `
import time, sys, torch
torch.set_num_threads(1)
for name in ("hash_inception_zip.pth", "hash_inception_legacy.pth"):
    ts = []
    for r in range(5):
        t0 = time.perf_counter(); sd = torch.load(sys.argv[1] + "/" + name, map_location="cpu"); ts.append(time.perf_counter() - t0)
    ts.sort()
    print(f"torch.load {name}: " + " / ".join(f"{t*1000:.0f}" for t in ts) + f" ms (median {ts[2]*1000:.0f} ms)")
`;
  try {
    process.stdout.write(execFileSync('/usr/bin/python3', ['-c', py, dir], { encoding: 'utf8' }));
  } catch {
    console.log('torch.load timing skipped (no python3-torch)');
  }
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
