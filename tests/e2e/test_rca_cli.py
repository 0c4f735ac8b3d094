"""`svcmap rca --snapshot`: rank root causes from a snapshot file alone, as a user would."""

import json
import os
import subprocess

from tests.conftest import REPO
from tests.e2e.conftest import SVCMAP

SNAPSHOT = REPO / "tests" / "e2e" / "data" / "checkout-incident.json"


def test_rca_json_ranks_the_deepest_slow_service_first(svcmap):
    done = svcmap("rca", "--snapshot", SNAPSHOT, "--symptom", "frontend", "--json")

    assert done.code == 0, done.err
    ranking = done.json()["ranking"]
    assert [entry["service"] for entry in ranking] == ["payments", "checkout", "frontend"]
    assert set(ranking[0]) == {"service", "score", "evidence", "signals"}
    assert ranking[0]["evidence"] == (
        "p90 latency 12.4x baseline (310 ms vs 25.1 ms); its dependencies normal"
    )


def test_rca_is_quiet_when_the_symptoms_downstream_looks_like_its_baseline(svcmap):
    done = svcmap("rca", "--snapshot", SNAPSHOT, "--symptom", "search", "--json")

    assert done.code == 0, done.err
    assert done.json()["ranking"] == []
    assert done.json()["quiet"] is True


def test_rca_text_lists_candidates_with_their_evidence(svcmap):
    text = svcmap("rca", "--snapshot", SNAPSHOT, "--symptom", "frontend").out

    assert "1. payments" in text
    assert "its dependencies normal" in text


def test_rca_without_a_service_asks_for_one(svcmap):
    done = svcmap("rca")

    assert done.code == 2
    assert "name the service showing the symptom" in done.err


def test_rca_refuses_store_options_with_a_snapshot(svcmap):
    done = svcmap("rca", "--snapshot", SNAPSHOT, "--symptom", "frontend", "--window", "5m")

    assert done.code == 2
    assert "--window" in done.err


def test_rca_refuses_a_malformed_snapshot_naming_file_and_place(svcmap, tmp_path):
    bad = tmp_path / "bad.json"
    data = json.loads(SNAPSHOT.read_text())
    data["series"]["payments"]["latency_p90_ms"] = [1.0]
    bad.write_text(json.dumps(data))

    done = svcmap("rca", "--snapshot", bad, "--symptom", "frontend")

    assert done.code == 1
    assert done.err.strip() == (
        f'svcmap rca: {bad}: $.series["payments"].latency_p90_ms: 1 values for 14 times in t'
    )


def test_an_answer_piped_into_a_reader_that_stopped_ends_quietly(tmp_path):
    # `svcmap rca ... | head -1`, with head gone before the answer is written.
    reading, writing = os.pipe()
    os.close(reading)
    done = subprocess.run(
        [SVCMAP, "rca", "--snapshot", str(SNAPSHOT), "--symptom", "frontend"],
        stdout=writing,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    os.close(writing)

    assert done.returncode == 141
    assert done.stderr == ""
