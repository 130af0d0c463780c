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

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

log = logging.getLogger(__name__)

# The words on the board (Vietnamese, see the module's docstring and shared/vi-glossary.md).
BOARD_HEADLINE = "Quét mã để tham gia nhóm góp ý của xã"
BOARD_STEPS = (
    "Mở máy ảnh (camera) trên điện thoại và hướng vào mã QR.",
    "Bấm vào đường link hiện ra, rồi bấm «Tham gia nhóm».",
    "Gửi câu hỏi hoặc phản ánh: cán bộ xã trả lời ngay trên điện thoại của bạn.",
)
BOARD_TYPE_URL = "Không quét được? Gõ địa chỉ này vào trình duyệt:"
BOARD_FOOTER = "Không cần mật khẩu, số điện thoại hay email."


def _qr(url: str) -> qrcode.QRCode:
    # Medium error correction survives a scuffed or partly covered printed board.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=12, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def board_png(url: str) -> bytes:
    """A black-on-white PNG of the QR code for ``url``."""
    buffer = io.BytesIO()
    _qr(url).make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def board_svg(url: str) -> bytes:
    """A scalable SVG of the QR code for ``url``, for print shops."""
    buffer = io.BytesIO()
    _qr(url).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return buffer.getvalue()


# --- PDF ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardPage:
    """One commune's board: its name and the join URL its QR code carries."""

    commune_name: str
    url: str


REGULAR = "BoardSans"
BOLD = "BoardSans-Bold"


def _font_files() -> tuple[Path, Path] | None:
    """Be Vietnam Pro (the ``fontpkg-be-vietnam-pro`` package), else DejaVu Sans if the system
    has it; both cover every Vietnamese letter."""
    try:
        import fontpkg_be_vietnam_pro

        folder = Path(fontpkg_be_vietnam_pro.ROOT) / "files"
        regular, bold = folder / "BeVietnamPro-Regular.ttf", folder / "BeVietnamPro-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    except ImportError:
        pass
    folder = Path("/usr/share/fonts/truetype/dejavu")
    regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        return regular, bold
    return None


@cache
def board_fonts() -> tuple[str, str]:
    """Register the board's TrueType fonts with reportlab once; their names."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

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


def boards_pdf(pages: Iterable[BoardPage], *, title: str = "Bảng mã QR") -> bytes:
    """An A4 PDF with one board per page: the commune's name, a large QR code (an embedded
    image, 120 mm wide), three short steps and the URL written out for typing."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader, simpleSplit
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    regular, bold = board_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("commune-feedback")
    canvas.setCreator("commune-feedback")
    width, height = A4
    margin = 18 * mm
    text_width = width - 2 * margin

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
        canvas.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
        size = 34.0
        name_lines = simpleSplit(page.commune_name, bold, size, text_width)
        while len(name_lines) > 2 and size > 16:
            size -= 2
            name_lines = simpleSplit(page.commune_name, bold, size, text_width)
        y = centred(name_lines, bold, size, height - 22 * mm, size * 1.2)
        headline = simpleSplit(BOARD_HEADLINE, bold, 20, text_width)
        y = centred(headline, bold, 20, y - 4 * mm, 26)

        qr_size = 120 * mm
        image = _qr(page.url).make_image(fill_color="black", back_color="white")
        reader = ImageReader(image.get_image().convert("RGB"))
        y -= qr_size + 4 * mm
        canvas.drawImage(reader, (width - qr_size) / 2, y, qr_size, qr_size)

        y -= 4 * mm
        canvas.setFont(regular, 14)
        for number, step in enumerate(BOARD_STEPS, start=1):
            lines = simpleSplit(f"{number}. {step}", regular, 14, text_width - 10 * mm)
            for index, line in enumerate(lines):
                y -= 19
                indent = 0 if index == 0 else stringWidth(f"{number}. ", regular, 14)
                canvas.drawString(margin + 5 * mm + indent, y, line)

        y = centred([BOARD_TYPE_URL], regular, 12, y - 5 * mm, 16)
        url_size = 16.0
        while stringWidth(page.url, bold, url_size) > text_width and url_size > 8:
            url_size -= 0.5
        y = centred([page.url], bold, url_size, y - 1 * mm, url_size * 1.5)
        canvas.setFont(regular, 11)
        canvas.drawCentredString(width / 2, 16 * mm, BOARD_FOOTER)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
