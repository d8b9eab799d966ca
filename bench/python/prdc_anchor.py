"""Timing anchors for bench/prdc.ts, the references' own code on the .npy features the TypeScript
benchmark writes: clovaai's `prdc.compute_prdc(real, fake, nearest_k=5)` (sklearn distances, d < r)
and torch-fidelity's `prc_features_to_metric(fake, real, prc_neighborhood=3)` (torch.cdist, d <= r).
Each runs when its package imports (bench/prdc.ts puts checkouts on PYTHONPATH); the other is
reported missing. Prints one JSON line: per reference, wall and CPU seconds and its values.

    python3 bench/python/prdc_anchor.py real.npy fake.npy
"""
import contextlib
import io
import json
import sys
import time

import numpy as np


def timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):  # compute_prdc prints the set sizes
        out = fn()
    return {'seconds': time.perf_counter() - t0, 'cpu_seconds': time.process_time() - c0, 'values': out}


def main():
    real, fake = np.load(sys.argv[1]), np.load(sys.argv[2])
    result = {}
    try:
        from prdc import compute_prdc
        result['clovaai_prdc'] = timed(lambda: {k: float(v) for k, v in compute_prdc(real, fake, 5).items()})
    except ImportError as err:
        result['clovaai_prdc'] = {'missing': str(err)}
    try:
        import torch
        from torch_fidelity.metric_prc import prc_features_to_metric
        f1, f2 = torch.from_numpy(fake), torch.from_numpy(real)
        result['torch_fidelity_prc'] = timed(lambda: {k: float(v) for k, v in prc_features_to_metric(
            f1, f2, prc_neighborhood=3, prc_batch_size=10000, save_cpu_ram=False, verbose=False).items()})
    except ImportError as err:
        result['torch_fidelity_prc'] = {'missing': str(err)}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
