"""KID with torch-fidelity 0.4.0's RBF kernel, on the repo's feature fixtures -> fixtures/is_kid/kid_rbf_expected.json.

Run (torch-fidelity's own source on PYTHONPATH, e.g. `git archive v0.4.0 torch_fidelity` of
github.com/toshas/torch-fidelity into /tmp/tf040; Debian's python3 with torch 1.13):

    PYTHONPATH=/tmp/tf040 /usr/bin/python3 scripts/make-kid-rbf-fixtures.py

Every number comes from torch-fidelity's functions: `kid_features_to_metric` (subsets drawn by its
own RandomState(2020), `kernel_rbf`, `mmd2`) for the mean and std, and `kernel_mmd` on the same
subsets for the per-subset values. Inputs are given as float64 tensors (the values fidkit's float64
arithmetic must meet within 1e-7 relative) and, for reference, as float32 tensors, which is what
torch-fidelity's pipeline hands it (numpy then computes the kernel in float32, with the cancellation
of 2xy - |x|^2 - |y|^2).
"""
import json, os, sys
import numpy as np
import torch
import torch_fidelity
from torch_fidelity.metric_kid import kernel_mmd, kid_features_to_metric, KEY_METRIC_KID_MEAN, KEY_METRIC_KID_STD

assert torch_fidelity.__version__ == '0.4.0', torch_fidelity.__version__
here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, '..', 'fixtures')
load = lambda rel: np.load(os.path.join(fixtures, rel))

def num(v):
    v = float(v)
    return {'value': v, 'repr': repr(v), 'hex': v.hex()}

def case(f1_rel, f2_rel, subsets, subset_size, sigma):
    f1, f2 = load(f1_rel), load(f2_rel)
    kwargs = dict(kid_subsets=subsets, kid_subset_size=subset_size, kid_kernel='rbf', kid_kernel_rbf_sigma=sigma, rng_seed=2020, verbose=False)
    r64 = kid_features_to_metric(torch.from_numpy(f1.astype(np.float64)), torch.from_numpy(f2.astype(np.float64)), **kwargs)
    r32 = kid_features_to_metric(torch.from_numpy(f1), torch.from_numpy(f2), **kwargs)
    # The same subsets as kid_features_to_metric draws, each through torch-fidelity's kernel_mmd.
    rng = np.random.RandomState(2020)
    per = []
    for _ in range(subsets):
        i1 = rng.choice(len(f1), subset_size, replace=False)
        i2 = rng.choice(len(f2), subset_size, replace=False)
        per.append(float(kernel_mmd(f1.astype(np.float64)[i1], f2.astype(np.float64)[i2], **kwargs)))
    assert abs(np.mean(per) - r64[KEY_METRIC_KID_MEAN]) <= 1e-15 * max(1e-300, abs(np.mean(per))) * 10
    return {
        'inputs': f'{f1_rel} vs {f2_rel} ({f1.shape[0]}x{f1.shape[1]} and {f2.shape[0]}x{f2.shape[1]} {f1.dtype})',
        'call': f"kid_features_to_metric(f1, f2, kid_subsets={subsets}, kid_subset_size={subset_size}, kid_kernel='rbf', kid_kernel_rbf_sigma={sigma}, rng_seed=2020)",
        'subsets': subsets, 'subset_size': subset_size, 'sigma': sigma,
        'float64_input': {'kid_mean': num(r64[KEY_METRIC_KID_MEAN]), 'kid_std': num(r64[KEY_METRIC_KID_STD])},
        'float32_input': {'kid_mean': num(r32[KEY_METRIC_KID_MEAN]), 'kid_std': num(r32[KEY_METRIC_KID_STD])},
        'per_subset_mmd2_float64': per,
    }

out = {
    'provenance': {
        'script': 'scripts/make-kid-rbf-fixtures.py',
        'torch_fidelity': torch_fidelity.__version__,
        'torch_fidelity_source': 'github.com/toshas/torch-fidelity tag v0.4.0, torch_fidelity/metric_kid.py (kernel_rbf, kernel_mmd, mmd2, kid_features_to_metric)',
        'python': sys.version.split()[0], 'numpy': np.__version__, 'torch': torch.__version__,
        'kernel': 'k(x, y) = exp(-|x - y|^2 / (2 sigma^2)) computed as exp((2 x.y - |x|^2 - |y|^2) / (2 sigma^2)); torch-fidelity default sigma 10',
    },
    'cases': {
        'synthetic_1_vs_2_sigma10': case('is_kid/kid_features1.npy', 'is_kid/kid_features2.npy', 100, 50, 10.0),
        'synthetic_1_vs_3_sigma10': case('is_kid/kid_features1.npy', 'is_kid/kid_features3.npy', 100, 50, 10.0),
        'synthetic_1_vs_2_sigma30': case('is_kid/kid_features1.npy', 'is_kid/kid_features2.npy', 100, 50, 30.0),
        'images_set_a_vs_set_b_sigma40': case('inception-fid/set_a/features.npy', 'inception-fid/set_b/features.npy', 20, 10, 40.0),
    },
}
with open(os.path.join(fixtures, 'is_kid', 'kid_rbf_expected.json'), 'w') as f:
    json.dump(out, f, indent=1)
    f.write('\n')
for k, c in out['cases'].items():
    print(k, c['float64_input']['kid_mean']['repr'], c['float32_input']['kid_mean']['repr'])
