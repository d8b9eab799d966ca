"""Timing anchor for bench/prdc.ts: precision/recall/density/coverage in NumPy the way clovaai's
`prdc.compute_prdc` and torch-fidelity do it (whole N×N distance matrices, float64 Gram expansion
rounded to float32 as sklearn does for float32 input, radius by np.partition), on the .npy files
that the TypeScript benchmark writes. Prints one JSON line: wall and CPU seconds and counts per setting (and,
with --float64, the counts from float64 distances, untimed).

    python3 bench/prdc.py real.npy fake.npy [--float64]
"""
import json
import sys
import time

import numpy as np


def distances(a, b, same, dtype):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    d2 = (a64 * a64).sum(1)[:, None] - 2.0 * (a64 @ b64.T) + (b64 * b64).sum(1)[None, :]
    d = np.sqrt(np.maximum(d2.astype(dtype), 0))
    if same:
        np.fill_diagonal(d, 0)
    return d


def counts(real, fake, dtype):
    d_rr = distances(real, real, True, dtype)
    d_ff = distances(fake, fake, True, dtype)
    d_rf = distances(real, fake, False, dtype)
    out = {}
    for k, membership in ((3, 'le'), (5, 'lt')):
        r_real = np.partition(d_rr, k, axis=1)[:, k]
        r_fake = np.partition(d_ff, k, axis=1)[:, k]
        inside = np.less_equal if membership == 'le' else np.less
        in_real = inside(d_rf, r_real[:, None])          # [real, fake]: fake j in real ball i
        in_fake = inside(d_rf, r_fake[None, :])          # real i in fake ball j
        out[f'k{k}_{membership}'] = {
            'precision': int(in_real.any(axis=0).sum()),
            'recall': int(in_fake.any(axis=1).sum()),
            'density': int(in_real.sum()),
            'coverage': int(inside(d_rf.min(axis=1), r_real).sum()),
        }
    return out


def main():
    real, fake = np.load(sys.argv[1]), np.load(sys.argv[2])
    t0, c0 = time.perf_counter(), time.process_time()
    out = counts(real, fake, np.float32)
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    # The same with float64 distances (no rounding to float32): fidkit's exact counts should match
    # these except where a float64 distance is within ~1e-16 relative of a radius.
    out64 = counts(real, fake, np.float64) if len(sys.argv) > 3 and sys.argv[3] == '--float64' else None
    print(json.dumps({'seconds': seconds, 'cpu_seconds': cpu_seconds, 'counts': out, 'counts_float64': out64}))


if __name__ == '__main__':
    main()
