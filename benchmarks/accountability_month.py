"""A realistic seeded month of one commune, and its public accountability figures (issue 14).

    .venv/bin/python -m benchmarks.accountability_month [--database sqlite|postgresql]
                                                         [--communes 40] [--seed 14]

Seeds, with a fixed random seed, November 2026 in "Xã A Lưới" (Huế, province 46), as a commune
of some 8,000 people might live it: about 6 questions and reports a working day and 3 a weekend
day, asked from 06:00 to 22:00; 15 % private, 3 % urgent reports. The officials answer in office
hours (a first answer after an exponential number of working hours, mean 4; 8 % never
answered), resolve most within a few working days, decline some (with a reason); 60 % of the
authors answer "Đã được khắc phục chưa?", 85 % of them "fixed" (not fixed reopens the thread and
restarts its deadline), most with a rating. 24 November (Vietnam Cultural Day) is a holiday.

Prints the commune's figures as ``GET /api/v1/communes/xa-a-luoi/accountability`` answers them
on Tuesday 1 December 2026 at 09:00 (30 days), and the time and number of queries of the
province's table with ``--communes`` communes seeded alike. A benchmark reports; it does not
assert. Everything runs in a throwaway database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.accountability.working_time import ZONE  # noqa: E402
from app.admin import accountability  # noqa: E402
from app.admin.accountability_schemas import AccountabilityFigures  # noqa: E402
from app.communes.services import create_commune  # noqa: E402
from app.extensions import db  # noqa: E402
from app.threads.deadlines import calendar_for, restart_resolve_deadline  # noqa: E402
from tests.accountability.fixtures import answered, asked, confirmed, moved  # noqa: E402
from tests.databases import throwaway_postgres  # noqa: E402

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ZONE)
FIRST_DAY = date(2026, 11, 1)


def seed_month(commune, rng: random.Random) -> int:
    """One month of threads in ``commune``; returns how many."""
    calendar = calendar_for(commune)
    made = 0
    day = FIRST_DAY
    while day < NOW.date():
        working = calendar.is_working_day(day)
        for _ in range(rng.randint(3, 9) if working else rng.randint(1, 5)):
            minute = rng.randint(6 * 60, 22 * 60 - 1)
            created = datetime(day.year, day.month, day.day, tzinfo=ZONE) + timedelta(
                minutes=minute
            )
            if created >= NOW:
                continue
            _one_thread(commune, calendar, created, rng)
            made += 1
        day += timedelta(days=1)
    db.session.commit()
    return made


def _one_thread(commune, calendar, created: datetime, rng: random.Random) -> None:
    kind = "report" if rng.random() < 0.6 else "question"
    urgent = kind == "report" and rng.random() < 0.05
    private = rng.random() < 0.15
    thread = asked(
        commune,
        created,
        kind=kind,
        urgent=urgent,
        visibility="officials" if private else "public",
        title="Phản ánh" if kind == "report" else "Câu hỏi",
    )
    if rng.random() < 0.08:
        return  # never answered (yet)
    if urgent:
        first = created + timedelta(minutes=rng.randint(8, 90))
    else:
        first = calendar.add_hours(created, rng.expovariate(1 / 4))
    if first >= NOW:
        return
    if rng.random() < 0.5:
        answered(thread, first)  # a reply first
        moved(thread, "acknowledged", first + timedelta(minutes=rng.randint(1, 30)))
    else:
        moved(thread, "acknowledged", first)
    outcome = rng.random()
    if outcome > 0.82:
        return  # still being handled
    settle = calendar.add_days(first, rng.lognormvariate(0.6, 0.8))
    if settle >= NOW:
        moved(thread, "in_progress", first + timedelta(hours=1))
        return
    if outcome > 0.75:
        moved(thread, "declined", settle, note="Không thuộc thẩm quyền của xã.")
        return
    resolution = moved(thread, "resolved", settle)
    if rng.random() >= 0.6 or settle + timedelta(days=1) >= NOW:
        return
    said = settle + timedelta(hours=rng.randint(2, 20))
    fixed = rng.random() < 0.85
    rating = None
    if rng.random() < 0.8:
        rating = rng.choice((4, 5, 5, 5, 3)) if fixed else rng.choice((1, 1, 2, 3))
    confirmed(thread, resolution, fixed, rating, said)
    if not fixed:
        moved(thread, "in_progress", said)
        restart_resolve_deadline(thread, said.astimezone(UTC))
        again = calendar.add_days(said, rng.lognormvariate(0.3, 0.6))
        if again < NOW and rng.random() < 0.7:
            moved(thread, "resolved", again)
    db.session.flush()


def run(url: str, communes: int, seed: int) -> None:
    os.environ["INSTANCE_PATH"] = tempfile.mkdtemp(prefix="acc-bench-")
    app = create_app(
        {
            "SECRET_KEY": "benchmark-secret-key-that-is-long-enough",
            "SQLALCHEMY_DATABASE_URI": url,
            "BASE_URL": "http://127.0.0.1",
            "RATE_LIMITS_ENABLED": False,
        }
    )
    with app.app_context(), app.test_request_context():
        db.create_all()
        rng = random.Random(seed)
        main = create_commune("xa-a-luoi", "Xã A Lưới", province="Thành phố Huế")
        main.province_code = "46"
        count = seed_month(main, rng)
        for index in range(1, communes):
            other = create_commune(f"xa-{index}", f"Xã số {index}", province="Thành phố Huế")
            other.province_code = "46"
            seed_month(other, rng)
        db.session.commit()
        win = accountability.window(30, NOW)
        figures = AccountabilityFigures.of(accountability.commune_figures(main, win)).dump()
        print(f"Xã A Lưới, {count} threads seeded in November 2026; figures at {NOW} (30 days):")
        print(json.dumps(figures, ensure_ascii=False, indent=1))

        statements: list[str] = []

        def count_select(*args: object) -> None:
            if str(args[2]).startswith("SELECT"):
                statements.append(str(args[2]))

        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", count_select)
        started = time.perf_counter()
        table = accountability.province_table("46", win)
        elapsed = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", count_select)
        received = sum(row.figures.received for row in table.communes)
        print(
            f"Province 46 table: {len(table.communes)} communes, {received} threads received, "
            f"{len(statements)} queries, {elapsed * 1000:.0f} ms"
        )
        for row in table.communes[:3]:
            ratio = row.figures.answered_on_time
            print(f"  {row.rank}. {row.commune.name}: answered on time {ratio.count}/{ratio.of}")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--communes", type=int, default=40)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.database == "postgresql":
            url = stack.enter_context(throwaway_postgres())
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite:///{folder}/bench.sqlite3"
        run(url, args.communes, args.seed)


if __name__ == "__main__":
    main()
