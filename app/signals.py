"""The domain's signals: a service emits one after it has written what happened (before the
commit, in the same transaction), and other concepts subscribe instead of being imported.

Receivers are connected in ``create_app`` (never at import time). Each is a plain function of
the sender and keyword arguments; connecting the same function again is harmless, which matters
because tests build many apps in one process.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sender: the new Thread; kwargs: none. Search indexing and notifications subscribe.
thread_created = _signals.signal("thread-created")
#: sender: the new Reply. Search indexing and notifications subscribe.
reply_added = _signals.signal("reply-added")
#: sender: the new StatusChange. Notifications subscribe.
status_changed = _signals.signal("status-changed")
#: sender: the Announcement (new, or its text edited); kwargs: commune. Notifications subscribe.
announcement_posted = _signals.signal("announcement-posted")
#: sender: the new Commune. Category seeding subscribes.
commune_created = _signals.signal("commune-created")
#: sender: the StatusChange closing a thread as a duplicate; kwargs: original (the Thread it
#: duplicates), told (ids of the accounts moved to the original, who are told). Deadlines and
#: notifications subscribe.
thread_duplicated = _signals.signal("thread-duplicated")
