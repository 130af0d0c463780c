"""QR boards: the code a resident scans at the service center (PNG, SVG, printable page, PDF).

The board's own words are printed in Vietnamese whatever the language of the person who prints
it: the board hangs in a Vietnamese commune's service center, for its residents (like the
default categories, they are the commune's data rather than interface text).
"""

from __future__ import annotations

import io
import logging
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
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


@lru_cache(maxsize=1024)
def _qr_symbol(url: str) -> tuple[int, str]:
    """The symbol for ``url``: its width in modules and its dark modules as a PDF path in
    module units (one rectangle per run of dark modules, filled as one shape: no seams), to be
    scaled onto the page. Cached: choosing the mask is most of a board's time, and a province's
    boards are printed more than once (a worker keeps a thousand, about 5 MB)."""
    modules = _qr(url, border=0).get_matrix()
    count = len(modules)
    parts = []
    for row, line in enumerate(modules):
        y = count - row - 1
        column = 0
        while column < count:
            if not line[column]:
                column += 1
                continue
            run = column
            while run < count and line[run]:
                run += 1
            parts.append(f"{column} {y} {run - column} 1 re")
            column = run
    return count, "\n".join(parts)


def _number(value: float) -> str:
    """A coordinate as PDF writes it: at most three decimals, no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _draw_qr(url: str, left: float, bottom: float, side: float) -> str:
    """The symbol ``side`` points wide, its lower left corner at (left, bottom); the quiet zone
    is left to the white page. Vector squares: crisp at any printer's resolution."""
    count, path = _qr_symbol(url)
    scale = _number(side / count)
    return f"q {scale} 0 0 {scale} {_number(left)} {_number(bottom)} cm 0 g\n{path}\nf Q"


# --- a PDF written as it is drawn --------------------------------------------------------------
#
# reportlab's canvas keeps the whole document in memory and writes it at the end. A province's
# boards (a hundred pages) are instead written page by page, so the download starts at once
# and the browser can show how far it got: each page's objects go out as soon as the page is
# drawn, and the fonts (subsets of the glyphs the pages used), the page tree and the
# cross-reference table follow the last page. The fonts are measured with reportlab's metrics
# (simpleSplit, stringWidth) and subset with its TrueType reader.

# A PDF comment after each page's objects: "%board 17", for a script counting pages as they
# arrive (PDF readers skip comments).
PAGE_MARK = b"%board "
_SUBSET_LOCK = threading.Lock()  # TTFontFile.makeSubset seeks in a shared file buffer


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


class _TrueType:
    """A TrueType font embedded as a CID font: each glyph the document uses gets the next
    CID, and the subset written at the end has its glyphs in that order (CID = glyph index)."""

    def __init__(self, name: str) -> None:
        self.face = pdfmetrics.getFont(name).face
        self.name = self.face.name.decode("latin-1")
        self.cids: dict[int, int] = {}  # glyph of the whole font -> CID
        self.chars: list[int] = []  # character of each CID (CID 1 first)

    def encode(self, text: str) -> str:
        """``text`` as a hex string of 2-byte CIDs, for ``Tj``."""
        codes = []
        for char in text:
            point = ord(char)
            glyph = self.face.charToGlyph.get(point)
            if glyph is None:
                codes.append("0000")  # .notdef: a box, as reportlab draws it
                continue
            cid = self.cids.get(glyph)
            if cid is None:
                cid = self.cids[glyph] = len(self.chars) + 1
                self.chars.append(point)
            codes.append(f"{cid:04X}")
        return "<" + "".join(codes) + ">"

    def objects(self, writer: _Writer, ref: int) -> Iterator[bytes]:
        """The font's objects: the Type 0 font (number ``ref``) and what it points to."""
        with _SUBSET_LOCK:
            subset = self.face.makeSubset(self.chars or [32])
        # The subset's tag: six capitals, the same for the same glyphs.
        digest = zlib.crc32(subset)
        tag = "".join(chr(65 + (digest >> (5 * index)) % 26) for index in range(6))
        base = f"/{tag}+{self.name}"
        face = self.face
        file_ref = writer.reserve()
        yield writer.stream(file_ref, subset, f"/Length1 {len(subset)}")
        descriptor = writer.reserve()
        bbox = " ".join(str(int(value)) for value in face.bbox)
        yield writer.obj(
            descriptor,
            f"<< /Type /FontDescriptor /FontName {base} /Flags {face.flags} /FontBBox [{bbox}]"
            f" /ItalicAngle {face.italicAngle} /Ascent {face.ascent} /Descent {face.descent}"
            f" /CapHeight {face.capHeight} /StemV {face.stemV} /FontFile2 {file_ref} 0 R >>",
        )
        widths = " ".join(str(face.charWidths.get(char, face.defaultWidth)) for char in self.chars)
        cid_font = writer.reserve()
        yield writer.obj(
            cid_font,
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont {base}"
            " /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
            f" /FontDescriptor {descriptor} 0 R /DW {face.defaultWidth} /W [1 [{widths}]]"
            " /CIDToGIDMap /Identity >>",
        )
        to_unicode = writer.reserve()
        yield writer.stream(to_unicode, self._to_unicode().encode("ascii"))
        yield writer.obj(
            ref,
            f"<< /Type /Font /Subtype /Type0 /BaseFont {base} /Encoding /Identity-H"
            f" /DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>",
        )

    def _to_unicode(self) -> str:
        """Which character each CID is: text can be searched, copied and read aloud."""
        lines = [
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange",
        ]
        pairs = [
            f"<{cid:04X}> <{chr(char).encode('utf-16-be').hex().upper()}>"
            for cid, char in enumerate(self.chars, start=1)
        ]
        for start in range(0, len(pairs), 100):  # at most 100 entries a block
            block = pairs[start : start + 100]
            lines += [f"{len(block)} beginbfchar", *block, "endbfchar"]
        lines += ["endcmap CMapName currentdict /CMap defineresource pop end end"]
        return "\n".join(lines)


class _Standard:
    """Helvetica, when no font with Vietnamese letters is installed (accents print as ?)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def encode(self, text: str) -> str:
        return "(" + _escape(text.encode("cp1252", "replace").decode("latin-1")) + ")"

    def objects(self, writer: _Writer, ref: int) -> Iterator[bytes]:
        yield writer.obj(
            ref,
            f"<< /Type /Font /Subtype /Type1 /BaseFont /{self.name} /Encoding /WinAnsiEncoding >>",
        )


class _Writer:
    """Numbers objects and remembers where each starts, for the cross-reference table."""

    def __init__(self) -> None:
        self.offset = 0
        self.offsets: dict[int, int] = {}
        self.count = 0

    def reserve(self) -> int:
        self.count += 1
        return self.count

    def raw(self, data: bytes) -> bytes:
        self.offset += len(data)
        return data

    def obj(self, number: int, body: str | bytes) -> bytes:
        self.offsets[number] = self.offset
        data = body if isinstance(body, bytes) else body.encode("latin-1")
        return self.raw(b"%d 0 obj\n" % number + data + b"\nendobj\n")

    def stream(self, number: int, data: bytes, extra: str = "") -> bytes:
        packed = zlib.compress(data, 6)
        head = f"<< /Length {len(packed)} /Filter /FlateDecode {extra}>>\nstream\n"
        return self.obj(number, head.encode("latin-1") + packed + b"\nendstream")

    def trailer(self, root: int, info: int) -> bytes:
        start = self.offset
        lines = [f"xref\n0 {self.count + 1}\n", "0000000000 65535 f\r\n"]
        lines += [f"{self.offsets[number]:010d} 00000 n\r\n" for number in range(1, self.count + 1)]
        lines.append(
            f"trailer\n<< /Size {self.count + 1} /Root {root} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{start}\n%%EOF\n"
        )
        return self.raw("".join(lines).encode("latin-1"))


def _pdf_text(value: str) -> str:
    """A text string of the document's information (title): UTF-16 with its byte order mark."""
    return "<FEFF" + value.encode("utf-16-be").hex().upper() + ">"


def stream_boards_pdf(pages: Iterable[BoardPage], *, title: str = "Bảng mã QR") -> Iterator[bytes]:
    """An A4 PDF with one board per page, in pieces as it is drawn: each page goes out as
    soon as it is ready (then the comment ``%board N``), the fonts and the page tree after the
    last. On each page the commune's name, the QR code as large as the page allows (quiet zone
    included), three short steps and the short URL written out for typing."""
    regular, bold = board_fonts()
    embedded = regular == REGULAR
    fonts = {name: (_TrueType(name) if embedded else _Standard(name)) for name in (regular, bold)}
    writer = _Writer()
    catalog, tree, info = writer.reserve(), writer.reserve(), writer.reserve()
    font_refs = {name: writer.reserve() for name in fonts}
    resources = f"<< /Font << /F1 {font_refs[regular]} 0 R /F2 {font_refs[bold]} 0 R >> >>"
    keys = {regular: "/F1", bold: "/F2"}
    width, height = A4
    margin = 18 * mm
    text_width = width - 2 * margin
    frame = 10 * mm
    step_size, step_leading = 14, 19
    # What every board says the same way, measured once.
    headline = simpleSplit(BOARD_HEADLINE, bold, 20, text_width)
    steps = [
        simpleSplit(f"{number}. {step}", regular, step_size, text_width - 10 * mm)
        for number, step in enumerate(BOARD_STEPS, start=1)
    ]
    indents = [stringWidth(f"{number}. ", regular, step_size) for number in range(1, 4)]
    step_lines = sum(len(lines) for lines in steps)

    yield writer.raw(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    kids: list[int] = []
    ops: list[str] = []  # the page being drawn

    def text(x: float, y: float, line: str, font: str, size: float) -> None:
        ops.append(
            f"BT {keys[font]} {_number(size)} Tf {_number(x)} {_number(y)} Td "
            f"{fonts[font].encode(line)} Tj ET"
        )

    def centred(lines: list[str], font: str, size: float, top: float, leading: float) -> float:
        y = top
        for line in lines:
            y -= leading
            text(width / 2 - stringWidth(line, font, size) / 2, y, line, font, size)
        return y

    for page in pages:
        ops.clear()
        # A thin frame to cut along, and the commune's name as large as fits in two lines.
        ops.append(
            f"0 g 0 G 1.5 w {_number(frame)} {_number(frame)} "
            f"{_number(width - 2 * frame)} {_number(height - 2 * frame)} re S"
        )
        size = 34.0
        name_lines = simpleSplit(page.commune_name, bold, size, text_width)
        while len(name_lines) > 2 and size > 16:
            size -= 2
            name_lines = simpleSplit(page.commune_name, bold, size, text_width)
        y = centred(name_lines, bold, size, height - 22 * mm, size * 1.2)
        top = centred(headline, bold, 20, y - 4 * mm, 26) - 3 * mm

        # The text under the code, measured first: the code takes all the room that is left.
        url_size = 16.0
        while stringWidth(page.written_url, bold, url_size) > text_width and url_size > 8:
            url_size -= 0.5
        below = step_lines * step_leading + 16 + url_size * 1.5 + 6 * mm
        bottom = 26 * mm + below

        modules = _qr_symbol(page.url)[0]
        box = min(top - bottom, width - 2 * frame - 4 * mm)
        side = box * modules / (modules + 2 * QUIET_ZONE)
        box_top = top - (top - bottom - box) / 2
        ops.append(_draw_qr(page.url, (width - side) / 2, box_top - box + (box - side) / 2, side))

        y = box_top - box
        for number, lines in enumerate(steps, start=1):
            for index, line in enumerate(lines):
                y -= step_leading
                indent = 0 if index == 0 else indents[number - 1]
                text(margin + 5 * mm + indent, y, line, regular, step_size)

        y = centred([BOARD_TYPE_URL], regular, 12, y - 5 * mm, 16)
        centred([page.written_url], bold, url_size, y - 1 * mm, url_size * 1.5)
        centred([BOARD_FOOTER], regular, 11, 16 * mm + 11, 11)

        content, number = writer.reserve(), writer.reserve()
        kids.append(number)
        yield writer.stream(content, "\n".join(ops).encode("latin-1"))
        yield writer.obj(
            number,
            f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 {_number(width)} "
            f"{_number(height)}] /Resources {resources} /Contents {content} 0 R >>",
        )
        yield writer.raw(PAGE_MARK + b"%d\n" % len(kids))

    for name, font in fonts.items():
        yield from font.objects(writer, font_refs[name])
    pages_list = " ".join(f"{kid} 0 R" for kid in kids)
    yield writer.obj(tree, f"<< /Type /Pages /Kids [{pages_list}] /Count {len(kids)} >>")
    yield writer.obj(catalog, f"<< /Type /Catalog /Pages {tree} 0 R >>")
    author = _pdf_text("commune-feedback")
    yield writer.obj(info, f"<< /Title {_pdf_text(title)} /Author {author} /Creator {author} >>")
    yield writer.trailer(catalog, info)


def boards_pdf(pages: Iterable[BoardPage], *, title: str = "Bảng mã QR") -> bytes:
    """The whole of ``stream_boards_pdf``, for one commune's board."""
    return b"".join(stream_boards_pdf(pages, title=title))
