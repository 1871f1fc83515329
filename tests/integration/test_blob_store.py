"""One contract for the blob store port, run against the local folder and the stack's real
S3-compatible server (SeaweedFS under `make test`, MinIO under docker compose)."""

from __future__ import annotations

import hashlib
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from infra.blobstore import (
    BlobMissing,
    BlobStore,
    BlobStoreUnavailable,
    BlobTooLarge,
    open_blob_store,
)
from infra.blobstore_local import LocalBlobStore
from infra.blobstore_s3 import S3BlobStore
from infra.faults import is_outage
from tests.conftest import isolated_settings

MIB = 1024 * 1024


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


async def _generated(total: int, size: int) -> AsyncIterator[bytes]:
    """``total`` bytes made as they are sent, so only the store could hold them all at once."""
    for i in range(0, total, size):
        yield i.to_bytes(8, "big") * (size // 8)


class BlobStoreContract:
    """What every BlobStore adapter promises; a subclass gives the store and lists what it
    holds (every object or file, staging files included)."""

    @pytest.fixture
    def store(self, tmp_path: Path) -> BlobStore:
        raise NotImplementedError

    def held(self, store: BlobStore) -> list[str]:
        raise NotImplementedError

    async def test_bytes_read_back_as_stored(self, store: BlobStore) -> None:
        data = uuid.uuid4().bytes * 1000
        staged = await store.stage(_chunks(data, 1000), max_bytes=len(data))
        stored = store.publish(staged)
        assert (stored.sha256, stored.size) == (hashlib.sha256(data).hexdigest(), len(data))
        assert store.get(stored.sha256) == data
        result = uuid.uuid4().bytes
        assert store.get(store.put(result).sha256) == result

    async def test_digests_list_published_blobs_only(self, store: BlobStore) -> None:
        kept, dropped = uuid.uuid4().bytes * 10, uuid.uuid4().bytes * 10
        stored = store.put(kept)
        store.discard(await store.stage(_chunks(dropped, 7), max_bytes=len(dropped)))
        assert list(store.digests()) == [stored.sha256]

    async def test_the_same_bytes_are_stored_once(self, store: BlobStore) -> None:
        data = uuid.uuid4().bytes * 100
        first = store.publish(await store.stage(_chunks(data, 100), max_bytes=10_000))
        second = store.publish(await store.stage(_chunks(data, 7), max_bytes=10_000))
        third = store.put(data)
        assert first == second == third
        assert self.held(store) == [first.sha256]

    async def test_a_missing_blob_is_blob_missing(self, store: BlobStore) -> None:
        absent = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
        with pytest.raises(BlobMissing) as raised:
            store.get(absent)
        assert isinstance(raised.value, FileNotFoundError)
        with pytest.raises(ValueError, match="not a sha256 digest"):
            store.get("../" + absent[3:])

    async def test_discarded_and_oversized_uploads_leave_nothing(self, store: BlobStore) -> None:
        data = uuid.uuid4().bytes
        refused = await store.stage(_chunks(data, 4), max_bytes=100)
        store.discard(refused)
        store.discard(refused)
        assert not refused.path.exists()
        with pytest.raises(BlobMissing):
            store.get(refused.sha256)
        with pytest.raises(BlobTooLarge):
            await store.stage(_chunks(b"x" * 20_000, 1000), max_bytes=10_000)
        assert self.held(store) == []

    async def test_a_discard_after_publishing_keeps_the_blob(self, store: BlobStore) -> None:
        data = uuid.uuid4().bytes
        kept = store.publish(await store.stage(_chunks(data, 3), max_bytes=100))
        again = await store.stage(_chunks(data, 5), max_bytes=100)
        store.discard(again)
        assert store.get(kept.sha256) == data
        assert self.held(store) == [kept.sha256]

    async def test_a_large_upload_streams_in_bounded_memory(self, store: BlobStore) -> None:
        total = 24 * MIB
        tracemalloc.start()
        try:
            stored = store.publish(await store.stage(_generated(total, 256 * 1024), total))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert stored.size == total
        assert peak < 12 * MIB, f"publishing {total} bytes held {peak} bytes at once"
        assert len(store.get(stored.sha256)) == total


class TestLocalBlobStore(BlobStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> BlobStore:
        return LocalBlobStore(tmp_path)

    def held(self, store: BlobStore) -> list[str]:
        assert isinstance(store, LocalBlobStore)
        return sorted(p.name for p in store.root.rglob("*") if p.is_file())


class TestS3BlobStore(BlobStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[BlobStore]:
        stack = isolated_settings()
        url = urlsplit(stack.blob_store_url or "")
        if url.scheme != "s3":
            pytest.fail("the stack's settings name no s3:// blob store: run with `make test`")
        # a prefix of its own per test, so what it holds is only what it stored
        store = open_blob_store(stack.model_copy(update={
            "blob_store_url": f"s3://{url.netloc}/test-{uuid.uuid4().hex[:12]}"}))
        yield store
        for key in self._keys(store):
            store.client.delete_object(Bucket=store.bucket, Key=key)

    @staticmethod
    def _keys(store: BlobStore) -> list[str]:
        assert isinstance(store, S3BlobStore)
        listed = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix)
        return [item["Key"] for item in listed.get("Contents", [])]

    def held(self, store: BlobStore) -> list[str]:
        return sorted(key.rsplit("/", 1)[1] for key in self._keys(store))

    def test_objects_are_keyed_by_their_sha256(self, store: BlobStore) -> None:
        stored = store.put(b"keyed")
        assert isinstance(store, S3BlobStore)
        key = f"{store.prefix}sha256/{stored.sha256[:2]}/{stored.sha256}"
        assert self._keys(store) == [key]
        assert stored.uri == f"s3://{store.bucket}/{key}"


def test_an_unreachable_s3_store_is_unavailable_not_missing() -> None:
    """An outage must not read as a missing blob: the parser rejects a workbook for good when
    its blob is missing, while a processor meeting an outage stops and retries the event."""
    down = open_blob_store(isolated_settings(
        blob_store_url="s3://riskstream", s3_endpoint_url="http://127.0.0.1:1"))
    with pytest.raises(BlobStoreUnavailable) as raised:
        down.get(hashlib.sha256(b"anything").hexdigest())
    assert not isinstance(raised.value, BlobMissing) and is_outage(raised.value)
    with pytest.raises(BlobStoreUnavailable):
        down.put(b"anything")
