"""Two places for media behind one small interface: a local folder, or an S3 bucket (boto3).

Objects are small (a photo is re-encoded to at most ~300 KB, a voice note is at most 1 MB),
so they are read and written whole. Keys are flat names the app made (random tokens): no
folders, no user input.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import boto3
from boto3.session import Config
from flask import Flask, current_app
from flask_babel import lazy_gettext

from app.errors import DomainError

# What the app's own names look like (token_urlsafe, a dot and a suffix): nothing that could
# leave the folder or the prefix.
_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$")
_PARTIAL = ".partial"  # a local file being written; never listed, never served


log = logging.getLogger(__name__)


class MediaConfigError(RuntimeError):
    """``MEDIA_URL`` (or its companions) cannot be used."""


class MediaUnavailable(DomainError):
    """The bucket did not answer (or refused the app's keys): nothing was stored; retry."""

    status = 503
    code = "unavailable"
    default_message = lazy_gettext("Photos cannot be saved or shown right now. Try again soon.")


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime  # UTC


class MediaStorage(Protocol):
    """Where media live; every app host that serves them must see the same objects."""

    description: str  # for operators: `flask media check`, `flask backup`

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...

    def objects(self) -> Iterator[StoredObject]: ...


# The types the app stores, by the ending of their keys (photos, their small derivatives,
# voice notes).
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".webm": "audio/webm",
    ".ogg": "audio/ogg",
    ".m4a": "audio/mp4",
}


def content_type_of(key: str) -> str:
    for ending, content_type in CONTENT_TYPES.items():
        if key.endswith(ending):
            return content_type
    return "application/octet-stream"


def check_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key or key.endswith(_PARTIAL):
        raise ValueError(f"not a media key: {key!r}")
    return key


class LocalStorage:
    """A folder of this host (the embedded default): fine for one app host only."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.description = f"local folder {folder}"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / check_key(key)
        # Written beside, then renamed: a reader never sees half a photo.
        partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}{_PARTIAL}")
        partial.write_bytes(data)
        os.replace(partial, path)

    def get(self, key: str) -> bytes | None:
        try:
            return (self.folder / check_key(key)).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None

    def delete(self, key: str) -> None:
        (self.folder / check_key(key)).unlink(missing_ok=True)

    def objects(self) -> Iterator[StoredObject]:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.iterdir()):
            if path.is_file() and _KEY.match(path.name) and not path.name.endswith(_PARTIAL):
                stat = path.stat()
                modified = datetime.fromtimestamp(stat.st_mtime, UTC)
                yield StoredObject(path.name, stat.st_size, modified)


class S3Storage:
    """An S3-compatible bucket, private: objects are read with the app's credentials only."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.description = f"bucket s3://{bucket}/{self.prefix}"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        with self._answering():
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + check_key(key),
                Body=data,
                ContentType=content_type,
            )

    def get(self, key: str) -> bytes | None:
        with self._answering():
            try:
                answer = self.client.get_object(
                    Bucket=self.bucket, Key=self.prefix + check_key(key)
                )
            except self.client.exceptions.NoSuchKey:
                return None
            with answer["Body"] as body:
                return body.read()

    def delete(self, key: str) -> None:
        # S3 answers 204 for a key that is not there: deleting twice is fine.
        with self._answering():
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + check_key(key))

    @contextmanager
    def _answering(self) -> Iterator[None]:
        """botocore's failures (no connection, a timeout, refused keys, a missing bucket) as
        one error a person can act on: a 503 that says to try again."""
        try:
            yield
        except ValueError:
            raise  # not a media key: the app's own mistake
        except Exception as error:
            # The error's type only: its text can carry the key, a photo's secret name.
            log.error("media bucket %s unavailable: %s", self.bucket, type(error).__name__)
            raise MediaUnavailable() from error

    def objects(self) -> Iterator[StoredObject]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for item in page.get("Contents", ()):
                key = item["Key"][len(self.prefix) :]
                if _KEY.match(key):
                    yield StoredObject(key, item["Size"], item["LastModified"].astimezone(UTC))


class MovingStorage:
    """The bucket while ``flask media migrate`` copies the local folder into it: writes go to
    the bucket, reads fall back to the folder for what is not copied yet, deletes reach both.
    So MEDIA_URL can be switched first and the files moved while the site serves."""

    def __init__(self, bucket: S3Storage, folder: LocalStorage) -> None:
        self.bucket = bucket
        self.folder = folder
        self.description = f"{bucket.description} (files not moved yet: {folder.folder})"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.bucket.put(key, data, content_type)

    def get(self, key: str) -> bytes | None:
        data = self.bucket.get(key)
        return data if data is not None else self.folder.get(key)

    def delete(self, key: str) -> None:
        self.bucket.delete(key)
        self.folder.delete(key)

    def objects(self) -> Iterator[StoredObject]:
        """Both places' objects, each key once (the bucket's copy when both have it)."""
        seen = set()
        for item in self.bucket.objects():
            seen.add(item.key)
            yield item
        for item in self.folder.objects():
            if item.key not in seen:
                yield item


def backup_advice(storage: MediaStorage) -> str:
    """How this mode's media are backed up (``flask backup`` prints it; docs/deploy.md)."""
    if isinstance(storage, LocalStorage):
        return (
            f"Photos are not in this file: they are in {storage.folder}. Back up that folder "
            "with it (deploy/commune-feedback-backup.service archives the instance folder)."
        )
    return (
        f"Photos are not in this file: they are in the {storage.description}. Keep them "
        "with the bucket's versioning or replication at the provider (docs/deploy.md); "
        "`flask media check` lists posts whose photo is missing."
    )


def local_folder(app: Flask) -> Path:
    """The instance's ``uploads/`` folder, never under static/."""
    return Path(app.instance_path) / "uploads"


def s3_client(config: dict[str, Any]) -> Any:
    """A boto3 S3 client from the settings the S3 tools use. botocore reads only
    AWS_DEFAULT_REGION, hence AWS_REGION passed here; keys left unset come from boto3's own
    chain (environment, ~/.aws, an instance role)."""
    endpoint = config.get("S3_ENDPOINT_URL") or None
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=config.get("AWS_REGION") or None,
        aws_access_key_id=config.get("AWS_ACCESS_KEY_ID") or None,
        aws_secret_access_key=config.get("AWS_SECRET_ACCESS_KEY") or None,
        config=Config(
            # MinIO and Ceph usually serve buckets under the path, not as sub-domains.
            s3={"addressing_style": "path" if endpoint else "auto"},
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )


def storage_from_config(app: Flask) -> MediaStorage:
    """The storage ``MEDIA_URL`` names (see the package's docstring)."""
    url = app.config.get("MEDIA_URL") or ""
    folder = LocalStorage(local_folder(app))
    if not url:
        return folder
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise MediaConfigError(f"MEDIA_URL must be s3://BUCKET[/PREFIX], got {url!r}")
    bucket = S3Storage(s3_client(app.config), parts.netloc, parts.path)
    if any(folder.objects()):
        return MovingStorage(bucket, folder)
    return bucket


def init_app(app: Flask) -> None:
    """Choose the storage once, at start-up (no network call here)."""
    app.extensions["media"] = storage_from_config(app)


def media_storage() -> MediaStorage:
    """The app's storage."""
    return current_app.extensions["media"]
