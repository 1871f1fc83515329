"""infra/prometheus.yml against docker-compose.yml: every name it scrapes is a compose service,
on the port that service serves its metrics on, every RiskStream service is scraped, and the
compose file's Prometheus reads this file."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

CONFIG = ROOT / "infra" / "prometheus.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


@pytest.fixture(scope="module")
def scraped() -> dict[str, tuple[int, str]]:
    """Each scraped host: its port and path."""
    config = yaml.safe_load(CONFIG.read_text())
    targets: dict[str, tuple[int, str]] = {}
    for job in config["scrape_configs"]:
        path = job.get("metrics_path", "/metrics")
        for dns in job.get("dns_sd_configs", []):
            assert dns.get("type") == "A", job["job_name"]
            targets.update({name: (int(dns["port"]), path) for name in dns["names"]})
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host, port = target.rsplit(":", 1)
                targets[host] = (int(port), path)
    return targets


def test_every_target_is_a_service_serving_metrics_on_that_port(
        compose: dict[str, Any], scraped: dict[str, tuple[int, str]]) -> None:
    services = compose["services"]
    assert scraped
    for name, (port, path) in scraped.items():
        assert name in services, f"{name} is not a service of docker-compose.yml"
        service = services[name]
        assert path == "/metrics", name
        if name == "api":
            command = service["command"]
            assert port == int(command[command.index("--port") + 1])
        else:
            assert port == int(service["environment"]["RISKSTREAM_METRICS_PORT"]), name
            assert str(port) in service["expose"], f"{name} does not expose {port}"
            assert service["environment"]["RISKSTREAM_METRICS_HOST"] == "0.0.0.0", name


def test_every_riskstream_service_is_scraped(compose: dict[str, Any],
                                             scraped: dict[str, tuple[int, str]]) -> None:
    ours = {name for name, service in compose["services"].items()
            if service.get("image") == "riskstream:latest"}
    assert ours and ours <= set(scraped), sorted(ours - set(scraped))


def test_the_compose_prometheus_reads_this_file(compose: dict[str, Any]) -> None:
    prometheus = compose["services"]["prometheus"]
    mounted = {volume.split(":")[0]: volume.split(":")[1] for volume in prometheus["volumes"]}
    [path] = [inside for outside, inside in mounted.items()
              if (ROOT / outside).resolve() == CONFIG]
    assert f"--config.file={path}" in prometheus["command"]
