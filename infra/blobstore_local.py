"""The blob store on a local folder: one machine's processes share it (the CLI's default)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from infra.blobstore import (
    BlobMissing,
    StagedBlob,
    StoredBlob,
    content_path,
    stage_file,
    verified,
)


class LocalBlobStore:
    """Blobs as files named by their sha256 under one folder. Files are written beside their
    place and renamed into it, so a reader never sees half a blob."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        return self.root / content_path(sha256)

    def _stored(self, sha256: str, size: int) -> StoredBlob:
        return StoredBlob(sha256=sha256, size=size, uri=self._path(sha256).as_uri())

    async def stage(self, chunks: AsyncIterator[bytes], max_bytes: int) -> StagedBlob:
        return await stage_file(chunks, max_bytes, self.root)

    def publish(self, staged: StagedBlob) -> StoredBlob:
        final = self._path(staged.sha256)
        final.parent.mkdir(exist_ok=True)
        os.replace(staged.path, final)
        return self._stored(staged.sha256, staged.size)

    def discard(self, staged: StagedBlob) -> None:
        staged.path.unlink(missing_ok=True)

    def put(self, data: bytes) -> StoredBlob:
        sha256 = hashlib.sha256(data).hexdigest()
        final = self._path(sha256)
        if not final.exists():
            final.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".put-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.replace(tmp, final)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return self._stored(sha256, len(data))

    def get(self, sha256: str) -> bytes:
        try:
            return verified(sha256, self._path(sha256).read_bytes())
        except FileNotFoundError:
            raise BlobMissing(sha256) from None

    def digests(self) -> Iterator[str]:
        for path in self.root.glob("??/*"):
            if path.name.startswith(path.parent.name) and len(path.name) == 64:
                yield path.name
