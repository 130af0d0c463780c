"""Issue 14, urgent reports: the residents' form offers it in plain words, officials mark a
report urgent or not (recorded), and an urgent report nobody answered in 30 minutes is pushed to
the province's admins."""

from __future__ import annotations

import re

from app.extensions import db
from app.threads.models import Thread


def test_the_ask_form_offers_urgent_in_plain_words(world):
    resident = world["resident_a"]
    page = resident.get("/c/xa-a").get_data(as_text=True)
    box = re.search(r'<input type="checkbox" name="urgent"[^>]*>', page)
    assert box and 'aria-describedby="urgent-hint"' in box.group(0)
    hint = re.search(r'<p class="hint" id="urgent-hint">([^<]*)</p>', page)
    assert hint and "chỉ chọn khi nguy hiểm ngay" in hint.group(1).lower()
    for danger in ("ngập", "cầu", "cháy"):
        assert danger in hint.group(1).lower()
    key = re.search(r'name="idempotency_key" value="([\w-]+)"', page).group(1)
    sent = resident.post(
        "/c/xa-a/threads",
        data={
            "kind": "report",
            "body": "Nước ngập tới đầu gối ở thôn 3",
            "visibility": "public",
            "urgent": "1",
            "idempotency_key": key,
        },
    )
    assert sent.status_code == 303
    assert db.session.scalars(db.select(Thread)).one().urgent is True
