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
const f3 = loadMatrix('is_kid/kid_features3.npy');

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

  it('on ONNX Runtime\'s float64 GEMM: torch-fidelity\'s float64 per-subset values, both strategies', async () => {
    // Same subsets and kernel arithmetic, another summation order inside the dot products: the
    // fixture's 1e-9 holds (observed ~2e-11), and the mean is within 1e-12 of the WebAssembly one.
    for (const [key, y] of [['kid_synthetic_1_vs_2', f2], ['kid_synthetic_1_vs_3', f3]] as const) {
      const ref = expected[key].torch_fidelity_subsets;
      for (const fullKernelMaxBytes of [undefined, 0]) {
        const options = { subsets: 100, subsetSize: 50, fullKernelMaxBytes };
        const events: number[] = [];
        const r = await kernelInceptionDistanceParallel(f1, y, { ...options, engine: 'onnx', threads: 2, onProgress: (e) => events.push(e.done) });
        const perSubset: number[] = ref.per_subset_mmd2_float64;
        perSubset.forEach((v, i) => expect(Math.abs(r.subsetValues[i] - v) / Math.abs(v)).toBeLessThanOrEqual(1e-9));
        expect(Math.abs(r.mean - ref.float64_input.kid_mean.value) / Math.abs(ref.float64_input.kid_mean.value)).toBeLessThanOrEqual(1e-9);
        const wasm = kernelInceptionDistance(f1, y, options);
        expect(Math.abs(r.mean - wasm.mean) / Math.abs(wasm.mean)).toBeLessThanOrEqual(1e-12);
        expect(events[events.length - 1]).toBe(100);
      }
    }
  }, 60_000);

  it('the RBF kernel on ONNX Runtime\'s GEMM: torch-fidelity\'s per-subset values (norms read before the upper-triangle kernel)', async () => {
    const rbf = JSON.parse(readFileSync(new URL('is_kid/kid_rbf_expected.json', root), 'utf8')).cases.synthetic_1_vs_2_sigma30;
    for (const fullKernelMaxBytes of [undefined, 0]) {
      const r = await kernelInceptionDistanceParallel(f1, f2, { subsets: 6, subsetSize: 50, fullKernelMaxBytes, kernel: 'rbf', rbfSigma: 30, engine: 'onnx', threads: 2 });
      Array.from(r.subsetValues).forEach((v, i) => expect(Math.abs(v - rbf.per_subset_mmd2_float64[i]) / Math.abs(rbf.per_subset_mmd2_float64[i])).toBeLessThanOrEqual(1e-7));
    }
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
