"""Throughput of pytorch-fid's FID Inception on PyTorch (CPU), for bench/inception.ts.

pytorch-fid itself is not installed here, so this rebuilds its network: torchvision's Inception3
(1008 classes, no aux head) with the FID changes — average pools in Mixed_5*/6b-e/7b that do not
count padding, a 3x3 max pool in Mixed_7c's pool branch — loads a pytorch-fid state dict and runs
what pytorch-fid's InceptionV3.forward runs: bilinear resize to 299 (align_corners=False) on v/255,
2x-1, the blocks, global average pool.

usage: /usr/bin/python3 bench/inception-torch.py WEIGHTS.pth IMAGES.npy THREADS BATCH [CHECK.npy]
IMAGES.npy: uint8 N x H x W x 3. Prints one JSON line: images/s, images per CPU-second (all threads),
seconds, peak RSS.
With CHECK.npy (features fidkit computed for IMAGES), also reports max |difference|.
"""
import json
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.models.inception as tvi


def pool_branch(block, x, pool):
    return block.branch_pool(pool(x))


def avg_no_pad(x):
    # TensorFlow SAME average pooling divides by the number of in-image cells.
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


def max_same(x):
    return F.max_pool2d(x, kernel_size=3, stride=1, padding=1)


def forward_a(self, x):
    b5 = self.branch5x5_2(self.branch5x5_1(x))
    b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
    return torch.cat([self.branch1x1(x), b5, b3, pool_branch(self, x, avg_no_pad)], 1)


def forward_c(self, x):
    b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
    bd = self.branch7x7dbl_1(x)
    for m in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
        bd = m(bd)
    return torch.cat([self.branch1x1(x), b7, bd, pool_branch(self, x, avg_no_pad)], 1)


def make_forward_e(pool):
    def forward_e(self, x):
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        return torch.cat([self.branch1x1(x), b3, bd, pool_branch(self, x, pool)], 1)
    return forward_e


def build(weights):
    net = tvi.Inception3(num_classes=1008, aux_logits=False, init_weights=False)
    for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d"):
        m = getattr(net, name)
        m.forward = forward_a.__get__(m)
    for name in ("Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"):
        m = getattr(net, name)
        m.forward = forward_c.__get__(m)
    net.Mixed_7b.forward = make_forward_e(avg_no_pad).__get__(net.Mixed_7b)
    net.Mixed_7c.forward = make_forward_e(max_same).__get__(net.Mixed_7c)
    net.load_state_dict(torch.load(weights, map_location="cpu"), strict=True)
    return net.eval()


def pool3(net, x):
    x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
    x = 2 * x - 1
    for name in ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3"):
        x = getattr(net, name)(x)
    x = F.max_pool2d(x, kernel_size=3, stride=2)
    x = net.Conv2d_4a_3x3(net.Conv2d_3b_1x1(x))
    x = F.max_pool2d(x, kernel_size=3, stride=2)
    for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d",
                 "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"):
        x = getattr(net, name)(x)
    return F.adaptive_avg_pool2d(x, (1, 1)).flatten(1)


def main():
    weights, images_path, threads, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    net = build(weights)
    images = np.load(images_path)
    feats = []
    with torch.no_grad():
        # Warm-up on one batch (oneDNN primitive creation), as bench/inception.ts does.
        pool3(net, torch.from_numpy(images[:batch]).permute(0, 3, 1, 2).float() / 255)
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, len(images), batch):
            x = torch.from_numpy(images[i:i + batch]).permute(0, 3, 1, 2).float() / 255
            feats.append(pool3(net, x).numpy())
        seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    out = {"images_per_s": len(images) / seconds, "seconds": seconds, "cpu_seconds": cpu_seconds,
           "images_per_cpu_s": len(images) / cpu_seconds, "threads": threads,
           "torch": torch.__version__, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if len(sys.argv) > 5:
        check = np.load(sys.argv[5])
        out["max_abs_diff_vs_fidkit"] = float(np.abs(np.concatenate(feats) - check[: len(images)]).max())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
