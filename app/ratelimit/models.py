"""Fixed-window counters: one row per (limit key, window)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class RateCounter(db.Model):
    __tablename__ = "rate_counter"

    # e.g. "login:ip:203.0.113.5" or "login:account:<sha256 of the email>"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # unix seconds
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
