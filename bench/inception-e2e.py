"""End-to-end throughput of the real pytorch-fid (image files on disk -> pool3), for bench/inception-e2e.ts.

Runs pytorch-fid's own code, not a rebuild: `InceptionV3([3])` from `pytorch_fid.inception`, fed by
`pytorch_fid.fid_score.get_activations` (its DataLoader, PIL decoding, ToTensor), on the files
pytorch-fid's `compute_statistics_of_path` would list. pytorch-fid is NOT a dependency of fidkit and
its code is not in this repository: point `--pytorch-fid-src` (or PYTHONPATH) at a checkout
(`git clone https://github.com/mseitzer/pytorch-fid`, the folder holding `src/` or the `src/` folder
itself), or pip-install it. The weights come from WEIGHTS.pth (the hash weights of
scripts/make-hash-weights.py): pytorch-fid's download is replaced by `torch.load` of that file.

usage:
  /usr/bin/python3 bench/inception-e2e.py probe [--pytorch-fid-src DIR]
  /usr/bin/python3 bench/inception-e2e.py run --pth WEIGHTS.pth --folder DIR --threads 2 --batch 50
      --num-workers N|default [--check FIDKIT.npy] [--pytorch-fid-src DIR]

`probe` prints one JSON line saying whether pytorch-fid imports (and from where). `run` prints one
JSON line: images/s, images per CPU-second (this process and its DataLoader workers), seconds,
start-up seconds (imports + model build + weight load), peak RSS of this process and of its
largest worker, and with --check (fidkit's N x 2048 float32 features of the same files, same order)
the max |difference| and the max |value|. `default` workers is pytorch-fid's CLI default,
min(8, usable CPUs).
"""
import argparse
import gc
import json
import os
import resource
import sys
import time


def add_source(src):
    if not src:
        return
    inner = os.path.join(src, "src")
    sys.path.insert(0, inner if os.path.isdir(os.path.join(inner, "pytorch_fid")) else src)


def probe(args):
    add_source(args.pytorch_fid_src)
    try:
        import pytorch_fid
        import pytorch_fid.fid_score  # noqa: F401  (needs torch, torchvision, PIL, scipy)
    except Exception as err:  # noqa: BLE001  report any import failure as "not available"
        print(json.dumps({"ok": False, "error": "%s: %s" % (type(err).__name__, err)}))
        return
    import torch
    print(json.dumps({"ok": True, "version": pytorch_fid.__version__, "path": os.path.dirname(pytorch_fid.__file__),
                      "torch": torch.__version__}))


def cpu_seconds():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run(args):
    t_start = time.perf_counter()
    add_source(args.pytorch_fid_src)
    import numpy as np
    import torch
    import pytorch_fid.inception as pfi
    from pytorch_fid.fid_score import IMAGE_EXTENSIONS, get_activations
    import pathlib

    torch.set_num_threads(args.threads)
    # pytorch-fid downloads its weights; load the given .pth instead (same state-dict keys).
    pfi.load_state_dict_from_url = lambda *a, **k: torch.load(args.pth, map_location="cpu")
    model = pfi.InceptionV3([pfi.InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).to("cpu").eval()
    startup = time.perf_counter() - t_start

    # The listing compute_statistics_of_path makes.
    path = pathlib.Path(args.folder)
    files = sorted([f for ext in IMAGE_EXTENSIONS for f in path.glob("*.{}".format(ext))])
    if args.num_workers == "default":
        try:
            num_cpus = len(os.sched_getaffinity(0))
        except AttributeError:
            num_cpus = os.cpu_count()
        workers = min(num_cpus, 8) if num_cpus is not None else 0
    else:
        workers = int(args.num_workers)

    # Warm-up, as the fidkit side does (oneDNN primitive creation on the first forward): 8 images.
    with torch.no_grad():
        model(torch.rand(8, 3, 299, 299))
    gc.collect()

    c0, t0 = cpu_seconds(), time.perf_counter()
    feats = get_activations(files, model, batch_size=args.batch, dims=2048, device="cpu", num_workers=workers)
    seconds = time.perf_counter() - t0
    gc.collect()  # DataLoader workers are joined when the iterator ends; their CPU time is in children_*
    cpu = cpu_seconds() - c0
    out = {
        "images": len(files), "num_workers": workers, "threads": args.threads, "images_per_s": len(files) / seconds,
        "images_per_cpu_s": len(files) / cpu, "seconds": seconds, "cpu_seconds": cpu, "startup_s": startup,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workers_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "torch": torch.__version__,
    }
    if args.check:
        check = np.load(args.check).astype(np.float64)
        if check.shape != feats.shape:
            out["check_error"] = "shape %s vs pytorch-fid %s" % (check.shape, feats.shape)
        else:
            out["max_abs_diff"] = float(np.abs(feats - check).max())
            out["max_abs_value"] = float(np.abs(feats).max())
    print(json.dumps(out))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["probe", "run"])
    parser.add_argument("--pytorch-fid-src", default=os.environ.get("PYTORCH_FID_SRC"))
    parser.add_argument("--pth")
    parser.add_argument("--folder")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--num-workers", default="0")
    parser.add_argument("--check")
    args = parser.parse_args()
    if args.mode == "probe":
        probe(args)
    else:
        if not args.pth or not args.folder:
            parser.error("run needs --pth and --folder")
        run(args)


if __name__ == "__main__":
    main()
