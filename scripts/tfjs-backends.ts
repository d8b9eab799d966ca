/**
 * @file Times the MNIST classifier's training step on each available tfjs backend (the numbers in
 * models/README.md): a few steps of `trainClassifier` per backend, same seed and batches, into a
 * temporary folder. Run from the repository root:
 *
 *     node --import tsx scripts/tfjs-backends.ts [STEPS]
 *
 * Backends that cannot start (tfjs-node where it is not installed) are reported as such.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainClassifier } from '../src/models/mnist/train.js';
import type { TfBackendName } from '../src/models/mnist/tf.js';

const steps = Number(process.argv[2] ?? 10);
for (const backend of ['wasm', 'cpu', 'tensorflow'] as TfBackendName[]) {
  const outDir = mkdtempSync(join(tmpdir(), `fidkit-backend-${backend}-`));
  try {
    // The first step compiles kernels and allocates: time steps 2..N by subtracting a 1-step run.
    const one = await trainClassifier({ steps: 1, outDir, backend, testCount: 100, checkpointEvery: 1_000_000 });
    const all = await trainClassifier({ steps, outDir, backend, testCount: 100, checkpointEvery: 1_000_000, force: true });
    console.log(`${backend}: ${((all.seconds - one.seconds) / (steps - 1)).toFixed(3)} s/step (batch 64, ${steps - 1} steps timed)`);
  } catch (err) {
    console.log(`${backend}: unavailable (${(err as Error).message.split('\n')[0]})`);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
