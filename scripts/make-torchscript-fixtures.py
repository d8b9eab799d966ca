#!/usr/bin/python3
"""Small TorchScript archives for the `.pth` reader's TorchScript support (test/io/pth-torchscript.test.ts).

OpenAI publishes its CLIP weights as TorchScript archives (`torch.jit.save`), not state dicts. This script
builds a tiny CLIP model with openai/CLIP's own `clip/model.py` (`CLIP(...)`, ViT image tower: width 64
(CLIP gives it width // 64 = 1 head), 1 layer, patch 4, 8x8 input; a 1-layer text tower over 16 tokens), converts it to
half precision with CLIP's `convert_weights` as OpenAI's archives are, traces it with Debian torch's
`torch.jit.trace` (CLIP's code cannot be scripted; OpenAI's archives are traced too) and saves it with
`torch.jit.save`; a second archive comes from `torch.jit.script` on a small module with nn.Sequential,
nn.LayerNorm, nn.MultiheadAttention and a bias-free Conv2d (attributes like `_reversed_padding_repeated_twice`
go through torch.jit._pickle.build_intlist there):

  fixtures/pth/torchscript_tiny_clip.pt    the archive (data.pkl + data/ + code/ + constants.pkl)
  fixtures/pth/torchscript_tiny_clip.json  its state_dict() as torch.jit.load gives it: every key, dtype,
                                           shape, the SHA-256 of the values widened to float32 (little-endian)
                                           and the first values (what the reader must return)
  fixtures/pth/torchscript_scripted.pt     the scripted archive; .json as above
  fixtures/pth/torchscript_evil.pt         the same archive with data.pkl edited so that unpickling it calls
                                           os.system('echo pwned > /tmp/fidkit-pwned') (GLOBAL + REDUCE),
                                           as a malicious download could; the reader must refuse it by name.

    git -C <openai/CLIP clone> archive HEAD clip | tar -x -C /tmp/clip-src
    /usr/bin/python3 scripts/make-torchscript-fixtures.py --clip-src /tmp/clip-src --clip-commit <sha>
"""
import argparse
import hashlib

from fixture_common import sha256_file  # scripts/fixture_common.py
import io
import json
import os
import pickletools
import sys
import types
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "pth")


def import_clip_model(src):
    """openai/CLIP's clip/model.py, without clip.py's tokenizer (which needs ftfy and regex)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("clip_model", os.path.join(src, "clip", "model.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod



def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clip-src", required=True, help="folder holding openai/CLIP's clip/ package")
    ap.add_argument("--clip-commit", default="unknown")
    args = ap.parse_args()

    import torch

    torch.manual_seed(0)
    model_py = import_clip_model(args.clip_src)
    model = model_py.CLIP(
        embed_dim=4,
        image_resolution=8,
        vision_layers=1,
        vision_width=64,
        vision_patch_size=4,
        context_length=5,
        vocab_size=16,
        transformer_width=8,
        transformer_heads=2,
        transformer_layers=1,
    ).eval()
    # OpenAI's archives are traced: CLIP's LayerNorm subclass calls super().forward, which torch.jit.script
    # cannot compile. Tracing records the same module tree in data.pkl.
    image = torch.zeros(1, 3, 8, 8)
    text = torch.zeros(1, 5, dtype=torch.long)
    traced = torch.jit.trace(model, (image, text), check_trace=False)
    # fp16 conv/linear/attention weights and projections, as OpenAI's archives: CLIP's convert_weights on the
    # eager model says which (CPU torch cannot trace fp16 convolutions, so the traced copy is converted after).
    model_py.convert_weights(model)
    half = {k for k, t in model.state_dict().items() if t.dtype == torch.float16}
    for k, p in traced.named_parameters():
        if k in half:
            p.data = p.data.half()
    path = os.path.join(OUT, "torchscript_tiny_clip.pt")
    traced.save(path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()

    write_json(path, "openai/CLIP's CLIP() at toy size (ViT image tower width 64 = 1 head, 1 layer, patch 4, 8x8 input; text tower width 8, 1 layer), convert_weights (fp16), torch.jit.trace + save", args.clip_commit)

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.ln = torch.nn.LayerNorm(4)
            self.attn = torch.nn.MultiheadAttention(4, 2)

        def forward(self, x):
            y = self.ln(x)
            return x + self.attn(y, y, y, need_weights=False)[0]

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(3, 4, 2, stride=2, bias=False)
            self.class_embedding = torch.nn.Parameter(torch.randn(4))
            self.blocks = torch.nn.Sequential(Block(), Block())
            self.proj = torch.nn.Parameter(torch.randn(4, 3).half())
            self.register_buffer("scale", torch.tensor([2.0], dtype=torch.float64))

        def forward(self, x):
            y = self.conv1(x).flatten(2).permute(2, 0, 1) + self.class_embedding
            return self.blocks(y)

    scripted = torch.jit.script(Net().eval())
    spath = os.path.join(OUT, "torchscript_scripted.pt")
    scripted.save(spath)
    write_json(spath, "a small module (bias-free Conv2d, Parameter, fp16 Parameter, float64 buffer, Sequential of LayerNorm + MultiheadAttention blocks), torch.jit.script + save", None)

    # The malicious variant: the root module's attribute dict gains an entry whose value is
    # os.system('echo pwned > /tmp/fidkit-pwned'), inserted right after the first SETITEMS's MARK.
    with zipfile.ZipFile(path) as z:
        records = [(i, z.read(i.filename)) for i in z.infolist()]
    pkl_name = next(i.filename for i, _ in records if i.filename.endswith("/data.pkl"))
    pkl = dict((i.filename, b) for i, b in records)[pkl_name]
    ops = list(pickletools.genops(pkl))
    mark = next(pos for op, arg, pos in ops if op.name == "MARK")
    payload = b"X\x04\x00\x00\x00evil" + b"cos\nsystem\n" + b"(X" + len(b"echo pwned > /tmp/fidkit-pwned").to_bytes(4, "little") + b"echo pwned > /tmp/fidkit-pwned" + b"tR"
    evil_pkl = pkl[: mark + 1] + payload + pkl[mark + 1 :]
    pickletools.dis(evil_pkl, out=io.StringIO())  # still a well-formed pickle
    evil = os.path.join(OUT, "torchscript_evil.pt")
    with zipfile.ZipFile(evil, "w", zipfile.ZIP_STORED) as z:
        for i, b in records:
            z.writestr(i.filename, evil_pkl if i.filename == pkl_name else b)
    print(f"{path}, {spath}, {evil} written", file=sys.stderr)


def write_json(path, what, clip_commit):
    import torch

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    loaded = torch.jit.load(path, map_location="cpu")
    sd = loaded.state_dict()
    tensors = {}
    for k, t in sd.items():
        v = t.detach().float().contiguous().numpy()
        tensors[k] = {
            "dtype": str(t.dtype).replace("torch.", ""),
            "shape": list(t.shape),
            "sha256_f32_le": hashlib.sha256(v.astype("<f4").tobytes()).hexdigest(),
            "first": [float(x) for x in v.flatten()[:4]],
        }
    info = {
        "file": os.path.basename(path),
        "what": what,
        "made_by": "scripts/make-torchscript-fixtures.py",
        "clip_commit": clip_commit,
        "torch_version": torch.__version__,
        "size_bytes": os.path.getsize(path),
        "sha256": sha256_file(path),
        "records": names,
        "state_dict": tensors,
    }
    with open(path[: -len(".pt")] + ".json", "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
