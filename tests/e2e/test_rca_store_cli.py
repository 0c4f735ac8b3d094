"""`svcmap rca SVC` and `svcmap snapshot export`: ranking from the store's imported traces.

The sample traces inject payment failures and slowness (through stripe-api) from
02:10 to 02:30 on 2026-05-01, in two quiet hours of shop traffic.
"""

import json

import pytest

from tests.conftest import REPO
from topology.rca import load_snapshot

SAMPLES = sorted((REPO / "samples" / "traces").glob("*.json"))
INCIDENT = ("--at", "2026-05-01T02:30:00Z", "--window", "20m", "--baseline", "60m")
QUIET = ("--at", "2026-05-01T01:50:00Z", "--window", "20m", "--baseline", "40m")


@pytest.fixture
def shop(svcmap):
    done = svcmap("import", *SAMPLES)
    assert done.code == 0, done.err
    return svcmap


def test_an_exported_snapshot_reads_back_and_ranks_as_the_store_does(shop, tmp_path):
    path = tmp_path / "incident.json"

    exported = shop("snapshot", "export", "frontend", *INCIDENT, "--output", path)
    snap = load_snapshot(path.read_bytes(), source=str(path))

    assert exported.code == 0, exported.err
    assert snap.symptom is not None
    assert snap.symptom.service == "frontend"
    assert snap.incident.end - snap.incident.start == 20 * 60
    assert {"payment", "stripe-api", "frontend"} <= set(snap.series)
    assert "checkout->payment" in snap.edge_series
    from_file = shop("rca", "--snapshot", path, "--symptom", "frontend", "--json").json()
    assert from_file == shop("rca", "frontend", *INCIDENT, "--json").json()


def test_export_writes_to_the_standard_output_by_default(shop):
    done = shop("snapshot", "export", "frontend", *INCIDENT)

    assert done.code == 0, done.err
    assert json.loads(done.out)["format"] == "svcmap-snapshot/1"


def test_rca_from_the_store_ranks_the_failing_payment_path_first(shop):
    done = shop("rca", "frontend", *INCIDENT, "--json")

    assert done.code == 0, done.err
    data = done.json()
    ranking = [entry["service"] for entry in data["ranking"]]
    assert ranking[0] in {"payment", "stripe-api"}
    assert data["confidence"] == "high"
    assert "availability" in data["ranking"][0]["evidence"]


def test_rca_at_a_quiet_time_finds_nothing_confident(shop):
    data = shop("rca", "frontend", *QUIET, "--json").json()

    assert data["quiet"] or data["confidence"] == "low"
    assert not {"payment", "stripe-api"} & {entry["service"] for entry in data["ranking"]}


def test_rca_suggests_the_service_a_misspelt_name_means(shop):
    done = shop("rca", "frontnd", *INCIDENT)

    assert done.code == 1
    assert "did you mean frontend?" in done.err


def test_rca_refuses_a_window_with_nothing_stored(shop):
    done = shop("rca", "frontend", "--at", "2026-04-01T00:00:00Z", "--json")

    assert done.code == 2
    assert "nothing is stored in the incident window" in done.err
    assert "the store holds 2026-05-01T01:00:00Z" in done.err


def test_export_refuses_an_unknown_service_and_writes_nothing(shop, tmp_path):
    path = tmp_path / "nothing.json"

    done = shop("snapshot", "export", "nosuch", *INCIDENT, "--output", path)

    assert done.code == 1
    assert "unknown service 'nosuch'" in done.err
    assert not path.exists()
