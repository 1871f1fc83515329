"""Shared fixtures. Services come from the local stack (`make test` starts it and exports the
RISKSTREAM_* settings); each test session works under its own topic prefix and schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "project-npv.xlsx"


def isolated_settings(**overrides: object) -> Settings:
    """Settings for the running stack with a topic prefix, schema and database of their own."""
    if "RISKSTREAM_KAFKA_BOOTSTRAP" not in os.environ:
        pytest.fail("the service tests need the local stack: run them with `make test`")
    prefix = f"t{uuid.uuid4().hex[:10]}"
    values: dict[str, object] = {"topic_prefix": prefix, "mongo_db": prefix}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings() -> Iterator[Settings]:
    yield isolated_settings()
