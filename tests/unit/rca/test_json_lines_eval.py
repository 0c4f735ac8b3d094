import json

from eval.json_lines import as_line, structured_document


def test_a_raw_line_becomes_a_json_object_of_its_header_and_message():
    line = "18:03:57.913 ERROR  c.t.c.PaymentController#34 TraceID: ab [pay][Pay]\n"

    assert json.loads(as_line(line)) == {
        "time": "18:03:57.913",
        "level": "error",
        "logger": "c.t.c.PaymentController#34",
        "message": "TraceID: ab [pay][Pay]",
    }
    assert json.loads(as_line("no header here")) == {"message": "no header here"}


def test_records_lose_their_severity_and_keep_everything_else():
    record = {
        "timeUnixNano": "1",
        "severityText": "INFO",
        "severityNumber": 9,
        "body": {"stringValue": "1 INFO a.B#1 hello"},
        "traceId": "ab",
    }
    document = {"resourceLogs": [{"scopeLogs": [{"logRecords": [record, "junk"]}]}]}

    [read, junk] = structured_document(document)["resourceLogs"][0]["scopeLogs"][0]["logRecords"]

    assert junk == "junk"
    assert set(read) == {"timeUnixNano", "body", "traceId"}
    assert json.loads(read["body"]["stringValue"])["level"] == "info"
