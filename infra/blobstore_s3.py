"""The blob store on an S3-compatible bucket (AWS S3, MinIO, SeaweedFS): shared by every machine.

boto3 is synchronous; the port's blocking calls run in worker threads already (the parser and
runner read blobs with ``asyncio.to_thread``, the API publishes the same way), so an async
client would add a second event loop's worth of machinery for nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from infra.blobstore import (
    BlobMissing,
    BlobStoreUnavailable,
    StagedBlob,
    StoredBlob,
    content_path,
    stage_file,
    verified,
)

if TYPE_CHECKING:
    from infra.settings import Settings

MIB = 1024 * 1024
# Uploads above 8 MiB go in 8 MiB parts, two at a time: a publish holds at most ~16 MiB in
# memory whatever the file's size, and a part that fails is retried alone.
TRANSFER = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB,
                          max_concurrency=2)
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in _MISSING


@contextmanager
def _reachable(bucket: str) -> Iterator[None]:
    """The client's failures as the port's: BlobStoreUnavailable, callers need not know boto."""
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise BlobStoreUnavailable(f"the blob store (bucket {bucket}) failed: {exc}") from exc


class S3BlobStore:
    """Blobs as objects keyed ``[prefix/]sha256/ab/abcd…``. An upload (single or multipart) only
    becomes visible when it completes, so readers never see half a blob; bytes already there
    (same key, same size) are not sent again."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        if not bucket:
            raise ValueError("an s3:// blob store URL names a bucket: s3://bucket[/prefix]")
        self.client = client
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""

    @classmethod
    def connect(cls, settings: Settings, bucket: str, prefix: str) -> S3BlobStore:
        """A store on ``bucket`` with the endpoint and credentials in ``settings`` (boto3's own
        chain, such as an instance role, when no keys are given)."""
        secret = settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None
        client = boto3.client(
            "s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key, aws_secret_access_key=secret,
            # checksums only where S3 requires them: not every compatible server takes the
            # trailing checksums newer clients add by default; the sha256 address is checked
            # on every read instead. Compatible servers are addressed by path, AWS by host.
            config=Config(request_checksum_calculation="when_required",
                          response_checksum_validation="when_required",
                          s3={"addressing_style": "path" if settings.s3_endpoint_url else "auto"},
                          retries={"mode": "standard", "max_attempts": 4}))
        return cls(client, bucket, prefix)

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}sha256/{content_path(sha256)}"

    def _stored(self, sha256: str, size: int) -> StoredBlob:
        return StoredBlob(sha256=sha256, size=size, uri=f"s3://{self.bucket}/{self._key(sha256)}")

    def _holds(self, sha256: str, size: int) -> bool:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
        except ClientError as exc:
            if _missing(exc):
                return False
            raise
        return int(head["ContentLength"]) == size

    def _check_size(self, sha256: str, size: int) -> None:
        if not self._holds(sha256, size):
            raise BlobStoreUnavailable(
                f"blob {sha256}: the bucket does not hold {size} bytes after the upload")

    async def stage(self, chunks: AsyncIterator[bytes], max_bytes: int) -> StagedBlob:
        return await stage_file(chunks, max_bytes, None)

    def publish(self, staged: StagedBlob) -> StoredBlob:
        with _reachable(self.bucket):
            if not self._holds(staged.sha256, staged.size):
                self.client.upload_file(str(staged.path), self.bucket, self._key(staged.sha256),
                                        Config=TRANSFER)
                self._check_size(staged.sha256, staged.size)
        staged.path.unlink(missing_ok=True)
        return self._stored(staged.sha256, staged.size)

    def discard(self, staged: StagedBlob) -> None:
        staged.path.unlink(missing_ok=True)

    def put(self, data: bytes) -> StoredBlob:
        sha256 = hashlib.sha256(data).hexdigest()
        with _reachable(self.bucket):
            if not self._holds(sha256, len(data)):
                self.client.put_object(Bucket=self.bucket, Key=self._key(sha256), Body=data)
                self._check_size(sha256, len(data))
        return self._stored(sha256, len(data))

    def digests(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}sha256/")
        with _reachable(self.bucket):
            for page in pages:
                for item in page.get("Contents", ()):
                    yield item["Key"].rsplit("/", 1)[-1]

    def get(self, sha256: str) -> bytes:
        key = self._key(sha256)
        with _reachable(self.bucket):
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if _missing(exc):
                    raise BlobMissing(sha256) from None
                raise
            with answer["Body"] as body:
                data = body.read()
        return verified(sha256, data)
