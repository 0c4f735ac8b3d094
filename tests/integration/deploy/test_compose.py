"""deploy/compose.yaml and the Collector, nginx and Alertmanager configs it mounts.

No container engine runs here: these tests read the files as Compose and the Collector
would (YAML, the `loadbalancing` exporter's documented keys), not by starting them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
REPLICAS = ["svcmap-1", "svcmap-2"]

LOADBALANCING_KEYS = {
    "protocol",
    "resolver",
    "routing_key",
    "routing_attributes",
    "sending_queue",
    "timeout",
    "retry_on_failure",
}
"""The loadbalancing exporter's settings, as its README and config schema document them."""
RESOLVER_KEYS = {
    "static": {"hostnames"},
    "dns": {"hostname", "port", "interval", "timeout"},
    "k8s": {"service", "ports", "timeout", "return_hostnames"},
}
ROUTING_KEYS = {"traceID", "service", "resource", "metric", "streamID"}


def load(path: Path) -> dict[str, object]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def compose() -> dict[str, object]:
    return load(DEPLOY / "compose.yaml")


def mounted(service: dict[str, object], target: str) -> Path:
    """The file of this repository a service mounts at `target`."""
    for volume in service["volumes"]:  # type: ignore[attr-defined]
        source, _, rest = volume.partition(":")
        if rest.split(":")[0] == target:
            return DEPLOY / source
    raise AssertionError(f"nothing mounted at {target}")


def check_loadbalancing(exporter: dict[str, object]) -> None:
    assert set(exporter) <= LOADBALANCING_KEYS
    assert exporter["routing_key"] in ROUTING_KEYS
    assert set(exporter["protocol"]) == {"otlp"}  # type: ignore[arg-type]
    assert "endpoint" not in exporter["protocol"]["otlp"]  # type: ignore[index]
    resolver = exporter["resolver"]
    assert len(resolver) == 1  # type: ignore[arg-type]
    (kind, settings), *_ = resolver.items()  # type: ignore[attr-defined]
    assert set(settings) <= RESOLVER_KEYS[kind]


def test_two_replicas_on_postgres_start_after_the_migration_and_share_one_port(compose):
    services = compose["services"]

    for name in REPLICAS:
        replica = services[name]
        assert replica["build"]["dockerfile"] == "deploy/Dockerfile"
        assert replica["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert replica["environment"]["SVCMAP_DATABASE_URL"].startswith(
            "postgresql+psycopg://svcmap:${POSTGRES_PASSWORD:?"
        )
        assert replica["read_only"] is True
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    nginx = mounted(services["svcmap"], "/etc/nginx/conf.d/default.conf").read_text()
    assert re.findall(r"server (\S+):8080", nginx) == REPLICAS
    assert services["svcmap"]["ports"] == ["8080:8080"]


def test_the_collector_sends_each_trace_to_one_replica_through_its_sidecar(compose):
    services = compose["services"]
    gateway = load(mounted(services["otel-collector"], "/etc/otelcol/otelcol.yaml"))
    exporters = gateway["exporters"]

    for exporter in exporters.values():  # type: ignore[attr-defined]
        check_loadbalancing(exporter)
        assert exporter["resolver"]["static"]["hostnames"] == [f"{r}:4317" for r in REPLICAS]
    assert exporters["loadbalancing/traces"]["routing_key"] == "traceID"  # type: ignore[index]
    pipelines = gateway["service"]["pipelines"]  # type: ignore[index]
    assert pipelines["traces"]["exporters"] == ["loadbalancing/traces"]
    for name in REPLICAS:
        sidecar = services[f"{name}-otlp"]
        assert sidecar["network_mode"] == f"service:{name}"
        config = load(mounted(sidecar, "/etc/otelcol/otelcol.yaml"))
        assert config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].endswith(":4317")  # type: ignore[index]
        assert config["exporters"]["otlphttp"]["endpoint"] == "http://127.0.0.1:8080"  # type: ignore[index]


def test_the_kubernetes_gateway_is_the_compose_one_with_a_dns_resolver():
    compose_gateway = load(DEPLOY / "compose" / "otel-gateway.yaml")
    kubernetes_gateway = load(DEPLOY / "kubernetes" / "base" / "otel-gateway.yaml")

    for exporter in kubernetes_gateway["exporters"].values():  # type: ignore[attr-defined]
        check_loadbalancing(exporter)
        exporter["resolver"] = {"static": {"hostnames": [f"{r}:4317" for r in REPLICAS]}}
    assert kubernetes_gateway == compose_gateway


def test_alertmanager_posts_to_the_webhook_with_the_token_from_the_env_file(compose):
    services = compose["services"]
    alertmanager = services["alertmanager"]
    config = load(mounted(alertmanager, "/etc/alertmanager/alertmanager.yml"))
    webhook = config["receivers"][0]["webhook_configs"][0]  # type: ignore[index]
    secret = alertmanager["secrets"][0]

    assert webhook["url"] == "http://svcmap:8080/alerts/alertmanager"
    assert webhook["http_config"]["authorization"]["credentials_file"] == secret["target"]
    assert compose["secrets"][secret["source"]] == {"environment": "SVCMAP_ALERT_TOKEN"}


def test_no_secret_value_is_written_in_the_compose_file(compose):
    text = (DEPLOY / "compose.yaml").read_text()

    assert "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?" in text
    assert not re.search(r"(TOKEN|SECRET|PASSWORD)[:=] *[\"']?[A-Za-z0-9]", text)


def test_alertmanager_itself_accepts_the_mounted_config(compose):
    amtool = shutil.which("amtool")
    if amtool is None:
        pytest.skip("amtool is missing (Debian: apt-get install prometheus-alertmanager)")
    path = mounted(compose["services"]["alertmanager"], "/etc/alertmanager/alertmanager.yml")

    done = subprocess.run(
        [amtool, "check-config", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
