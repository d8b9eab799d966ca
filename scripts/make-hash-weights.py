#!/usr/bin/python3
"""Build the FID InceptionV3 hash-weight state dict with torch and save it as .pth in both formats.

The formula is the one in fixtures/REFERENCE.md section 1 (vectorised here with numpy uint64 arithmetic);
every tensor is checked against the SHA-256 column of fixtures/inception-fid/state_dict_keys.tsv before
anything is written. The keys, order and `_metadata` come from torchvision's Inception3 when it is
installed (Debian python3-torchvision), which makes the zip file byte-identical to the one the fixtures
were generated with; without torchvision the same keys are taken from the TSV and `_metadata` is omitted.

Needs Debian's python (apt-get install python3-torch [python3-torchvision]):

    /usr/bin/python3 scripts/make-hash-weights.py /work/hash-weights

writes <out>/hash_inception_zip.pth (torch.save default) and <out>/hash_inception_legacy.pth
(_use_new_zipfile_serialization=False), ~95 MB each. Never commit them.
"""
import collections
import hashlib
import json
import os
import sys

import numpy as np

from fixture_common import M32, fnv1a32, hash_u  # noqa: E402  (scripts/fixture_common.py)
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures", "inception-fid")
M32 = np.uint64(0xFFFFFFFF)




def hash_tensor(key, shape):
    if key.endswith(".num_batches_tracked"):
        return torch.tensor(0, dtype=torch.int64)
    n = int(np.prod(shape)) if shape else 1
    u = hash_u(key, n)
    if key.endswith(".conv.weight") or key == "fc.weight":
        v = (2 * u - 1) * np.sqrt(6 / int(np.prod(shape[1:])))
    elif key.endswith(".bn.weight") or key.endswith(".bn.running_var"):
        v = 0.5 + u
    elif key.endswith((".bn.bias", ".bn.running_mean")) or key == "fc.bias":
        v = (2 * u - 1) * 0.1
    else:
        raise SystemExit(f"no rule for {key}")
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def read_tsv():
    with open(os.path.join(FIX, "state_dict_keys.tsv")) as f:
        head = f.readline().rstrip("\n").split("\t")
        rows = [dict(zip(head, line.rstrip("\n").split("\t"))) for line in f]
    for r in rows:
        r["shape"] = [] if r["shape"] == "scalar" else [int(d) for d in r["shape"].split("x")]
    return rows


def template():
    """An empty state dict with torchvision's keys and _metadata, or None without torchvision."""
    try:
        from torchvision.models.inception import Inception3
    except ImportError:
        return None
    model = Inception3(num_classes=1008, aux_logits=False, init_weights=False)
    return model.state_dict()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/work/hash-weights"
    os.makedirs(out, exist_ok=True)
    rows = read_tsv()
    sd = collections.OrderedDict()
    for r in rows:
        t = hash_tensor(r["key"], r["shape"])
        digest = hashlib.sha256(t.numpy().astype("<" + t.numpy().dtype.str[1:]).tobytes()).hexdigest()
        if digest != r["sha256_le_bytes"]:
            raise SystemExit(f"{r['key']}: sha256 {digest} != {r['sha256_le_bytes']}")
        sd[r["key"]] = t
    print(f"{len(sd)} tensors match state_dict_keys.tsv bit for bit")

    tpl = template()
    if tpl is not None:
        if list(tpl.keys()) != list(sd.keys()):
            raise SystemExit("torchvision's Inception3 keys differ from state_dict_keys.tsv")
        for k, v in sd.items():
            tpl[k].copy_(v)
        sd = tpl  # same OrderedDict class and _metadata as model.state_dict()
        print("keys and _metadata from torchvision", __import__("torchvision").__version__)
    else:
        print("torchvision not installed: saving without _metadata (the zip file's bytes will differ from the fixtures')")

    info = json.load(open(os.path.join(FIX, "weights_info.json")))["files"]
    for name, kw in (("hash_inception_zip.pth", {}), ("hash_inception_legacy.pth", {"_use_new_zipfile_serialization": False})):
        path = os.path.join(out, name)
        torch.save(sd, path, **kw)
        data = open(path, "rb").read()
        sha = hashlib.sha256(data).hexdigest()
        same = "identical to" if sha == info[name]["sha256"] else "differs from"
        print(f"{path}: {len(data)} bytes, sha256 {sha} ({same} the fixtures' file, {info[name]['size_bytes']} bytes)")

    # Both files must load back to the same tensors.
    a = torch.load(os.path.join(out, "hash_inception_zip.pth"))
    b = torch.load(os.path.join(out, "hash_inception_legacy.pth"))
    assert list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)
    print("zip and legacy files load to identical tensors with torch.load")


if __name__ == "__main__":
    main()
