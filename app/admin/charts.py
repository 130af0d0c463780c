"""Small SVG charts drawn on the server: no chart library, no script, no inline style (the
Content-Security-Policy forbids both); colours are SVG presentation attributes."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

OPENED = "#0b5cad"
RESOLVED = "#2e8540"
BAR = "#0b5cad"
WAITING = "#b94a00"
INK = "#333333"
GRID = "#cccccc"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def weekly_bars(
    labels: Sequence[str],
    opened: Sequence[int],
    resolved: Sequence[int],
    *,
    title: str,
    opened_label: str,
    resolved_label: str,
) -> Markup:
    """Two bars per ISO week: threads opened and threads resolved."""
    width, height, left, bottom, top = 640, 220, 34, 34, 28
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = max([*opened, *resolved, 1])
    slot = plot_w / max(len(labels), 1)
    bar = max(slot * 0.35, 1.0)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="weekly-title">',
        f'<title id="weekly-title">{escape(title)}</title>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" '
        f'stroke="{GRID}"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="11" fill="{INK}">'
        f"{peak}</text>",
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="11" '
        f'fill="{INK}">0</text>',
        f'<rect x="{left}" y="4" width="10" height="10" fill="{OPENED}"/>',
        f'<text x="{left + 14}" y="13" font-size="12" fill="{INK}">{escape(opened_label)}</text>',
        f'<rect x="{left + 160}" y="4" width="10" height="10" fill="{RESOLVED}"/>',
        f'<text x="{left + 174}" y="13" font-size="12" fill="{INK}">'
        f"{escape(resolved_label)}</text>",
    ]
    for index, label in enumerate(labels):
        x = left + index * slot + slot * 0.1
        for offset, value, colour, name in (
            (0.0, opened[index], OPENED, opened_label),
            (bar, resolved[index], RESOLVED, resolved_label),
        ):
            h = plot_h * value / peak
            parts.append(
                f'<rect x="{_number(x + offset)}" y="{_number(top + plot_h - h)}" '
                f'width="{_number(bar)}" height="{_number(h)}" fill="{colour}">'
                f"<title>{escape(label)}: {escape(name)} {value}</title></rect>"
            )
        # A week's Monday ("16/3") is wider than a bar pair: fewer of them as weeks grow.
        if index % (1 if len(labels) <= 13 else 2 if len(labels) <= 26 else 4) == 0:
            parts.append(
                f'<text x="{_number(x + bar)}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="10" fill="{INK}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def share_bars(items: Sequence[tuple[str, float, str, bool]], *, title: str) -> Markup:
    """Horizontal bars of shares (0 to 1): ``(label, share, caption, highlighted)`` each."""
    row, label_w, width = 26, 170, 640
    height = row * len(items) + 8
    plot_w = width - label_w - 70
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="share-title">',
        f'<title id="share-title">{escape(title)}</title>',
    ]
    for index, (text, share, caption, highlighted) in enumerate(items):
        y = 4 + index * row
        w = plot_w * max(0.0, min(share, 1.0))
        colour = WAITING if highlighted else BAR
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(text)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{_number(w)}" height="16" fill="{colour}">'
            f"<title>{escape(text)}: {escape(caption)}</title></rect>"
            f'<text x="{_number(label_w + w + 6)}" y="{y + 15}" font-size="12" fill="{INK}">'
            f"{escape(caption)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def labelled_bars(
    items: Sequence[tuple[str, float | None, str]], *, title: str, chart_id: str
) -> Markup:
    """Shares (0 to 1) for a phone: each ``(label, share, caption)`` is a line of words over a
    full-width bar, drawn at 360 units wide so that a 360 px screen shows the text at its size.
    A share of None (nothing to measure) is an empty track with its caption."""
    row, width, track = 52, 360, 250
    height = row * len(items) + 4
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{escape(chart_id)}-title">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    for index, (text, share, caption) in enumerate(items):
        y = 4 + index * row
        w = track * max(0.0, min(share or 0.0, 1.0))
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="15" fill="{INK}">{escape(text)}</text>'
            f'<rect x="0" y="{y + 22}" width="{track}" height="20" fill="{GRID}"/>'
            f'<rect x="0" y="{y + 22}" width="{_number(w)}" height="20" fill="{RESOLVED}">'
            f"<title>{escape(text)}: {escape(caption)}</title></rect>"
            f'<text x="{track + 6}" y="{y + 37}" font-size="15" fill="{INK}">'
            f"{escape(caption)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
