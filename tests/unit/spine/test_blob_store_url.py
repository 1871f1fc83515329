"""``blob_store_url`` picks the adapter every composition root uses; a malformed one stops the
process at start-up rather than at its first upload."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from infra.blobstore import open_blob_store
from infra.blobstore_local import LocalBlobStore
from infra.blobstore_s3 import S3BlobStore
from infra.settings import Settings


def _settings(**values: object) -> Settings:
    return Settings(jwt_secret=SecretStr("j" * 32), **values)  # type: ignore[arg-type]


def test_without_a_url_blobs_are_in_the_blob_dir(tmp_path: Path) -> None:
    store = open_blob_store(_settings(blob_dir=tmp_path / "blobs", blob_store_url=None))
    assert isinstance(store, LocalBlobStore) and store.root == tmp_path / "blobs"


def test_a_file_url_names_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "with space"
    store = open_blob_store(_settings(blob_store_url=folder.as_uri()))
    assert isinstance(store, LocalBlobStore) and store.root == folder


def test_an_s3_url_names_the_bucket_and_prefix() -> None:
    store = open_blob_store(_settings(
        blob_store_url="s3://shared/riskstream/prod", s3_endpoint_url="http://127.0.0.1:1",
        s3_access_key="k", s3_secret_key=SecretStr("s")))
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == ("shared", "riskstream/prod/")


@pytest.mark.parametrize("url", ["/var/blobs", "s3:///no-bucket", "gs://bucket", "file://host/x"])
def test_other_urls_are_refused_at_start_up(url: str) -> None:
    with pytest.raises(ValidationError, match="blob_store_url"):
        _settings(blob_store_url=url)
