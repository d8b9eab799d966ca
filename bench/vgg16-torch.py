"""Throughput of torch-fidelity 0.4's own VGG16 extractor (FeatureExtractorVGG16, CPU), for bench/vgg16.ts.

torch-fidelity is not a dependency of fidkit and none of its code is in this repository: its source
is put on the Python path from --torch-fidelity-src (a checkout of github.com/toshas/torch-fidelity).
The weights are the VGG16 hash weights in torchvision's layout (scripts/make-vgg16-fixtures.py's
formula); WEIGHTS.pth is written with torch.save when it does not exist yet (~528 MB, bench/out/).

usage: /usr/bin/python3 bench/vgg16-torch.py --torch-fidelity-src DIR WEIGHTS.pth IMAGES.npy THREADS BATCH [CHECK.npy]
       /usr/bin/python3 bench/vgg16-torch.py --torch-fidelity-src DIR probe
IMAGES.npy: uint8 N x H x W x 3. Prints one JSON line: images/s, images per CPU-second (all threads),
seconds, peak RSS; with CHECK.npy (fc2_relu features fidkit computed for IMAGES) also
max |difference| / max |torch-fidelity|.
"""
import importlib.util
import json
import os
import resource
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    args = sys.argv[1:]
    if len(args) < 2 or args[0] != "--torch-fidelity-src":
        raise SystemExit(__doc__)
    sys.path.insert(0, os.path.abspath(args[1]))
    args = args[2:]
    try:
        import numpy as np
        import torch
        from torch_fidelity.feature_extractor_vgg16 import FeatureExtractorVGG16
        import torch_fidelity
    except Exception as e:  # noqa: BLE001 - reported to the bench
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
        return
    if args == ["probe"]:
        print(json.dumps({"ok": True, "torch_fidelity": torch_fidelity.__version__, "torch": torch.__version__}))
        return
    weights, images_path, threads, batch = args[0], args[1], int(args[2]), int(args[3])
    torch.set_num_threads(threads)
    if not os.path.exists(weights):
        spec = importlib.util.spec_from_file_location("fixtures", os.path.join(ROOT, "scripts", "make-vgg16-fixtures.py"))
        fixtures = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(fixtures)
        import torchvision

        sd = torchvision.models.vgg16(weights=None).state_dict()
        for key, t in sd.items():
            t.copy_(torch.from_numpy(fixtures.hash_array(key, list(t.shape))))
        os.makedirs(os.path.dirname(os.path.abspath(weights)), exist_ok=True)
        torch.save(sd, weights + ".tmp")
        os.replace(weights + ".tmp", weights)
        del sd
    fe = FeatureExtractorVGG16("vgg16", ["fc2_relu"], feature_extractor_weights_path=weights)
    images = np.load(images_path)
    to_batch = lambda a: torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))
    feats = []
    with torch.no_grad():
        fe(to_batch(images[:batch]))  # warm-up (oneDNN primitive creation), as bench/vgg16.ts does
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, len(images), batch):
            feats.append(fe(to_batch(images[i : i + batch]))[0].numpy())
        seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    out = {
        "images_per_s": len(images) / seconds,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "images_per_cpu_s": len(images) / cpu_seconds,
        "threads": threads,
        "torch": torch.__version__,
        "torch_fidelity": torch_fidelity.__version__,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if len(args) > 4:
        ref = np.concatenate(feats)
        check = np.load(args[4])[: len(images)]
        out["max_rel_diff_vs_fidkit"] = float(np.abs(ref - check).max() / np.abs(ref).max())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
