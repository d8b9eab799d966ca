#!/usr/bin/python3
"""Reference CLIP image embeddings on the fixture images, with hash weights, for fidkit's clip-vit-* extractors.

OpenAI's CLIP archives (ViT-B-32.pt 338 MB, ViT-L-14-336px.pt 891 MB) cannot be downloaded here, so this
script builds the model with openai/CLIP's own code (`clip/model.py`'s `CLIP`, the configuration of each
published archive), fills every tensor from the integer-hash formula below, stores conv/linear/attention
weights and the projections in float16 exactly as CLIP's `convert_weights` does for the published files
(the formula's float64 value rounded once to float16; layer norms and embeddings stay float32), adds the
`input_resolution`/`context_length`/`vocab_size` entries the published state dicts carry, traces it
(`torch.jit.trace`, as OpenAI's archives are; CPU torch cannot trace float16 convolutions, so the weights
are set to float16 after tracing) and saves it with `torch.jit.save` OUTSIDE the repository. Then, per
model and preset, it runs the REFERENCE code on that archive over fixtures/images/set_{a,b}:

  clip           openai/CLIP `clip.load(archive, device="cpu")` (its build_model, float32 on CPU) and its
                 `preprocess` (`_transform`: torchvision Resize(n_px, BICUBIC) on the PIL image, CenterCrop,
                 ToTensor, Normalize), then `model.encode_image`
  torch-fidelity torch-fidelity's `FeatureExtractorCLIP` (feature_extractor_weights_path=archive) through its
                 own folder pipeline (glob, PIL convert("RGB"), TF1 bilinear to n_px, normalize), batch 1
  cmmd           (ViT-L/14@336 only) sayakpaul/cmmd-pytorch's preprocessing: PIL centre crop to a square
                 ((w-l)//2, (h-l)//2), PIL resize to 336x336 BICUBIC, float32 /255, torch bicubic resize to
                 336x336 (an identity here), CLIPImageProcessor's normalize ((x - mean) / std in float32),
                 then the embedding L2-normalised. The port embeds with transformers'
                 CLIPVisionModelWithProjection, the Hugging Face conversion of the same OpenAI ViT-L/14@336
                 (not installed here); this script runs openai/CLIP's encode_image, the same network.

Every preset sees the image as `Image.open(f).convert("RGB")` (fidkit decodes every file to 8-bit RGB first;
torch-fidelity does the same, CLIP's own preprocess would resize palette/alpha/16-bit files in their own mode).

Hash formula (the Inception/VGG16 mixer), per key K and flat C-order index i:
  h = FNV-1a-32(UTF-8 K);  x = h ^ (i*2654435761 mod 2^32);  murmur3 fmix32;  u = x / 2^32;  r = 2u - 1
  *ln_*.weight, ln_final.weight:   1 + 0.1 r                      (float32)
  *ln_*.bias, ln_final.bias:       0.1 r                          (float32)
  visual.class_embedding, visual.positional_embedding:  0.5 r     (float32)
  conv/linear/attention weights [O, I, ...]:  r * sqrt(3 / fan_in), fan_in = prod(shape[1:])   (float16)
  their biases:                    0.05 r                         (float16)
  visual.proj, text_projection [W, D]:  r * sqrt(3 / W)           (float16)
  positional_embedding, token_embedding.weight (text):  0.02 r    (float32)
  logit_scale:                     log(1 / 0.07)                  (float32)
each value one float64 expression rounded once (to float16 with numpy's round-to-nearest-even, or float32).

    git -C <openai/CLIP clone> archive HEAD clip | tar -x -C /tmp/clip-src
    git -C <toshas/torch-fidelity clone> archive HEAD torch_fidelity | tar -x -C /tmp/tf-src
    /usr/bin/python3 scripts/make-clip-fixtures.py --clip-src /tmp/clip-src --torch-fidelity /tmp/tf-src \
        [--models clip-vit-b-32,clip-vit-l-14-336,clip-vit-l-14] [--weights-dir /tmp/fidkit-clip]

writes fixtures/clip/<model>/{expected.json,state_dict_keys.tsv,<preset>/set_{a,b}/{embedding,embedding_normalized}.npy,files.txt}.
"""
import argparse
import hashlib
import json
import math
import os
import platform
import sys
import time
import types

import numpy as np

from fixture_common import M32, fnv1a32, hash_u, sha256_file  # noqa: E402  (scripts/fixture_common.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "clip")
IMAGES = os.path.join(ROOT, "fixtures", "images")
M32 = np.uint64(0xFFFFFFFF)
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)

# The published archives' configurations (openai/CLIP build_model reads them from the state dict).
MODELS = {
    "clip-vit-b-32": dict(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768, vision_patch_size=32, context_length=77, vocab_size=49408, transformer_width=512, transformer_heads=8, transformer_layers=12),
    "clip-vit-l-14": dict(embed_dim=768, image_resolution=224, vision_layers=24, vision_width=1024, vision_patch_size=14, context_length=77, vocab_size=49408, transformer_width=768, transformer_heads=12, transformer_layers=12),
    "clip-vit-l-14-336": dict(embed_dim=768, image_resolution=336, vision_layers=24, vision_width=1024, vision_patch_size=14, context_length=77, vocab_size=49408, transformer_width=768, transformer_heads=12, transformer_layers=12),
}
TORCH_FIDELITY_NAME = {"clip-vit-b-32": "clip-vit-b-32", "clip-vit-l-14": "clip-vit-l-14", "clip-vit-l-14-336": "clip-vit-l-14-336px"}
PRESETS = {"clip-vit-b-32": ["clip", "torch-fidelity"], "clip-vit-l-14": ["clip"], "clip-vit-l-14-336": ["clip", "torch-fidelity", "cmmd"]}


def hash_r(key, n):
    """r = 2u - 1 in [-1, 1) for flat indices 0..n-1 (float64, exact)."""
    return 2 * hash_u(key, n) - 1


def rule(key, shape):
    """(description, dtype, function of r) for one key."""
    last = key.rsplit(".", 1)[-1]
    parent = key.rsplit(".", 2)[-2] if key.count(".") >= 1 else ""
    if parent.startswith("ln_") and last == "weight":
        return "1 + 0.1 r", np.float32, lambda r: 1 + 0.1 * r
    if parent.startswith("ln_") and last == "bias":
        return "0.1 r", np.float32, lambda r: 0.1 * r
    if key in ("visual.class_embedding", "visual.positional_embedding"):
        return "0.5 r", np.float32, lambda r: 0.5 * r
    if key in ("visual.proj", "text_projection"):
        s = math.sqrt(3 / shape[0])
        return f"r * sqrt(3/{shape[0]})", np.float16, lambda r: r * s
    if key in ("positional_embedding", "token_embedding.weight"):
        return "0.02 r", np.float32, lambda r: 0.02 * r
    if key == "logit_scale":
        return "log(1/0.07)", np.float32, lambda r: np.full_like(r, np.log(1 / 0.07))
    if (last.endswith("weight") and len(shape) >= 2):
        fan_in = int(np.prod(shape[1:]))
        s = math.sqrt(3 / fan_in)
        return f"r * sqrt(3/{fan_in})", np.float16, lambda r: r * s
    if last.endswith("bias") and len(shape) == 1:
        return "0.05 r", np.float16, lambda r: 0.05 * r
    raise SystemExit(f"no rule for {key} {shape}")


def hash_array(key, shape):
    _, dtype, f = rule(key, shape)
    return f(hash_r(key, int(np.prod(shape)))).astype(dtype).reshape(shape)



def import_clip(src):
    """openai/CLIP's clip package without its tokenizer (ftfy and regex are not installed; no text is encoded)."""
    stub = types.ModuleType("clip.simple_tokenizer")
    stub.SimpleTokenizer = lambda *a, **k: None
    sys.modules["clip.simple_tokenizer"] = stub
    sys.path.insert(0, os.path.abspath(src))
    import clip.clip as clip_clip
    import clip.model as clip_model

    return clip_clip, clip_model


def make_archive(name, cfg, clip_model, weights_dir):
    import torch

    torch.manual_seed(0)
    model = clip_model.CLIP(**cfg).eval()
    del model.context_length, model.vocab_size  # plain ints in CLIP(); tensors in the published archives
    model.register_buffer("input_resolution", torch.tensor(cfg["image_resolution"]))
    model.register_buffer("context_length", torch.tensor(cfg["context_length"]))
    model.register_buffer("vocab_size", torch.tensor(cfg["vocab_size"]))
    # Which tensors convert_weights makes float16 (the published layout), checked against the formula's dtypes.
    probe = clip_model.CLIP(**cfg)
    clip_model.convert_weights(probe)
    half = {k for k, t in probe.state_dict().items() if t.dtype == torch.float16}
    del probe
    rows = []
    with torch.no_grad():
        for i, (key, t) in enumerate(model.state_dict().items()):
            shape = list(t.shape)
            if key in ("input_resolution", "context_length", "vocab_size"):
                rows.append({"index": i, "key": key, "shape": "x".join(map(str, shape)), "dtype": "int64", "rule": f"{int(t)}", "sha256_f32_le": "", "sum_f64": repr(float(t)), "first_value": repr(float(t))})
                continue
            desc, dtype, _ = rule(key, shape)
            if (dtype == np.float16) != (key in half):
                raise SystemExit(f"{key}: the formula's dtype {dtype} differs from convert_weights'")
            a = hash_array(key, shape)
            t.copy_(torch.from_numpy(a.astype(np.float32)))
            f32 = a.astype("<f4")
            rows.append({"index": i, "key": key, "shape": "x".join(map(str, shape)), "dtype": np.dtype(dtype).name, "rule": desc, "sha256_f32_le": hashlib.sha256(f32.tobytes()).hexdigest(), "sum_f64": repr(float(a.astype(np.float64).sum())), "first_value": repr(float(a.flat[0]))})
    res = cfg["image_resolution"]
    traced = torch.jit.trace(model, (torch.zeros(1, 3, res, res), torch.zeros(1, cfg["context_length"], dtype=torch.long)), check_trace=False)
    for k, p in traced.named_parameters():
        if k in half:
            p.data = p.data.half()
    path = os.path.join(weights_dir, f"{name}-hash.pt")
    traced.save(path)
    return path, rows


def image_paths(s):
    d = os.path.join(IMAGES, s)
    return [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.lower().endswith((".png", ".jpg", ".jpeg"))]


def run_clip(archive, clip_clip, sets):
    import torch
    from PIL import Image

    model, preprocess = clip_clip.load(archive, device="cpu", jit=False)
    model.eval()
    out = {}
    with torch.no_grad():
        for s in sets:
            xs = [preprocess(Image.open(p).convert("RGB")).unsqueeze(0) for p in image_paths(s)]
            out[s] = (torch.cat([model.encode_image(x) for x in xs]).numpy(), xs)
    return out


def run_cmmd(archive, clip_clip, sets):
    """sayakpaul/cmmd-pytorch io_util.CMMDDataset + embedding.ClipEmbeddingModel.embed, with openai/CLIP's network."""
    import torch
    from PIL import Image

    model, _ = clip_clip.load(archive, device="cpu", jit=False)
    model.eval()
    size = model.visual.input_resolution
    out = {}
    with torch.no_grad():
        for s in sets:
            embs, xs = [], []
            for p in image_paths(s):
                im = Image.open(p).convert("RGB")
                w, h = im.size
                l = min(w, h)
                top, left = (h - l) // 2, (w - l) // 2
                im = im.crop((left, top, left + l, top + l)).resize((size, size), resample=Image.BICUBIC)
                batch = torch.from_numpy(np.asarray(im).astype(np.float32)[None]).numpy() / 255.0  # DataLoader collate, then / 255.0
                t = torch.from_numpy(batch.transpose(0, 3, 1, 2))
                t = torch.nn.functional.interpolate(t, size=(size, size), mode="bicubic")
                hwc = t.permute(0, 2, 3, 1).numpy()
                hwc = (hwc - np.array(MEAN, dtype=hwc.dtype)) / np.array(STD, dtype=hwc.dtype)  # transformers.image_transforms.normalize
                x = torch.from_numpy(np.ascontiguousarray(hwc.transpose(0, 3, 1, 2)))
                xs.append(x)
                embs.append(model.encode_image(x))
            out[s] = (torch.cat(embs).numpy(), xs)
    return out


def run_torch_fidelity(archive, name, sets):
    import torch
    from torch_fidelity.datasets import ImagesPathDataset
    from torch_fidelity.feature_extractor_clip import FeatureExtractorCLIP
    from torch_fidelity.utils import get_featuresdict_from_dataset

    fe = FeatureExtractorCLIP(TORCH_FIDELITY_NAME[name], ["clip"], feature_extractor_weights_path=archive)
    fe.eval()
    inputs = []
    hook = fe.model.visual.conv1.register_forward_pre_hook(lambda m, x: inputs.append(x[0].detach().clone()))
    out = {}
    for s in sets:
        inputs.clear()
        d = get_featuresdict_from_dataset(ImagesPathDataset(image_paths(s)), fe, 1, False, True, False)
        out[s] = (d["clip"].numpy(), list(inputs))
    hook.remove()
    return out


def stats(a):
    a = np.asarray(a, np.float64)
    return {"shape": list(a.shape), "min": float(a.min()), "max": float(a.max()), "max_abs": float(np.abs(a).max()), "mean": float(a.mean())}


def non_degeneracy(e):
    """How far apart the embeddings of different images are (cosine similarities of the raw embeddings)."""
    e = np.asarray(e, np.float64)
    n = e / np.linalg.norm(e, axis=1, keepdims=True)
    c = n @ n.T
    off = c[~np.eye(len(c), dtype=bool)]
    return {"pairwise_cosine_min": float(off.min()), "pairwise_cosine_mean": float(off.mean()), "pairwise_cosine_max": float(off.max()), "norm_min": float(np.linalg.norm(e, axis=1).min()), "norm_max": float(np.linalg.norm(e, axis=1).max()), "per_dim_std_mean": float(e.std(axis=0).mean())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clip-src", required=True, help="folder holding openai/CLIP's clip/ package")
    ap.add_argument("--torch-fidelity", required=True, help="folder holding torch-fidelity's torch_fidelity/ package")
    ap.add_argument("--clip-commit", default="unknown")
    ap.add_argument("--torch-fidelity-commit", default="unknown")
    ap.add_argument("--cmmd-pytorch-commit", default="unknown")
    ap.add_argument("--models", default="clip-vit-b-32,clip-vit-l-14-336,clip-vit-l-14")
    ap.add_argument("--weights-dir", default="/tmp/fidkit-clip", help="where the archives go (outside the repo)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--keep-inputs", action="store_true", help="also save the network inputs (.npy) beside the archives")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.torch_fidelity))

    import PIL
    import torch
    import torchvision
    import torch_fidelity

    torch.set_num_threads(args.threads)
    os.makedirs(args.weights_dir, exist_ok=True)
    clip_clip, clip_model = import_clip(args.clip_src)
    sets = ["set_a", "set_b"]

    for name in args.models.split(","):
        cfg = MODELS[name]
        t0 = time.time()
        archive, rows = make_archive(name, cfg, clip_model, args.weights_dir)
        print(f"{name}: {archive} ({os.path.getsize(archive)} bytes) in {time.time() - t0:.0f} s", file=sys.stderr)
        out = os.path.join(OUT, name)
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "state_dict_keys.tsv"), "w") as f:
            f.write("\t".join(rows[0].keys()) + "\n")
            for r in rows:
                f.write("\t".join(str(v) for v in r.values()) + "\n")
        expected = {
            "description": f"reference CLIP image embeddings of {name} with hash weights on fixtures/images; made by scripts/make-clip-fixtures.py",
            "command": f"/usr/bin/python3 scripts/make-clip-fixtures.py --clip-src <openai/CLIP checkout> --torch-fidelity <torch-fidelity checkout> --models {name} --clip-commit {args.clip_commit} --torch-fidelity-commit {args.torch_fidelity_commit} --cmmd-pytorch-commit {args.cmmd_pytorch_commit}",
            "versions": {"openai_clip_commit": args.clip_commit, "torch_fidelity": torch_fidelity.__version__, "torch_fidelity_commit": args.torch_fidelity_commit, "cmmd_pytorch_commit": args.cmmd_pytorch_commit, "torch": torch.__version__, "torchvision": torchvision.__version__, "numpy": np.__version__, "pillow": PIL.__version__, "python": platform.python_version()},
            "threads": args.threads,
            "config": cfg,
            "archive": {"file": os.path.basename(archive), "size_bytes": os.path.getsize(archive), "sha256": sha256_file(archive), "made_with": "clip.model.CLIP(**config) + hash weights, torch.jit.trace, parameters convert_weights makes float16 set to float16, torch.jit.save"},
            "files": {s: [os.path.basename(p) for p in image_paths(s)] for s in sets},
            "presets": {},
        }
        for preset in PRESETS[name]:
            t0 = time.time()
            if preset == "clip":
                res = run_clip(archive, clip_clip, sets)
            elif preset == "cmmd":
                res = run_cmmd(archive, clip_clip, sets)
            else:
                res = run_torch_fidelity(archive, name, sets)
            info = {"seconds": round(time.time() - t0, 1)}
            for s in sets:
                emb, xs = res[s]
                emb = emb.astype(np.float32)
                d = os.path.join(out, preset, s)
                os.makedirs(d, exist_ok=True)
                np.save(os.path.join(d, "embedding.npy"), emb)
                normed = (torch.from_numpy(emb) / torch.linalg.norm(torch.from_numpy(emb), axis=-1, keepdims=True)).numpy()
                np.save(os.path.join(d, "embedding_normalized.npy"), normed)
                with open(os.path.join(d, "files.txt"), "w") as f:
                    f.write("\n".join(os.path.basename(p) for p in image_paths(s)) + "\n")
                inputs = [x.to(torch.float32).numpy().astype("<f4") for x in xs]
                info[s] = {
                    "embedding": stats(emb),
                    "non_degeneracy": non_degeneracy(emb),
                    "input_sha256": [hashlib.sha256(x.tobytes()).hexdigest() for x in inputs],
                    "input_shape": list(inputs[0].shape),
                }
                if args.keep_inputs:
                    np.save(os.path.join(args.weights_dir, f"{name}-{preset}-{s}-inputs.npy"), np.concatenate(inputs))
            expected["presets"][preset] = info
            print(f"{name} {preset}: {info['seconds']} s, set_a cosine mean {info['set_a']['non_degeneracy']['pairwise_cosine_mean']:.3f}", file=sys.stderr)
        with open(os.path.join(out, "expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
