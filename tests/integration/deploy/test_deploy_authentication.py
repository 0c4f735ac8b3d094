"""The deploy/ files configure authentication: the production path would start and be guarded."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.settings import load_settings
from bot.web.exposure import exposure_problem
from tests.integration.deploy.test_compose import DEPLOY, REPLICAS, load, mounted
from tests.integration.deploy.test_kubernetes_manifests import by_kind, render

PLACEHOLDERS = {
    "database-url": "postgresql+psycopg://svcmap:pw@postgres:5432/svcmap",
    "alert-token": "alert-token-0123456789",
    "otlp-token": "otlp-token-0123456789",
    "metrics-token": "metrics-token-0123456789",
    "oidc-client-id": "1234.5678",
    "oidc-client-secret": "client-secret",
    "web-session-secret": "s" * 64,
    "web-slack-workspace": "T0SHOP",
    "slack-bot-token": "xoxb-0000-0000",
    "slack-signing-secret": "signing-secret",
}
"""The Secret `svcmap` as deploy/README.md tells to create it, with made-up values."""


def test_each_sidecar_collector_sends_the_otlp_token_from_the_env_file():
    compose = load(DEPLOY / "compose.yaml")
    services = compose["services"]

    for name in REPLICAS:
        sidecar = services[f"{name}-otlp"]  # type: ignore[index]
        config = load(mounted(sidecar, "/etc/otelcol/otelcol.yaml"))
        headers = config["exporters"]["otlphttp"]["headers"]  # type: ignore[index]
        assert headers == {"authorization": "Bearer ${env:SVCMAP_OTLP_TOKEN}"}
        assert sidecar["environment"]["SVCMAP_OTLP_TOKEN"].startswith("${SVCMAP_OTLP_TOKENS:?")


def test_the_kubernetes_pod_gives_svcmap_and_its_sidecar_the_same_otlp_token():
    deployment = by_kind(render("base"), "Deployment")["svcmap"]
    containers = {c["name"]: c for c in deployment["spec"]["template"]["spec"]["containers"]}  # type: ignore[index]
    server = {e["name"]: e for e in containers["svcmap"]["env"]}
    sidecar = {e["name"]: e for e in containers["otlp"]["env"]}

    assert server["SVCMAP_OTLP_TOKENS"]["valueFrom"] == sidecar["SVCMAP_OTLP_TOKEN"]["valueFrom"]
    for name in (
        "SVCMAP_METRICS_TOKENS",
        "SVCMAP_OIDC_CLIENT_ID",
        "SVCMAP_OIDC_CLIENT_SECRET",
        "SVCMAP_WEB_SESSION_SECRET",
        "SVCMAP_WEB_SLACK_WORKSPACE",
    ):
        assert server[name]["valueFrom"]["secretKeyRef"]["name"] == "svcmap"


def test_the_production_overlay_would_start_on_every_address_with_each_surface_guarded():
    objects = render("overlays/production")
    deployment = by_kind(objects, "Deployment")["svcmap"]
    pod = deployment["spec"]["template"]["spec"]  # type: ignore[index]
    server = next(c for c in pod["containers"] if c["name"] == "svcmap")
    settings_map = next(
        o
        for o in objects
        if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("svcmap-settings")  # type: ignore[index]
    )
    values: dict[str, str] = dict(settings_map["data"])  # type: ignore[arg-type]
    for entry in server["env"]:
        values[entry["name"]] = (
            PLACEHOLDERS[entry["valueFrom"]["secretKeyRef"]["key"]]
            if ("valueFrom" in entry)
            else entry["value"]
        )
    settings = load_settings(
        **{name.removeprefix("SVCMAP_").lower(): value for name, value in values.items()}
    )
    ingress = by_kind(objects, "Ingress")["svcmap"]

    assert server["args"][-1] == "0.0.0.0"  # noqa: S104 - in its own pod
    assert exposure_problem(settings, "0.0.0.0") == ""  # noqa: S104 - the address is the subject
    assert settings.oidc_issuer == "https://slack.com"
    assert settings.web_url + "/" == f"https://{ingress['spec']['rules'][0]['host']}/"  # type: ignore[index]
    assert settings.allowed_hosts == (ingress["spec"]["rules"][0]["host"],)  # type: ignore[index]


def test_prometheus_scrapes_with_the_metrics_token_the_pods_the_deployment_makes():
    scrape = yaml.safe_load((DEPLOY / "prometheus" / "svcmap-scrape.yml").read_text())
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    deployment = by_kind(render("base"), "Deployment")["svcmap"]
    template = deployment["spec"]["template"]  # type: ignore[index]
    labels = template["metadata"]["labels"]
    server = next(c for c in template["spec"]["containers"] if c["name"] == "svcmap")
    keep = jobs["svcmap-pods"]["relabel_configs"][0]

    for job in jobs.values():
        assert job["metrics_path"] == "/metrics"
        assert job["authorization"]["type"] == "Bearer"
        assert Path(job["authorization"]["credentials_file"]).is_absolute()
    assert jobs["svcmap"]["static_configs"][0]["targets"] == [f"{r}:8080" for r in REPLICAS]
    assert keep["regex"] == ";".join(
        [
            labels["app.kubernetes.io/name"],
            labels["app.kubernetes.io/component"],
            server["ports"][0]["name"],
        ]
    )
