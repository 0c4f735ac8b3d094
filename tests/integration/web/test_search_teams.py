"""The web view's search lists at most 200 services, and the teams of every one it found."""

from __future__ import annotations

from pathlib import Path

from tests.integration.web.conftest import NOW
from topology.stats import EdgeStats

SERVICES = 300


def test_the_search_lists_200_services_and_offers_the_teams_of_all_it_found(
    make_client, tmp_path: Path
):
    catalog = tmp_path / "catalog.yaml"
    teams = "".join(f"  t{n}: {{}}\n" for n in range(6))
    owned = "".join(f"  s{i:03d}: t{i // 50}\n" for i in range(SERVICES))
    catalog.write_text(f"teams:\n{teams}services:\n{owned}", encoding="utf-8")
    app, client = make_client(catalog_file=catalog)
    edges = [EdgeStats(f"s{i:03d}", f"s{(i + 1) % SERVICES:03d}", calls=1) for i in range(SERVICES)]
    app.store.ingest_edges(edges, minute_s=NOW - 120, source="test")

    found = client.get("/api/search", params={"q": "s", "window": ""}).json()

    assert len(found["services"]) == 200
    assert {item["team"] for item in found["services"]} == {"t0", "t1", "t2", "t3"}
    assert found["teams"] == ["t0", "t1", "t2", "t3", "t4", "t5"]
    only = client.get("/api/search", params={"q": "s04", "window": ""}).json()
    assert only["teams"] == ["t0"]
