from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

from bot.demo.shop import ENTRY, SERVICES
from eval.demo_faults import (
    FAULT_MINUTES,
    KINDS,
    SPACING_MINUTES,
    in_force,
    logs_document,
    schedule,
    timeline,
    traces_document,
)
from eval.otlp_spans import entry_service, raw_spans


def test_every_service_gets_every_kind_once_one_fault_at_a_time():
    faults = schedule(seed=3)

    assert sorted((f.service, f.kind) for f in faults) == sorted(
        (service, kind) for service in SERVICES for kind in KINDS
    )
    gaps = {later.at - earlier.at for earlier, later in pairwise(faults)}
    assert gaps == {timedelta(minutes=SPACING_MINUTES)}
    assert schedule(seed=3) == faults
    assert schedule(seed=4) != faults


def test_a_fault_acts_from_its_start_for_its_minutes_only():
    fault = schedule(seed=3)[0]
    during = in_force([fault], fault.at + timedelta(minutes=1))

    assert list(during) == [fault.service]
    assert replace(during[fault.service], service="") == KINDS[fault.kind]
    assert in_force([fault], fault.at - timedelta(seconds=1)) == {}
    assert in_force([fault], fault.at + timedelta(minutes=FAULT_MINUTES)) == {}


def test_the_timeline_is_written_as_otlp_with_the_entry_starting_its_traces():
    faults = [f for f in schedule(seed=3) if f.kind == "exceptions"][:1]
    parts = list(timeline(faults, seed=3))
    spans = [span for part, _ in parts for span in part]
    logs = [line for _, part in parts for line in part]
    document = traces_document(spans)

    assert entry_service([document]) == ENTRY
    assert sum(1 for _ in raw_spans([document])) == len(spans)
    errors = [line for line in logs if line.severity == "ERROR"]
    assert errors
    assert {line.service for line in errors} == {faults[0].service}
    records = logs_document(logs)["resourceLogs"]
    assert sum(len(r["scopeLogs"][0]["logRecords"]) for r in records) == len(logs)


def test_a_scaled_fault_is_as_much_weaker_in_every_part():
    fault = schedule(seed=3)[0]
    during = fault.at + timedelta(minutes=1)
    whole = in_force([fault], during)[fault.service]
    quarter = in_force([fault], during, scale=0.25)[fault.service]

    assert quarter.errors == whole.errors / 4
    assert quarter.latency_ms == whole.latency_ms / 4
    assert quarter.network_ms == whole.network_ms / 4
    assert quarter.exceptions == whole.exceptions / 4
    assert quarter.service == whole.service
