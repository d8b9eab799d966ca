"""Reference outputs of the four resizes fidkit implements, to sizes other than 299x299 and with H != W
-> fixtures/resize/expected.json (SHA-256 of each float32 planar [3, H, W] output, plus its first values).

Run (Debian's python3 with torch 1.13 and Pillow 9.4; torch-fidelity 0.4.0's source on PYTHONPATH,
`git archive v0.4.0 torch_fidelity` of github.com/toshas/torch-fidelity into /tmp/tf040):

    PYTHONPATH=/tmp/tf040 /usr/bin/python3 scripts/make-resize-fixtures.py

Inputs are the decoded fixture images (fixtures/inception-fid/<set>/decoded_rgb/*.npy, uint8 HxWx3).
- tf-bilinear: torch-fidelity's interpolate_bilinear_2d_like_tensorflow1x on float32 0..255 (method 'slow', its default)
- torch-bilinear: torch.nn.functional.interpolate(bilinear, align_corners=False) on ToTensor's v/255
- pil-bicubic, pil-bilinear: Pillow's resize of each channel as a float ('F') image, clipped to 0..255 (clean-fid's recipe)
"""
import hashlib, json, os, sys
import numpy as np
import torch
import torch.nn.functional as F
import PIL
from PIL import Image
import torch_fidelity
from torch_fidelity.interpolate_compat_tensorflow import interpolate_bilinear_2d_like_tensorflow1x

assert torch_fidelity.__version__ == '0.4.0'
here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, '..', 'fixtures')
IMAGES = ['set_a/a06_checker_64x48_rgb.png', 'set_a/a08_gradient_320x200_rgb.png', 'set_b/b07_noise_320x200_rgb.png', 'set_a/a01_mnist_28_gray.png']
SIZES = [(37, 53), (61, 45), (90, 75)]  # (H, W): shrink both, mixed, enlarge the small ones

def resize(img, method, h, w):
    if method == 'tf-bilinear':
        x = torch.from_numpy(img.astype(np.float32)).permute(2, 0, 1).unsqueeze(0)
        return interpolate_bilinear_2d_like_tensorflow1x(x, size=(h, w), align_corners=False)[0].numpy()
    if method == 'torch-bilinear':
        x = torch.from_numpy(img).permute(2, 0, 1).contiguous().unsqueeze(0).float() / 255  # torchvision ToTensor: contiguous CHW, div(255)
        return F.interpolate(x, size=(h, w), mode='bilinear', align_corners=False)[0].numpy()
    resample = {'pil-bicubic': Image.BICUBIC, 'pil-bilinear': Image.BILINEAR}[method]
    chans = [np.asarray(Image.fromarray(img[:, :, c].astype(np.float32), mode='F').resize((w, h), resample=resample)) for c in range(3)]
    return np.clip(np.stack(chans), 0, 255)

cases = {}
for rel in IMAGES:
    set_name, file = rel.split('/')
    img = np.load(os.path.join(fixtures, 'inception-fid', set_name, 'decoded_rgb', file + '.npy'))
    for (h, w) in SIZES:
        for method in ['tf-bilinear', 'torch-bilinear', 'pil-bicubic', 'pil-bilinear']:
            out = np.ascontiguousarray(resize(img, method, h, w), dtype='<f4')
            assert out.shape == (3, h, w), out.shape
            cases[f'{file} {method} {h}x{w}'] = {
                'set': set_name, 'file': file, 'method': method, 'height': h, 'width': w,
                'sha256': hashlib.sha256(out.tobytes()).hexdigest(),
                'first': [float(v) for v in out.ravel()[:6]],
            }
with open(os.path.join(fixtures, 'resize', 'expected.json'), 'w') as f:
    json.dump({'provenance': {'script': 'scripts/make-resize-fixtures.py', 'python': sys.version.split()[0], 'numpy': np.__version__,
                              'torch': torch.__version__, 'Pillow': PIL.__version__, 'torch_fidelity': torch_fidelity.__version__,
                              'output': 'float32 little-endian, planar [3, H, W], C order'}, 'cases': cases}, f, indent=1)
    f.write('\n')
print(len(cases), 'cases')
