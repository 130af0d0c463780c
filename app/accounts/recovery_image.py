"""The recovery code as a picture a resident saves to their phone's photos (PNG, rendered here):
the code, a QR code that opens the new phone's sign-in with it, and what to do with it."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import fontpkg_be_vietnam_pro
import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

WIDTH = 720
MARGIN = 48


@cache
def _font_path(bold: bool) -> str | None:
    """Be Vietnam Pro (every Vietnamese letter), else DejaVu Sans if the system has it."""
    name = "BeVietnamPro-Bold.ttf" if bold else "BeVietnamPro-Regular.ttf"
    for path in (
        Path(fontpkg_be_vietnam_pro.ROOT) / "files" / name,
        Path("/usr/share/fonts/truetype/dejavu")
        / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"),
    ):
        if path.is_file():
            return str(path)
    return None


def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_path(bold)
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def recovery_png(code: str, url: str, *, title: str, lines: list[str]) -> bytes:
    """A white PNG: ``title``, the code large, the QR code for ``url``, then ``lines``."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    symbol = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    side = min(WIDTH - 2 * MARGIN, 360)
    symbol = symbol.resize((side, side), Image.Resampling.NEAREST)

    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    heading, big, small = _font(40, bold=True), _font(48, bold=True), _font(26)
    text_width = WIDTH - 2 * MARGIN
    size = 48
    while measure.textlength(code, font=big) > text_width and size > 20:
        size -= 2
        big = _font(size, bold=True)
    wrapped = [line for text in lines for line in _wrap(measure, text, small, text_width)]
    height = MARGIN + 56 + 24 + size + 32 + side + 24 + 38 * len(wrapped) + MARGIN

    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    y = MARGIN
    draw.text((WIDTH / 2, y), title, font=heading, fill="black", anchor="mt")
    y += 56 + 24
    draw.text((WIDTH / 2, y), code, font=big, fill="black", anchor="mt")
    y += size + 32
    image.paste(symbol, ((WIDTH - side) // 2, y))
    y += side + 24
    for line in wrapped:
        draw.text((MARGIN, y), line, font=small, fill="black")
        y += 38
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
