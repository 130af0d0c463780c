"""Search indexing follows the threads' signals: a new thread or reply is indexed in the same
transaction as it is written (so it is found by the officials' search, whoever wrote it).

``init_app`` is called by ``create_app``; connecting again changes nothing.
"""

from __future__ import annotations

from flask import Flask

from app.signals import reply_added, thread_created
from app.threads.models import Reply, Thread
from app.threads.search import index_reply, index_thread


def on_thread_created(thread: Thread, **_extra: object) -> None:
    index_thread(thread)


def on_reply_added(reply: Reply, **_extra: object) -> None:
    index_reply(reply)


def init_app(_app: Flask) -> None:
    """Subscribe the search index to new threads and replies."""
    thread_created.connect(on_thread_created)
    reply_added.connect(on_reply_added)
