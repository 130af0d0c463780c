"""QR boards: the code a resident scans at the service center (PNG, SVG, printable page, PDF).

The board's own words are printed in Vietnamese whatever the language of the person who prints
it: the board hangs in a Vietnamese commune's service center, for its residents (like the
default categories, they are the commune's data rather than interface text).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import fontpkg_be_vietnam_pro
import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_Q
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

log = logging.getLogger(__name__)

# The words on the board (Vietnamese, see the module's docstring and shared/vi-glossary.md).
BOARD_HEADLINE = "Quét mã để tham gia nhóm góp ý của xã"
BOARD_STEPS = (
    "Mở máy ảnh (camera) trên điện thoại và hướng vào mã QR.",
    "Bấm vào đường link hiện ra, rồi bấm «Tham gia nhóm».",
    "Gửi câu hỏi hoặc phản ánh: cán bộ xã trả lời ngay trên điện thoại của bạn.",
)
BOARD_TYPE_URL = "Không quét được? Gõ địa chỉ này vào trình duyệt (chữ hoa hay thường đều được):"
BOARD_FOOTER = "Không cần mật khẩu, số điện thoại hay email."


def _qr(url: str, *, border: int = 4) -> qrcode.QRCode:
    # Quartile error correction (a quarter of the code may be lost): a board seen from two
    # metres in a slightly blurred phone frame, scuffed or partly covered, still reads.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, box_size=12, border=border)
    code.add_data(url)
    code.make(fit=True)
    return code


def board_png(url: str) -> bytes:
    """A black-on-white PNG (no transparency) of the QR code for ``url``."""
    buffer = io.BytesIO()
    _qr(url).make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def board_svg(url: str) -> bytes:
    """A scalable SVG of the QR code for ``url``, for print shops.

    The background (quiet zone included) is painted white: a transparent one is read as
    black by scanners such as zbar, and by any viewer with a dark background.
    """
    buffer = io.BytesIO()
    _qr(url).make_image(image_factory=qrcode.image.svg.SvgPathFillImage).save(buffer)
    return buffer.getvalue()


# --- PDF ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardPage:
    """One commune's board: its name, the join URL its QR code carries, and the short one
    written out to type (any case) when the code cannot be scanned."""

    commune_name: str
    url: str
    typed_url: str | None = None

    @property
    def written_url(self) -> str:
        return self.typed_url or self.url


REGULAR = "BoardSans"
BOLD = "BoardSans-Bold"


def _font_files() -> tuple[Path, Path] | None:
    """Be Vietnam Pro (the ``fontpkg-be-vietnam-pro`` package), else DejaVu Sans if the system
    has it; both cover every Vietnamese letter."""
    folder = Path(fontpkg_be_vietnam_pro.ROOT) / "files"
    regular, bold = folder / "BeVietnamPro-Regular.ttf", folder / "BeVietnamPro-Bold.ttf"
    if regular.is_file() and bold.is_file():
        return regular, bold
    folder = Path("/usr/share/fonts/truetype/dejavu")
    regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        return regular, bold
    return None


@cache
def board_fonts() -> tuple[str, str]:
    """Register the board's TrueType fonts with reportlab once; their names."""
    files = _font_files()
    if files is None:
        log.error(
            "No font with Vietnamese letters for QR board PDFs: install fontpkg-be-vietnam-pro. "
            "Falling back to Helvetica, which prints accented letters as boxes."
        )
        return "Helvetica", "Helvetica-Bold"
    pdfmetrics.registerFont(TTFont(REGULAR, str(files[0])))
    pdfmetrics.registerFont(TTFont(BOLD, str(files[1])))
    return REGULAR, BOLD


QUIET_ZONE = 4  # modules of white around the symbol, as the QR code standard asks


def _draw_qr(canvas: Canvas, url: str, left: float, bottom: float, side: float) -> None:
    """The symbol as vector squares (crisp at any printer's resolution), ``side`` points wide,
    its lower left corner at (left, bottom); the quiet zone is left to the white page."""
    modules = _qr(url, border=0).get_matrix()
    size = side / len(modules)
    path = canvas.beginPath()
    for row, line in enumerate(modules):
        y = bottom + side - (row + 1) * size
        column = 0
        while column < len(line):
            if not line[column]:
                column += 1
                continue
            run = column
            while run < len(line) and line[run]:
                run += 1
            # One rectangle per run of dark modules: one filled shape, no seams between them.
            path.rect(left + column * size, y, (run - column) * size, size)
            column = run
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)


def boards_pdf(pages: Iterable[BoardPage], *, title: str = "Bảng mã QR") -> bytes:
    """An A4 PDF with one board per page: the commune's name, the QR code as large as the page
    allows (quiet zone included), three short steps and the short URL written out for typing."""
    regular, bold = board_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("commune-feedback")
    canvas.setCreator("commune-feedback")
    width, height = A4
    margin = 18 * mm
    text_width = width - 2 * margin
    frame = 10 * mm
    step_size, step_leading = 14, 19

    def centred(lines: list[str], font: str, size: float, top: float, leading: float) -> float:
        y = top
        for line in lines:
            y -= leading
            canvas.setFont(font, size)
            canvas.drawCentredString(width / 2, y, line)
        return y

    for page in pages:
        # A thin frame to cut along, and the commune's name as large as fits in two lines.
        canvas.setLineWidth(1.5)
        canvas.rect(frame, frame, width - 2 * frame, height - 2 * frame)
        size = 34.0
        name_lines = simpleSplit(page.commune_name, bold, size, text_width)
        while len(name_lines) > 2 and size > 16:
            size -= 2
            name_lines = simpleSplit(page.commune_name, bold, size, text_width)
        y = centred(name_lines, bold, size, height - 22 * mm, size * 1.2)
        headline = simpleSplit(BOARD_HEADLINE, bold, 20, text_width)
        top = centred(headline, bold, 20, y - 4 * mm, 26) - 3 * mm

        # The text under the code, measured first: the code takes all the room that is left.
        steps = [
            simpleSplit(f"{number}. {step}", regular, step_size, text_width - 10 * mm)
            for number, step in enumerate(BOARD_STEPS, start=1)
        ]
        url_size = 16.0
        while stringWidth(page.written_url, bold, url_size) > text_width and url_size > 8:
            url_size -= 0.5
        below = sum(len(lines) for lines in steps) * step_leading + 16 + url_size * 1.5 + 6 * mm
        bottom = 26 * mm + below

        modules = len(_qr(page.url, border=0).get_matrix())
        box = min(top - bottom, width - 2 * frame - 4 * mm)
        side = box * modules / (modules + 2 * QUIET_ZONE)
        box_top = top - (top - bottom - box) / 2
        _draw_qr(canvas, page.url, (width - side) / 2, box_top - box + (box - side) / 2, side)

        y = box_top - box
        canvas.setFont(regular, step_size)
        for number, lines in enumerate(steps, start=1):
            for index, line in enumerate(lines):
                y -= step_leading
                indent = 0 if index == 0 else stringWidth(f"{number}. ", regular, step_size)
                canvas.drawString(margin + 5 * mm + indent, y, line)

        y = centred([BOARD_TYPE_URL], regular, 12, y - 5 * mm, 16)
        centred([page.written_url], bold, url_size, y - 1 * mm, url_size * 1.5)
        canvas.setFont(regular, 11)
        canvas.drawCentredString(width / 2, 16 * mm, BOARD_FOOTER)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
