"""Voice notes: real recordings (ffmpeg, tests/threads/audio.py) taken from the API and the
pages' forms; hostile files refused with a 422 that says why; tags dropped; served to the
thread's readers only, with byte ranges (iPhones play <audio> by 206 answers)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.threads.models import Reply, Thread
from tests.threads.audio import TAGS, decodes, encode, tiny_webm

pytestmark = pytest.mark.usefixtures("media")

API = "/api/v1"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _cut(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def _piped_webm(folder: Path) -> bytes:
    """Like Chrome's MediaRecorder: Segment and Clusters of unknown size, no Duration."""
    encode(folder, "live-src.webm", seconds=4, options=("-f", "webm"))
    return encode(folder, "live.webm", seconds=4, options=("-f", "webm", "-live", "1"))


# A second input, a tone, encoded as AAC beside the H.264 picture.
TONE = ("-f", "lavfi", "-i", "sine=duration=2")
WITH_SOUND = ("-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")

# name -> how to make it (in a folder). Made once per session, when a test first asks.
RECIPES: dict[str, Callable[[Path], bytes]] = {
    "webm": lambda f: encode(f, "a.webm"),
    "ogg": lambda f: encode(f, "a.ogg"),
    "m4a": lambda f: encode(f, "a.m4a", codec="aac"),
    # Safari's recorder writes fragmented MP4: the duration is in the fragments.
    "fragmented_m4a": lambda f: encode(
        f, "frag.m4a", codec="aac", options=("-movflags", "frag_keyframe+empty_moov")
    ),
    "live_webm": _piped_webm,
    "long_webm": lambda f: encode(f, "long.webm", seconds=61, options=("-b:a", "12k")),
    "big_ogg": lambda f: encode(
        f, "big.ogg", source="anoisesrc=duration=40", options=("-b:a", "256k")
    ),
    "video_mp4": lambda f: encode(
        f,
        "video.mp4",
        source="testsrc=duration=2:size=64x64:rate=10",
        codec="",
        options=("-c:v", "libx264", "-pix_fmt", "yuv420p"),
    ),
    "video_with_sound_mp4": lambda f: encode(
        f,
        "av.mp4",
        source="testsrc=duration=2:size=64x64:rate=10",
        codec="",
        inputs=TONE,
        options=WITH_SOUND,
    ),
    "video_webm": lambda f: encode(
        f, "video.webm", source="testsrc=duration=2:size=64x64:rate=10", codec="libvpx"
    ),
    "vorbis_ogg": lambda f: encode(f, "vorbis.ogg", codec="libvorbis"),
    "mp3": lambda f: encode(f, "a.mp3", codec="libmp3lame"),
    "png": lambda f: _png(),
    "html": lambda f: b"<!doctype html><title>x</title><script>alert(document.cookie)</script>",
}


@pytest.fixture(scope="session")
def sound(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], bytes]:
    folder = tmp_path_factory.mktemp("sounds")
    made: dict[str, bytes] = {}

    def get(name: str) -> bytes:
        if name.startswith("cut_"):
            return _cut(get(name.removeprefix("cut_")))
        if name not in made:
            made[name] = RECIPES[name](folder)
        return made[name]

    return get


def multipart(fields: dict[str, str], voice: tuple[bytes, str, str]) -> tuple[bytes, str]:
    """A form body written here: Werkzeug's test client spools a body over 500 KB to a
    temporary file it never closes (an unraisable ResourceWarning, an error here)."""
    boundary = "voice-test-boundary-7MA4YWxkTrZu0gW"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    data, filename, mimetype = voice
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="voice"; filename="{filename}"'
        f"\r\nContent-Type: {mimetype}\r\n\r\n"
    )
    body = "".join(parts).encode() + head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def ask_by_voice(client, data: bytes, *, filename="ghi-am.webm", mimetype="audio/webm", **form):
    fields = {"kind": "question", "visibility": "public", **form}
    body, content_type = multipart(fields, (data, filename, mimetype))
    return client.post(f"{API}/communes/xa-a/threads", data=body, content_type=content_type)


def stored_objects(media) -> list[str]:
    return [item.key for item in media.objects()]


@pytest.mark.parametrize(
    ("name", "mime", "ending", "seconds"),
    [
        ("webm", "audio/webm", ".webm", 3.0),
        ("ogg", "audio/ogg", ".ogg", 3.0),
        ("m4a", "audio/mp4", ".m4a", 3.0),
        ("fragmented_m4a", "audio/mp4", ".m4a", 3.0),
        ("live_webm", "audio/webm", ".webm", 4.0),
    ],
)
def test_a_recording_is_taken_served_and_stripped_of_its_tags(
    world, sound, tmp_path, name, mime, ending, seconds
):
    original = sound(name)
    if name != "fragmented_m4a":  # ffmpeg writes no tags into fragments
        assert TAGS["title"].encode() in original
    # The name and the client's type say nothing: the bytes do.
    response = ask_by_voice(world["resident_a"], original, filename="x.bin", mimetype="text/plain")
    assert response.status_code == 201, response.get_json()
    voice = response.get_json()["voice"]
    assert voice["mime"] == mime
    assert abs(voice["duration_s"] - seconds) <= 0.1
    assert re.fullmatch(rf"/voice/[A-Za-z0-9_-]{{24}}{re.escape(ending)}", voice["url"])
    assert response.get_json()["body"] == "" and response.get_json()["title"] == ""

    served = world["resident_a2"].get(voice["url"])
    assert served.status_code == 200
    assert served.mimetype == mime
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Accept-Ranges"] == "bytes"
    for value in TAGS.values():
        assert value.encode() not in served.data
    assert decodes(tmp_path, served.data, f"served{ending}")
    if mime == "audio/ogg":
        assert not OggOpus(io.BytesIO(served.data)).tags
    if mime == "audio/mp4":
        assert not MP4(io.BytesIO(served.data)).tags


def test_a_voice_with_text_keeps_the_text(world, sound):
    response = ask_by_voice(world["resident_a"], sound("ogg"), body="Đèn hỏng", title="Đèn")
    assert response.status_code == 201
    assert response.get_json()["body"] == "Đèn hỏng"
    assert response.get_json()["title"] == "Đèn"


def test_without_a_voice_the_text_is_still_required(world):
    response = world["resident_a"].post(
        f"{API}/communes/xa-a/threads",
        data={"kind": "question", "voice": (io.BytesIO(b""), "")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "body"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("long_webm", "voice_too_long"),
        ("big_ogg", "voice_too_big"),
        ("video_mp4", "voice_type"),
        ("video_with_sound_mp4", "voice_type"),
        ("video_webm", "voice_type"),
        ("vorbis_ogg", "voice_type"),
        ("mp3", "voice_type"),
        ("png", "voice_not_audio"),
        ("html", "voice_not_audio"),
        ("cut_webm", "voice_damaged"),
        ("cut_ogg", "voice_damaged"),
        ("cut_m4a", "voice_damaged"),
        ("cut_live_webm", "voice_damaged"),
    ],
)
def test_what_is_not_an_accepted_recording_is_refused(world, sound, media, name, code):
    data = sound(name)
    if name == "big_ogg":
        assert len(data) > 1024 * 1024
    response = ask_by_voice(world["resident_a"], data, body="Nghe giúp")
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == (code, "voice")
    assert error["message"]
    assert db.session.scalar(select(func.count(Thread.id))) == 0
    assert stored_objects(media) == []


def test_refusals_are_in_vietnamese_first(world, sound):
    messages = {
        name: ask_by_voice(world["resident_a"], sound(name)).get_json()["error"]["message"]
        for name in ("long_webm", "png", "mp3", "cut_ogg")
    }
    assert messages == {
        "long_webm": "Ghi âm quá dài (tối đa 60 giây).",
        "png": "Tệp này không phải là bản ghi âm.",
        "mp3": "Hãy gửi ghi âm dạng WebM hoặc Ogg (Opus), hoặc MP4 (AAC).",
        "cut_ogg": "Ghi âm bị hỏng hoặc không đầy đủ. Vui lòng ghi lại.",
    }
    english = world["resident_a"].post(
        f"{API}/communes/xa-a/threads",
        data={"kind": "question", "voice": (io.BytesIO(sound("png")), "a.webm")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    assert english.get_json()["error"]["message"] == "This file is not a voice recording."


def test_a_refused_voice_leaves_no_photo_behind(world, media):
    response = world["resident_a"].post(
        f"{API}/communes/xa-a/threads",
        data={
            "kind": "report",
            "body": "Ngập",
            "photo": (io.BytesIO(_png()), "a.png"),
            "voice": (io.BytesIO(b"OggS not really"), "a.ogg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert stored_objects(media) == []


def test_byte_ranges_answer_206_with_the_right_bytes(world, sound):
    voice = ask_by_voice(world["resident_a"], sound("m4a")).get_json()["voice"]
    whole = world["resident_a"].get(voice["url"]).data
    client = world["official_a"]
    first = client.get(voice["url"], headers={"Range": "bytes=0-1"})
    assert first.status_code == 206
    assert first.data == whole[:2]
    assert first.headers["Content-Range"] == f"bytes 0-1/{len(whole)}"
    assert first.mimetype == "audio/mp4"
    rest = client.get(voice["url"], headers={"Range": "bytes=100-"})
    assert rest.status_code == 206 and rest.data == whole[100:]
    beyond = client.get(voice["url"], headers={"Range": f"bytes={len(whole) + 10}-"})
    assert beyond.status_code == 416


def test_a_private_voice_is_heard_only_by_its_author_and_the_officials(world):
    answer = ask_by_voice(world["resident_a"], tiny_webm(), visibility="officials").get_json()
    url = answer["voice"]["url"]
    assert world["resident_a"].get(url).status_code == 200
    assert world["official_a"].get(url).status_code == 200
    for outsider in ("resident_a2", "official_b", "resident_b"):
        assert world[outsider].get(url).status_code == 404, outsider
    assert world["resident_a"].get("/voice/nothing.webm").status_code == 404
    assert world["resident_a"].get(f"/voice/{'x' * 80}").status_code == 404


def test_a_voice_answer_in_the_api(world, sound):
    thread = ask_by_voice(world["resident_a"], sound("webm")).get_json()
    response = world["official_a"].post(
        f"{API}/threads/{thread['id']}/replies",
        data={"voice": (io.BytesIO(sound("m4a")), "blob")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    reply = response.get_json()
    assert reply["body"] == "" and reply["voice"]["mime"] == "audio/mp4"
    detail = world["resident_a2"].get(f"{API}/threads/{thread['id']}").get_json()
    assert detail["replies"][0]["voice"] == reply["voice"]
    assert detail["voice"] == thread["voice"]
    assert world["resident_a2"].get(reply["voice"]["url"]).status_code == 200
    # JSON without a voice: the text stays required.
    empty = world["official_a"].post(f"{API}/threads/{thread['id']}/replies", json={"body": ""})
    assert empty.status_code == 422


def test_a_hidden_replys_voice_is_for_its_author_and_the_officials(world):
    thread = ask_by_voice(world["resident_a"], tiny_webm()).get_json()
    reply = (
        world["resident_a2"]
        .post(
            f"{API}/threads/{thread['id']}/replies",
            data={"body": "Nghe nè", "voice": (io.BytesIO(tiny_webm(2)), "r.webm")},
            content_type="multipart/form-data",
        )
        .get_json()
    )
    url = reply["voice"]["url"]
    hidden = world["official_a"].post(f"{API}/replies/{reply['id']}/hide", json={"reason": "x"})
    assert hidden.status_code == 200
    assert world["resident_a2"].get(url).status_code == 200
    assert world["official_a"].get(url).status_code == 200
    assert world["resident_a"].get(url).status_code == 404
    assert world["resident_b"].get(url).status_code == 404


def test_the_same_key_with_another_voice_is_refused(world):
    key = {"Idempotency-Key": "voice-key-0123456789"}
    first = world["resident_a"].post(
        f"{API}/communes/xa-a/threads",
        data={"kind": "question", "voice": (io.BytesIO(tiny_webm(1)), "a.webm")},
        content_type="multipart/form-data",
        headers=key,
    )
    again = world["resident_a"].post(
        f"{API}/communes/xa-a/threads",
        data={"kind": "question", "voice": (io.BytesIO(tiny_webm(1)), "a.webm")},
        content_type="multipart/form-data",
        headers=key,
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["voice"] == first.get_json()["voice"]
    other = world["resident_a"].post(
        f"{API}/communes/xa-a/threads",
        data={"kind": "question", "voice": (io.BytesIO(tiny_webm(2)), "a.webm")},
        content_type="multipart/form-data",
        headers=key,
    )
    assert other.status_code == 422
    assert db.session.scalar(select(func.count(Thread.id))) == 1


def test_the_ask_form_takes_a_voice_alone(world, sound):
    response = world["resident_a"].post(
        "/c/xa-a/threads",
        data={"kind": "question", "voice": (io.BytesIO(sound("ogg")), "blob", "audio/ogg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    thread = db.session.scalar(select(Thread))
    assert thread.voice_mime == "audio/ogg" and thread.body == ""
    assert 2900 <= thread.voice_duration_ms <= 3100


def test_the_ask_form_says_why_a_voice_was_refused(world, sound):
    response = world["resident_a"].post(
        "/c/xa-a/threads",
        data={"kind": "question", "body": "Chữ", "voice": (io.BytesIO(sound("html")), "a.webm")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Tệp này không phải là bản ghi âm." in response.get_data(as_text=True)
    assert 'name="body"' in response.get_data(as_text=True)  # the form again, with the text


@pytest.mark.parametrize("page", ["/t", "/w/t"])
def test_the_reply_forms_take_a_voice(world, page):
    thread = ask_by_voice(world["resident_a"], tiny_webm()).get_json()
    client = world["official_a"]
    response = client.post(
        f"{page}/{thread['id']}/replies",
        data={"voice": (io.BytesIO(tiny_webm(3)), "blob")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    reply = db.session.scalar(select(Reply))
    assert reply.voice_name and reply.voice_duration_ms == 3000 and reply.body == ""
