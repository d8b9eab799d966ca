"""Throughput of torch-fidelity 0.4's own CLIP extractor (FeatureExtractorCLIP, CPU), for bench/clip.ts.

torch-fidelity is not a dependency of fidkit and none of its code is in this repository: its source is put
on the Python path from --torch-fidelity-src. The weights are a TorchScript archive of the CLIP hash weights
written by scripts/make-clip-fixtures.py (loaded by torch-fidelity with torch.jit.load, as OpenAI's files).

usage: /usr/bin/python3 bench/clip-torch.py --torch-fidelity-src DIR MODEL ARCHIVE.pt IMAGES.npy THREADS BATCH CHECK.npy
IMAGES.npy: uint8 N x H x W x 3; CHECK.npy: the embeddings fidkit computed for IMAGES. Prints one JSON line:
images/s, images per CPU-second (all threads), peak RSS, max |difference| / max |torch-fidelity|.
"""
import json
import os
import resource
import sys
import time

NAMES = {"clip-vit-b-32": "clip-vit-b-32", "clip-vit-l-14": "clip-vit-l-14", "clip-vit-l-14-336": "clip-vit-l-14-336px"}


def main():
    args = sys.argv[1:]
    if len(args) != 8 or args[0] != "--torch-fidelity-src":
        raise SystemExit(__doc__)
    sys.path.insert(0, os.path.abspath(args[1]))
    name, archive, images_path, threads, batch, check = args[2], args[3], args[4], int(args[5]), int(args[6]), args[7]
    import numpy as np
    import torch
    import torch_fidelity
    from torch_fidelity.feature_extractor_clip import FeatureExtractorCLIP

    torch.set_num_threads(threads)
    fe = FeatureExtractorCLIP(NAMES[name], ["clip"], feature_extractor_weights_path=archive)
    fe.eval()
    images = np.load(images_path)
    to_batch = lambda a: torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))
    feats = []
    with torch.no_grad():
        fe(to_batch(images[:4]))  # warm-up, as bench/clip.ts does
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, len(images), batch):
            feats.append(fe(to_batch(images[i : i + batch]))[0].numpy())
        seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    ref = np.concatenate(feats)
    fidkit = np.load(check)[: len(images)]
    print(
        json.dumps(
            {
                "images_per_s": len(images) / seconds,
                "images_per_cpu_s": len(images) / cpu_seconds,
                "seconds": seconds,
                "threads": threads,
                "torch": torch.__version__,
                "torch_fidelity": torch_fidelity.__version__,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "max_rel_diff_vs_fidkit": float(np.abs(ref - fidkit).max() / np.abs(ref).max()),
            }
        )
    )


if __name__ == "__main__":
    main()
