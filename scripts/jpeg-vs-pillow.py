#!/usr/bin/python3
"""Compare fidkit's JPEG decoding (sharp/libvips + mozjpeg) with Pillow's (libjpeg-turbo).

Run from the repository root with Debian's Python (Pillow 9.4 + numpy, `apt-get install -y python3-pil`):

    /usr/bin/python3 scripts/jpeg-vs-pillow.py [--keep DIR]
    /usr/bin/python3 scripts/jpeg-vs-pillow.py --write-fixtures fixtures/decode

It writes JPEGs with Pillow and with sharp (baseline and progressive, 4:4:4, 4:2:2 and 4:2:0, several
qualities, odd sizes, grayscale, CMYK, an EXIF orientation tag), decodes each with Pillow's
`Image.open(f).convert('RGB')` and with fidkit's `decodeImage`, and prints the max and mean absolute
pixel difference and the share of differing values per case. Results are summarised in docs/jpeg.md.
Not part of the test suite; needs node and the repository's node_modules (tsx, sharp).

`--write-fixtures DIR` instead writes a small set of such files (45x37, every format and JPEG
variant) with Pillow's decoding of each as `<file>.npy` (uint8 HxWx3), for test/io/images.test.ts.
"""

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def natural_image(h, w, seed):
    """A photo-like test image: smooth colour fields, sharp edges, fine texture and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    for c in range(3):
        for _ in range(4):
            fx, fy, ph = rng.uniform(0.002, 0.05), rng.uniform(0.002, 0.05), rng.uniform(0, 6.3)
            img[..., c] += rng.uniform(20, 60) * np.sin(fx * x * 6.28 + fy * y * 6.28 + ph)
    img += 128
    # Hard-edged coloured rectangles (chroma edges stress the upsampler).
    for _ in range(6):
        y0, x0 = rng.integers(0, h - 8), rng.integers(0, w - 8)
        img[y0 : y0 + rng.integers(4, h // 3), x0 : x0 + rng.integers(4, w // 3)] = rng.uniform(0, 255, 3)
    img += rng.normal(0, 6, img.shape)  # sensor-like noise
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def pillow_cases(tmp):
    """(name, path) of JPEGs written by Pillow."""
    cases = []
    base = natural_image(299, 299, 1)
    odd = natural_image(201, 333, 2)  # odd sizes: partial MCUs on both axes
    mnist_like = np.repeat(natural_image(28, 28, 3)[..., :1], 3, axis=2)
    for label, arr in (("299", base), ("333x201", odd)):
        for sub_name, sub in (("444", 0), ("422", 1), ("420", 2)):
            for prog in (False, True):
                for q in (75, 95):
                    name = f"pil_{label}_{sub_name}_{'prog' if prog else 'base'}_q{q}"
                    p = os.path.join(tmp, name + ".jpg")
                    Image.fromarray(arr).save(p, quality=q, subsampling=sub, progressive=prog)
                    cases.append((name, p))
    p = os.path.join(tmp, "pil_28_gray_q75.jpg")
    Image.fromarray(mnist_like[..., 0]).save(p, quality=75)
    cases.append(("pil_28_gray_q75", p))
    p = os.path.join(tmp, "pil_299_gray_prog_q90.jpg")
    Image.fromarray(base).convert("L").save(p, quality=90, progressive=True)
    cases.append(("pil_299_gray_prog_q90", p))
    p = os.path.join(tmp, "pil_299_cmyk_q90.jpg")
    Image.fromarray(base).convert("CMYK").save(p, quality=90)
    cases.append(("pil_299_cmyk_q90", p))
    # EXIF orientation 6 (rotate 90° CW to display): Pillow does not apply it, neither must we.
    exif = Image.Exif()
    exif[0x0112] = 6
    p = os.path.join(tmp, "pil_333x201_exif_orient6_q90.jpg")
    Image.fromarray(odd).save(p, quality=90, exif=exif.tobytes())
    cases.append(("pil_333x201_exif_orient6_q90", p))
    return cases, base, odd


def bmp_bytes(arr, bits, masks=None):
    """A bottom-up BMP with BITMAPINFOHEADER; 16-bit as 5-6-5 (masks) or 5-5-5, 32-bit as BGRX."""
    h, w, _ = arr.shape
    row = ((w * bits + 31) // 32) * 4
    px = bytearray()
    for y in range(h - 1, -1, -1):
        line = bytearray()
        for x in range(w):
            r, g, b = (int(v) for v in arr[y, x])
            if bits == 16 and masks:
                v = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)
                line += v.to_bytes(2, "little")
            elif bits == 16:
                v = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)
                line += v.to_bytes(2, "little")
            else:
                line += bytes([b, g, r, 0x55])
        px += line + bytes(row - len(line))
    extra = b"".join(m.to_bytes(4, "little") for m in masks) if masks else b""
    off = 14 + 40 + len(extra)
    hdr = b"BM" + (off + len(px)).to_bytes(4, "little") + bytes(4) + off.to_bytes(4, "little")
    info = (40).to_bytes(4, "little") + w.to_bytes(4, "little") + h.to_bytes(4, "little", signed=True)
    info += (1).to_bytes(2, "little") + bits.to_bytes(2, "little") + (3 if masks else 0).to_bytes(4, "little")
    info += len(px).to_bytes(4, "little") + bytes(16)
    return hdr + info + extra + bytes(px)


def other_format_cases(tmp, base, odd):
    """Non-JPEG formats whose decoding fidkit does itself (PNM, BMP) or through sharp (WebP, TIFF)."""
    cases = []
    small = odd[:37, :45]

    def add(name, data=None, save=None):
        p = os.path.join(tmp, name)
        if data is not None:
            with open(p, "wb") as f:
                f.write(data)
        else:
            save(p)
        cases.append((name, p))

    add("pil_rgb.ppm", save=lambda p: Image.fromarray(small).save(p))
    add("pil_gray.pgm", save=lambda p: Image.fromarray(small[..., 0]).save(p))
    add("pil_gray16.pgm", save=lambda p: Image.fromarray((small[..., 0].astype(np.int32) * 9)).save(p))
    add("pil_bitmap.pbm", save=lambda p: Image.fromarray(small[..., 0]).convert("1").save(p))
    g = small[..., 1].astype(np.int64)
    add("plain_gray_max100.pgm", b"P2\n# comment\n45 37\n100\n" + " ".join(str(v * 100 // 255) for v in g.ravel()).encode())
    add("plain_gray_max1000.pgm", b"P2 45 37 1000\n" + " ".join(str(v * 3) for v in g.ravel()).encode())
    add("plain_rgb_max15.ppm", b"P3 45 37 15\n" + " ".join(str(v >> 4) for v in small.astype(np.int64).ravel()).encode())
    add("plain_bitmap.pbm", b"P1 45 37\n" + "".join("1" if v > 128 else "0" for v in g.ravel()).encode())
    add("raw_rgb16.ppm", b"P6 45 37 65535\n" + (small.astype(">u2") * 257 + 3).tobytes())
    add("raw_gray_max31.pgm", b"P5 45 37 31\n" + (small[..., 2] >> 3).astype(np.uint8).tobytes())
    add("pil_rgb24.bmp", save=lambda p: Image.fromarray(small).save(p))
    add("pil_rgba32.bmp", save=lambda p: Image.fromarray(np.dstack([small, small[..., :1]])).save(p))
    add("pil_gray8.bmp", save=lambda p: Image.fromarray(small[..., 0]).save(p))
    add("pil_palette8.bmp", save=lambda p: Image.fromarray(small).quantize(50).save(p))
    add("pil_bitmap1.bmp", save=lambda p: Image.fromarray(small[..., 0]).convert("1").save(p))
    add("bgrx32.bmp", bmp_bytes(small, 32))
    add("rgb565.bmp", bmp_bytes(small, 16, (0xF800, 0x7E0, 0x1F)))
    add("rgb555.bmp", bmp_bytes(small, 16))
    add("pil_lossy.webp", save=lambda p: Image.fromarray(base).save(p, quality=80))
    add("pil_lossless.webp", save=lambda p: Image.fromarray(base).save(p, lossless=True))
    add("pil_rgba_lossy.webp", save=lambda p: Image.fromarray(np.dstack([base, base[..., :1]])).save(p, quality=80))
    add("pil_rgb.tif", save=lambda p: Image.fromarray(small).save(p))
    add("pil_rgb_lzw.tif", save=lambda p: Image.fromarray(small).save(p, compression="tiff_lzw"))
    add("pil_gray16.tif", save=lambda p: Image.fromarray(small[..., 0].astype(np.uint16) * 3).save(p))
    add("pil_cmyk.tif", save=lambda p: Image.fromarray(small).convert("CMYK").save(p))
    return cases


NODE_WRITE = r"""
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
const [rawPath, h, w, outDir] = process.argv.slice(1);
const raw = readFileSync(rawPath);
const input = () => sharp(raw, { raw: { width: +w, height: +h, channels: 3 } });
const out = [];
for (const [sub, chroma] of [['444', '4:4:4'], ['420', '4:2:0']]) {
  for (const prog of [false, true]) {
    for (const moz of [false, true]) {
      const name = `sharp_299_${sub}_${prog ? 'prog' : 'base'}_${moz ? 'mozjpeg' : 'plain'}_q85`;
      const path = `${outDir}/${name}.jpg`;
      await input().jpeg({ quality: 85, chromaSubsampling: chroma, progressive: prog, mozjpeg: moz }).toFile(path);
      out.push([name, path]);
    }
  }
}
const gray = `${outDir}/sharp_299_gray_q85.jpg`;
await input().greyscale().jpeg({ quality: 85 }).toFile(gray);
out.push(['sharp_299_gray_q85', gray]);
const cmyk = `${outDir}/sharp_299_cmyk_q85.jpg`;
await input().toColourspace('cmyk').jpeg({ quality: 85 }).toFile(cmyk);
out.push(['sharp_299_cmyk_q85', cmyk]);
console.log(JSON.stringify(out));
"""

NODE_DECODE = r"""
import { decodeImage } from './src/io/images.ts';
import { readFileSync, writeFileSync } from 'node:fs';
const cases = JSON.parse(readFileSync(process.argv[1], 'utf8'));
const shapes = {};
for (const [name, path] of cases) {
  const img = await decodeImage(path);
  writeFileSync(`${path}.fidkit.rgb`, img.data);
  shapes[name] = [img.height, img.width];
}
console.log(JSON.stringify(shapes));
"""


FIXTURE_CASES = [
    "pil_45x37_420_prog_q75.jpg", "pil_45x37_422_base_q90.jpg", "pil_45x37_444_base_q95.jpg",
    "pil_45x37_gray_q85.jpg", "pil_45x37_cmyk_q90.jpg", "pil_45x37_exif_orient6_q90.jpg",
    "sharp_45x37_420_prog_mozjpeg_q80.jpg", "sharp_45x37_cmyk_q85.jpg",
    "pil_lossy.webp", "pil_gray16.tif", "pil_cmyk.tif", "plain_gray_max1000.pgm", "raw_rgb16.ppm",
    "plain_bitmap.pbm", "raw_gray_max31.pgm", "rgb565.bmp", "pil_palette8.bmp", "pil_rgba32.bmp",
]


def write_fixtures(out):
    """Small files of every case and Pillow's decoding of each, for the test suite."""
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="fidkit-decode-")
    small = natural_image(37, 45, 4)
    made = dict(other_format_cases(tmp, small, small))
    for sub_name, sub, prog, q in (("420", 2, True, 75), ("422", 1, False, 90), ("444", 0, False, 95)):
        p = os.path.join(tmp, f"pil_45x37_{sub_name}_{'prog' if prog else 'base'}_q{q}.jpg")
        Image.fromarray(small).save(p, quality=q, subsampling=sub, progressive=prog)
        made[os.path.basename(p)] = p
    for name, save in (
        ("pil_45x37_gray_q85.jpg", lambda p: Image.fromarray(small).convert("L").save(p, quality=85)),
        ("pil_45x37_cmyk_q90.jpg", lambda p: Image.fromarray(small).convert("CMYK").save(p, quality=90)),
    ):
        save(os.path.join(tmp, name))
        made[name] = os.path.join(tmp, name)
    exif = Image.Exif()
    exif[0x0112] = 6
    p = os.path.join(tmp, "pil_45x37_exif_orient6_q90.jpg")
    Image.fromarray(small).save(p, quality=90, exif=exif.tobytes())
    made[os.path.basename(p)] = p
    raw = os.path.join(tmp, "small.rgb")
    small.tofile(raw)
    node(
        "import sharp from 'sharp'; import { readFileSync } from 'node:fs';"
        "const [r, d] = process.argv.slice(1); const i = () => sharp(readFileSync(r), { raw: { width: 45, height: 37, channels: 3 } });"
        "await i().jpeg({ quality: 80, chromaSubsampling: '4:2:0', progressive: true, mozjpeg: true }).toFile(d + '/sharp_45x37_420_prog_mozjpeg_q80.jpg');"
        "await i().toColourspace('cmyk').jpeg({ quality: 85 }).toFile(d + '/sharp_45x37_cmyk_q85.jpg'); console.log('[]');",
        raw,
        tmp,
    )
    for name in ("sharp_45x37_420_prog_mozjpeg_q80.jpg", "sharp_45x37_cmyk_q85.jpg"):
        made[name] = os.path.join(tmp, name)
    for name in FIXTURE_CASES:
        with open(made[name], "rb") as f:
            data = f.read()
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        np.save(os.path.join(out, name + ".npy"), np.asarray(Image.open(made[name]).convert("RGB")))
    shutil.rmtree(tmp)
    print(f"wrote {len(FIXTURE_CASES)} files and their Pillow {Image.__version__} decodings to {out}")


def node(code, *args):
    cmd = ["node", "--import", "tsx", "--input-type=module", "-e", code, *args]
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"node failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", help="write the JPEGs here and keep them")
    ap.add_argument("--write-fixtures", metavar="DIR", help="write small test fixtures to DIR and exit")
    args = ap.parse_args()
    if args.write_fixtures:
        write_fixtures(args.write_fixtures)
        return 0
    tmp = args.keep or tempfile.mkdtemp(prefix="fidkit-jpeg-")
    os.makedirs(tmp, exist_ok=True)
    cases, base, odd = pillow_cases(tmp)
    cases += other_format_cases(tmp, base, odd)
    raw = os.path.join(tmp, "base.rgb")
    base.tofile(raw)
    cases += [tuple(c) for c in node(NODE_WRITE, raw, "299", "299", tmp)]
    listing = os.path.join(tmp, "cases.json")
    with open(listing, "w") as f:
        json.dump(cases, f)
    shapes = node(NODE_DECODE, listing)

    print(f"Pillow {Image.__version__}; {len(cases)} files in {tmp}")
    print(f"{'case':40s} {'HxW':>9s} {'max|d|':>7s} {'mean|d|':>9s} {'differ':>8s}")
    worst = 0
    for name, path in cases:
        ref = np.asarray(Image.open(path).convert("RGB"))
        h, w = shapes[name]
        got = np.fromfile(path + ".fidkit.rgb", dtype=np.uint8)
        if (h, w) != ref.shape[:2]:
            print(f"{name:40s} SHAPE MISMATCH pillow {ref.shape[:2]} fidkit {(h, w)}")
            worst = max(worst, 999)
            continue
        d = np.abs(ref.astype(np.int16) - got.reshape(h, w, 3).astype(np.int16))
        worst = max(worst, int(d.max()))
        print(f"{name:40s} {h:4d}x{w:<4d} {int(d.max()):7d} {d.mean():9.5f} {np.mean(d > 0) * 100:7.3f}%")
    print(f"worst max|d| = {worst}")
    if not args.keep:
        shutil.rmtree(tmp)
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main())
