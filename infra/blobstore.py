"""Content-addressed blob store for workbook bytes: events carry sha256, size and URI, not bytes."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path


class BlobTooLarge(Exception):
    """The upload passed the size limit while it was streaming in."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"upload exceeds the limit of {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    uri: str


@dataclass(frozen=True)
class StagedBlob:
    """Bytes received but not yet stored: checked first, then published or discarded, so a
    refused upload never enters the store and never touches a blob another upload holds."""

    sha256: str
    size: int
    path: Path


class LocalBlobStore:
    """Blobs as files named by their sha256 under one directory; storing bytes twice is a no-op."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    async def stage(self, chunks: AsyncIterator[bytes], max_bytes: int) -> StagedBlob:
        """Stream ``chunks`` to a staging file; BlobTooLarge as soon as ``max_bytes`` is passed
        (and nothing is left behind)."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
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

    def publish(self, staged: StagedBlob) -> StoredBlob:
        """Move staged bytes to their content address (the same bytes may be there already)."""
        final = self._path(staged.sha256)
        final.parent.mkdir(exist_ok=True)
        os.replace(staged.path, final)
        return StoredBlob(sha256=staged.sha256, size=staged.size, uri=f"file://{final}")

    def discard(self, staged: StagedBlob) -> None:
        """Drop staged bytes that were not published (a no-op once they were)."""
        staged.path.unlink(missing_ok=True)

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``; FileNotFoundError if absent."""
        return self._path(sha256).read_bytes()
