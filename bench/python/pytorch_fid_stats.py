"""`python -m pytorch_fid --save-stats FOLDER OUT.npz --device cpu` as one process, for
bench/stats-e2e.ts: pytorch-fid's own `save_fid_stats` (its listing, DataLoader with its CLI default
of min(8, CPUs) workers, PIL decoding, InceptionV3, get_activations, mean and covariance,
np.savez_compressed), with one change: its weight download is replaced by `torch.load` of the
given .pth (the hash weights of scripts/make-hash-weights.py; the real file cannot be fetched here).
The benchmark times the whole process, start-up included, as a user sees it. pytorch-fid is not
part of fidkit: put a checkout on PYTHONPATH (bench/out/pytorch-fid/src).

    /usr/bin/python3 bench/python/pytorch_fid_stats.py WEIGHTS.pth FOLDER OUT.npz THREADS
"""
import os
import sys

import torch
import pytorch_fid.inception as inception
from pytorch_fid.fid_score import save_fid_stats


def main():
    pth, folder, out, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    torch.set_num_threads(threads)
    inception.load_state_dict_from_url = lambda *a, **k: torch.load(pth, map_location='cpu')
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    workers = min(cpus, 8) if cpus is not None else 0  # pytorch-fid's CLI default
    save_fid_stats([folder, out], 50, 'cpu', 2048, workers)


if __name__ == '__main__':
    main()
