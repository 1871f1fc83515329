"""The blob store port: content-addressed bytes (workbooks, chunk results) every process reads.

Events carry a blob's sha256, size and URI, never its bytes, so the log stays small and a
runner anywhere can fetch what an event names. ``open_blob_store`` picks the adapter from
``blob_store_url``: a local folder (``file://``, one machine: the CLI's default) or an
S3-compatible bucket (``s3://bucket/prefix``, shared by processes on many machines).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from infra.settings import Settings


class BlobTooLarge(Exception):
    """The upload passed the size limit while it was streaming in."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"upload exceeds the limit of {limit} bytes")
        self.limit = limit


class BlobMissing(FileNotFoundError):
    """No blob is stored under this sha256. A FileNotFoundError, so a caller that treats a
    missing file as final (the parser rejects the workbook) does so for every adapter."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"no blob {sha256}")
        self.sha256 = sha256


class BlobStoreUnavailable(OSError):
    """The store could not be reached or refused the request; trying again later may work."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    uri: str


@dataclass(frozen=True)
class StagedBlob:
    """Bytes received but not yet stored, in a local file: checked first (the API opens it as a
    zip), then published or discarded, so a refused upload never enters the store."""

    sha256: str
    size: int
    path: Path


class BlobStore(Protocol):
    """Content-addressed bytes. The contract, proved for every adapter by one contract test:

    - a blob's address is the sha256 of its bytes; storing the same bytes twice stores them once;
    - ``get`` returns exactly the bytes stored, or raises BlobMissing; a staged upload is not
      visible to ``get`` until it is published, and a discarded one leaves nothing behind;
    - ``stage`` streams to a local file, so an upload costs disk, not memory, whatever its size.

    Only ``stage`` is async (it consumes the request body); the rest block on I/O, so async
    callers run them with ``asyncio.to_thread``. A store that cannot be reached raises an
    OSError (BlobStoreUnavailable from a remote one), never BlobMissing: a missing blob is final
    for the parser, an outage is not.
    """

    async def stage(self, chunks: AsyncIterator[bytes], max_bytes: int) -> StagedBlob:
        """Stream ``chunks`` to a staging file; BlobTooLarge as soon as ``max_bytes`` is passed
        (and nothing is left behind)."""
        ...

    def publish(self, staged: StagedBlob) -> StoredBlob:
        """Store staged bytes at their content address (the same bytes may be there already)."""
        ...

    def discard(self, staged: StagedBlob) -> None:
        """Drop staged bytes that were not published (a no-op once they were, or twice)."""
        ...

    def put(self, data: bytes) -> StoredBlob:
        """Store ``data`` at its content address."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``; BlobMissing if there are none."""
        ...

    def digests(self) -> Iterator[str]:
        """The sha256 of every blob stored (published ones only), in no particular order."""
        ...


def content_path(sha256: str) -> str:
    """``ab/abcd…``: where a digest lives below a store's root; a malformed one is refused, so
    an address from an event can never point outside the store."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256 digest: {sha256!r}")
    return f"{sha256[:2]}/{sha256}"


def verified(sha256: str, data: bytes) -> bytes:
    """``data`` if it hashes to ``sha256``; bytes changed at rest are an error, not a result."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"blob {sha256} does not match its digest; the store holds other bytes")
    return data


async def stage_file(chunks: AsyncIterator[bytes], max_bytes: int,
                     folder: Path | None) -> StagedBlob:
    """Stream ``chunks`` to a new file in ``folder`` (the system's temporary folder if None),
    hashing as they come; the file is removed if the stream fails or passes ``max_bytes``."""
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise BlobTooLarge(max_bytes)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return StagedBlob(sha256=digest.hexdigest(), size=size, path=Path(tmp))


def open_blob_store(settings: Settings) -> BlobStore:
    """The store ``settings.blob_store_url`` names (``settings.blob_dir`` when it is unset).
    Each adapter is imported here, so a process on a local folder never loads the S3 client."""
    url = urlsplit(settings.blob_store_url or settings.blob_dir.resolve().as_uri())
    if url.scheme == "file":
        from infra.blobstore_local import LocalBlobStore
        return LocalBlobStore(Path(unquote(url.path)))
    from infra.blobstore_s3 import S3BlobStore
    return S3BlobStore.connect(settings, bucket=url.netloc, prefix=url.path.strip("/"))
