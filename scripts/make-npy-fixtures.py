"""Write the .npy/.npz layout fixtures in fixtures/npy/ with NumPy itself (run: python3 scripts/make-npy-fixtures.py).

Each array is x = arange(n) mapped into the dtype's range, reshaped; expected.json records the
C-order values so the TypeScript reader can be checked on every layout NumPy writes.
"""
import json, os, io, zipfile
import numpy as np
from numpy.lib import format as fmt

out = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'npy')
os.makedirs(out, exist_ok=True)
cases = {}

def values(a):
    if a.dtype == np.bool_:
        return [bool(v) for v in a.ravel(order='C')]
    if a.dtype.kind in 'iu' and a.dtype.itemsize == 8:
        return [str(int(v)) for v in a.ravel(order='C')]
    if a.dtype.kind == 'f':
        return [repr(float(v)) for v in a.ravel(order='C')]
    return [int(v) for v in a.ravel(order='C')]

def save(name, a, version=None):
    path = os.path.join(out, name + '.npy')
    with open(path, 'wb') as f:
        if version is None:
            np.save(f, a)
        else:
            fmt.write_array(f, a, version=version)
    cases[name] = {'dtype': str(a.dtype.newbyteorder('=')) if a.dtype.byteorder != '|' else str(a.dtype),
                   'shape': list(a.shape), 'values': values(a)}

base = np.arange(24, dtype=np.float64).reshape(2, 3, 4) * 1.5 - 7.25
save('f8_3d_v1', base)
save('f4_2d_v1', np.array([[1.0, -2.5, 3.14159], [1e-30, -0.0, 65504.0]], dtype=np.float32))
save('f2_1d', np.array([0.5, -2.0, 65504.0, 6e-8, -0.0], dtype=np.float16))
save('f8_big_endian', base.astype('>f8'))
save('f4_big_endian_2d', np.arange(6, dtype='>f4').reshape(2, 3) - 2.5)
save('i8_big_endian', np.array([-2**62, 2**63 - 1, -1, 0], dtype='>i8'))
save('f8_fortran', np.asfortranarray(base))
save('f4_fortran_2d', np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)))
save('f8_0d', np.array(3.5))
save('i8_0d', np.array(-42, dtype=np.int64))
save('f8_empty', np.zeros((0, 3)))
save('v2_header', base, version=(2, 0))
save('v3_header', base, version=(3, 0))
for dt in ['i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8']:
    info = np.iinfo(dt)
    save(f'{dt}_range', np.array([info.min, info.max, 0, 1, 2], dtype=dt))
save('bool_2d', np.array([[True, False, True], [False, False, True]]))

# npz: stored and deflated, pytorch-fid layout (mu, sigma float64)
rng = np.random.RandomState(7)
mu = rng.randn(5)
a = rng.randn(5, 5)
sigma = a @ a.T
np.savez(os.path.join(out, 'stats_stored.npz'), mu=mu, sigma=sigma)
np.savez_compressed(os.path.join(out, 'stats_compressed.npz'), mu=mu, sigma=sigma)
cases['stats'] = {'mu': [repr(float(v)) for v in mu], 'sigma': [repr(float(v)) for v in sigma.ravel()]}
with open(os.path.join(out, 'expected.json'), 'w') as f:
    json.dump({'numpy_version': np.__version__, 'cases': cases}, f, indent=1)
