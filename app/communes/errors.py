"""Errors of the communes capability that the shared error classes do not cover."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext

from app.errors import DomainError


class Gone(DomainError):
    """Something that existed and was deliberately ended: a replaced board, a used invitation."""

    status = 410
    code = "gone"
    default_message: Any = lazy_gettext("This link is no longer valid.")


class BoardReplaced(Gone):
    """A join token from a QR board that has since been replaced by a new one."""

    def __init__(self, commune_name: str, message: Any = None) -> None:
        self.commune_name = commune_name
        super().__init__(message)
