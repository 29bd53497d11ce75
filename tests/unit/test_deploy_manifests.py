"""The deployment files agree with the gateway: every UMANIZE_* variable they set is a serve option, probes hit
real endpoints and ports, the termination grace covers the drain, the ingress limits cover the gateway's own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from gateway.cli import OPTIONS, Option
from gateway.graphql_api.view import MULTIPART_ENVELOPE_BYTES

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "kubernetes" / "base"
ENV_NAMES = {"UMANIZE_" + option.env_name for option in OPTIONS}


def resources() -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for path in BASE.glob("*.yaml"):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text()):
            found[(document["kind"], document["metadata"]["name"])] = document
    return found


def parsed(name: str, value: str) -> Any:
    option: Option = next(o for o in OPTIONS if "UMANIZE_" + o.env_name == name)
    return option.parse(value)


def test_every_variable_the_configmap_and_dockerfile_set_is_a_serve_option() -> None:
    config = resources()[("ConfigMap", "umanize-gateway")]["data"]
    secret = resources()[("Secret", "umanize-gateway")]["stringData"]
    docker = set(re.findall(r"\b(UMANIZE_\w+)=", (ROOT / "Dockerfile").read_text()))
    for name in {*config, *secret, *docker}:
        if name.startswith("UMANIZE_"):
            assert name in ENV_NAMES, name
    for name, value in config.items():
        if name.startswith("UMANIZE_"):
            parsed(name, value)  # a value the option takes


def test_probes_ports_and_grace_match_the_gateway() -> None:
    found = resources()
    config = found[("ConfigMap", "umanize-gateway")]["data"]
    pod = found[("Deployment", "umanize-gateway")]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": int(config["UMANIZE_HTTP_PORT"]), "grpc": int(config["UMANIZE_GRPC_PORT"])}
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["grpc"]["port"] == ports["grpc"]
    pause = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["terminationGracePeriodSeconds"] > float(config["UMANIZE_SHUTDOWN_GRACE"]) + pause
    cpus = int(container["resources"]["limits"]["cpu"])
    assert int(config["UMANIZE_WORKERS"]) == cpus
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp"}  # uploads spool, metrics files
    service = found[("Service", "umanize-gateway")]["spec"]["ports"]
    assert {p["name"]: p["appProtocol"] for p in service} == {"http": "http", "grpc": "kubernetes.io/h2c"}


def test_the_ingress_limits_cover_the_gateways() -> None:
    config = resources()[("ConfigMap", "umanize-gateway")]["data"]
    annotations = resources()[("Ingress", "umanize-gateway")]["metadata"]["annotations"]
    body_mb = int(annotations["nginx.ingress.kubernetes.io/proxy-body-size"].removesuffix("m"))
    assert body_mb * 1024 * 1024 >= int(config["UMANIZE_MAX_UPLOAD_BYTES"]) + MULTIPART_ENVELOPE_BYTES
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) > float(
        config["UMANIZE_OPERATION_TIMEOUT"])
