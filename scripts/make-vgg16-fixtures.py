#!/usr/bin/python3
"""Reference features of torch-fidelity 0.4's VGG16 extractor on the fixture images, with hash weights.

torchvision's VGG16 weights (`vgg16-397923af.pth`, 528 MB, the file torch-fidelity loads for
precision/recall) cannot be downloaded here, so every tensor of a torchvision `vgg16()` state dict is
filled by the integer-hash formula below, which fidkit reproduces bit for bit
(src/features/vgg16/hash-weights.ts). The state dict is saved with `torch.save` in both formats
(legacy, like torchvision's 2017 file, and zip) OUTSIDE the repository, torch-fidelity's own
`FeatureExtractorVGG16` loads it through `feature_extractor_weights_path` (its strict
`load_state_dict`) and extracts `fc2` and `fc2_relu` from `fixtures/images/set_{a,b}` through its own
folder pipeline (glob, `PIL.Image.open(f).convert("RGB")`, `pil_to_tensor`, DataLoader, batch 1, CPU,
one thread). `calculate_metrics(input1=set_a, input2=set_b, prc=True)` then gives torch-fidelity's
precision/recall with the extractor it picks for prc by default (vgg16).

Formula (the Inception hash weights' mixer, fixtures/REFERENCE.md section 1), per key K and flat C-order
index i:  h = FNV-1a-32(UTF-8 K);  x = h ^ (i*2654435761 mod 2^32);  murmur3 fmix32;  u = x / 2^32;
  *.weight (conv [O,I,3,3] and linear [O,I]):  (2u-1)*sqrt(6/fan_in), fan_in = prod(shape[1:])  (He uniform)
  *.bias:                                      (2u-1)*0.1
each value one float64 expression rounded once to float32. No extra scaling was needed: with He-uniform
weights the fc2_relu features stay alive and spread (expected.json -> non_degeneracy).

Needs Debian's python3-torch, python3-torchvision, python3-tqdm and torch-fidelity's source (not
installed; e.g. `git archive` of toshas/torch-fidelity into /tmp/tf04):

    /usr/bin/python3 scripts/make-vgg16-fixtures.py --torch-fidelity /tmp/tf04 --torch-fidelity-commit 5e211a9… [--weights-dir /tmp/fidkit-vgg16] [--noise]

writes fixtures/vgg16/{state_dict_keys.tsv,expected.json,set_a/,set_b/} and the two ~528 MB .pth files
into --weights-dir (never commit those). --noise adds float-noise measurements (2 threads, float64).
"""
import argparse
import collections
import hashlib
import json
import os
import platform
import sys

import numpy as np

from fixture_common import M32, fnv1a32, hash_u, sha256_file  # noqa: E402  (scripts/fixture_common.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "vgg16")
IMAGES = os.path.join(ROOT, "fixtures", "images")
M32 = np.uint64(0xFFFFFFFF)
K = 3  # torch-fidelity's prc_neighborhood default




def rule(key, shape):
    if key.endswith(".weight") and len(shape) >= 2:
        fan_in = int(np.prod(shape[1:]))
        return f"(2u-1)*sqrt(6/{fan_in})", np.sqrt(6 / fan_in)
    if key.endswith(".bias") and len(shape) == 1:
        return "(2u-1)*0.1", 0.1
    raise SystemExit(f"no rule for {key} {shape}")


def hash_array(key, shape):
    _, scale = rule(key, shape)
    u = hash_u(key, int(np.prod(shape)))
    return ((2 * u - 1) * scale).astype(np.float32).reshape(shape)



def stats(a):
    a = np.asarray(a, np.float64)
    return {"shape": list(a.shape), "min": float(a.min()), "max": float(a.max()), "mean": float(a.mean()), "sum": float(a.sum()), "max_abs": float(np.abs(a).max())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--torch-fidelity", required=True, help="folder holding torch-fidelity's torch_fidelity/ package (0.4.0)")
    ap.add_argument("--weights-dir", default="/tmp/fidkit-vgg16", help="where the .pth files go (outside the repo)")
    ap.add_argument("--noise", action="store_true", help="also measure 2-thread and float64 noise")
    ap.add_argument("--torch-fidelity-commit", default="unknown", help="the git commit of that source, recorded in expected.json")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.torch_fidelity))

    import torch
    import torchvision
    import torch_fidelity
    from torch_fidelity.datasets import ImagesPathDataset
    from torch_fidelity.feature_extractor_vgg16 import FeatureExtractorVGG16
    from torch_fidelity.metric_prc import calculate_precision_recall_full
    from torch_fidelity.utils import get_featuresdict_from_dataset, glob_samples_paths

    torch.set_num_threads(1)
    os.makedirs(args.weights_dir, exist_ok=True)
    os.makedirs(OUT, exist_ok=True)

    # 1. The state dict: torchvision's own keys, order and _metadata, every tensor from the formula.
    sd = torchvision.models.vgg16(weights=None).state_dict()
    rows = []
    for i, (key, t) in enumerate(sd.items()):
        shape = list(t.shape)
        a = hash_array(key, shape)
        t.copy_(torch.from_numpy(a))
        rows.append(
            {
                "index": i,
                "key": key,
                "shape": "x".join(map(str, shape)),
                "dtype": "float32",
                "numel": a.size,
                "rule": rule(key, shape)[0],
                "sha256_le_bytes": hashlib.sha256(a.astype("<f4").tobytes()).hexdigest(),
                "sum_f64": repr(float(a.astype(np.float64).sum())),
                "first_value": repr(float(a.flat[0])),
            }
        )
    with open(os.path.join(OUT, "state_dict_keys.tsv"), "w") as f:
        f.write("\t".join(rows[0].keys()) + "\n")
        for r in rows:
            f.write("\t".join(str(v) for v in r.values()) + "\n")
    print(f"{len(rows)} tensors, {sum(r['numel'] for r in rows)} floats", file=sys.stderr)

    files = {}
    for name, kw in (("vgg16_hash_legacy.pth", {"_use_new_zipfile_serialization": False}), ("vgg16_hash_zip.pth", {})):
        path = os.path.join(args.weights_dir, name)
        torch.save(sd, path, **kw)
        files[name] = {"serialization": "torch.save default (zip)" if not kw else "torch.save(..., _use_new_zipfile_serialization=False)", "size_bytes": os.path.getsize(path), "sha256": sha256_file(path)}
        print(f"{path}: {files[name]}", file=sys.stderr)
    legacy = os.path.join(args.weights_dir, "vgg16_hash_legacy.pth")
    zipped = os.path.join(args.weights_dir, "vgg16_hash_zip.pth")
    del sd

    # 2. torch-fidelity's extractor, its folder pipeline, batch 1; a pre-hook records the exact network input.
    def extract(weights, threads=1, float64=False):
        torch.set_num_threads(threads)
        fe = FeatureExtractorVGG16("vgg16", ["fc2", "fc2_relu"], feature_extractor_weights_path=weights)
        if float64:  # torch-fidelity's text_to_dtype maps "float64" to float32, so set it directly
            fe.feature_extractor_internal_dtype = torch.float64
            fe.to(torch.float64)
        inputs = []
        hook = fe.model.features[0].register_forward_pre_hook(lambda m, x: inputs.append(x[0].detach().to(torch.float32).numpy().copy()))
        out = {}
        for s in ("set_a", "set_b"):
            paths = glob_samples_paths(os.path.join(IMAGES, s), False, "png,jpg,jpeg", verbose=False)
            inputs.clear()
            d = get_featuresdict_from_dataset(ImagesPathDataset(paths), fe, 1, False, True, False)
            out[s] = {"files": [os.path.basename(p) for p in paths], "fc2": d["fc2"].numpy(), "fc2_relu": d["fc2_relu"].numpy(), "inputs": list(inputs)}
        hook.remove()
        torch.set_num_threads(1)
        return out

    ref = extract(legacy)
    from_zip = extract(zipped)
    zip_vs_legacy = max(float(np.abs(ref[s][l] - from_zip[s][l]).max()) for s in ref for l in ("fc2", "fc2_relu"))
    print(f"zip vs legacy weights: max |diff| {zip_vs_legacy}", file=sys.stderr)

    expected = {
        "description": "torch-fidelity 0.4.0 FeatureExtractorVGG16 (fc2, fc2_relu) with hash weights on fixtures/images; made by scripts/make-vgg16-fixtures.py",
        "command": f"/usr/bin/python3 scripts/make-vgg16-fixtures.py --torch-fidelity <torch-fidelity checkout> --torch-fidelity-commit {args.torch_fidelity_commit}" + (" --noise" if args.noise else ""),
        "versions": {
            "torch_fidelity": torch_fidelity.__version__,
            "torch_fidelity_commit": args.torch_fidelity_commit,
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "numpy": np.__version__,
            "pillow": __import__("PIL").__version__,
            "python": platform.python_version(),
        },
        "threads": 1,
        "batch_size": 1,
        "weights": {
            "architecture": "torchvision.models.vgg16(weights=None).state_dict() (32 tensors; torch-fidelity drops classifier.4-6 after loading, so classifier.6 is in the file but unused)",
            "formula": "h = FNV-1a-32(UTF-8 key); x = h ^ (i*2654435761 mod 2^32); murmur3 fmix32; u = x/2^32; *.weight: (2u-1)*sqrt(6/prod(shape[1:])); *.bias: (2u-1)*0.1; rounded once to float32",
            "files": files,
            "loaded_with": "FeatureExtractorVGG16(name, features_list, feature_extractor_weights_path=<legacy file>): torch.load + torchvision.models.vgg16().load_state_dict (strict)",
            "zip_vs_legacy_max_abs_diff": zip_vs_legacy,
        },
        "preprocessing": "uint8 CHW -> float32 -> interpolate_bilinear_2d_like_tensorflow1x(size 224x224, align_corners=False) -> normalize(mean 255*(0.485,0.456,0.406), std 255*(0.229,0.224,0.225)) in float32",
        "sets": {},
    }

    # 3. Files per set; network inputs as SHA-256 of the 1x3x224x224 float32 NCHW little-endian bytes.
    for s, r in ref.items():
        d = os.path.join(OUT, s)
        os.makedirs(d, exist_ok=True)
        for layer in ("fc2", "fc2_relu"):
            np.save(os.path.join(d, f"{layer}.npy"), r[layer].astype("<f4"))
        with open(os.path.join(d, "files.txt"), "w") as f:
            f.write("".join(n + "\n" for n in r["files"]))
        expected["sets"][s] = {
            "files": r["files"],
            "fc2": stats(r["fc2"]),
            "fc2_relu": stats(r["fc2_relu"]),
            "fc2_sha256_le": hashlib.sha256(r["fc2"].astype("<f4").tobytes()).hexdigest(),
            "fc2_relu_sha256_le": hashlib.sha256(r["fc2_relu"].astype("<f4").tobytes()).hexdigest(),
            "network_inputs": [
                {"file": n, "shape": list(x.shape), "sha256_nchw_f32_le": hashlib.sha256(x.astype("<f4").tobytes()).hexdigest(), "sum": float(x.astype(np.float64).sum()), "first": [float(v) for v in x.reshape(-1)[:4]]}
                for n, x in zip(r["files"], r["inputs"])
            ],
        }

    # 4. Non-degeneracy of the random-weight features.
    allf = np.concatenate([ref["set_a"]["fc2_relu"], ref["set_b"]["fc2_relu"]]).astype(np.float64)
    norms = np.linalg.norm(allf, axis=1)
    cos = (allf @ allf.T) / np.outer(norms, norms)
    off = cos[~np.eye(len(allf), dtype=bool)]
    dist = np.linalg.norm(allf[:, None] - allf[None], axis=2)[np.triu_indices(len(allf), 1)]
    expected["non_degeneracy"] = {
        "fc2_relu_nonzero_fraction_per_image": {"min": float((allf > 0).mean(1).min()), "max": float((allf > 0).mean(1).max())},
        "fc2_relu_units_nonzero_in_some_image": float((allf > 0).any(0).mean()),
        "fc2_relu_units_varying_across_images": float((allf.std(0) > 0).mean()),
        "l2_norm_per_image": {"min": float(norms.min()), "max": float(norms.max())},
        "pairwise_cosine": {"min": float(off.min()), "max": float(off.max())},
        "pairwise_distance": {"min": float(dist.min()), "max": float(dist.max())},
        "scaling": "none needed: He-uniform weights keep about half of the fc2 units positive per image",
    }

    # 5. Precision/recall: torch-fidelity end to end (default extractor for prc, its k), and counts from the features.
    metrics = torch_fidelity.calculate_metrics(
        input1=os.path.join(IMAGES, "set_a"), input2=os.path.join(IMAGES, "set_b"), prc=True, cuda=False, batch_size=1,
        feature_extractor_weights_path=legacy, cache=False, verbose=False, save_cpu_ram=True,
    )
    f1 = torch.from_numpy(ref["set_a"]["fc2_relu"])
    f2 = torch.from_numpy(ref["set_b"]["fc2_relu"])
    p, rc = calculate_precision_recall_full(f1, f2, K)
    # Other neighbourhood sizes (torch-fidelity's prc_neighborhood), from the same features.
    by_k = {}
    for k in (1, 2, 3, 5):
        pk, rk = calculate_precision_recall_full(f1, f2, k)
        by_k[str(k)] = {"precision": pk, "recall": rk, "precision_count": round(pk * len(f1)), "recall_count": round(rk * len(f2))}
    # Counts and how far each decision is from flipping (relative gap between a distance and the ball radius).
    d11, d22, d21 = torch.cdist(f1, f1).double(), torch.cdist(f2, f2).double(), torch.cdist(f2, f1).double()
    r1 = d11.kthvalue(K + 1, dim=1).values
    r2 = d22.kthvalue(K + 1, dim=1).values
    in_recall = d21 <= r1[None, :]  # real i within the ball of generated j
    in_precision = d21.T <= r2[None, :]  # generated j within the ball of real i
    recall_count = int(in_recall.any(1).sum())
    precision_count = int(in_precision.any(1).sum())
    gap_r = ((d21 - r1[None, :]).abs() / r1[None, :]).min().item()
    gap_p = ((d21.T - r2[None, :]).abs() / r2[None, :]).min().item()
    # The radii themselves: relative gap between the k-th and (k+1)-th neighbour distances.
    def radius_gap(d):
        srt = d.sort(dim=1).values
        return ((srt[:, K + 1] - srt[:, K]) / srt[:, K]).min().item(), ((srt[:, K] - srt[:, K - 1]) / srt[:, K]).min().item()

    expected["precision_recall"] = {
        "input1_generated": "set_a",
        "input2_real": "set_b",
        "k": K,
        "layer": "fc2_relu",
        "torch_fidelity_calculate_metrics": {k: float(v) for k, v in metrics.items()},
        "from_features_calculate_precision_recall_full": {"precision": p, "recall": rc},
        "counts": {"precision": precision_count, "recall": recall_count, "num_generated": len(f1), "num_real": len(f2)},
        "by_k_calculate_precision_recall_full": by_k,
        "margins": {
            "min_relative_gap_distance_vs_radius_recall": gap_r,
            "min_relative_gap_distance_vs_radius_precision": gap_p,
            "min_relative_gap_kth_neighbour_set_a": radius_gap(d11),
            "min_relative_gap_kth_neighbour_set_b": radius_gap(d22),
        },
    }
    assert abs(metrics["precision"] - precision_count / len(f1)) < 1e-6, (metrics, precision_count)
    assert abs(metrics["recall"] - recall_count / len(f2)) < 1e-6, (metrics, recall_count)
    print(f"precision/recall {metrics}", file=sys.stderr)

    # 6. Noise of the reference itself.
    if args.noise:
        def diff(other):
            out = {}
            for layer in ("fc2", "fc2_relu"):
                m = max(float(np.abs(ref[s][layer].astype(np.float64) - other[s][layer]).max()) for s in ref)
                top = max(float(np.abs(ref[s][layer]).max()) for s in ref)
                out[layer] = {"max_abs": m, "relative_to_max_abs_ref": m / top}
            return out

        two = extract(legacy, threads=2)
        f64 = extract(legacy, float64=True)
        expected["noise"] = {"threads_2_vs_1": diff(two), "float64_vs_float32": diff(f64)}
        print(f"noise {expected['noise']}", file=sys.stderr)

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
