"""A province's QR boards as one PDF: the streamed writer of app/communes/boards.py against
the reportlab canvas it replaced (kept only here, to be measured against), in the same run.

    .venv/bin/python -m benchmarks.boards_pdf [--province 91] [--rounds 2]

The boards are the province's communes of the 2025 list (``vietnam-provinces``; An Giang, 91,
has 102) with fresh join tokens, so no QR code comes from the cache. It prints, per round,
when the first bytes were ready and when the whole file was, and the file's size; it never
asserts a time (the machine is shared).
"""

from __future__ import annotations

import argparse
import io
import secrets
import time
from collections.abc import Iterable

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from vietnam_provinces import Ward

from app.communes import boards
from app.communes.boards import BoardPage, stream_boards_pdf

BASE_URL = "https://gopy.example.vn"


def province_boards(code: int) -> list[BoardPage]:
    return [
        BoardPage(
            ward.name,
            f"{BASE_URL}/j/{secrets.token_urlsafe(16)}",
            f"{BASE_URL}/j/{ward.code.value:05d}-K7MX",
        )
        for ward in Ward.iter_all()
        if ward.province_code.value == code
    ]


def _old_draw_qr(canvas: Canvas, url: str, left: float, bottom: float, side: float) -> None:
    """The symbol as vector squares (crisp at any printer's resolution), ``side`` points wide,
    its lower left corner at (left, bottom); the quiet zone is left to the white page."""
    modules = boards._qr(url, border=0).get_matrix()
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


def old_boards_pdf(pages: Iterable[BoardPage], *, title: str = "Bảng mã QR") -> bytes:
    """An A4 PDF with one board per page: the commune's name, the QR code as large as the page
    allows (quiet zone included), three short steps and the short URL written out for typing."""
    regular, bold = boards.board_fonts()
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
        headline = simpleSplit(boards.BOARD_HEADLINE, bold, 20, text_width)
        top = centred(headline, bold, 20, y - 4 * mm, 26) - 3 * mm

        # The text under the code, measured first: the code takes all the room that is left.
        steps = [
            simpleSplit(f"{number}. {step}", regular, step_size, text_width - 10 * mm)
            for number, step in enumerate(boards.BOARD_STEPS, start=1)
        ]
        url_size = 16.0
        while stringWidth(page.written_url, bold, url_size) > text_width and url_size > 8:
            url_size -= 0.5
        below = sum(len(lines) for lines in steps) * step_leading + 16 + url_size * 1.5 + 6 * mm
        bottom = 26 * mm + below

        modules = len(boards._qr(page.url, border=0).get_matrix())
        box = min(top - bottom, width - 2 * frame - 4 * mm)
        side = box * modules / (modules + 2 * boards.QUIET_ZONE)
        box_top = top - (top - bottom - box) / 2
        _old_draw_qr(canvas, page.url, (width - side) / 2, box_top - box + (box - side) / 2, side)

        y = box_top - box
        canvas.setFont(regular, step_size)
        for number, lines in enumerate(steps, start=1):
            for index, line in enumerate(lines):
                y -= step_leading
                indent = 0 if index == 0 else stringWidth(f"{number}. ", regular, step_size)
                canvas.drawString(margin + 5 * mm + indent, y, line)

        y = centred([boards.BOARD_TYPE_URL], regular, 12, y - 5 * mm, 16)
        centred([page.written_url], bold, url_size, y - 1 * mm, url_size * 1.5)
        canvas.setFont(regular, 11)
        canvas.drawCentredString(width / 2, 16 * mm, boards.BOARD_FOOTER)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--province", type=int, default=91)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    boards.board_fonts()
    print(f"province {args.province}: {len(province_boards(args.province))} boards")
    for round_number in range(1, args.rounds + 1):
        pages = province_boards(args.province)
        start = time.perf_counter()
        data = old_boards_pdf(pages)
        whole = time.perf_counter() - start
        print(
            f"round {round_number} reportlab canvas: first bytes {whole:6.2f} s, "
            f"whole {whole:6.2f} s, {len(data) // 1024} KiB"
        )
        pages = province_boards(args.province)
        start = time.perf_counter()
        stream = stream_boards_pdf(pages)
        size = len(next(stream))
        size += len(next(stream))  # the first page
        first = time.perf_counter() - start
        size += sum(len(chunk) for chunk in stream)
        whole = time.perf_counter() - start
        print(
            f"round {round_number} streamed writer:  first page {first:6.2f} s, "
            f"whole {whole:6.2f} s, {size // 1024} KiB"
        )


if __name__ == "__main__":
    main()
