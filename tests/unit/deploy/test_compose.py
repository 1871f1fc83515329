"""docker-compose.yml against the code: every processor kind is a service running a real
command, the settings it passes are real settings, the API's healthcheck hits a route the API
serves, and the services that touch workbook bytes share the object store."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from app.ops.workers import BACKGROUND, PROCESSORS, PROJECTIONS
from infra.settings import Settings
from streams.catalogue import TOPICS
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: service for name, service in compose["services"].items()
            if service.get("image") == "riskstream:latest"}


def test_each_processor_kind_is_a_service_of_its_own(services: dict[str, dict[str, Any]]
                                                     ) -> None:
    commands = {name: service["command"] for name, service in services.items()}
    assert commands.pop("api")[:2] == ["riskstream", "api"]
    assert commands == {name: ["riskstream", "processor", name] for name in PROCESSORS}
    for name, service in services.items():
        assert "build" in service, f"{name} needs the image built"
        if name != "api":
            assert service["restart"] == "unless-stopped", f"{name} is not restarted"


def test_scaled_services_fit_their_partitions(services: dict[str, dict[str, Any]]) -> None:
    replicas = {name: service["deploy"]["replicas"] for name, service in services.items()
                if "deploy" in service}
    assert replicas["simulation-runner"] > 1
    assert replicas["simulation-runner"] <= TOPICS["simulations"].partitions
    assert "retention" not in replicas, "the sweeper works on a timer, not on partitions"


def test_settings_are_real_and_blobs_are_shared(compose: dict[str, Any],
                                                services: dict[str, dict[str, Any]],
                                                setting_variables: set[str],
                                                blob_users: set[str]) -> None:
    for name, service in services.items():
        environment = service["environment"]
        assert set(environment) <= setting_variables, name
        assert "volumes" not in service, f"{name} keeps blobs in the object store, not a volume"
        if name in blob_users:
            assert environment["RISKSTREAM_BLOB_STORE_URL"].startswith("s3://"), name
            endpoint = urlsplit(environment["RISKSTREAM_S3_ENDPOINT_URL"])
            assert endpoint.hostname in compose["services"], name
            assert "minio-bucket" in service["depends_on"], f"{name} may start before its bucket"
        Settings.model_validate({k.removeprefix("RISKSTREAM_").lower(): v
                                 for k, v in environment.items() if "${" not in v
                                 } | {"jwt_secret": "j" * 32})


def test_the_api_healthcheck_asks_a_route_the_api_serves(services: dict[str, dict[str, Any]],
                                                          api_paths: set[str]) -> None:
    api = services["api"]
    port = api["command"][api["command"].index("--port") + 1]
    urls = re.findall(r"http://127\.0\.0\.1:(\d+)(/[\w/]*)", " ".join(api["healthcheck"]["test"]))
    assert urls == [(port, "/health/ready")]
    assert "/health/ready" in api_paths
    assert api["ports"] == [f"{port}:{port}"]


def test_processors_weigh_less_than_the_api_for_cpu(services: dict[str, dict[str, Any]]) -> None:
    api = services["api"].get("cpu_shares", 1024)  # Docker's default weight
    light = {name: service.get("cpu_shares", 1024) for name, service in services.items()
             if name != "api"}
    assert all(shares < api for shares in light.values()), light
    processors = {name: light[name] for name in PROCESSORS}
    run_path = {shares for name, shares in processors.items()
                if name not in BACKGROUND | PROJECTIONS}
    views = {shares for name, shares in processors.items() if name in PROJECTIONS}
    trailing = {shares for name, shares in processors.items() if name in BACKGROUND}
    assert max(trailing) < min(views) and max(views) < min(run_path), processors
