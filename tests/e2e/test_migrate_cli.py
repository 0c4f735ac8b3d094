"""`svcmap migrate`: the deploy step that brings a store to the newest schema, once."""

from __future__ import annotations

import os
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateSchema, DropSchema

from bot.adapters.store.engine import head_revision
from tests.e2e.conftest import SVCMAP


def test_migrate_creates_the_schema_and_says_the_revision_and_a_second_run_changes_nothing(
    svcmap, tmp_path
):
    first = svcmap("migrate")
    second = svcmap("migrate")

    assert (first.code, first.err) == (0, "")
    assert first.out.strip().endswith(f"is at revision {head_revision()}")
    assert str(tmp_path / "svcmap.db") in first.out
    assert second.out == first.out


@pytest.mark.postgres
def test_replicas_migrating_one_postgres_at_once_all_succeed_and_hide_the_password(tmp_path):
    base = os.environ.get("SVCMAP_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("SVCMAP_TEST_POSTGRES_URL is not set")
    schema = f"svcmap_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(CreateSchema(schema))
    url = make_url(base).set(password="secret-pw")  # trust auth: not checked, only shown
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env["SVCMAP_DATABASE_URL"] = url.render_as_string(hide_password=False)

    def migrate(_: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SVCMAP), "migrate"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    try:
        with ThreadPoolExecutor(3) as pool:
            runs = list(pool.map(migrate, range(3)))
    finally:
        with admin.begin() as connection:
            connection.execute(DropSchema(schema, cascade=True, if_exists=True))
        admin.dispose()

    assert [run.returncode for run in runs] == [0, 0, 0], [run.stderr for run in runs]
    assert all(f"is at revision {head_revision()}" in run.stdout for run in runs)
    assert not any("secret-pw" in run.stdout + run.stderr for run in runs)
