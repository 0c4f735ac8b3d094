"""The Kubernetes manifests under deploy/kubernetes/, rendered by kustomize and checked.

What schema validation proves: every rendered object is well formed for Kubernetes v1.32
as its OpenAPI document describes it (vendored standalone-strict JSON schemas): known
kinds and API versions, no misspelt or misplaced field (`additionalProperties: false`),
the right types and enumerations. What it does not prove: that an API server admits the
objects (defaulting, cross-field validation such as a selector matching its template,
admission policies), that names and references resolve (a Secret that is not there, a
port name), or that anything runs: no cluster is started here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

jsonschema = pytest.importorskip(
    "jsonschema", reason="jsonschema is not installed (the dev extra has it)"
)

REPO = Path(__file__).resolve().parents[3]
KUBERNETES = REPO / "deploy" / "kubernetes"
SCHEMAS = REPO / "tests" / "fixtures" / "kubernetes-schemas"
SCHEMA_FILES = {
    ("apps/v1", "Deployment"): "deployment-apps-v1.json",
    ("batch/v1", "Job"): "job-batch-v1.json",
    ("v1", "Service"): "service-v1.json",
    ("v1", "ConfigMap"): "configmap-v1.json",
    ("v1", "ServiceAccount"): "serviceaccount-v1.json",
    ("policy/v1", "PodDisruptionBudget"): "poddisruptionbudget-policy-v1.json",
    ("networking.k8s.io/v1", "NetworkPolicy"): "networkpolicy-networking-v1.json",
    ("networking.k8s.io/v1", "Ingress"): "ingress-networking-v1.json",
}
KUSTOMIZATIONS = ["base", "overlays/production"]


def render(path: str) -> list[dict[str, object]]:
    """The objects `kubectl kustomize` makes of deploy/kubernetes/<path>."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is missing (with its kustomize): apt-get install kubectl")
    done = subprocess.run(
        [kubectl, "kustomize", str(KUBERNETES / path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [found for found in yaml.safe_load_all(done.stdout) if found]


def by_kind(objects: list[dict[str, object]], kind: str) -> dict[str, dict[str, object]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}  # type: ignore[index]


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_every_rendered_object_is_valid_against_the_kubernetes_1_32_schema(path):
    objects = render(path)

    for found in objects:
        key = (found["apiVersion"], found["kind"])
        assert key in SCHEMA_FILES, f"no vendored schema for {key}"
        schema = json.loads((SCHEMAS / SCHEMA_FILES[key]).read_text())
        errors = [
            f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
            for error in jsonschema.Draft202012Validator(schema).iter_errors(found)
        ]
        assert not errors, f"{found['kind']}/{found['metadata']['name']}: {errors}"


def test_the_schemas_catch_a_misspelt_field():
    schema = json.loads((SCHEMAS / SCHEMA_FILES["apps/v1", "Deployment"]).read_text())
    deployment = by_kind(render("base"), "Deployment")["svcmap"]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}  # type: ignore[index]

    assert not jsonschema.Draft202012Validator(schema).is_valid(deployment)


def test_pods_run_unprivileged_on_a_read_only_root_with_probes_and_resources():
    objects = render("base")
    pods = [
        o["spec"]["template"]["spec"]  # type: ignore[index]
        for o in objects
        if o["kind"] in ("Deployment", "Job")
    ]

    for pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
            assert container["resources"]["requests"]
            assert container["resources"]["limits"]["memory"]


def test_svcmap_is_live_on_livez_ready_on_readyz_and_its_secrets_are_references():
    objects = render("overlays/production")
    deployment = by_kind(objects, "Deployment")["svcmap"]
    pod = deployment["spec"]["template"]["spec"]  # type: ignore[index]
    server = next(c for c in pod["containers"] if c["name"] == "svcmap")
    secrets = {
        e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in server["env"] if "valueFrom" in e
    }

    assert deployment["spec"]["replicas"] == 3  # type: ignore[index]
    assert server["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert server["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert server["args"] == ["serve", "--host", "0.0.0.0"]  # noqa: S104 - in its own pod
    assert set(secrets) >= {
        "SVCMAP_DATABASE_URL",
        "SVCMAP_ALERT_TOKEN",
        "SVCMAP_SLACK_BOT_TOKEN",
        "SVCMAP_SLACK_SIGNING_SECRET",
    }
    assert not by_kind(objects, "Secret"), "no secret values are committed"
    assert {o["kind"] for o in objects} >= {
        "Job",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Ingress",
        "ServiceAccount",
    }
    assert all(o["metadata"].get("namespace") == "svcmap" for o in objects)  # type: ignore[union-attr]


def test_the_collector_reaches_every_pod_through_a_headless_service_by_trace_id():
    objects = render("base")
    headless = by_kind(objects, "Service")["svcmap-otlp"]
    gateway = next(
        yaml.safe_load(o["data"]["otelcol.yaml"])  # type: ignore[index]
        for o in objects
        if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("svcmap-collector")  # type: ignore[index]
    )
    traces = gateway["exporters"]["loadbalancing/traces"]

    assert headless["spec"]["clusterIP"] == "None"  # type: ignore[index]
    assert traces["routing_key"] == "traceID"
    assert traces["resolver"]["dns"]["hostname"] == "svcmap-otlp"
    assert gateway["service"]["pipelines"]["traces"]["exporters"] == ["loadbalancing/traces"]
