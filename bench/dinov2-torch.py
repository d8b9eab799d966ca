#!/usr/bin/env python3
"""Reference side of bench/dinov2.ts: facebookresearch/dinov2's model (hub builder, pretrained=False,
the hash-weight .pth loaded strictly), timed on the same images with the same threads and batch size.

Preprocessing is dgm-eval's (Pillow bicubic to 224x224 on the RGB image, /255, ImageNet mean/std),
written here with PIL and torch (torchvision does not load on the torch 2 venv); it is timed with the
model, as fidkit's is. Prints one JSON line.

    /work/venv-t2/bin/python bench/dinov2-torch.py --src DIR --hub dinov2_vits14 --pth FILE --threads 2 --batch 8 --rounds 2 IMAGE...
"""
import argparse
import json
import os
import resource
import sys
import time
import warnings

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True, help="a git archive of facebookresearch/dinov2")
    ap.add_argument("--hub", required=True)
    ap.add_argument("--pth", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("images", nargs="+")
    args = ap.parse_args()
    os.environ["XFORMERS_DISABLED"] = "1"
    warnings.filterwarnings("ignore")
    import PIL.Image
    import torch

    torch.set_num_threads(args.threads)
    sys.path.insert(0, args.src)
    from dinov2.hub import backbones

    model = getattr(backbones, args.hub)(pretrained=False)
    model.load_state_dict(torch.load(args.pth, map_location="cpu"), strict=True)
    model.eval()
    mean = torch.tensor([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
    pil = [PIL.Image.open(p).convert("RGB") for p in args.images]  # decoding is not timed (nor is fidkit's)

    def run():
        out = []
        with torch.no_grad():
            for i in range(0, len(pil), args.batch):
                x = np.stack([np.asarray(im.resize((224, 224), PIL.Image.BICUBIC)) for im in pil[i : i + args.batch]])
                x = torch.from_numpy(x).permute(0, 3, 1, 2).float().div(255)
                out.append(model((x - mean) / std))
        return torch.cat(out)

    run()  # warm-up
    best = None
    for _ in range(args.rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        t, c = time.perf_counter() - t0, time.process_time() - c0
        if best is None or t < best[0]:
            best = (t, c)
    n = len(pil)
    print(json.dumps({"images_per_s": n / best[0], "images_per_cpu_s": n / best[1], "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "torch": torch.__version__, "threads": args.threads, "batch": args.batch}))


if __name__ == "__main__":
    main()
