"""Reference outputs of the resizes the ViT presets (DINOv2, CLIP, CMMD) need: the SHA-256 of each float32 planar
[3, H, W] output, its first values, and its min/max.

    /usr/bin/python3 scripts/make-vit-resize-fixtures.py pil        -> fixtures/resize/pil-u8-expected.json
    /work/venv-t2/bin/python scripts/make-vit-resize-fixtures.py torch  -> fixtures/resize/torch2-bicubic.{json,f32}
    /usr/bin/python3 scripts/make-vit-resize-fixtures.py torch          -> fixtures/resize/torch1-bicubic.{json,f32}

`pil` needs Pillow and torchvision (Debian's python3: Pillow 9.4, torchvision 0.14); `torch` needs only torch and names
its output by torch's major version. fidkit reproduces torch 2.x (here 2.13.0+cpu, pip's CPU wheel; the AVX512 kernels
of this machine's CPU); torch 1.13 (Debian's) rounds differently by a few ulp and is kept to measure that difference.
The .f32 file holds 512 samples of each torch output (float32 little-endian, at flat indices floor(k * n / 512)),
at the case's `samples` offset (in values), so the tests can bound a difference that is not bit-exact.

Inputs are the decoded fixture images (fixtures/inception-fid/<set>/decoded_rgb/*.npy, uint8 HxWx3).
- pil-bicubic-u8, pil-bilinear-u8: Pillow's resize of the mode-'RGB' image, `Image.resize((W, H), BICUBIC|BILINEAR)`, which is
  what torchvision's `Resize((H, W), BICUBIC)` does on a PIL image (dgm-eval's DINOv2 transform); values 0..255
- torch-bicubic: `F.interpolate(x, (H, W), mode='bicubic', align_corners=False)` on ToTensor's v/255, float32 NCHW
- torch-bicubic-aa: the same with `antialias=True`, on float32 0..255 (EDM2's DINOv2 detector)
- clip <n>: OpenAI CLIP's `_transform(n)` up to ToTensor: `Resize(n, BICUBIC)` (shorter side) then `CenterCrop(n)` on the PIL
  image (torchvision), as float32 0..255 (before ToTensor's /255 and Normalize)
- cmmd <n>: google-research cmmd's io_util `_center_crop_and_resize`: the centred square `im.crop(((w-l)//2, (h-l)//2, ...))`
  then `im.resize((n, n), BICUBIC)`, as float32 0..255 (before its /255)
`crop` (when given) takes the top-left HxW of the image first, for odd size differences where torchvision's round-half-even
crop offset and CMMD's floor differ.
"""
import hashlib, json, os, sys
import numpy as np
import torch
import torch.nn.functional as F
import PIL
from PIL import Image

torch.set_num_threads(1)
part = sys.argv[1] if len(sys.argv) > 1 else ''
assert part in ('pil', 'torch'), 'usage: make-vit-resize-fixtures.py pil|torch [OUT.json]'
here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, '..', 'fixtures')
stem = 'pil-u8-expected' if part == 'pil' else f'torch{torch.__version__.split(".")[0]}-bicubic'
out_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(fixtures, 'resize', stem + '.json')
N_SAMPLES = 512
samples = []
IMAGES = ['set_a/a06_checker_64x48_rgb.png', 'set_a/a08_gradient_320x200_rgb.png', 'set_b/b07_noise_320x200_rgb.png',
          'set_a/a01_mnist_28_gray.png', 'set_b/b09_rgba_48x64_rgba.png', 'set_a/a07_noise_299_rgb.png']
SIZES = [(37, 53), (61, 45), (90, 75), (224, 224), (336, 336)]  # (H, W): shrink, mixed, enlarge; the ViT input sizes
METHODS = ['pil-bicubic-u8', 'pil-bilinear-u8', 'torch-bicubic', 'torch-bicubic-aa']

def resize(img, method, h, w):
    if method.startswith('pil-'):
        resample = {'pil-bicubic-u8': Image.BICUBIC, 'pil-bilinear-u8': Image.BILINEAR}[method]
        out = np.asarray(Image.fromarray(img, mode='RGB').resize((w, h), resample=resample))
        return out.transpose(2, 0, 1).astype(np.float32)
    x = torch.from_numpy(img).permute(2, 0, 1).contiguous().unsqueeze(0).float()
    if method == 'torch-bicubic':
        return F.interpolate(x / 255, size=(h, w), mode='bicubic', align_corners=False)[0].numpy()
    return F.interpolate(x, size=(h, w), mode='bicubic', align_corners=False, antialias=True)[0].numpy()

def clip(img, n):
    import torchvision.transforms as T
    t = T.Compose([T.Resize(n, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(n)])
    return np.asarray(t(Image.fromarray(img, mode='RGB'))).transpose(2, 0, 1).astype(np.float32)

def cmmd(img, n):
    im = Image.fromarray(img, mode='RGB')
    w, h = im.size
    l = min(w, h)
    top, left = (h - l) // 2, (w - l) // 2
    im = im.crop((left, top, left + l, top + l)).resize((n, n), resample=Image.BICUBIC)
    return np.asarray(im).transpose(2, 0, 1).astype(np.float32)

def record(out, **meta):
    out = np.ascontiguousarray(out, dtype='<f4')
    rec = {**meta, 'sha256': hashlib.sha256(out.tobytes()).hexdigest(), 'first': [float(v) for v in out.ravel()[:6]],
           'min': float(out.min()), 'max': float(out.max())}
    if part == 'torch':
        n = out.size
        rec['samples'] = len(samples) * N_SAMPLES
        samples.append(out.ravel()[[k * n // N_SAMPLES for k in range(N_SAMPLES)]])
    return rec

cases = {}
for rel in IMAGES:
    set_name, file = rel.split('/')
    img = np.load(os.path.join(fixtures, 'inception-fid', set_name, 'decoded_rgb', file + '.npy'))
    for (h, w) in SIZES:
        for method in METHODS:
            if method.startswith('torch-') != (part == 'torch'):
                continue
            out = resize(img, method, h, w)
            assert out.shape == (3, h, w), out.shape
            cases[f'{file} {method} {h}x{w}'] = record(out, set=set_name, file=file, method=method, height=h, width=w)
    if part == 'pil':
        for crop in ([None, [296, 299], [299, 290]] if file == 'a07_noise_299_rgb.png' else [None]):
            im = img if crop is None else np.ascontiguousarray(img[:crop[0], :crop[1]])
            tag = '' if crop is None else f' crop {crop[0]}x{crop[1]}'
            for method, fn, sizes in (('clip', clip, (224, 336)), ('cmmd', cmmd, (336, 224))):
                for n in sizes:
                    out = fn(im, n)
                    assert out.shape == (3, n, n), out.shape
                    meta = dict(set=set_name, file=file, method=method, size=n)
                    if crop is not None:
                        meta['crop'] = crop
                    cases[f'{file}{tag} {method} {n}'] = record(out, **meta)
prov = {'script': 'scripts/make-vit-resize-fixtures.py', 'python': sys.version.split()[0], 'numpy': np.__version__,
        'torch': torch.__version__, 'Pillow': PIL.__version__, 'output': 'float32 little-endian, planar [3, H, W], C order'}
if part == 'pil':
    import torchvision
    prov['torchvision'] = torchvision.__version__
if part == 'torch':
    prov['cpu_capability'] = torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, 'cpu') else 'unknown'
    prov['samples'] = os.path.basename(out_path)[:-5] + '.f32'
    np.concatenate(samples).astype('<f4').tofile(out_path[:-5] + '.f32')
with open(out_path, 'w') as f:
    json.dump({'provenance': prov, 'cases': cases}, f, indent=1)
    f.write('\n')
print(len(cases), 'cases ->', out_path)
