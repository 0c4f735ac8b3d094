"""numpy's BLAS runs on one thread in svcmap's processes unless told otherwise."""

import os
import subprocess
import sys

SHOW = (
    "import topology, os; print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])"
)


def _run(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_importing_the_map_sets_one_blas_thread():
    env = {key: value for key, value in os.environ.items() if not key.endswith("_NUM_THREADS")}

    assert _run(env) == "1 1"


def test_a_thread_count_set_in_the_environment_is_kept():
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "3"}

    assert _run(env) == "2 3"
