"""A commune's name folded for search: what an admin types on a keyboard without Vietnamese
input ("u minh thuong") finds "Xã U Minh Thượng", on SQLite and PostgreSQL alike.

The folded key is stored (``Commune.search_name``, filled whenever the name is set) rather than
left to database collations: SQLite has none for Vietnamese, and PostgreSQL's ``unaccent`` is an
extension a deployment may not have. The query is folded the same way in Python.
"""

from __future__ import annotations

import re
import unicodedata

# "đ" is a letter of its own, not "d" with a mark: NFD leaves it whole.
_LETTERS = str.maketrans({"đ": "d", "Đ": "d"})
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str | None) -> str:
    """Lower case, diacritics removed, đ→d, punctuation as spaces, single spaces:
    ``"Xã U Minh Thượng"`` → ``"xa u minh thuong"``."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_LETTERS))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NOT_WORD.split(bare.lower())).strip()


def words(query: str | None) -> list[str]:
    """The folded words of a search, each to be found in the name (any order)."""
    return fold(query).split()
