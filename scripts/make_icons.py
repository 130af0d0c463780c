"""Draw the app icons (static/icons/*.png) with Pillow: run once after changing the design."""

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (11, 92, 173)
OUT = Path(__file__).resolve().parents[1] / "static" / "icons"


def draw(size: int, *, maskable: bool) -> Image.Image:
    image = Image.new("RGB", (size, size), BRAND if maskable else (255, 255, 255))
    pen = ImageDraw.Draw(image)
    # Maskable icons keep their drawing inside the central 80 % safe zone.
    pad = size * (0.22 if maskable else 0.08)
    if not maskable:
        pen.rounded_rectangle((pad, pad, size - pad, size - pad), radius=size * 0.18, fill=BRAND)
        pad = size * 0.24
    box = (pad, pad * 1.05, size - pad, size - pad * 1.35)
    pen.rounded_rectangle(box, radius=size * 0.08, fill="white")
    tail = [
        (size * 0.36, box[3] - 1),
        (size * 0.36, box[3] + size * 0.11),
        (size * 0.5, box[3] - 1),
    ]
    pen.polygon(tail, fill="white")
    for i, width in enumerate((0.5, 0.42, 0.3)):
        y = box[1] + (box[3] - box[1]) * (0.28 + 0.22 * i)
        x0 = box[0] + (box[2] - box[0]) * 0.14
        pen.rounded_rectangle(
            (x0, y - size * 0.018, x0 + size * width * 0.9, y + size * 0.018),
            radius=size * 0.018,
            fill=BRAND,
        )
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
        draw(size, maskable=True).save(OUT / f"maskable-{size}.png", optimize=True)
    draw(180, maskable=True).save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
