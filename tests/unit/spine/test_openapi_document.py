"""What clients generated from the published OpenAPI document rely on: the operation ids of the
workbook and simulation routes stay as they were, and the upload describes its multipart body."""

from __future__ import annotations

from pydantic import SecretStr

from app.api.main import create_app
from infra.settings import Settings


def test_operation_ids_stay_and_the_upload_has_its_body() -> None:
    paths = create_app(Settings(jwt_secret=SecretStr("j" * 32))).openapi()["paths"]
    ids = {(path, method): operation["operationId"]
           for path, operations in paths.items() for method, operation in operations.items()}
    assert ids[("/v1/simulations/{simulation_id}", "get")] == (
        "get_simulation_v1_simulations__simulation_id__get")
    assert ids[("/v1/simulations", "get")] == "list_simulations_v1_simulations_get"
    assert ids[("/v1/workbooks/{workbook_id}", "get")] == (
        "get_workbook_v1_workbooks__workbook_id__get")
    body = paths["/v1/workbooks"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert body["schema"]["required"] == ["file"]
