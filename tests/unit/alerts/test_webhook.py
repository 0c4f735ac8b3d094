import json

import pytest

from topology.errors import AlertFormatError
from topology.incidents.model import AlertStatus
from topology.incidents.webhook import MAX_TEXT, parse_webhook

FIRING = "alertmanager_webhook_v4_firing.CONSTRUCTED.json"
RESOLVED = "alertmanager_webhook_v4_resolved.CONSTRUCTED.json"


@pytest.fixture
def firing(fixtures_dir):
    return (fixtures_dir / "api" / FIRING).read_bytes()


def test_a_firing_notification_reads_into_its_group_and_alerts(firing):
    group = parse_webhook(firing)

    assert group.status is AlertStatus.FIRING
    assert group.group_key == '{}/{severity="page"}:{alertname="HighErrorRate", service="checkout"}'
    assert group.receiver == "incident-bot"
    assert [a.fingerprint for a in group.alerts] == ["3f2b1c4d5e6a7b8c", "9a8b7c6d5e4f3a2b"]
    assert group.alerts[0].labels["service"] == "checkout"
    assert group.alerts[0].starts_at == 1_786_011_330
    assert group.alerts[0].generator_url.endswith("&g0.tab=1")


def test_go_zero_time_as_end_of_a_firing_alert_reads_as_no_end(firing):
    assert {a.ends_at for a in parse_webhook(firing).alerts} == {None}


def test_a_resolved_notification_carries_the_end_times(fixtures_dir):
    body = (fixtures_dir / "api" / RESOLVED).read_bytes()

    group = parse_webhook(body)

    assert group.status is AlertStatus.RESOLVED
    assert {a.ends_at for a in group.alerts} == {1_786_012_965}


def test_a_notification_from_alertmanager_before_0_32_reads_the_same(fixtures_dir, firing):
    older = (
        fixtures_dir / "api/alertmanager_webhook_v4_firing_pre_v0.32.CONSTRUCTED.json"
    ).read_bytes()

    assert parse_webhook(older) == parse_webhook(firing)


def changed(firing, **fields):
    document = json.loads(firing)
    document.update(fields)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"", "not JSON"),
        (b"{not json", "not JSON"),
        (b"[]", "not an Alertmanager webhook"),
        (b"{}", "missing required field `version`"),
    ],
)
def test_a_body_that_is_no_webhook_is_refused_saying_why(body, said):
    with pytest.raises(AlertFormatError, match=said):
        parse_webhook(body)


def test_another_payload_version_is_refused(firing):
    with pytest.raises(AlertFormatError, match="payload version '3'"):
        parse_webhook(changed(firing, version="3"))


def test_a_notification_without_alerts_is_refused(firing):
    with pytest.raises(AlertFormatError, match="no alerts"):
        parse_webhook(changed(firing, alerts=[]))


def test_an_unknown_status_is_refused_naming_where(firing):
    document = json.loads(firing)
    document["alerts"][1]["status"] = "smouldering"

    with pytest.raises(AlertFormatError, match=r"\$\.alerts\[1\]\.status"):
        parse_webhook(json.dumps(document).encode())


def test_an_oversized_label_is_refused(firing):
    document = json.loads(firing)
    document["alerts"][0]["labels"]["service"] = "x" * (MAX_TEXT + 1)

    with pytest.raises(AlertFormatError, match="length"):
        parse_webhook(json.dumps(document).encode())


def test_a_start_time_that_is_not_a_time_is_refused(firing):
    document = json.loads(firing)
    document["alerts"][0]["startsAt"] = "yesterday"

    with pytest.raises(AlertFormatError, match="startsAt"):
        parse_webhook(json.dumps(document).encode())


def test_unknown_fields_are_ignored(firing):
    assert parse_webhook(changed(firing, somethingNew={"a": 1})) == parse_webhook(firing)
