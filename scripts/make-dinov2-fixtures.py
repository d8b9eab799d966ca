#!/usr/bin/env python3
"""Reference features of DINOv2 ViT-S/14 … g/14 with hash weights, for each preprocessing preset.

The official `dinov2_vit{s,b,l,g}14_pretrain.pth` files cannot be downloaded here, so every tensor of the
state dict of facebookresearch/dinov2's own model (built by its hub builders `dinov2_vit*14(pretrained=False)`,
the code `torch.hub.load("facebookresearch/dinov2", …)` runs for torch-fidelity, dgm-eval and EDM2) is filled
by the integer-hash formula below, which fidkit reproduces bit for bit (src/features/dinov2/hash-weights.ts).
The state dict is saved with `torch.save` (the official files' layout: the same keys, in `state_dict()` order)
OUTSIDE the repository, loaded back with `load_state_dict(strict=True)` and run, batch 1, one thread, on the
network inputs each reference's own preprocessing code produced from fixtures/images/set_{a,b}:

  torch-fidelity  torch_fidelity.feature_extractor_dinov2.FeatureExtractorDinoV2.forward (TF1 bilinear to 224,
                  normalize with 255·ImageNet mean/std) on torch-fidelity's ImagesPathDataset uint8 tensors;
  dgm-eval        dgm_eval.models.dinov2.DINOv2Encoder.transform (torchvision Resize((224, 224), BICUBIC) on the
                  PIL image, ToTensor, Normalize) through dgm-eval's ImagePathDataset (clean_resize=False, its default);
  edm2            calculate_metrics.DINOv2Detector.__call__ with resize_mode='torch' (its default): F.interpolate
                  bicubic antialias=True on the float32 0..255 tensor, /255, − mean, / std.

Each reference object is constructed for real with `torch.hub.load` replaced by a recorder (no network here),
so the recorded tensor is exactly what the reference hands to the model. torchvision on the torch 2 venv does
not load, so the torch-fidelity and dgm-eval inputs are made by Debian's /usr/bin/python3 (torch 1.13,
torchvision 0.14, Pillow 9.4) in a subprocess (`--stage inputs`); the EDM2 inputs and every model run use the
torch ≥ 2 interpreter running this script (dinov2's code calls F.scaled_dot_product_attention).

Hash-weight formula (the Inception/VGG16 hash weights' mixer, fixtures/REFERENCE.md section 1), per key K and
flat C-order index i:  h = FNV-1a-32(UTF-8 K);  x = h ^ (i*2654435761 mod 2^32);  murmur3 fmix32;  u = x/2^32;
value = offset + scale·(2u − 1), one float64 expression rounded once to float32, with (offset, scale):
  *.weight of rank ≥ 2 (Linear [out, in], patch Conv [D, 3, 14, 14]):  (0, sqrt(3 / fan_in)), fan_in = prod(shape[1:])
  *.weight of rank 1 (LayerNorm γ):                                   (1, 0.1)
  *.bias:                                                              (0, 0.05)
  *.gamma (LayerScale):                                                (0.1, 0.05)
  pos_embed:                                                           (0, 0.1)
  cls_token, mask_token, register_tokens:                              (0, 0.02)

Usage (the sources are `git archive`s of the fetched repositories; commits are recorded in expected.json):

    /work/venv-t2/bin/python scripts/make-dinov2-fixtures.py --src /tmp/dv2src [--models s,l] [--weights-dir /tmp/fidkit-dinov2]

writes fixtures/dinov2/{expected.json, <model>/state_dict_keys.tsv, <model>/<preset>/set_{a,b}.npy,
files.txt} and the .pth files into --weights-dir (never commit those). `--no-write` runs the models (e.g. b,g)
and prints a summary without touching fixtures/.
"""
import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
import types

import numpy as np

from fixture_common import M32, fnv1a32, hash_u, sha256_file  # noqa: E402  (scripts/fixture_common.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "dinov2")
IMAGES = os.path.join(ROOT, "fixtures", "images")
SETS = ("set_a", "set_b")
PRESETS = ("dgm-eval", "edm2", "torch-fidelity")
M32 = np.uint64(0xFFFFFFFF)
# fidkit name -> (torch-fidelity/hub builder, feature width)
MODELS = {
    "s": ("dinov2-vit-s-14", "dinov2_vits14", 384),
    "b": ("dinov2-vit-b-14", "dinov2_vitb14", 768),
    "l": ("dinov2-vit-l-14", "dinov2_vitl14", 1024),
    "g": ("dinov2-vit-g-14", "dinov2_vitg14", 1536),
}
SRC_DIRS = {
    "dinov2": "facebookresearch+dinov2",
    "torch_fidelity": "toshas+torch-fidelity",
    "dgm_eval": "layer6ai-labs+dgm-eval",
    "edm2": "NVlabs+edm2",
}




def rule(key, shape):
    """(offset, scale, text) of a key's hash-weight rule."""
    last = key.rsplit(".", 1)[-1]
    if last == "weight" and len(shape) >= 2:
        fan_in = int(np.prod(shape[1:]))
        return 0.0, float(np.sqrt(3 / fan_in)), f"(2u-1)*sqrt(3/{fan_in})"
    if last == "weight" and len(shape) == 1:
        return 1.0, 0.1, "1+0.1*(2u-1)"
    if last == "bias":
        return 0.0, 0.05, "0.05*(2u-1)"
    if last == "gamma":
        return 0.1, 0.05, "0.1+0.05*(2u-1)"
    if key == "pos_embed":
        return 0.0, 0.1, "0.1*(2u-1)"
    if key in ("cls_token", "mask_token", "register_tokens"):
        return 0.0, 0.02, "0.02*(2u-1)"
    raise SystemExit(f"no hash-weight rule for {key} {shape}")


def hash_array(key, shape):
    offset, scale, _ = rule(key, shape)
    u = hash_u(key, int(np.prod(shape)))
    return (offset + scale * (2 * u - 1)).astype(np.float32).reshape(shape)



def stats(a):
    a = np.asarray(a, np.float64)
    return {"shape": list(a.shape), "min": float(a.min()), "max": float(a.max()), "mean": float(a.mean()), "max_abs": float(np.abs(a).max())}


def image_files(s):
    d = os.path.join(IMAGES, s)
    return sorted(f for f in os.listdir(d) if f.lower().endswith((".png", ".jpg", ".jpeg")))


def git_commit(src, name):
    """The commit a `git archive` came from, when the mirror is there (recorded only)."""
    mirror = f"/work/.mirror/{SRC_DIRS[name]}/repo"
    try:
        return subprocess.run(["git", "-C", mirror, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return "unknown"


class Recorder:
    """Stands in for the model `torch.hub.load` would return: keeps its input, returns zeros."""

    def __init__(self, torch):
        self.torch = torch
        self.inputs = []

    def module(self):
        torch = self.torch
        rec = self

        class Rec(torch.nn.Module):
            def forward(self, x):
                rec.inputs.append(x.detach().to(torch.float32).cpu().numpy().copy())
                return torch.zeros(x.shape[0], 1)

        return Rec()


# --------------------------------------------------------------------------------------------------
# Stage "inputs" (Debian python: torch 1.13 + torchvision 0.14): torch-fidelity's and dgm-eval's inputs


def stage_inputs(src, work):
    import torch

    torch.set_num_threads(1)
    rec = Recorder(torch)
    torch.hub.load = lambda *a, **k: rec.module()
    versions = {"torch": torch.__version__, "torchvision": __import__("torchvision").__version__, "pillow": __import__("PIL").__version__, "python": platform.python_version()}

    sys.path.insert(0, os.path.join(src, SRC_DIRS["torch_fidelity"]))
    from torch_fidelity.datasets import ImagesPathDataset
    from torch_fidelity.feature_extractor_dinov2 import FeatureExtractorDinoV2

    fe = FeatureExtractorDinoV2("dinov2-vit-s-14", ["dinov2"])
    for s in SETS:
        files = image_files(s)
        ds = ImagesPathDataset([os.path.join(IMAGES, s, f) for f in files])
        rec.inputs.clear()
        with torch.no_grad():
            for i in range(len(ds)):
                fe(ds[i].unsqueeze(0))
        save_inputs(work, "torch-fidelity", s, files, rec.inputs)

    # dgm-eval: its package __init__ imports every encoder (timm, open_clip…); load just what DINOv2 needs.
    dgm = os.path.join(src, SRC_DIRS["dgm_eval"])
    sys.path.insert(0, dgm)
    for n in ("dgm_eval", "dgm_eval.models"):
        m = types.ModuleType(n)
        m.__path__ = [os.path.join(dgm, *n.split("."))]
        sys.modules[n] = m
    from dgm_eval.dataloaders import ImagePathDataset
    from dgm_eval.models.dinov2 import DINOv2Encoder

    enc = DINOv2Encoder(arch="vits14")
    for s in SETS:
        files = image_files(s)
        ds = ImagePathDataset([os.path.join(IMAGES, s, f) for f in files], transform=enc.transform)
        # ImagePathDataset sorts its files; so do we (same order).
        xs = [ds[i].unsqueeze(0).to(torch.float32).numpy() for i in range(len(ds))]
        save_inputs(work, "dgm-eval", s, files, xs)
    with open(os.path.join(work, "inputs-versions.json"), "w") as f:
        json.dump(versions, f)


def save_inputs(work, preset, s, files, xs):
    d = os.path.join(work, "inputs", preset, s)
    os.makedirs(d, exist_ok=True)
    assert len(xs) == len(files), (preset, s, len(xs), len(files))
    for f, x in zip(files, xs):
        assert x.shape == (1, 3, 224, 224), (preset, f, x.shape)
        np.save(os.path.join(d, f + ".npy"), x.astype("<f4"))


# --------------------------------------------------------------------------------------------------
# Stage "features" (torch >= 2): EDM2's inputs, the models, the features


def edm2_inputs(src, work):
    import PIL.Image
    import torch

    rec = Recorder(torch)
    torch.hub.load = lambda *a, **k: rec.module()
    sys.path.insert(0, os.path.join(src, SRC_DIRS["edm2"]))
    argv = sys.argv
    sys.argv = [argv[0]]
    import calculate_metrics

    sys.argv = argv
    det = calculate_metrics.DINOv2Detector()  # resize_mode='torch', its default
    assert det.resize_mode == "torch"
    for s in SETS:
        files = image_files(s)
        rec.inputs.clear()
        for f in files:
            a = np.asarray(PIL.Image.open(os.path.join(IMAGES, s, f)).convert("RGB"))
            x = torch.from_numpy(a.copy()).permute(2, 0, 1).unsqueeze(0)  # uint8 N×C×H×W, as EDM2's loader gives
            with torch.no_grad():
                det(x)
        save_inputs(work, "edm2", s, files, rec.inputs)


def build_model(src, builder):
    os.environ["XFORMERS_DISABLED"] = "1"
    sys.path.insert(0, os.path.join(src, SRC_DIRS["dinov2"]))
    import warnings

    warnings.filterwarnings("ignore", message="xFormers")
    from dinov2.hub import backbones

    return getattr(backbones, builder)(pretrained=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", required=True, help="folder with git archives of facebookresearch+dinov2, toshas+torch-fidelity, layer6ai-labs+dgm-eval, NVlabs+edm2")
    ap.add_argument("--stage", choices=("all", "inputs"), default="all")
    ap.add_argument("--models", default="s,l", help="comma-separated of s,b,l,g")
    ap.add_argument("--weights-dir", default="/tmp/fidkit-dinov2", help="where the .pth files and intermediate inputs go (outside the repo)")
    ap.add_argument("--debian-python", default="/usr/bin/python3")
    ap.add_argument("--no-write", action="store_true", help="do not write fixtures/ (a check run for b/g)")
    ap.add_argument("--noise", action="store_true", help="also measure the reference's own 2-thread noise")
    ap.add_argument("--presets", default=",".join(PRESETS), help="with --no-write: the presets to run")
    ap.add_argument("--limit", type=int, default=0, help="with --no-write: only the first N images of each set (ViT-g/14 takes ~10 s an image)")
    args = ap.parse_args()
    work = args.weights_dir
    os.makedirs(work, exist_ok=True)
    if args.stage == "inputs":
        stage_inputs(args.src, work)
        return

    import torch

    torch.set_num_threads(1)
    t0 = time.time()
    if not os.path.exists(os.path.join(work, "inputs-versions.json")):
        subprocess.run([args.debian_python, os.path.abspath(__file__), "--stage", "inputs", "--src", args.src, "--weights-dir", work], check=True)
    edm2_inputs(args.src, work)
    print(f"inputs ready ({time.time() - t0:.0f} s)", file=sys.stderr)
    with open(os.path.join(work, "inputs-versions.json")) as f:
        inputs_versions = json.load(f)

    presets = args.presets.split(",") if args.no_write else list(PRESETS)
    limit = args.limit if args.no_write and args.limit > 0 else None
    inputs = {p: {s: [np.load(os.path.join(work, "inputs", p, s, f + ".npy")) for f in image_files(s)][:limit] for s in SETS} for p in PRESETS}
    expected = {
        "description": "DINOv2 (facebookresearch/dinov2 hub builders, pretrained=False + hash weights) CLS features after the final norm, per preset; made by scripts/make-dinov2-fixtures.py",
        "command": "/work/venv-t2/bin/python scripts/make-dinov2-fixtures.py --src <git archives> --models " + args.models,
        "sources": {n: git_commit(args.src, n) for n in SRC_DIRS},
        "versions": {
            "models_and_edm2_inputs": {"torch": torch.__version__, "numpy": np.__version__, "pillow": __import__("PIL").__version__, "python": platform.python_version()},
            "torch_fidelity_and_dgm_eval_inputs": inputs_versions,
        },
        "threads": 1,
        "batch_size": 1,
        "weights_formula": "h = FNV-1a-32(UTF-8 key); x = h ^ (i*2654435761 mod 2^32); murmur3 fmix32; u = x/2^32; value = offset + scale*(2u-1) rounded once to float32; "
        "rank>=2 *.weight: (0, sqrt(3/prod(shape[1:]))); rank-1 *.weight: (1, 0.1); *.bias: (0, 0.05); *.gamma: (0.1, 0.05); pos_embed: (0, 0.1); cls_token/mask_token: (0, 0.02)",
        "presets": {
            "torch-fidelity": "FeatureExtractorDinoV2.forward: uint8 -> float32 -> interpolate_bilinear_2d_like_tensorflow1x(224x224, align_corners=False) -> normalize(255*mean, 255*std)",
            "dgm-eval": "DINOv2Encoder.transform (clean_resize=False): PIL RGB -> torchvision Resize((224,224), BICUBIC) (PIL resize) -> ToTensor -> Normalize(mean, std) float32",
            "edm2": "DINOv2Detector(resize_mode='torch'): uint8 -> float32 -> F.interpolate(size=(224,224), mode='bicubic', antialias=True) -> /255 -> -mean -> /std",
        },
        "inputs": {
            p: {s: [{"file": f, "sha256_nchw_f32_le": hashlib.sha256(x.astype("<f4").tobytes()).hexdigest(), "sum": float(x.astype(np.float64).sum())} for f, x in zip(image_files(s), inputs[p][s])] for s in SETS}
            for p in PRESETS
        },
        "models": {},
    }
    summary = {}
    for m in args.models.split(","):
        name, builder, dim = MODELS[m]
        t1 = time.time()
        model = build_model(args.src, builder)
        sd = model.state_dict()
        rows = []
        for i, (key, t) in enumerate(sd.items()):
            shape = list(t.shape)
            a = hash_array(key, shape)
            t.copy_(torch.from_numpy(a))
            rows.append({"index": i, "key": key, "shape": "x".join(map(str, shape)), "dtype": "float32", "numel": a.size, "rule": rule(key, shape)[2], "sha256_le_bytes": hashlib.sha256(a.astype("<f4").tobytes()).hexdigest(), "first_value": repr(float(a.flat[0]))})
            del a
        path = os.path.join(work, f"{builder}_hash.pth")
        torch.save(sd, path)
        del sd, model
        model = build_model(args.src, builder)
        model.load_state_dict(torch.load(path, map_location="cpu"), strict=True)
        model.eval()
        print(f"{name}: {len(rows)} tensors, {sum(r['numel'] for r in rows)} floats, saved {path} ({time.time() - t1:.0f} s)", file=sys.stderr)

        def run(threads=1):
            torch.set_num_threads(threads)
            out = {}
            with torch.no_grad():
                for p in presets:
                    out[p] = {s: np.concatenate([model(torch.from_numpy(x)).numpy() for x in inputs[p][s]]) for s in SETS}
            torch.set_num_threads(1)
            return out

        t2 = time.time()
        feats = run()
        per_image = (time.time() - t2) / (len(presets) * sum(len(inputs[PRESETS[0]][s]) for s in SETS))
        allf = np.concatenate([feats[presets[0]][s] for s in SETS]).astype(np.float64)
        norms = np.linalg.norm(allf, axis=1)
        cos = (allf @ allf.T) / np.outer(norms, norms)
        off = cos[~np.eye(len(allf), dtype=bool)]
        dist = np.linalg.norm(allf[:, None] - allf[None], axis=2)[np.triu_indices(len(allf), 1)]
        entry = {
            "builder": f"dinov2.hub.backbones.{builder}(pretrained=False)",
            "dim": dim,
            "tensors": len(rows),
            "parameters": int(sum(r["numel"] for r in rows)),
            "pth": {"size_bytes": os.path.getsize(path), "sha256": sha256_file(path), "saved_with": f"torch.save(model.state_dict()) in torch {torch.__version__}"},
            "seconds_per_image_1_thread": per_image,
            "features": {p: {s: stats(feats[p][s]) for s in SETS} for p in presets},
            "non_degeneracy_dgm_eval": {
                "l2_norm_per_image": {"min": float(norms.min()), "max": float(norms.max())},
                "pairwise_cosine": {"min": float(off.min()), "max": float(off.max())},
                "pairwise_distance": {"min": float(dist.min()), "max": float(dist.max())},
                "feature_std_across_images_mean": float(allf.std(0).mean()),
            },
        }
        if args.noise:
            two = run(2)
            entry["noise_threads_2_vs_1_relative"] = max(float(np.abs(two[p][s] - feats[p][s]).max() / np.abs(feats[p][s]).max()) for p in presets for s in SETS)
        expected["models"][name] = entry
        summary[name] = {k: entry[k] for k in ("parameters", "seconds_per_image_1_thread", "non_degeneracy_dgm_eval")}
        print(json.dumps(summary[name]), file=sys.stderr)
        if not args.no_write:
            md = os.path.join(OUT, name)
            os.makedirs(md, exist_ok=True)
            with open(os.path.join(md, "state_dict_keys.tsv"), "w") as f:
                f.write("\t".join(rows[0].keys()) + "\n")
                for r in rows:
                    f.write("\t".join(str(v) for v in r.values()) + "\n")
            for p in PRESETS:
                os.makedirs(os.path.join(md, p), exist_ok=True)
                for s in SETS:
                    np.save(os.path.join(md, p, f"{s}.npy"), feats[p][s].astype("<f4"))
        else:
            np.savez(os.path.join(work, f"{builder}_features.npz"), **{f"{p}/{s}": feats[p][s] for p in presets for s in SETS})
        del model
    if args.no_write:
        print(json.dumps(summary, indent=1))
        return
    for s in SETS:
        with open(os.path.join(OUT, f"{s}.files.txt"), "w") as f:
            f.write("".join(n + "\n" for n in image_files(s)))
    prev = os.path.join(OUT, "expected.json")
    if os.path.exists(prev):
        # Keep models from earlier runs with other --models.
        with open(prev) as f:
            old = json.load(f)
        for k, v in old.get("models", {}).items():
            expected["models"].setdefault(k, v)
    with open(prev, "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT} ({time.time() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
