"""deploy/Dockerfile: the image builds from the lock file and serves as its non-root user.

Built with buildah (chroot isolation: no daemon, no cgroups) and run with `buildah run` on
the host's network against the host's Postgres. Podman or Docker would run it the same
way; `podman run` cannot start containers on machines without cgroup controllers, hence
buildah. The base image is the one the Dockerfile names: the official one, or the local
stand-in `../shared/tools/container-standin.sh` builds from Debian's packages.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateSchema, DropSchema

from bot.adapters.store.engine import head_revision
from tests.e2e.conftest import free_port
from tests.otlp_exports import as_protobuf, frontend_calls_cart

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BASE_IMAGE = "docker.io/library/python:3.11-slim-bookworm"
TOKEN = "image-test-token"
OTLP_TOKEN = "image-test-otlp-token-0123456789"
UID = "10001"


def buildah(*args: str, timeout: float = 60) -> str:
    done = subprocess.run(
        ["buildah", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"buildah {' '.join(args)}: {done.stderr[-3000:]}"
    return done.stdout.strip()


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    """The image built from deploy/Dockerfile (base image pulled from nowhere); removed after."""
    if shutil.which("buildah") is None:
        pytest.skip(
            "buildah is missing (apt-get install buildah); podman run cannot start "
            "containers without cgroup controllers, so the image is run with buildah"
        )
    if os.geteuid() != 0:
        pytest.skip("buildah builds and runs images here as root only")
    present = subprocess.run(
        ["buildah", "inspect", "--type", "image", BASE_IMAGE], capture_output=True, check=False
    )
    if present.returncode != 0:
        pytest.skip(
            f"base image {BASE_IMAGE} is absent and no registry is reached: build the "
            "stand-in once with ../shared/tools/container-standin.sh (as root)"
        )
    tag = f"localhost/svcmap-test:{uuid.uuid4().hex[:8]}"
    buildah(
        "bud",
        "--isolation=chroot",
        "--network=host",
        "--pull=never",
        "--layers",
        "--format=docker",
        "--quiet",
        "-f",
        str(REPO / "deploy" / "Dockerfile"),
        "-t",
        tag,
        str(REPO),
        timeout=900,
    )
    yield tag
    buildah("rmi", tag)


@pytest.fixture
def container(image: str) -> Iterator[str]:
    """A working container of the image; removed after."""
    name = buildah("from", "--pull=never", image)
    yield name
    buildah("rm", name)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the host's Postgres, as a URL the container can use."""
    base = os.environ.get("SVCMAP_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("SVCMAP_TEST_POSTGRES_URL is not set")
    schema = f"svcmap_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(CreateSchema(schema))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(DropSchema(schema, cascade=True, if_exists=True))
    admin.dispose()


def config(image: str) -> dict[str, object]:
    return json.loads(buildah("inspect", "--type", "image", image))["Docker"]["config"]  # type: ignore[no-any-return]


def run_in(container: str, *command: str, env: dict[str, str] | None = None) -> str:
    options = [f"--env={key}={value}" for key, value in (env or {}).items()]
    return buildah(
        "run", "--isolation=chroot", "--network=host", *options, container, "--", *command
    )


def recorded_incidents(container: str, env: dict[str, str], *, seconds: float) -> list[object]:
    """The incidents `svcmap incidents` lists, once there are any or `seconds` have passed.

    The webhook answers once the notification is queued; its incident is recorded by the
    alert workers after, later on a busy machine.
    """
    deadline = time.monotonic() + seconds
    while True:
        found: list[object] = json.loads(
            run_in(container, "svcmap", "incidents", "--json", env=env)
        )
        if found or time.monotonic() > deadline:
            return found
        time.sleep(1)


def server_process(port: int) -> int:
    """The pid of the process serving on `port`, told by its SVCMAP_HTTP_PORT."""
    wanted = f"SVCMAP_HTTP_PORT={port}".encode()
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if (
                proc.name.isdigit()
                and wanted in (proc / "environ").read_bytes().split(b"\0")
                and b"serve" in (proc / "cmdline").read_bytes()
            ):
                return int(proc.name)
    raise AssertionError(f"no process serves on {port}")


def uid_of(pid: int) -> str:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))


def wait_until_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise AssertionError("svcmap serve in the image did not become ready")


def test_the_image_says_how_it_runs_and_keeps_sqlite_in_its_volume_as_uid_10001(image, container):
    found = config(image)
    labels = found["Labels"]

    assert found["User"] == f"{UID}:{UID}"
    assert found["Entrypoint"] == ["svcmap"]
    assert found["Cmd"] == ["serve", "--host", "0.0.0.0"]  # noqa: S104 - a container's own address
    assert "/healthz" in " ".join(found["Healthcheck"]["Test"])
    assert "/var/lib/svcmap" in found["Volumes"]
    assert labels["org.opencontainers.image.title"] == "svcmap"
    assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
    assert not [e for e in found["Env"] if re.search("TOKEN|SECRET|PASSWORD", e.split("=")[0])]
    assert run_in(container, "id", "-u") == UID
    assert run_in(container, "svcmap", "migrate") == (
        f"the store at sqlite:////var/lib/svcmap/svcmap.db is at revision {head_revision()}"
    )
    assert run_in(container, "dot", "-V") == ""  # dot prints its version on stderr


def test_the_image_serves_otlp_and_alerts_on_postgres_as_its_non_root_user(
    image, container, postgres_url, tmp_path
):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    entrypoint = [*config(image)["Entrypoint"], *config(image)["Cmd"]]
    env = {
        "SVCMAP_DATABASE_URL": postgres_url,
        "SVCMAP_HTTP_PORT": str(port),
        "SVCMAP_ALERT_TOKEN": TOKEN,
        # On 0.0.0.0 every surface is guarded, or serve does not start: OTLP and /metrics
        # by tokens, the web view by an auth proxy on the same host.
        "SVCMAP_OTLP_TOKENS": OTLP_TOKEN,
        "SVCMAP_METRICS_TOKENS": OTLP_TOKEN[::-1],
        "SVCMAP_WEB_TRUSTED_PROXIES": "127.0.0.1",
    }
    options = [f"--env={key}={value}" for key, value in env.items()]
    run = [container, "--", *entrypoint]
    log = tmp_path / "serve.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            ["buildah", "run", "--isolation=chroot", "--network=host", *options, *run],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        wait_until_ready(base, process, log)
        spans = as_protobuf(frontend_calls_cart(start_ns=time.time_ns())).SerializeToString()
        otlp = httpx.post(
            f"{base}/v1/traces",
            content=spans,
            headers={
                "Content-Type": "application/x-protobuf",
                "Authorization": f"Bearer {OTLP_TOKEN}",
            },
            timeout=10,
        )
        unsigned = httpx.post(
            f"{base}/v1/traces",
            content=spans,
            headers={"Content-Type": "application/x-protobuf"},
            timeout=10,
        )
        view = httpx.get(f"{base}/api/map", timeout=10)
        webhook = (
            REPO / "tests/fixtures/api/alertmanager_webhook_v4_firing.CONSTRUCTED.json"
        ).read_bytes()
        alert = httpx.post(
            f"{base}/alerts/alertmanager",
            content=webhook,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        refused = httpx.post(
            f"{base}/alerts/alertmanager",
            content=webhook,
            headers={"Content-Type": "application/json", "Authorization": "Bearer wrong"},
            timeout=10,
        )
        live = httpx.get(f"{base}/livez", timeout=5)
        healthcheck = config(image)["Healthcheck"]["Test"]
        run_in(container, *healthcheck[1:], env={"SVCMAP_HTTP_PORT": str(port)})  # exits 0
        uid = uid_of(server_process(port))
        incidents = recorded_incidents(container, env, seconds=60)
    finally:
        process.terminate()
        process.wait(timeout=30)
    edges = json.loads(run_in(container, "svcmap", "edges", "--json", env=env))

    assert otlp.status_code == 200
    assert (unsigned.status_code, view.status_code) == (401, 401)
    assert (alert.status_code, refused.status_code) == (200, 401)
    assert live.json() == {"status": "ok"}
    assert uid == UID
    assert {(e["parent"], e["child"], e["calls"]) for e in edges} >= {("frontend", "cart", 1)}
    assert len(incidents) == 1
