"""CMMD reference values on fixture embeddings -> fixtures/cmmd/*.npy and fixtures/cmmd/expected.json.

Run with Debian's python3 (numpy; torch 1.13 for the reference's own code path):

    /usr/bin/python3 scripts/make-cmmd-fixtures.py [DIR_WITH_CMMD_PYTORCH_DISTANCE_PY]

The embeddings are seeded random sets, L2-normalised as CLIP ViT-L/14@336 embeddings are in CMMD
(768-d, float32 as CLIP returns them), of several sizes, one pair with unequal N. For each case:

* `float64_exact`: the formula of google-research `cmmd/distance.py` (sigma 10, scale 1000, the
  minimum-variance estimator: all N^2 pairs, diagonals included), in float64 NumPy, with the squared
  distances formed as the reference forms them (|a|^2 + |b|^2 - 2 a.b) and each mean summed
  exactly (math.fsum) over expm1(-gamma d^2) = k - 1, so that the three means' 1s cancel exactly.
  This is the value fidkit is held to (1e-9 relative).
* `float64_formula`: the same formula evaluated literally (np.mean(np.exp(...)) per mean), float64.
* `reference_float64` / `reference_float32`: sayakpaul/cmmd-pytorch's `distance.mmd` (the PyTorch
  port of google-research's JAX function, commit f7673a9), run on float64 and on float32 arrays --
  the float32 one is what the reference computes on CLIP's float32 embeddings. Recorded, not tested.
  Its directory is the optional argument (the file is not in this repository); without it these
  two are left out.
* `drop_last_batch_32`: the google-research pipeline drops each set's last partial batch of its
  --batch_size (32): the exact value on the first floor(N/32)*32 rows of each set.
"""
import hashlib, json, math, os, sys
import numpy as np

SIGMA, SCALE, BATCH = 10.0, 1000.0, 32
here = os.path.dirname(os.path.abspath(__file__))
out_dir = os.path.join(here, '..', 'fixtures', 'cmmd')
os.makedirs(out_dir, exist_ok=True)

reference_mmd = None
if len(sys.argv) > 1:
    sys.path.insert(0, sys.argv[1])
    import torch  # noqa: F401  (the port imports it)
    from distance import mmd as reference_mmd  # sayakpaul/cmmd-pytorch distance.py


def unit_rows(a):
    return (a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32)


def sqdist(a, b):
    return -2 * (a @ b.T) + (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :]


def exact(x, y):
    x, y = x.astype(np.float64), y.astype(np.float64)
    gamma = 1 / (2 * SIGMA ** 2)
    mean_m1 = lambda a, b: math.fsum(np.expm1(-gamma * sqdist(a, b)).ravel()) / (len(a) * len(b))
    exx, eyy, exy = mean_m1(x, x), mean_m1(y, y), mean_m1(x, y)
    return SCALE * (exx + eyy - 2 * exy), (1 + exx, 1 + eyy, 1 + exy)


def literal(x, y):
    x, y = x.astype(np.float64), y.astype(np.float64)
    gamma = 1 / (2 * SIGMA ** 2)
    k = lambda a, b: np.mean(np.exp(-gamma * sqdist(a, b)))
    return SCALE * (k(x, x) + k(y, y) - 2 * k(x, y))


def num(v):
    v = float(v)
    return {'value': v, 'repr': repr(v), 'hex': v.hex()}


rng = np.random.RandomState(20240101)
d = 768
base = rng.randn(d)
cases = {}
# Two independent draws of one distribution (CMMD is the estimator's positive bias only).
cases['iid_100_100'] = (unit_rows(rng.randn(100, d) + base), unit_rows(rng.randn(100, d) + base))
# Unequal N, shifted distribution (a clearly positive CMMD); 150 and 97 are not multiples of 32.
cases['shifted_150_97'] = (unit_rows(rng.randn(150, d) + base), unit_rows(rng.randn(97, d) + base + 0.35 * rng.randn(d)))
# Near-identical sets (y = x slightly perturbed): a small CMMD, where the three means cancel most.
x = unit_rows(rng.randn(80, d) + base)
cases['near_80_80'] = (x, unit_rows(x + 0.02 * rng.randn(80, d).astype(np.float32)))

expected = {
    'generator': 'scripts/make-cmmd-fixtures.py',
    'formula': 'scale * (mean k(x,x\') + mean k(y,y\') - 2 mean k(x,y)), k = exp(-|a-b|^2 / (2 sigma^2)), all N^2 pairs',
    'sigma': SIGMA, 'scale': SCALE, 'drop_last_batch_size': BATCH,
    'reference': 'google-research/google-research cmmd/distance.py (formula); sayakpaul/cmmd-pytorch f7673a9 distance.py (reference_* values)' if reference_mmd else 'google-research/google-research cmmd/distance.py (formula)',
    'numpy': np.__version__,
    'cases': {},
}
if reference_mmd is not None:
    import torch
    expected['torch'] = torch.__version__

for name, (x, y) in cases.items():
    files = {}
    for tag, arr in (('x', x), ('y', y)):
        rel = f'{name}_{tag}.npy'
        np.save(os.path.join(out_dir, rel), arr)
        files[tag] = {'file': rel, 'shape': list(arr.shape), 'sha256': hashlib.sha256(open(os.path.join(out_dir, rel), 'rb').read()).hexdigest()}
    value, means = exact(x, y)
    kept = lambda a: a[: (len(a) // BATCH) * BATCH]
    drop_value, _ = exact(kept(x), kept(y))
    entry = {
        'files': files,
        'float64_exact': num(value),
        'means_float64_exact': {'kxx': num(means[0]), 'kyy': num(means[1]), 'kxy': num(means[2])},
        'float64_formula': num(literal(x, y)),
        'drop_last_batch_32': {'rows': [len(kept(x)), len(kept(y))], 'float64_exact': num(drop_value)},
    }
    if reference_mmd is not None:
        entry['reference_float64'] = num(reference_mmd(x.astype(np.float64), y.astype(np.float64)).item())
        entry['reference_float32'] = num(reference_mmd(x, y).item())
    expected['cases'][name] = entry
    print(name, x.shape, y.shape, 'exact', value, 'literal', entry['float64_formula']['value'], 'ref32', entry.get('reference_float32', {}).get('value'))

with open(os.path.join(out_dir, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
    f.write('\n')
