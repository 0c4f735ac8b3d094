"""An alert's summary reaches the incident post redacted, and escaped for Slack."""

from __future__ import annotations

import json

from tests.integration.slack.test_incident_posts import (  # noqa: F401 - the fixtures
    FIRING,
    desk,
    make_desk,
    shop_file,
)


def with_summary(summary: str) -> bytes:
    document = json.loads(FIRING)
    document["commonAnnotations"]["summary"] = summary
    for alert in document["alerts"]:
        alert["annotations"]["summary"] = summary
    return json.dumps(document).encode()


def test_a_hostile_summary_is_redacted_and_escaped_in_the_incident_post(desk):  # noqa: F811 - the fixture
    hostile = "<!channel> *bold* <https://evil.example|click> ada@example.com token=s3cr3t-Zq9"
    desk.alert(with_summary(hostile))
    desk.send()

    (post,) = desk.posts("#incidents")
    mrkdwn = post.mrkdwn_of_blocks() + post.params.get("text", "")
    assert "<!channel>" not in mrkdwn
    assert "<https://evil" not in mrkdwn
    assert "&lt;!channel&gt;" in mrkdwn
    assert "ada@example.com" not in mrkdwn
    assert "s3cr3t-Zq9" not in mrkdwn
    assert "{email}" in mrkdwn
    assert "token={secret}" in mrkdwn
    (event,) = desk.pagerduty.events
    assert "s3cr3t-Zq9" not in json.dumps(event)
