"""The Kubernetes manifests (infra/k8s) as kustomize builds them, against the Kubernetes API's
schemas (kubernetes-validate ships them, so this runs offline) and against the code: every
processor kind has a Deployment running a real command, probes hit routes the API serves,
settings and secrets are real settings, and the KEDA scaler watches the simulation runner's own
consumer group and topic."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from app.ops.workers import PROCESSORS
from infra.settings import Settings
from streams.catalogue import TOPICS
from streams.processors.runner import SimulationRunner
from tests.conftest import ROOT

K8S = ROOT / "infra" / "k8s"
KUBERNETES_VERSION = "1.30.0"  # the oldest release the manifests are meant to run on
SECRETS = "riskstream-secrets"
KUSTOMIZE = shutil.which(
    "kustomize", path=os.pathsep.join([str(ROOT / ".stack" / "bin"), os.environ.get("PATH", "")]))
BUILDS = ["base", *sorted(f"overlays/{p.name}" for p in (K8S / "overlays").iterdir())]

Objects = list[dict[str, Any]]


@pytest.fixture(scope="module", params=BUILDS)
def objects(request: pytest.FixtureRequest) -> Objects:
    """What ``kustomize build`` makes of a base or an overlay."""
    if KUSTOMIZE is None:
        pytest.skip("kustomize is installed by `bash infra/stack/stack.sh provision`")
    built = subprocess.run([KUSTOMIZE, "build", str(K8S / request.param)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return [o for o in yaml.safe_load_all(built.stdout) if o]


def _of(objects: Objects, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def _settings(objects: Objects) -> dict[str, str]:
    return dict(_of(objects, "ConfigMap")["riskstream-settings"]["data"])


def test_every_kubernetes_object_passes_its_schema(objects: Objects) -> None:
    errors = []
    for o in objects:
        if o["apiVersion"].startswith("keda.sh/"):
            continue  # a custom resource: checked against the runner below
        try:
            kubernetes_validate.validate(o, KUBERNETES_VERSION, strict=True)
        except jsonschema.ValidationError as error:
            where = "/".join(str(step) for step in error.absolute_path)
            errors.append(f"{o['kind']} {o['metadata']['name']}, at {where}: {error.message}")
    assert not errors


def test_each_processor_kind_has_a_deployment_running_it(objects: Objects) -> None:
    deployments = _of(objects, "Deployment")
    commands = {name: _container(d)["command"] for name, d in deployments.items()}
    assert commands.pop("api")[:2] == ["riskstream", "api"]
    assert commands == {name: ["riskstream", "processor", name] for name in PROCESSORS}
    for name, deployment in deployments.items():
        spec = deployment["spec"]
        selector = spec["selector"]["matchLabels"]
        assert selector.items() <= spec["template"]["metadata"]["labels"].items(), name
        container = _container(deployment)
        assert container["image"] == "riskstream:latest", name
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
        assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
    assert deployments["retention"]["spec"]["replicas"] == 1, "a timer, not partitions"


def test_probes_ask_routes_the_api_serves_on_its_port(objects: Objects,
                                                      api_paths: set[str]) -> None:
    api = _of(objects, "Deployment")["api"]
    container = _container(api)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    command = container["command"]
    assert ports == {"http": int(command[command.index("--port") + 1])}
    assert container["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert {"/health/ready", "/health/live"} <= api_paths
    service = _of(objects, "Service")["api"]["spec"]
    assert service["selector"].items() <= api["spec"]["template"]["metadata"]["labels"].items()
    assert [p["targetPort"] for p in service["ports"]] == ["http"]


def test_settings_and_secrets_are_real_settings_and_never_inlined(
        objects: Objects, setting_variables: set[str]) -> None:
    assert not _of(objects, "Secret"), "secrets are created by hand, not kept here"
    settings = _settings(objects)
    assert set(settings) <= setting_variables
    Settings.model_validate({k.removeprefix("RISKSTREAM_").lower(): v
                             for k, v in settings.items()} | {"jwt_secret": "j" * 32})
    example = (K8S / "overlays" / "local" / "secrets.env.example").read_text()
    documented = {line.split("=")[0] for line in example.splitlines()
                  if line and not line.startswith("#")}
    for name, deployment in _of(objects, "Deployment").items():
        container = _container(deployment)
        assert container["envFrom"] == [{"configMapRef": {"name": "riskstream-settings"}}]
        secret = {}
        for variable in container["env"]:
            assert variable["name"] in setting_variables, (name, variable)
            if ref := variable.get("valueFrom", {}).get("secretKeyRef"):
                assert ref["name"] == SECRETS and ref["key"] == variable["name"]
                secret[variable["name"]] = ref
            else:
                assert "value" not in variable, (name, variable)
        assert set(secret) == documented, name
        assert "RISKSTREAM_JWT_SECRET" in secret and not set(secret) & set(settings)


def test_blobs_are_in_an_object_store_every_node_reaches(objects: Objects,
                                                        blob_users: set[str]) -> None:
    settings = _settings(objects)
    assert settings["RISKSTREAM_BLOB_STORE_URL"].startswith("s3://")
    assert not _of(objects, "PersistentVolumeClaim"), "a volume ties pods to the nodes it reaches"
    for name, deployment in _of(objects, "Deployment").items():
        assert "volumes" not in deployment["spec"]["template"]["spec"], name
        keys = {v["name"] for v in _container(deployment)["env"]}
        if name in blob_users:
            assert {"RISKSTREAM_S3_ACCESS_KEY", "RISKSTREAM_S3_SECRET_KEY"} <= keys, name


def test_keda_scales_the_runner_on_its_own_group_lag(objects: Objects) -> None:
    (scaler,) = _of(objects, "ScaledObject").values()
    spec = scaler["spec"]
    target = _of(objects, "Deployment")[spec["scaleTargetRef"]["name"]]
    assert _container(target)["command"] == ["riskstream", "processor", SimulationRunner.name]
    assert "replicas" not in target["spec"], "kubectl apply would undo KEDA's count"
    assert 1 <= spec["minReplicaCount"] < spec["maxReplicaCount"]
    assert spec["maxReplicaCount"] <= TOPICS["simulations"].partitions
    settings = _settings(objects)
    prefix = settings.get("RISKSTREAM_TOPIC_PREFIX", Settings.model_fields["topic_prefix"].default)
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["bootstrapServers"] == settings["RISKSTREAM_KAFKA_BOOTSTRAP"]
    assert trigger["metadata"]["consumerGroup"] == f"{prefix}.{SimulationRunner.name}"
    assert trigger["metadata"]["topic"] == f"{prefix}.simulations"
    assert int(trigger["metadata"]["lagThreshold"]) >= 1
