"""What the deployment files are checked against, taken from the code: the API's routes, the
settings' variables, and which parts touch workbook bytes."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from app.api.main import create_app
from app.ops.supervisor import INSTANCE_ENV
from infra.settings import Settings


@pytest.fixture(scope="session")
def api_paths() -> set[str]:
    """The paths the API serves, from its OpenAPI document (built without starting it)."""
    return set(create_app(Settings(jwt_secret=SecretStr("j" * 32))).openapi()["paths"])


@pytest.fixture(scope="session")
def setting_variables() -> set[str]:
    """Every environment variable a RiskStream process is given: its settings, and the number a
    launcher gives each instance of a kind."""
    return {f"RISKSTREAM_{name.upper()}" for name in Settings.model_fields} | {INSTANCE_ENV}


@pytest.fixture(scope="session")
def blob_users() -> set[str]:
    """The API and the processors that read or write workbook bytes in the blob store."""
    return {"api", "workbook-parser", "simulation-runner"}
