"""A group written back as a webhook body reads as the same group."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.incidents.model import Alert, AlertGroup, AlertStatus
from topology.incidents.webhook import parse_webhook
from topology.incidents.webhook_body import webhook_body

FIXTURES = Path(__file__).parents[2] / "fixtures" / "api"

text = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40
)
labels = st.dictionaries(text, text, max_size=5)
seconds = st.integers(0, 253_402_300_799)  # up to the end of year 9999
alerts = st.builds(
    Alert,
    status=st.sampled_from(AlertStatus),
    labels=labels,
    annotations=labels,
    starts_at=seconds,
    ends_at=st.none() | seconds,
    generator_url=text,
    fingerprint=text,
)
groups = st.builds(
    AlertGroup,
    group_key=text.filter(bool),
    status=st.sampled_from(AlertStatus),
    receiver=text,
    alerts=st.lists(alerts, min_size=1, max_size=4).map(tuple),
    group_labels=labels,
    common_labels=labels,
    common_annotations=labels,
    external_url=text,
    truncated=st.integers(0, 1_000),
)


@pytest.mark.parametrize(
    "name",
    [
        "alertmanager_webhook_v4_firing.CONSTRUCTED.json",
        "alertmanager_webhook_v4_resolved.CONSTRUCTED.json",
        "alertmanager_webhook_v4_firing_pre_v0.32.CONSTRUCTED.json",
    ],
)
def test_a_recorded_notification_written_back_reads_the_same(name):
    group = parse_webhook((FIXTURES / name).read_bytes())

    assert parse_webhook(webhook_body(group)) == group


@settings(max_examples=300, deadline=None)
@given(groups)
def test_any_group_written_back_reads_the_same(group: AlertGroup):
    assert parse_webhook(webhook_body(group)) == group
