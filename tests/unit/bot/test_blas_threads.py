"""numpy's BLAS runs on one thread in svcmap's processes unless told otherwise."""

from bot.cli.main import one_blas_thread


def test_svcmap_sets_one_blas_thread():
    environment = {"PATH": "/usr/bin"}

    one_blas_thread(environment)

    assert environment == {
        "PATH": "/usr/bin",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def test_a_thread_count_set_in_the_environment_is_kept():
    environment = {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "3"}

    one_blas_thread(environment)

    assert environment["OPENBLAS_NUM_THREADS"] == "2"
    assert environment["OMP_NUM_THREADS"] == "3"
    assert environment["MKL_NUM_THREADS"] == "1"
