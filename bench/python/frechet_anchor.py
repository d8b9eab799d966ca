"""Timing anchor for bench/frechet.ts: the Fréchet distance of two .npz statistics files
(keys mu, sigma) computed the ways the Python references do, timed in this process.

    python3 bench/python/frechet_anchor.py A.npz B.npz [--repeat 1]

Prints one JSON object: versions, and for each method its best wall time over --repeat runs
(seconds, including the product sigma1 @ sigma2 where the method forms it) and its value:
  pytorch_fid  - scipy.linalg.sqrtm of sigma1 @ sigma2 with pytorch-fid's 1e-6 * I retry when the
                 square root is not finite (the TTUR formula that pytorch-fid 0.3.0 uses)
  eigvals      - torch-fidelity >= 0.4: sum of the real parts of sqrt(eigvals(sigma1 @ sigma2))
  eigh         - symmetric form: eigvalsh(sqrt(S1) S2 sqrt(S1)), sqrt(S1) from eigh, negatives clipped
Written for this benchmark (not copied from those projects); the formulas are in
shared/research/anchors.md section 2.3.
"""
import argparse
import json
import platform
import time

import numpy as np
import scipy
import scipy.linalg


def _sqrtm(m):
    # SciPy >= 1.16 deprecated disp= (and returns the matrix alone); older ones return (sqrt, errest) with disp=False.
    major, minor = (int(x) for x in scipy.__version__.split(".")[:2])
    if (major, minor) >= (1, 16):
        return scipy.linalg.sqrtm(m)
    return scipy.linalg.sqrtm(m, disp=False)[0]


def pytorch_fid_path(mu1, s1, mu2, s2, eps=1e-6):
    diff = mu1 - mu2
    root = _sqrtm(s1.dot(s2))
    offset = False
    if not np.isfinite(root).all():
        offset = True
        eye = np.eye(s1.shape[0]) * eps
        root = _sqrtm((s1 + eye).dot(s2 + eye))
    if np.iscomplexobj(root):
        root = root.real
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(root)), offset


def eigvals_path(mu1, s1, mu2, s2):
    diff = mu1 - mu2
    tr = np.sum(np.sqrt(np.linalg.eigvals(s1.dot(s2)).astype("complex128")).real)
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * tr), False


def eigh_path(mu1, s1, mu2, s2):
    diff = mu1 - mu2
    w, v = np.linalg.eigh(s1)
    half = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    lam = np.linalg.eigvalsh(half @ s2 @ half)
    tr = np.sum(np.sqrt(np.clip(lam, 0, None)))
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * tr), False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--methods", default="pytorch_fid,eigvals,eigh")
    args = p.parse_args()
    fa, fb = np.load(args.a), np.load(args.b)
    mu1, s1, mu2, s2 = fa["mu"], fa["sigma"], fb["mu"], fb["sigma"]
    methods = {"pytorch_fid": pytorch_fid_path, "eigvals": eigvals_path, "eigh": eigh_path}
    out = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "dim": int(mu1.shape[0]),
        "methods": {},
    }
    for name in args.methods.split(","):
        best = None
        value = None
        offset = False
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            value, offset = methods[name](mu1, s1, mu2, s2)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        out["methods"][name] = {"seconds": best, "value": value, "offset": offset}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
