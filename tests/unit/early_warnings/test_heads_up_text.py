"""The heads-up's words for a rise already past its threshold."""

from bot.slack.warning_view import heads_up_message
from topology.warnings.model import Finding


def test_a_rise_past_the_threshold_says_so_and_escapes_the_name():
    finding = Finding(
        subject="<!channel> cart*",
        metric="latency_ms",
        kind="past",
        level=58.3,
        usual=0.9,
        threshold=5.9,
        eta_s=0,
    )
    text = heads_up_message(finding, "shop").text
    assert "58.3 ms and still rising: past 5.9 ms" in text
    assert "usually 0.9 ms" in text
    assert "<!channel>" not in text
    assert "reaches" not in text
