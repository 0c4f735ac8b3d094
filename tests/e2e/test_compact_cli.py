"""`svcmap compact`: roll what is past its retention into coarser buckets, from a terminal."""

import pytest

from tests.conftest import REPO

SAMPLES = sorted((REPO / "samples" / "traces").glob("*.json"))


@pytest.fixture
def shop(svcmap, tmp_path):
    # Minutes kept an hour; days kept a century, so that the samples never expire.
    (tmp_path / ".env").write_text("SVCMAP_RETAIN_MINUTES=1h\nSVCMAP_RETAIN_DAYS=36500d\n")
    done = svcmap("import", *SAMPLES)
    assert done.code == 0, done.err
    return svcmap


def test_compact_says_what_it_rolled_and_deleted_per_tier(shop):
    done = shop("compact")
    assert done.code == 0, done.err
    minutes, hours, days, traces, imports, signals = done.out.splitlines()
    assert minutes.startswith("minutes before ")
    assert "rows rolled into" in minutes
    assert minutes.endswith("hour rows, and deleted")
    assert hours.startswith("hours before ")
    assert hours.endswith("day rows, and deleted")
    assert days.startswith("days before ")
    assert days.endswith("0 rows deleted")
    assert traces.startswith("traces started before ")
    assert traces.endswith("import records forgotten (importing them again counts them again)")
    assert imports.startswith("import log before ")
    assert signals.startswith("logs and metrics before ")


def test_compacting_keeps_every_edges_totals_and_a_second_run_moves_nothing(shop):
    before = shop("edges", "--json").json()
    first = shop("compact", "--json").json()
    assert first["minutes"]["rolled"] > first["minutes"]["into_hours"] > 0
    assert shop("edges", "--json").json() == before
    again = shop("compact", "--json").json()
    assert again["minutes"]["rolled"] == again["hours"]["rolled"] == 0
    assert again["days"]["deleted"] == 0
    assert first["traces"]["forgotten"] > 0
    assert again["traces"]["forgotten"] == again["imports"]["deleted"] == 0
    assert shop("edges", "--json").json() == before


def test_a_bad_retention_is_named_and_nothing_is_compacted(svcmap, tmp_path):
    (tmp_path / ".env").write_text("SVCMAP_RETAIN_MINUTES=3d\nSVCMAP_RETAIN_HOURS=1d\n")
    done = svcmap("compact")
    assert done.code == 1
    assert "SVCMAP_RETAIN_HOURS must be at least SVCMAP_RETAIN_MINUTES" in done.err
