"""Timing anchor for bench/kid.ts: torch-fidelity's own `kid_features_to_metric` (NumPy float32
matmuls, as torch-fidelity runs KID) on the .npy features the TypeScript benchmark writes. Needs
torch and torch-fidelity importable (bench/kid.ts puts a torch-fidelity checkout on PYTHONPATH).
Prints one JSON line: wall and CPU seconds, mean and std.

    python3 bench/python/kid_anchor.py x.npy y.npy SUBSETS SUBSET_SIZE
"""
import json
import sys
import time

import numpy as np
import torch
from torch_fidelity.metric_kid import kid_features_to_metric


def main():
    x = torch.from_numpy(np.load(sys.argv[1]))
    y = torch.from_numpy(np.load(sys.argv[2]))
    subsets, size = int(sys.argv[3]), int(sys.argv[4])
    t0, c0 = time.perf_counter(), time.process_time()
    out = kid_features_to_metric(x, y, kid_subsets=subsets, kid_subset_size=size, rng_seed=2020, verbose=False)
    print(json.dumps({
        'seconds': time.perf_counter() - t0,
        'cpu_seconds': time.process_time() - c0,
        'mean': out['kernel_inception_distance_mean'],
        'std': out['kernel_inception_distance_std'],
    }))


if __name__ == '__main__':
    main()
