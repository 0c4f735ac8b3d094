"""The installed `svcmap` command, run as a user would, against a fresh SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

SVCMAP = Path(sys.executable).with_name("svcmap")


@dataclass(frozen=True)
class Run:
    """What one `svcmap` invocation did."""

    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


@pytest.fixture
def svcmap(tmp_path: Path) -> Callable[..., Run]:
    """Run `svcmap ARGS...` with its own database and no catalog unless one is given."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env["SVCMAP_DATABASE_URL"] = f"sqlite:///{tmp_path / 'svcmap.db'}"
    env["HOME"] = str(tmp_path)

    def run(*args: str | Path, catalog: Path | None = None) -> Run:
        extra = ["--catalog", str(catalog)] if catalog else []
        done = subprocess.run(
            [str(SVCMAP), *extra, *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run
