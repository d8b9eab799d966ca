"""What the fixture scripts share, written once: the hash-weight mixer they fill state dicts with,
and the SHA-256 of a file their key tables record.

Per key K and flat C-order index i: h = FNV-1a-32(UTF-8 K); x = h ^ (i * 2654435761 mod 2^32);
murmur3 fmix32; u = x / 2^32 in [0, 1), exact in float64. src/features/hash-fill.ts computes the
same values in JavaScript; each script maps u to its tensors' ranges (its `rule`).
"""

import hashlib

import numpy as np

M32 = np.uint64(0xFFFFFFFF)


def fnv1a32(key):
    h = 2166136261
    for b in key.encode("utf-8"):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def hash_u(key, n):
    """u in [0, 1) for flat indices 0..n-1 (float64, exact), in chunks of 2^24 to bound memory."""
    out = np.empty(n, np.float64)
    h = np.uint64(fnv1a32(key))
    for s in range(0, n, 1 << 24):
        i = np.arange(s, min(n, s + (1 << 24)), dtype=np.uint64)
        x = h ^ ((i * np.uint64(2654435761)) & M32)
        x ^= x >> np.uint64(16)
        x = (x * np.uint64(0x85EBCA6B)) & M32
        x ^= x >> np.uint64(13)
        x = (x * np.uint64(0xC2B2AE35)) & M32
        x ^= x >> np.uint64(16)
        out[s : s + len(i)] = x.astype(np.float64) / 4294967296.0
    return out


def sha256_file(path):
    """Hex SHA-256 of a file, read in 4 MiB pieces (weights files are GBs)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()
