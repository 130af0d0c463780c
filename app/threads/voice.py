"""Voice notes on a question, a report or a reply: checked, stripped of metadata, stored.

Phones record with ``MediaRecorder``: Opus in WebM (Chrome, Android) or Ogg (Firefox), AAC in
MP4 (Safari on iPhones). The type is read from the bytes, never from the file's name or the
Content-Type the client sent, and each container is read whole and strictly: a file that is
something else under an audio name (a PNG, a web page, a video) or that was cut short is
refused. Ogg and MP4 are read with mutagen; mutagen has no Matroska reader, so WebM is read by
the small EBML reader below (only the elements a voice note needs), which keeps the app free of
a run-time dependency on ffmpeg.

Metadata goes without re-encoding, and without moving a byte, so the offsets inside the file
stay right: in WebM, Tags, Chapters, Attachments, the title, the date and track names are
overwritten by EBML Void elements of the same length; in MP4, every ``udta``/``meta``/``uuid``
box (iTunes tags, an iPhone's place, XMP) becomes a zero-filled ``free`` box; in Ogg, mutagen
rewrites the comment header without its comments.
"""

from __future__ import annotations

import io
import math
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from mutagen import File as MutagenFile
from mutagen import MutagenError
from mutagen.mp4 import MP4
from mutagen.ogg import OggPage
from mutagen.oggopus import OggOpus

from app.errors import ValidationError
from app.media.storage import CONTENT_TYPES, MediaStorage

MAX_VOICE_BYTES = 1024 * 1024
MAX_VOICE_SECONDS = 60
# A recorder stopped at 60 s writes a few milliseconds more (the last Opus packet, AAC's
# priming samples): that is still a 60 s note. A 61 s file is not.
DURATION_SLACK_SECONDS = 0.5
FIELD = "voice"

# What is stored, by container: the key's ending and the Content-Type it is served with.
WEBM, OGG, MP4_AUDIO = "audio/webm", "audio/ogg", "audio/mp4"
ENDINGS = {mime: ending for ending, mime in CONTENT_TYPES.items() if mime.startswith("audio/")}


class VoiceRefused(ValidationError):
    """A voice file that cannot be taken; ``code`` says why, for clients."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, field=FIELD)
        self.code = code


class _Damaged(Exception):
    """The container is cut short or malformed (raised inside the readers)."""


class _NotAccepted(Exception):
    """A real audio container, but not one of the accepted codecs (or not audio only)."""


@dataclass(frozen=True)
class CheckedVoice:
    data: bytes  # without metadata
    mime: str
    duration_ms: int


@dataclass(frozen=True)
class StoredVoice:
    name: str
    mime: str
    duration_ms: int
    size: int


def _wrong_type() -> VoiceRefused:
    return VoiceRefused(
        _("Send the voice note as WebM or Ogg (Opus) or as MP4 (AAC) audio."), "voice_type"
    )


def _damaged() -> VoiceRefused:
    return VoiceRefused(
        _("This voice note is damaged or incomplete. Please record it again."), "voice_damaged"
    )


def check_voice(data: bytes) -> CheckedVoice:
    """``data`` as an accepted voice note without its metadata, or a 422 saying why not."""
    if not data:
        raise VoiceRefused(_("The voice note is empty."), "voice_empty")
    if len(data) > MAX_VOICE_BYTES:
        raise VoiceRefused(_("The voice note is too large (at most 1 MB)."), "voice_too_big")
    try:
        if data[:4] == b"\x1a\x45\xdf\xa3":
            mime, seconds, clean = WEBM, *_read_webm(data)
        elif data[:4] == b"OggS":
            mime, seconds, clean = OGG, *_read_ogg(data)
        elif data[4:8] == b"ftyp":
            mime, seconds, clean = MP4_AUDIO, *_read_mp4(data)
        else:
            raise _NotAccepted() if _other_audio(data) else _not_audio()
    except _NotAccepted:
        raise _wrong_type() from None
    except (_Damaged, MutagenError, struct.error, IndexError, ValueError, OverflowError):
        raise _damaged() from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise _damaged()
    if seconds > MAX_VOICE_SECONDS + DURATION_SLACK_SECONDS:
        raise VoiceRefused(
            _("The voice note is too long (at most %(seconds)d seconds).", seconds=60),
            "voice_too_long",
        )
    return CheckedVoice(data=clean, mime=mime, duration_ms=round(seconds * 1000))


def _not_audio() -> VoiceRefused:
    return VoiceRefused(_("This file is not a voice recording."), "voice_not_audio")


def _other_audio(data: bytes) -> bool:
    """Whether mutagen knows ``data`` as some other audio format (MP3, WAV, FLAC, ...)."""
    try:
        return MutagenFile(io.BytesIO(data)) is not None
    except Exception:  # mutagen's guessers may fail in many ways on what is not audio
        return False


def store_checked(voice: CheckedVoice, storage: MediaStorage) -> StoredVoice:
    """Store a checked voice note under a random, unguessable name."""
    name = f"{secrets.token_urlsafe(18)}{ENDINGS[voice.mime]}"
    storage.put(name, voice.data, voice.mime)
    return StoredVoice(
        name=name, mime=voice.mime, duration_ms=voice.duration_ms, size=len(voice.data)
    )


# --- Ogg ------------------------------------------------------------------------------------


def _read_ogg(data: bytes) -> tuple[float, bytes]:
    serials = set()
    source = io.BytesIO(data)
    while source.tell() < len(data):
        page = OggPage(source)  # a page cut short raises
        serials.add(page.serial)
    if len(serials) != 1:
        raise _NotAccepted()  # several streams: a video, or audio with something else
    try:
        opus = OggOpus(io.BytesIO(data))
    except MutagenError:
        raise _NotAccepted() from None  # Vorbis, Speex, FLAC, Theora: Ogg, not Opus
    seconds = opus.info.length
    out = io.BytesIO(data)
    opus.delete(out)
    clean = out.getvalue()
    if OggOpus(io.BytesIO(clean)).tags:
        raise _Damaged()
    return seconds, clean


# --- MP4 ------------------------------------------------------------------------------------

# Boxes that hold metadata: iTunes-style tags, an iPhone's ©xyz place, XMP.
_MP4_METADATA = {b"udta", b"meta", b"uuid"}
_MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"moof", b"traf", b"mvex"}


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """The boxes between ``start`` and ``end``: (type, box start, payload start, box end)."""
    pos = start
    while pos < end:
        if end - pos < 8:
            raise _Damaged()
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if end - pos < 16:
                raise _Damaged()
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos  # to the end of the file
        if size < header or pos + size > end:
            raise _Damaged()
        yield kind, pos, pos + header, pos + size
        pos += size


def _read_mp4(data: bytes) -> tuple[float, bytes]:
    top = {kind: (box, body, box_end) for kind, box, body, box_end in _boxes(data, 0, len(data))}
    if b"moov" not in top or b"mdat" not in top:
        raise _Damaged()
    _box, body, moov_end = top[b"moov"]
    handlers = []
    for kind, _start, trak_body, trak_end in _boxes(data, body, moov_end):
        if kind == b"trak":
            handlers.append(_handler(data, trak_body, trak_end))
    if handlers != [b"soun"]:
        raise _NotAccepted()  # a video, or not one sound track alone
    info = MP4(io.BytesIO(data)).info
    if not info.codec.startswith("mp4a.40."):
        raise _NotAccepted()  # ALAC, AC-3, Opus in MP4: not what phones record
    seconds = info.length or _fragments_seconds(data, top)
    clean = bytearray(data)
    _blank_mp4_metadata(data, clean, 0, len(data))
    return seconds, bytes(clean)


def _handler(data: bytes, start: int, end: int) -> bytes:
    for kind, _box, body, box_end in _boxes(data, start, end):
        if kind == b"mdia":
            for inner, _b, inner_body, inner_end in _boxes(data, body, box_end):
                if inner == b"hdlr":
                    if inner_end - inner_body < 12:
                        raise _Damaged()
                    return data[inner_body + 8 : inner_body + 12]
    raise _Damaged()


def _fragments_seconds(data: bytes, top: dict) -> float:
    """A fragmented MP4's length (its moov says 0): the sample durations of every fragment
    over the track's timescale."""
    timescale = _timescale(data, top[b"moov"][1], top[b"moov"][2])
    trex_default = 0
    total = 0
    for kind, _box, body, end in _boxes(data, 0, len(data)):
        if kind != b"moof":
            continue
        for traf_kind, _t, traf_body, traf_end in _boxes(data, body, end):
            if traf_kind != b"traf":
                continue
            default = trex_default
            for inner, _i, inner_body, _inner_end in _boxes(data, traf_body, traf_end):
                if inner == b"tfhd":
                    flags = int.from_bytes(data[inner_body + 1 : inner_body + 4], "big")
                    offset = inner_body + 8  # version, flags, track id
                    offset += 8 if flags & 0x01 else 0  # base data offset
                    offset += 4 if flags & 0x02 else 0  # sample description index
                    if flags & 0x08:
                        default = struct.unpack_from(">I", data, offset)[0]
                elif inner == b"trun":
                    total += _trun_duration(data, inner_body, default)
    if not timescale:
        raise _Damaged()
    return total / timescale


def _timescale(data: bytes, start: int, end: int) -> int:
    for kind, _box, body, box_end in _boxes(data, start, end):
        if kind in (b"trak", b"mdia"):
            found = _timescale(data, body, box_end)
            if found:
                return found
        elif kind == b"mdhd":
            version = data[body]
            return struct.unpack_from(">I", data, body + (20 if version == 1 else 12))[0]
    return 0


def _trun_duration(data: bytes, body: int, default: int) -> int:
    flags = int.from_bytes(data[body + 1 : body + 4], "big")
    count = struct.unpack_from(">I", data, body + 4)[0]
    offset = body + 8 + (4 if flags & 0x01 else 0) + (4 if flags & 0x04 else 0)
    if not flags & 0x100:
        return count * default
    step = 4 * bin(flags & 0xF00).count("1")
    if count * step > len(data):
        raise _Damaged()
    return sum(struct.unpack_from(">I", data, offset + i * step)[0] for i in range(count))


def _blank_mp4_metadata(data: bytes, clean: bytearray, start: int, end: int) -> None:
    """Metadata boxes become ``free`` boxes of the same size, zero-filled."""
    for kind, box, body, box_end in _boxes(data, start, end):
        if kind in _MP4_METADATA:
            clean[box + 4 : box + 8] = b"free"
            clean[body:box_end] = bytes(box_end - body)
        elif kind in _MP4_CONTAINERS:
            _blank_mp4_metadata(data, clean, body, box_end)


# --- WebM (EBML) ----------------------------------------------------------------------------

_EBML, _DOCTYPE, _SEGMENT = 0x1A45DFA3, 0x4282, 0x18538067
_INFO, _TRACKS, _CLUSTER = 0x1549A966, 0x1654AE6B, 0x1F43B675
_TIMECODE_SCALE, _DURATION = 0x2AD7B1, 0x4489
_TRACK_ENTRY, _TRACK_NUMBER, _TRACK_TYPE, _CODEC_ID, _VIDEO = 0xAE, 0xD7, 0x83, 0x86, 0xE0
_TIMECODE, _SIMPLE_BLOCK, _BLOCK_GROUP, _BLOCK = 0xE7, 0xA3, 0xA0, 0xA1
_VOID = 0xEC
# The elements a Segment may hold; an unknown-size Cluster ends at the next one.
_SEGMENT_CHILDREN = {
    0x114D9B74,  # SeekHead
    _INFO,
    _TRACKS,
    _CLUSTER,
    0x1C53BB6B,  # Cues
    0x1254C367,  # Tags
    0x1941A469,  # Attachments
    0x1043A770,  # Chapters
    _VOID,
    0xBF,  # CRC-32
}
# Metadata, voided: Tags, Attachments, Chapters (in the Segment); Title and DateUTC (in Info);
# a track's Name.
_SEGMENT_METADATA = {0x1254C367, 0x1941A469, 0x1043A770}
_INFO_METADATA = {0x7BA9, 0x4461}
_TRACK_METADATA = {0x536E}
_UNKNOWN = -1


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``pos``: (value, its length). An all-ones size is
    "unknown" (``_UNKNOWN``)."""
    if pos >= len(data):
        raise _Damaged()
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if first == 0 or length > (4 if keep_marker else 8) or pos + length > len(data):
        raise _Damaged()
    value = int.from_bytes(data[pos : pos + length], "big")
    if keep_marker:
        return value, length
    value &= (1 << (7 * length)) - 1
    if value == (1 << (7 * length)) - 1:
        return _UNKNOWN, length
    return value, length


def _elements(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """The elements between ``start`` and ``end``: (id, element start, data start, data end).
    Only a Cluster may have an unknown size here (it runs to the next Segment child)."""
    pos = start
    while pos < end:
        element_id, id_length = _vint(data, pos, keep_marker=True)
        size, size_length = _vint(data, pos + id_length, keep_marker=False)
        body = pos + id_length + size_length
        if size == _UNKNOWN:
            if element_id != _CLUSTER:
                raise _Damaged()
            stop = _unknown_cluster_end(data, body, end)
        else:
            stop = body + size
        if stop > end:
            raise _Damaged()
        yield element_id, pos, body, stop
        pos = stop


def _unknown_cluster_end(data: bytes, body: int, end: int) -> int:
    pos = body
    while pos < end:
        element_id, id_length = _vint(data, pos, keep_marker=True)
        if element_id in _SEGMENT_CHILDREN and element_id != _VOID:
            return pos
        size, size_length = _vint(data, pos + id_length, keep_marker=False)
        if size == _UNKNOWN:
            raise _Damaged()
        pos += id_length + size_length + size
        if pos > end:
            raise _Damaged()
    return end


def _uint(data: bytes, start: int, end: int) -> int:
    if end - start > 8:
        raise _Damaged()
    return int.from_bytes(data[start:end], "big")


def _read_webm(data: bytes) -> tuple[float, bytes]:
    top = list(_elements_top(data))
    if not top or top[0][0] != _EBML:
        raise _Damaged()
    _id, _start, body, end = top[0]
    doctype = next((data[b:e] for i, _s, b, e in _elements(data, body, end) if i == _DOCTYPE), b"")
    if doctype.rstrip(b"\0") != b"webm":
        raise _NotAccepted()  # Matroska (mkv) or another EBML document
    segments = [element for element in top[1:] if element[0] == _SEGMENT]
    if len(segments) != 1 or len(top) != 2:
        raise _Damaged()
    _id, _start, body, end = segments[0]
    scale = 1_000_000  # nanoseconds per tick, Matroska's default
    declared = 0.0
    track_number = None
    last_tick: float = 0
    blank: list[tuple[int, int]] = []
    for element_id, start, child, child_end in _elements(data, body, end):
        if element_id not in _SEGMENT_CHILDREN:
            raise _Damaged()
        if element_id in _SEGMENT_METADATA:
            blank.append((start, child_end))
        elif element_id == _INFO:
            for inner, inner_start, value, value_end in _elements(data, child, child_end):
                if inner == _TIMECODE_SCALE:
                    scale = _uint(data, value, value_end)
                elif inner == _DURATION:
                    declared = _float(data, value, value_end)
                elif inner in _INFO_METADATA:
                    blank.append((inner_start, value_end))
        elif element_id == _TRACKS:
            if track_number is not None:
                raise _Damaged()
            track_number = _audio_track(data, child, child_end, blank)
        elif element_id == _CLUSTER:
            if track_number is None:
                raise _Damaged()
            if not scale:
                raise _Damaged()
            ends = _cluster_last_tick(data, child, child_end, track_number, scale)
            last_tick = max(last_tick, ends)
    if track_number is None or not scale:
        raise _Damaged()
    seconds = max(declared, last_tick) * scale / 1e9
    clean = bytearray(data)
    for start, stop in blank:
        clean[start:stop] = _void(stop - start)
    return seconds, bytes(clean)


def _elements_top(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    """The file's top level: the EBML header, then a Segment whose size may be unknown (a
    recorder writes it before it knows), running then to the end of the file."""
    pos = 0
    while pos < len(data):
        element_id, id_length = _vint(data, pos, keep_marker=True)
        size, size_length = _vint(data, pos + id_length, keep_marker=False)
        body = pos + id_length + size_length
        stop = len(data) if size == _UNKNOWN and element_id == _SEGMENT else body + size
        if (size == _UNKNOWN and element_id != _SEGMENT) or stop > len(data):
            raise _Damaged()
        yield element_id, pos, body, stop
        pos = stop


def _float(data: bytes, start: int, end: int) -> float:
    if end - start == 4:
        return struct.unpack(">f", data[start:end])[0]
    if end - start == 8:
        return struct.unpack(">d", data[start:end])[0]
    raise _Damaged()


def _audio_track(data: bytes, start: int, end: int, blank: list[tuple[int, int]]) -> int:
    """The number of the one track, which must be Opus audio."""
    entries = [(b, e) for i, _s, b, e in _elements(data, start, end) if i == _TRACK_ENTRY]
    if len(entries) != 1:
        raise _NotAccepted()  # a video with sound, or several tracks
    number = kind = None
    codec = b""
    for element_id, element_start, value, value_end in _elements(data, *entries[0]):
        if element_id == _TRACK_NUMBER:
            number = _uint(data, value, value_end)
        elif element_id == _TRACK_TYPE:
            kind = _uint(data, value, value_end)
        elif element_id == _CODEC_ID:
            codec = data[value:value_end].rstrip(b"\0")
        elif element_id == _VIDEO:
            raise _NotAccepted()
        elif element_id in _TRACK_METADATA:
            blank.append((element_start, value_end))
    if kind != 2 or codec != b"A_OPUS":  # 2: audio
        raise _NotAccepted()
    if not number:
        raise _Damaged()
    return number


def _cluster_last_tick(data: bytes, start: int, end: int, track: int, scale: int) -> float:
    """When the cluster's last block ends, in ticks of the timecode scale."""
    cluster_time = None
    last: float = 0
    for element_id, _s, value, value_end in _elements(data, start, end):
        if element_id == _TIMECODE:
            cluster_time = _uint(data, value, value_end)
        elif element_id in (_SIMPLE_BLOCK, _BLOCK_GROUP):
            if cluster_time is None:
                raise _Damaged()
            blocks = [(value, value_end)]
            if element_id == _BLOCK_GROUP:
                inside = _elements(data, value, value_end)
                blocks = [(b, e) for i, _x, b, e in inside if i == _BLOCK]
            for block, block_end in blocks:
                number, length = _vint(data, block, keep_marker=False)
                if number != track or block + length + 3 > block_end:
                    raise _Damaged()
                relative, flags = struct.unpack_from(">hB", data, block + length)
                packet = data[block + length + 3 : block_end]
                played = 0 if flags & 0x06 else _opus_ms(packet)  # laced: not counted
                last = max(last, cluster_time + relative + played * 1_000_000 / scale)
    return last


def _opus_ms(packet: bytes) -> float:
    """How long one Opus packet plays (RFC 6716, 3.1: its TOC byte and frame count)."""
    if not packet:
        return 0
    config, code = packet[0] >> 3, packet[0] & 0x03
    if config < 12:  # SILK: 10, 20, 40, 60 ms
        frame = (10, 20, 40, 60)[config % 4]
    elif config < 16:  # hybrid: 10, 20 ms
        frame = (10, 20)[config % 2]
    else:  # CELT: 2.5, 5, 10, 20 ms
        frame = (2.5, 5, 10, 20)[config % 4]
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    else:
        frames = packet[1] & 0x3F if len(packet) > 1 else 0
    return frame * frames


def _void(length: int) -> bytes:
    """An EBML Void element of exactly ``length`` bytes (id, size, zeros)."""
    if length < 2:
        raise _Damaged()
    if length - 2 <= 126:
        return bytes([_VOID, 0x80 | (length - 2)]) + bytes(length - 2)
    size = length - 9
    return bytes([_VOID]) + (size | (1 << 56)).to_bytes(8, "big") + bytes(size)
