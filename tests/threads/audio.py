"""Real audio files for the voice note tests, made when a test asks for them.

``encode`` runs ffmpeg (Debian's package, installed by bin/services): a tone or noise encoded
as a phone's recorder would (Opus in WebM or Ogg, AAC in MP4), with metadata tags to see them
dropped. ``tiny_webm`` writes a small WebM by hand (an EBML header, one Opus track, clusters of
silent 20 ms Opus packets) for the places that need a voice note without ffmpeg (the
authorization world).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

FFMPEG = shutil.which("ffmpeg")
# What a recorder tags a file with, and a person may not want to send: a name, a place.
TAGS = {"title": "GHI-AM-BI-MAT", "artist": "Nguyen Van A", "location": "+10.3699+105.4325/"}


def encode(
    tmp_path: Path,
    name: str,
    *,
    seconds: float = 3,
    codec: str = "libopus",
    source: str | None = None,
    inputs: tuple[str, ...] = (),
    options: tuple[str, ...] = (),
    tags: bool = True,
) -> bytes:
    """``seconds`` of a 440 Hz tone (or the lavfi ``source``, with more ``inputs``) encoded
    into ``name``'s container."""
    if FFMPEG is None:
        if os.environ.get("REQUIRE_FFMPEG") == "1":
            pytest.fail("ffmpeg is required (REQUIRE_FFMPEG=1): run bin/services")
        pytest.skip("ffmpeg is not installed (bin/services installs it from Debian's packages)")
    out = tmp_path / name
    metadata = [arg for key, value in TAGS.items() for arg in ("-metadata", f"{key}={value}")]
    command = [
        FFMPEG,
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        source or f"sine=frequency=440:duration={seconds}",
        *inputs,
        *(metadata if tags else []),
        *(("-c:a", codec) if codec else ()),
        *options,
        str(out),
    ]
    subprocess.run(command, check=True, timeout=60)
    return out.read_bytes()


def decodes(tmp_path: Path, data: bytes, name: str) -> bool:
    """Whether ffmpeg decodes ``data`` whole, without an error."""
    assert FFMPEG is not None
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        timeout=60,
    )
    return done.returncode == 0 and not done.stderr


# --- a WebM by hand ------------------------------------------------------------------------


def _element(element_id: int, payload: bytes) -> bytes:
    id_bytes = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return id_bytes + (len(payload) | (1 << 56)).to_bytes(8, "big") + payload


def _uint(element_id: int, value: int) -> bytes:
    return _element(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def tiny_webm(seconds: float = 1.0, *, title: str | None = None) -> bytes:
    """A WebM of ``seconds`` of silence: one Opus track, 20 ms packets (a lone TOC byte:
    a frame of no bytes, which decoders play as silence), one cluster per second."""
    header = _element(
        0x1A45DFA3,
        _uint(0x4286, 1)
        + _uint(0x42F7, 1)
        + _uint(0x42F2, 4)
        + _uint(0x42F3, 8)
        + _element(0x4282, b"webm")
        + _uint(0x4287, 4)
        + _uint(0x4285, 2),
    )
    info = _uint(0x2AD7B1, 1_000_000) + _element(0x4D80, b"tests") + _element(0x5741, b"tests")
    if title is not None:
        info += _element(0x7BA9, title.encode())
    opus_head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    track = (
        _uint(0xD7, 1)
        + _uint(0x73C5, 1)
        + _uint(0x83, 2)
        + _element(0x86, b"A_OPUS")
        + _element(0x63A2, opus_head)
        + _element(0xE1, _element(0xB5, struct.pack(">d", 48000.0)) + _uint(0x9F, 1))
    )
    clusters = b""
    packets = round(seconds * 50)
    for start in range(0, packets, 50):
        blocks = b"".join(
            _element(0xA3, b"\x81" + struct.pack(">hB", (n - start) * 20, 0x80) + b"\xf8")
            for n in range(start, min(start + 50, packets))
        )
        clusters += _element(0x1F43B675, _uint(0xE7, start * 20) + blocks)
    segment = _element(
        0x18538067,
        _element(0x1549A966, info) + _element(0x1654AE6B, _element(0xAE, track)) + clusters,
    )
    return header + segment
