"""Statistics as CSV, for spreadsheets: one row per commune, per province and in total.

A province row carries the province's official code in ``code``; a commune row its former
district in ``district`` (history: districts are no level since 1 July 2025)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from app.admin.stats import Figures, Report
from app.communes.models import Commune

SUMMARY_COLUMNS = (
    "level",
    "province",
    "district",
    "code",
    "slug",
    "name",
    "members",
    "push_members",
    "officials",
    "threads_opened",
    "threads_resolved",
    "answered",
    "waiting",
    "first_answer_median_hours",
    "first_answer_p90_hours",
    "answered_within_24h_share",
    "announcements",
    "push_subscriptions",
    "push_delivered",
    "push_reach",
)
WEEKLY_COLUMNS = (
    "level",
    "province",
    "district",
    "code",
    "slug",
    "name",
    "week",
    "opened",
    "resolved",
)


def _cell(value: object) -> str:
    """Text as is, except that a spreadsheet must never read a cell as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _hours(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 3600:.2f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _rows(report: Report) -> Iterator[tuple[tuple[str, ...], Figures]]:
    yield ("total", "", "", "", "", ""), report.total
    for code, province, figures in report.provinces:
        yield ("province", province or "", "", code or "", "", ""), figures
    for commune, figures in report.communes:
        yield _commune_key(commune), figures


def _commune_key(commune: Commune) -> tuple[str, ...]:
    return (
        "commune",
        commune.province or "",
        commune.district or "",
        commune.code or "",
        commune.slug,
        commune.name,
    )


def summary_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(SUMMARY_COLUMNS)
    for key, f in _rows(report):
        writer.writerow(
            [_cell(value) for value in key]
            + [
                f.members,
                f.push_members,
                f.officials,
                sum(f.opened),
                sum(f.resolved),
                f.answered,
                f.waiting,
                _hours(f.median_seconds),
                _hours(f.p90_seconds),
                _share(f.within_24h_share),
                f.announcements,
                f.push_subscriptions,
                f.push_delivered,
                _share(f.push_reach),
            ]
        )
    return buffer.getvalue()


def weekly_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(WEEKLY_COLUMNS)
    for key, f in _rows(report):
        for index, week in enumerate(report.window.labels):
            writer.writerow(
                [_cell(value) for value in key] + [week, f.opened[index], f.resolved[index]]
            )
    return buffer.getvalue()
