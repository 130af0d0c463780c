"""Full-text search over threads and replies: SQLite FTS5 or PostgreSQL, behind one function.

Text is folded in Python before it is indexed and before it is searched: NFC-independent,
lowercased, without diacritics (``đ`` becomes ``d``). So "ngập nước", "Ngập Nước" and
"ngap nuoc" all find "Hẻm 5 bị ngập nước", on either database, in the same way.

``search_entry`` holds one folded row per thread (title and body) and per reply; the services
that write threads and replies call ``index_thread``/``index_reply``, and moderation calls
``set_hidden``. The database keeps its own index in step with ``search_entry`` (SQLite: FTS5
triggers; PostgreSQL: a GIN expression index).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import Float, Select, cast, column, func, literal_column, select, table, update
from sqlalchemy.sql.expression import ColumnElement

from app.extensions import db
from app.threads.models import Reply, SearchEntry, Thread

# Very common Vietnamese syllables that say nothing about a topic. Left out of "any word"
# searches (duplicate suggestions) when written with their diacritics.
STOPWORDS = frozenset(
    (
        "bị",
        "ở",
        "của",
        "và",
        "có",
        "là",
        "không",
        "được",
        "cho",
        "các",
        "những",
        "này",
        "đã",
        "thì",
        "mà",
        "với",
        "tôi",
        "em",
        "anh",
        "chị",
        "xin",
        "hỏi",
        "ạ",
        "rồi",
        "đang",
        "sẽ",
        "một",
        "khi",
        "nào",
        "gì",
        "để",
        "ra",
        "vào",
        "lại",
        "cũng",
        "rất",
        "quá",
        "ơi",
        "nhé",
        "vậy",
        "thế",
        "như",
    )
)
MAX_TERMS = 32
_WORD = re.compile(r"\w+", re.UNICODE)
_FTS = table("search_fts", column("rowid"), column("search_fts"), column("rank"))


def fold(text: str) -> str:
    """Lowercase, without diacritics: the form both databases index and search."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped)


def terms(query: str, *, drop_stopwords: bool = False) -> list[str]:
    """The folded words of a query, in order, without repeats (at most ``MAX_TERMS``)."""
    words = _WORD.findall(unicodedata.normalize("NFC", query.lower()))
    if drop_stopwords:
        kept = [word for word in words if word not in STOPWORDS]
        words = kept or words
    seen: list[str] = []
    for word in words:
        folded = fold(word).replace("_", "")
        if folded and folded not in seen:
            seen.append(folded)
    return seen[:MAX_TERMS]


# --- keeping the index in step --------------------------------------------------------------


def _thread_text(thread: Thread) -> str:
    return fold(f"{thread.title}\n{thread.body}")


def index_thread(thread: Thread) -> None:
    """Add or refresh a thread's own entry (call after the thread is flushed)."""
    entry = db.session.scalar(
        select(SearchEntry).where(
            SearchEntry.thread_id == thread.id, SearchEntry.reply_id.is_(None)
        )
    )
    if entry is None:
        entry = SearchEntry(commune_id=thread.commune_id, thread_id=thread.id, reply_id=None)
        db.session.add(entry)
    entry.body = _thread_text(thread)
    entry.hidden = thread.hidden_at is not None
    db.session.flush()


def index_reply(reply: Reply) -> None:
    """Add or refresh a reply's entry (call after the reply is flushed)."""
    entry = db.session.scalar(select(SearchEntry).where(SearchEntry.reply_id == reply.id))
    if entry is None:
        entry = SearchEntry(
            commune_id=reply.thread.commune_id, thread_id=reply.thread_id, reply_id=reply.id
        )
        db.session.add(entry)
    entry.body = fold(reply.body)
    entry.hidden = reply.hidden_at is not None
    db.session.flush()


def set_hidden(*, thread_id: int, reply_id: int | None, hidden: bool) -> None:
    """Moderation hid or restored a post: residents' searches follow at once."""
    condition = (
        SearchEntry.reply_id == reply_id
        if reply_id is not None
        else (SearchEntry.thread_id == thread_id) & SearchEntry.reply_id.is_(None)
    )
    db.session.execute(
        update(SearchEntry).where(condition).values(hidden=hidden),
        execution_options={"synchronize_session": False},
    )


# --- searching --------------------------------------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _fts5_query(words: Sequence[str], mode: str) -> str:
    quoted = [f'"{word}"' for word in words]
    if len(words[-1]) >= 2:
        quoted[-1] += "*"  # the word being typed
    return (" OR " if mode == "any" else " ").join(quoted)


def _tsquery(words: Sequence[str], mode: str) -> str:
    quoted = [f"'{word}'" for word in words]
    if len(words[-1]) >= 2:
        quoted[-1] += ":*"
    return (" | " if mode == "any" else " & ").join(quoted)


def matching_threads(
    query: str,
    *,
    commune_ids: Sequence[int],
    mode: Literal["all", "any"] = "all",
    include_hidden: bool = False,
) -> Select[Any] | None:
    """The one search function: ``(thread_id, score)`` rows of threads whose own text or a
    reply matches ``query`` (higher score: better match), for the caller to join to its own
    scoped thread query. ``mode="all"``: every word must occur (in one post); ``"any"``: at
    least one, ranked by how well. None when the query has no words.
    """
    words = terms(query, drop_stopwords=mode == "any")
    if not words:
        return None
    conditions: list[ColumnElement[bool]] = [SearchEntry.commune_id.in_(list(commune_ids))]
    if not include_hidden:
        conditions.append(SearchEntry.hidden.is_(False))
    if _dialect() == "postgresql":
        vector = func.to_tsvector(literal_column("'simple'"), SearchEntry.body)
        tsquery = func.to_tsquery(literal_column("'simple'"), _tsquery(words, mode))
        score = func.ts_rank(vector, tsquery)
        match = vector.op("@@")(tsquery)
        return (
            select(SearchEntry.thread_id.label("thread_id"), func.max(score).label("score"))
            .where(match, *conditions)
            .group_by(SearchEntry.thread_id)
        )
    hits = (
        select(
            _FTS.c.rowid.label("entry_id"),
            # FTS5's ``rank`` (bm25 by default) is lower for better matches; unlike bm25()
            # it may be used where SQLite folds this subquery into the grouped query.
            (-cast(_FTS.c.rank, Float)).label("score"),
        )
        .where(_FTS.c.search_fts.op("MATCH")(_fts5_query(words, mode)))
        .subquery("hits")
    )
    return (
        select(SearchEntry.thread_id.label("thread_id"), func.max(hits.c.score).label("score"))
        .join(hits, hits.c.entry_id == SearchEntry.id)
        .where(*conditions)
        .group_by(SearchEntry.thread_id)
    )
