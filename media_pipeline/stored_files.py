"""Reading stored files through Django's storage API only, so a worker and a web process need
not share a disk: the worker fetches an original into its own scratch folder, the web process
streams a byte range to a client.

A local disk is read with open/seek. An object store (S3 through django-storages) is read with
ranged GETs: its file object would otherwise download the whole object into memory (or a
temporary file) before the first byte could be sent, for every resumed download."""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.storage import Storage
from storages.backends.s3 import S3File

CHUNK_SIZE = 64 * 1024
COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredStat:
    size: int
    modified: datetime | None
    # the object store's object, read again for each range without another lookup
    remote: Any = None


def stored_stat(storage: Storage, name: str) -> StoredStat:
    """Size and modification time of a stored file, in one request to an object store.
    Raises FileNotFoundError when it is missing."""
    handle = storage.open(name, "rb")
    try:
        if isinstance(handle, S3File):
            obj = handle.obj  # loaded by open(): one HEAD
            return StoredStat(size=obj.content_length, modified=obj.last_modified, remote=obj)
        size = storage.size(name)
        try:
            modified = storage.get_modified_time(name)
        except (NotImplementedError, OSError):
            modified = None
        return StoredStat(size=size, modified=modified)
    finally:
        handle.close()


def stored_range(
    storage: Storage, name: str, start: int, length: int, *, stat: StoredStat | None = None
) -> Iterator[bytes]:
    """Yields `length` bytes of the stored file from byte `start`, in chunks."""
    if length <= 0:
        return
    remote = stat.remote if stat is not None else None
    if remote is None and stat is None:
        remote = stored_stat(storage, name).remote
    if remote is not None:
        body = remote.get(Range=f"bytes={start}-{start + length - 1}")["Body"]
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        finally:
            body.close()
        return
    with storage.open(name, "rb") as handle:
        if start:
            handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def stored_download(storage: Storage, name: str, target: str) -> None:
    """Copies a stored file to the local path `target` (the worker's own scratch folder),
    streaming: an object is written to disk as it arrives, never held in memory whole."""
    handle = storage.open(name, "rb")
    try:
        if isinstance(handle, S3File):
            config = getattr(storage, "transfer_config", None)
            handle.obj.download_file(target, **({"Config": config} if config else {}))
            return
        with open(target, "wb") as destination:
            shutil.copyfileobj(handle, destination, COPY_CHUNK)
    finally:
        handle.close()
