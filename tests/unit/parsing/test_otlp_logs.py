"""OTLP JSON logs read into log records: services, minutes, levels, bodies, refusals."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.errors import TraceFormatError
from topology.parsing.otlp_logs import parse_logs
from topology.signals.model import MAX_TIME_NS

FIXTURE = Path(__file__).parents[2] / "fixtures" / "signals" / "otlp_logs.CONSTRUCTED.json"
T0 = 1_700_000_040
NOW = 1_800_000_000


def parse(data, **options):
    if not isinstance(data, bytes):
        data = json.dumps(data).encode()
    return parse_logs(data, source="logs.json", now_s=NOW, **options)


def document(*records, service="cart"):
    attributes = [{"key": "service.name", "value": {"stringValue": service}}]
    return {
        "resourceLogs": [
            {"resource": {"attributes": attributes}, "scopeLogs": [{"logRecords": list(records)}]}
        ]
    }


def test_a_collector_shaped_document_gives_services_minutes_levels_and_bodies():
    export = parse(FIXTURE.read_bytes())

    found = [(r.service, r.minute, r.level, r.body) for r in export.records]
    assert found == [
        ("checkout", T0, "INFO", "order 1042 placed by user 77 in 35 ms"),
        ("checkout", T0, "INFO", "order 1043 placed by user 12 in 41 ms"),
        ("checkout", T0 + 60, "INFO", "cache warmed: 512 entries"),
        ("checkout", T0 + 60, "ERROR", "payment call to 10.1.2.3:8443 failed: connection reset"),
        ("checkout", T0 + 60, "WARN", "slow"),  # a map body: its message field
        ("checkout", T0 + 60, "UNSET", "heartbeat"),
        ("payments", T0, "FATAL", "out of memory in worker 3"),
    ]
    assert export.refused.count == 0
    assert len({r.digest for r in export.records}) == 7


def test_attribute_values_are_not_kept():
    export = parse(FIXTURE.read_bytes())
    assert "ann@example.com" not in repr(export)


def test_the_same_record_has_the_same_digest_in_every_read():
    first = parse(FIXTURE.read_bytes())
    again = parse(FIXTURE.read_bytes())
    assert [r.digest for r in first.records] == [r.digest for r in again.records]


def test_json_lines_of_documents_are_read_and_errors_name_the_line():
    line = json.dumps(document({"timeUnixNano": str(T0 * 10**9), "body": {"stringValue": "a"}}))
    export = parse(f"{line}\n{line}\n".encode())
    assert len(export.records) == 2

    bad = json.dumps(document({"timeUnixNano": "soon"}))
    with pytest.raises(TraceFormatError, match=r"logs.json: line 2: .*timeUnixNano"):
        parse(f"{line}\n{bad}\n".encode())


def test_a_malformed_record_is_named_by_its_json_path():
    with pytest.raises(TraceFormatError) as caught:
        parse(document({"body": {"stringValue": "ok"}}, {"severityNumber": {"no": 1}}))
    assert str(caught.value).startswith(
        "logs.json: $.resourceLogs[0].scopeLogs[0].logRecords[1].severityNumber: expected"
    )


@pytest.mark.parametrize(
    "data", [b"", b"{", b"[1, 2]", b"\x1f\x8b\x08\x00", b'{"resourceLogs": 5}']
)
def test_what_is_not_a_logs_document_is_refused_with_the_source_named(data):
    with pytest.raises(TraceFormatError, match=r"^logs\.json: "):
        parse(data)


def test_absurd_times_are_refused_one_by_one_and_counted():
    export = parse(
        document(
            {"timeUnixNano": str(10**25), "body": {"stringValue": "late"}},
            {"timeUnixNano": "-6795364578871345152", "body": {"stringValue": "early"}},
            {"timeUnixNano": str(T0 * 10**9), "body": {"stringValue": "fine"}},
        )
    )
    assert [r.body for r in export.records] == ["fine"]
    assert export.refused.count == 2
    assert "2200" in (export.refused.reason or "")


def test_a_record_without_any_time_counts_at_the_import_minute():
    [record] = parse(document({"body": {"stringValue": "x"}})).records
    assert record.minute == NOW - NOW % 60


def test_a_huge_body_is_cut_before_mining():
    body = "word " * 300_000
    [record] = parse(document({"body": {"stringValue": body}}), body_chars=4096).records
    assert len(record.body) == 4096


def test_a_record_without_a_severity_takes_the_level_its_raw_line_leads_with():
    lines = [
        "2023-01-29 10:03:20,976 ERROR o.a.c.c.C.[dispatcherServlet] threw exception",
        "18:03:57.913 WARN  c.t.PaymentController#34 slow",
        "Error in the first word only",
    ]
    records = [{"body": {"stringValue": line}} for line in lines]
    records.append({"severityText": "INFO", "body": {"stringValue": "18:03:57 ERROR x y"}})

    levels = [record.level for record in parse(document(*records)).records]

    assert levels == ["ERROR", "WARN", "UNSET", "INFO"]


def test_a_json_line_is_counted_by_its_level_field_and_mined_from_its_message():
    lines = [
        {"level": "error", "msg": "charge failed", "req": "9f2c"},
        {"level": "error", "msg": "charge failed", "req": "77e1"},
        {"severity": "warning", "message": "18:03:57 ERROR retrying"},
    ]
    records = [{"body": {"stringValue": json.dumps(line)}} for line in lines]
    records.append({"severityNumber": 9, "body": {"stringValue": json.dumps(lines[0])}})

    read = parse(document(*records)).records

    assert [(r.level, r.body) for r in read] == [
        ("ERROR", "charge failed"),
        ("ERROR", "charge failed"),
        ("WARN", "18:03:57 ERROR retrying"),
        ("INFO", "charge failed"),  # the record's own severity wins
    ]
    assert len({r.digest for r in read}) == 4  # told apart by the whole body


@pytest.mark.parametrize(
    "fields",
    [
        {"values": "not a list"},
        {"values": [{"key": 3, "value": {"stringValue": "x"}}]},
        {"values": [{"key": "msg", "value": {"kvlistValue": {"values": []}}}]},
        {"values": [{"key": "level", "value": {"intValue": "9" * 5000}}]},
        {},
    ],
)
def test_a_map_body_of_no_level_or_message_text_stays_a_map(fields):
    [record] = parse(document({"body": {"kvlistValue": fields}})).records
    assert (record.level, record.body) == ("UNSET", "<map>")


def test_a_record_without_a_service_name_belongs_to_unknown_service():
    doc = {"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"stringValue": "x"}}]}]}]}
    assert parse(doc).records[0].service == "unknown_service"


@given(
    time=st.one_of(st.integers(min_value=-(2**80), max_value=2**80), st.none()),
    severity=st.one_of(st.integers(min_value=-(2**40), max_value=2**40), st.none()),
    as_string=st.booleans(),
)
def test_any_numeric_fields_give_a_record_or_a_refusal_never_a_crash(time, severity, as_string):
    record: dict[str, object] = {"body": {"stringValue": "x"}}
    if time is not None:
        record["timeUnixNano"] = str(time) if as_string else time
    if severity is not None:
        record["severityNumber"] = severity
    export = parse(document(record))
    assert len(export.records) + export.refused.count == 1
    if export.records:
        assert 0 <= export.records[0].minute <= MAX_TIME_NS // 10**9


def test_a_runtime_line_around_an_applications_json_line_is_read_through_to_it():
    # A collector reading a container runtime's files without its parser sends the
    # runtime's JSON line, the application's own structured line as a string inside.
    app = {"severity": "error", "logger": "payment", "message": "could not charge card 4242"}
    wrapped = {"log": json.dumps(app) + "\n", "stream": "stderr", "time": "2023-01-29T10:12Z"}
    plain = {"log": "10:12:06.549 WARN c.t.Cart#12 slow cart\n", "stream": "stdout"}
    thrice = {"log": json.dumps({"log": json.dumps({"level": "error", "msg": "deep"})})}
    broken = {"log": '{"level": "error", "msg": "cut sho', "stream": "stderr"}
    at = str(T0 * 10**9)
    records = [
        {"timeUnixNano": at, "body": {"stringValue": json.dumps(b)}}
        for b in (wrapped, plain, thrice, broken)
    ]

    found = [(r.level, r.body) for r in parse(document(*records)).records]

    assert found[0] == ("ERROR", "payment could not charge card 4242")
    assert found[1] == ("WARN", plain["log"])
    assert found[2] == ("UNSET", json.dumps({"level": "error", "msg": "deep"}))  # two deep at most
    assert found[3] == ("UNSET", broken["log"])  # an inner line cut short is mined as text
