"""`svcmap` from a terminal: import real traces, ask the questions, get clear errors."""

import json

import pytest

from tests.conftest import REPO

SAMPLES = sorted((REPO / "samples" / "traces").glob("*.json"))
OWNERS = REPO / "samples" / "owners.yaml"


@pytest.fixture
def shop(svcmap):
    done = svcmap("import", *SAMPLES)
    assert done.code == 0, done.err
    return svcmap


def test_edges_json_of_imported_fixtures_are_zipkins_links(svcmap, fixtures_dir):
    traces = fixtures_dir / "traces"
    expected = json.loads((traces / "expected-links.json").read_text())
    want = {}
    for name, entry in expected.items():
        assert svcmap("import", traces / name).code == 0
        for link in entry["links"]:
            calls, errors = want.get((link["parent"], link["child"]), (0, 0))
            want[(link["parent"], link["child"])] = (calls + link["calls"], errors + link["errors"])

    edges = svcmap("edges", "--json").json()

    assert {(e["parent"], e["child"]): (e["calls"], e["errors"]) for e in edges} == want


def test_importing_the_same_files_again_adds_nothing(shop):
    before = shop("edges", "--json").json()
    again = shop("import", "--json", *SAMPLES)

    assert again.code == 0
    assert all(report["calls_new"] == 0 for report in again.json()["imported"])
    assert shop("edges", "--json").json() == before


def test_deps_shows_what_a_service_calls_and_what_calls_it(shop):
    text = shop("deps", "checkout").out

    assert "Downstream (what checkout calls)" in text
    assert "payment" in text
    assert "Upstream (what calls checkout)" in text
    assert "frontend" in text


def test_deps_down_with_depth_one_lists_only_direct_callees(shop):
    answer = shop("deps", "checkout", "--down", "--depth", "1", "--json").json()

    assert answer["upstream"] == []
    assert {entry["hops"] for entry in answer["downstream"]} == {1}
    assert "payment" in {entry["name"] for entry in answer["downstream"]}


def test_blast_radius_names_the_callers_and_their_teams(shop):
    answer = shop("blast", "payment", "--json", catalog=OWNERS).json()

    callers = {entry["name"]: entry for entry in answer["upstream"]}
    assert set(callers) == {"checkout", "frontend"}
    assert 0 < callers["frontend"]["share"] <= callers["checkout"]["share"] <= 1
    assert answer["owner"]["name"] == "payments"
    assert {team["team"] for team in answer["teams"]} == {"web"}


def test_path_goes_through_the_services_between(shop):
    answer = shop("path", "frontend", "postgres", "--json").json()

    assert answer["found"]
    assert answer["paths"][0]["services"][0] == "frontend"
    assert answer["paths"][0]["services"][-1] == "postgres"


def test_simulate_down_tells_the_owning_teams(shop):
    text = shop("simulate", "down", "payment,cart", catalog=OWNERS).out

    assert "checkout" in text
    assert "payments" in text
    assert "commerce" in text


def test_owners_never_print_a_routing_key(shop, tmp_path):
    catalog = tmp_path / "owners.yaml"
    catalog.write_text(
        "teams:\n  web:\n    slack_channel: '#web'\n    pagerduty_routing_key: SECRETKEY123\n"
        "services:\n  checkout: web\n"
    )
    done = shop("owners", "checkout", catalog=catalog)

    assert done.code == 0
    assert "web (#web), pageable" in done.out
    assert "SECRETKEY123" not in done.out + done.err


def test_at_a_time_before_any_traffic_shows_no_edges(shop):
    assert shop("edges", "--at", "2020-01-01T00:00:00Z", "--json").json() == []


def test_a_window_shows_only_the_traffic_in_it(shop):
    everything = sum(e["calls"] for e in shop("edges", "--json").json())
    last_half_hour = shop("edges", "--at", "2026-05-01T03:00:00Z", "--window", "30m", "--json")

    assert 0 < sum(e["calls"] for e in last_half_hour.json()) < everything


def test_diff_reports_no_change_between_two_empty_windows(shop):
    answer = shop("diff", "--at", "2020-01-01T00:00:00Z", "--json").json()

    assert answer["new_edges"] == []
    assert answer["vanished_edges"] == []


def test_a_misspelt_service_gets_did_you_mean(shop):
    done = shop("blast", "paymnet")

    assert done.code == 1
    assert "did you mean payment" in done.err


def test_a_malformed_file_is_named_and_nothing_of_it_is_imported(svcmap, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('[{"traceId": "a", "id": "b", "kind": "SERVER", "localEndpoint": ')
    done = svcmap("import", bad, SAMPLES[0])

    assert done.code == 1
    assert "broken.json" in done.err
    assert "nothing imported from it" in done.err
    assert SAMPLES[0].name in done.out
    assert svcmap("edges", "--json").json() != []


def test_a_file_that_is_not_traces_gets_a_clear_error(svcmap, tmp_path):
    other = tmp_path / "config.json"
    other.write_text('{"apiVersion": "v1", "kind": "ConfigMap"}')
    done = svcmap("import", other)

    assert done.code == 1
    assert "config.json: not a Jaeger, Zipkin or OTLP document" in done.err


def test_a_missing_file_is_reported(svcmap, tmp_path):
    done = svcmap("import", tmp_path / "nope.json")

    assert done.code == 1
    assert "nope.json: cannot read" in done.err


def test_forcing_the_wrong_format_is_an_error(svcmap):
    done = svcmap("import", "--format", "jaeger", REPO / "samples" / "traces" / "shop-zipkin.json")

    assert done.code == 1
    assert "shop-zipkin.json" in done.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deps", "x", "--depth", "0"], "bad depth"),
        (["edges", "--at", "yesterday"], "bad time"),
        (["edges", "--at", "2026-05-01T03:00:00"], "add a zone"),
        (["edges", "--window", "5 minutes"], "bad duration"),
        (["simulate", "down", ","], "at least one service"),
        (["deps", "x", "--up", "--down"], "not allowed with"),
    ],
)
def test_bad_options_get_a_usage_error(svcmap, args, message):
    done = svcmap(*args)

    assert done.code == 2
    assert message in done.err


def test_an_unreachable_database_is_reported_without_its_password(tmp_path, svcmap):
    done = svcmap("--db", "postgresql+psycopg://svc:hunter2@127.0.0.1:1/x", "edges")

    assert done.code == 1
    assert "hunter2" not in done.err
    assert "127.0.0.1:1" in done.err


def test_a_bad_catalog_is_named_with_the_bad_value(svcmap, tmp_path):
    catalog = tmp_path / "owners.yaml"
    catalog.write_text("services:\n  cart: nobody\n")
    done = svcmap("owners", "cart", catalog=catalog)

    assert done.code == 1
    assert "owners.yaml: services.cart" in done.err


def test_a_catalog_that_is_not_utf8_text_is_named_not_a_traceback(svcmap, tmp_path):
    catalog = tmp_path / "owners.yaml"
    catalog.write_bytes(b"services:\n  cart: \xff\xfe team\n")
    done = svcmap("owners", "cart", catalog=catalog)

    assert done.code == 1
    assert "owners.yaml: cannot read the catalog: not UTF-8 text" in done.err
    assert "Traceback" not in done.err
