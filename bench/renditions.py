"""Rendition formats, crops and a render storm, against a running server (bench/media starts
it). Prints Markdown tables:

- bytes at 320, 640 and 1280 px for WebP, AVIF and JPEG, beside lossless WebP of the same
  pixels (what renditions were before lossy encoders), for a synthetic photo (2400 x 1600
  JPEG: colour noise at every scale, about as compressible as a photograph), a screenshot-like PNG (flat colours, text)
  and the noise-heavy photo the rest of bench/media uploads;
- the first request of each format and crop at 1280 px (1200 for the social card), median
  of three images;
- peak resident memory and time for a storm: every width, crop and format of 20 images,
  16 requests at a time.

    python renditions.py BASE TOKEN SERVER_PID WORKDIR
"""

import io
import json
import random
import statistics
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from PIL import Image, ImageDraw

BASE, TOKEN, PID, WORK = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
FORMATS = ["webp", "avif", "jpeg"]


def photo(seed, w=2400, h=1600):
    """A photo-like JPEG: octaves of smooth colour noise, coarse to fine, each finer one
    weaker, so that there is detail at every scale with roughly the 1/f spectrum of a
    photograph (about 1.4 bits a pixel at quality 88, where pure noise takes 6)."""
    rnd = random.Random(seed)
    img = None
    weights = [0, 0.45, 0.35, 0.25, 0.15, 0.08, 0.05]
    for k, div in enumerate([400, 160, 64, 24, 8, 3, 1]):
        size = (max(2, w // div), max(2, h // div))
        planes = []
        for _ in range(3):
            shift = rnd.randint(-40, 40)
            planes.append(Image.effect_noise(size, 70).point(lambda v, o=shift: v + o))
        layer = Image.merge("RGB", planes).resize((w, h), Image.BICUBIC)
        img = layer if img is None else Image.blend(img, layer, weights[k])
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


def screenshot(w=1600, h=1000):
    """A screenshot-like PNG: a page with a header bar, boxes and lines of text."""
    img = Image.new("RGB", (w, h), (250, 250, 250))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, 64), fill=(30, 60, 120))
    draw.text((24, 24), "Byline - Markets - Astana exchange opens higher", fill=(255, 255, 255))
    rnd = random.Random(7)
    for row in range(12):
        y = 100 + row * 70
        draw.rectangle((24, y, 380, y + 56), outline=(200, 200, 210), fill=(235, 238, 245))
        for line in range(3):
            words = " ".join(rnd.choice(["tenge", "oil", "index", "rose", "bank", "rate", "bond"])
                             for _ in range(14))
            draw.text((400, y + 4 + line * 16), words, fill=(20, 20, 20))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def upload(name, data):
    boundary = "bench-%d" % random.randint(0, 1 << 30)
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        f"Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(
        BASE + "/api/v1/media",
        data=body,
        headers={
            "authorization": "Bearer " + TOKEN,
            "content-type": "multipart/form-data; boundary=" + boundary,
        },
    )
    with urllib.request.urlopen(req) as res:
        return json.load(res)


def get(url, accept=None):
    """The body and the seconds the request took; no cache between us and the server."""
    headers = {"accept": accept} if accept else {}
    start = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(BASE + url, headers=headers)) as res:
        body = res.read()
    return body, time.perf_counter() - start


def with_format(url, fmt):
    return url + ("&" if "?" in url else "?") + "format=" + fmt


def rss_kib():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def source(media, crop, width):
    return next(s for s in media["sources"][crop] if s["width"] == width)


def sizes_table(images):
    print("\n| image | width | lossless WebP | WebP q80 | AVIF q80 | JPEG q82 |")
    print("|---|---|---|---|---|---|")
    for label, media in images:
        for width in (320, 640, 1280):
            url = source(media, "original", width)["url"]
            png, _ = get(with_format(url, "png"))
            lossless = io.BytesIO()
            Image.open(io.BytesIO(png)).save(lossless, "WEBP", lossless=True)
            cells = [f"{len(lossless.getvalue()) / 1024:.1f} KiB"]
            for fmt in FORMATS:
                body, _ = get(with_format(url, fmt))
                cells.append(f"{len(body) / 1024:.1f} KiB")
            print(f"| {label} | {width} | " + " | ".join(cells) + " |")


def first_render_table():
    fresh = [upload(f"first-{i}.jpg", photo(100 + i)) for i in range(3)]
    print("\n| crop | width | WebP | AVIF | JPEG |")
    print("|---|---|---|---|---|")
    for crop in ("original", "16x9", "1x1", "social"):
        width = 1200 if crop == "social" else 1280
        cells = []
        for fmt in FORMATS:
            times = [get(with_format(source(m, crop, width)["url"], fmt))[1] for m in fresh]
            cells.append(f"{1000 * statistics.median(times):.0f} ms")
        print(f"| {crop} | {width} | " + " | ".join(cells) + " |")


def storm():
    images = [upload(f"storm-{i}.jpg", photo(200 + i)) for i in range(20)]
    urls = [
        with_format(s["url"], fmt)
        for m in images
        for crop in m["sources"].values()
        for s in crop
        for fmt in FORMATS + ["png"]
    ]
    random.Random(1).shuffle(urls)
    peak, done = [rss_kib()], threading.Event()
    start_rss = peak[0]

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda u: get(u)[0], urls))
    took = time.perf_counter() - start
    done.set()
    sampler.join()
    print(f"\n| storm | value |\n|---|---|")
    print(f"| renditions (20 images × every width, crop and format) | {len(urls)} |")
    print(f"| time, 16 requests at a time | {took:.0f} s ({len(urls) / took:.1f} renders/s) |")
    print(f"| RSS before | {start_rss / 1024:.1f} MiB |")
    print(f"| peak RSS during | {peak[0] / 1024:.1f} MiB |")


def main():
    images = [
        ("photo (2400 × 1600 JPEG)", upload("photo.jpg", photo(1))),
        ("screenshot (1600 × 1000 PNG)", upload("screen.png", screenshot())),
    ]
    with open(f"{WORK}/first-0.jpg", "rb") as f:
        images.append(("noise photo (first-0.jpg)", upload("noise.jpg", f.read())))
    sizes_table(images)
    first_render_table()
    if "--no-storm" not in sys.argv:
        storm()


main()
