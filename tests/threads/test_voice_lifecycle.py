"""A voice note's life after upload: in the data export, gone with the person (a voice identifies
its speaker) or the post, known to ``flask media check``, and said in the push of a voice
answer. Hand-made WebM files (tests/threads/audio.py): no ffmpeg needed here."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.push.models import KIND_ANSWER, KIND_NEW_THREAD, PushMessage
from app.threads.models import Reply, Thread
from tests.threads.audio import tiny_webm

pytestmark = pytest.mark.usefixtures("media")

API = "/api/v1"


def _ask(client, seconds: float = 1, **form) -> dict:
    response = client.post(
        f"{API}/communes/xa-a/threads",
        data={"kind": "question", **form, "voice": (io.BytesIO(tiny_webm(seconds)), "a.webm")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _reply(client, thread_id: int, seconds: float = 1, **form) -> dict:
    response = client.post(
        f"{API}/threads/{thread_id}/replies",
        data={**form, "voice": (io.BytesIO(tiny_webm(seconds)), "a.webm")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _name(post: dict) -> str:
    return post["voice"]["url"].removeprefix("/voice/")


def test_the_export_holds_the_voice_notes(world):
    resident = world["resident_a"]
    thread = _ask(resident)
    reply = _reply(resident, thread["id"], 2, body="Thêm")
    export = resident.get(f"{API}/me/export").get_json()
    assert export["threads"][0]["voice"] == thread["voice"]
    assert export["replies"][0]["voice"] == reply["voice"]
    assert export["replies"][0]["body"] == "Thêm"


def test_deleting_posts_deletes_their_voice_notes_and_others_replies_in_them(world, media):
    resident = world["resident_a"]
    thread = _ask(resident)
    mine_elsewhere = _reply(resident, _ask(world["resident_a2"])["id"])
    theirs = _reply(world["official_a"], thread["id"])
    assert resident.delete(f"{API}/me?delete_posts=1").status_code == 204
    keys = {item.key for item in media.objects()}
    for post in (thread, mine_elsewhere, theirs):
        assert _name(post) not in keys
    assert len(keys) == 1  # resident_a2's question only


def test_kept_posts_lose_their_voice_but_keep_their_text(world, media):
    resident = world["resident_a"]
    thread = _ask(resident, body="Đường hỏng")
    reply = _reply(resident, thread["id"], body="Vẫn hỏng")
    answer = _reply(world["official_a"], thread["id"])
    assert resident.delete(f"{API}/me").status_code == 204
    kept = db.session.get(Thread, thread["id"])
    assert (kept.body, kept.author_id, kept.voice_name, kept.voice_mime) == (
        "Đường hỏng",
        None,
        None,
        None,
    )
    assert db.session.get(Reply, reply["id"]).voice_name is None
    keys = {item.key for item in media.objects()}
    assert keys == {_name(answer)}  # the official's answer keeps its voice
    assert world["official_a"].get(thread["voice"]["url"]).status_code == 404


def test_leaving_a_group_takes_ones_voice_along(world, media):
    resident = world["resident_a"]
    thread = _ask(resident, body="Hỏi")
    assert resident.delete(f"{API}/communes/xa-a/membership").status_code == 204
    assert db.session.get(Thread, thread["id"]).voice_name is None
    assert list(media.objects()) == []


def test_media_check_knows_voice_notes(app, world, media):
    thread = _ask(world["resident_a"])
    reply = _reply(world["official_a"], thread["id"])
    check = app.test_cli_runner().invoke(args=["media", "check"])
    assert check.exit_code == 0, check.output
    media.delete(_name(reply))
    media.put("orphan.webm", b"left by a failed upload", "audio/webm")
    result = app.test_cli_runner().invoke(args=["media", "check"])
    assert result.exit_code == 1
    assert f"post without its object: thread {thread['id']} ({_name(reply)})" in result.output
    assert "object without a post: orphan.webm" in result.output


def _payload(kind: str) -> dict:
    message = db.session.scalars(
        select(PushMessage).where(PushMessage.kind == kind).order_by(PushMessage.id.desc())
    ).first()
    assert message is not None
    return json.loads(message.payload)["notification"]


def test_the_push_says_it_is_a_voice_answer(world):
    thread = _ask(world["resident_a"], 12)
    asked = _payload(KIND_NEW_THREAD)
    assert asked["body"] == "Câu hỏi bằng giọng nói (12 giây)"
    _reply(world["official_a"], thread["id"], 7)
    answered = _payload(KIND_ANSWER)
    assert answered["title"] == "Cán bộ đã trả lời bằng giọng nói: Câu hỏi của bạn"
    assert answered["body"] == "Trả lời bằng giọng nói (7 giây): mở ra để nghe."
    _reply(world["official_a"], thread["id"], 3, body="Mai sửa.")
    assert _payload(KIND_ANSWER)["body"].endswith(": mở ra để nghe. Mai sửa.")
