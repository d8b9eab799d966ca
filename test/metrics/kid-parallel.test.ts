import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { featureMatrixFromNpy, readNpy } from '../../src/io/npy.js';
import { kernelInceptionDistance } from '../../src/metrics/kid.js';
import { kernelInceptionDistanceParallel } from '../../src/metrics/kid-parallel.js';
import { KID_WORKER_MARK } from '../../src/metrics/kid-worker.js';

const root = new URL('../../fixtures/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('is_kid/expected.json', root), 'utf8'));
const loadMatrix = (rel: string) => featureMatrixFromNpy(readNpy(readFileSync(new URL(rel, root)), rel), rel);
const f1 = loadMatrix('is_kid/kid_features1.npy');
const f2 = loadMatrix('is_kid/kid_features2.npy');

describe('kernelInceptionDistanceParallel', () => {
  it('2 worker threads give the single-threaded values bit for bit, and torch-fidelity\'s', async () => {
    // fullKernelMaxBytes 0 forces per-subset products, the path the workers run.
    const options = { subsets: 12, subsetSize: 50, fullKernelMaxBytes: 0 };
    const events: Array<{ done: number; total: number }> = [];
    const par = await kernelInceptionDistanceParallel(f1, f2, { ...options, threads: 2, onProgress: (e) => events.push(e) });
    const seq = kernelInceptionDistance(f1, f2, options);
    expect(Array.from(par.subsetValues)).toEqual(Array.from(seq.subsetValues));
    expect(par.mean).toBe(seq.mean);
    expect(par.std).toBe(seq.std);
    const ref: number[] = expected.kid_synthetic_1_vs_2.torch_fidelity_subsets.per_subset_mmd2_float64;
    Array.from(par.subsetValues).forEach((v, i) => expect(Math.abs(v - ref[i]) / Math.abs(ref[i])).toBeLessThanOrEqual(1e-9));
    expect(events.map((e) => e.done)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(events.every((e) => e.total === 12)).toBe(true);
  }, 30_000);

  it('the RBF kernel reaches the workers: 2 threads give the single-threaded values bit for bit', async () => {
    const options = { subsets: 6, subsetSize: 50, fullKernelMaxBytes: 0, kernel: 'rbf' as const, rbfSigma: 30 };
    const par = await kernelInceptionDistanceParallel(f1, f2, { ...options, threads: 2 });
    const seq = kernelInceptionDistance(f1, f2, options);
    expect(Array.from(par.subsetValues)).toEqual(Array.from(seq.subsetValues));
    const rbf = JSON.parse(readFileSync(new URL('is_kid/kid_rbf_expected.json', root), 'utf8')).cases.synthetic_1_vs_2_sigma30;
    Array.from(par.subsetValues).forEach((v, i) => expect(Math.abs(v - rbf.per_subset_mmd2_float64[i]) / Math.abs(rbf.per_subset_mmd2_float64[i])).toBeLessThanOrEqual(1e-7));
    await expect(kernelInceptionDistanceParallel(f1, f2, { ...options, rbfSigma: -1, threads: 2 })).rejects.toThrow("KID: the RBF kernel's sigma must be a finite number > 0, got -1");
  }, 30_000);

  it('validates like the single-threaded version, before starting any worker', async () => {
    await expect(kernelInceptionDistanceParallel(f1, f2)).rejects.toThrow(InputError);
    await expect(kernelInceptionDistanceParallel(f1, f2, { subsetSize: 50, threads: 0 })).rejects.toThrow('KID: threads must be a positive integer, got 0');
  });

  it('the worker entry is inert when imported (it checks its workerData mark)', () => {
    // Importing it above started nothing; the literal is duplicated in kid-parallel.ts on purpose.
    expect(KID_WORKER_MARK).toBe('fidkit-kid-worker');
    expect(readFileSync(new URL('../../src/metrics/kid-parallel.ts', import.meta.url), 'utf8')).toContain(`'${KID_WORKER_MARK}'`);
  });

  it('threads: 1 runs on this thread', async () => {
    const r = await kernelInceptionDistanceParallel(f1, f2, { subsets: 3, subsetSize: 50, threads: 1 });
    expect(r.mean).toBe(kernelInceptionDistance(f1, f2, { subsets: 3, subsetSize: 50 }).mean);
  });
});
