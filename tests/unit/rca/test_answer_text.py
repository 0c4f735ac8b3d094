"""The rca answer in words names the candidates below the threshold after the ranking."""

from bot.render.templating import render, render_slack
from bot.slack.mrkdwn import escape
from topology.rca import rank

from .factories import latency, snapshot
from .test_onset import shop

CHAIN = [("frontend", "cart"), ("frontend", "search")]


def test_a_quiet_answer_names_those_below_the_threshold_in_order():
    snap = snapshot(
        CHAIN,
        {"frontend": latency(50, 50), "cart": latency(50, 62), "search": latency(50, 66)},
    )

    text = render("cli/rca.txt.j2", rank(snap, "frontend").to_dict())

    assert "The incident window looks like the baseline: no candidate stands out." in text
    assert "Nothing stands out" not in text  # said once, not twice
    below = text.split("Below the threshold, what to look at next:")[1]
    assert below.index("- search (score") < below.index("- cart (score")
    assert "average latency" in below


def test_an_answer_without_them_says_nothing_of_them():
    snap = snapshot(CHAIN, {"frontend": latency(50, 50), "cart": latency(50, 50)})
    data = rank(snap, "frontend").to_dict()

    assert "Below the threshold" not in render("cli/rca.txt.j2", data)
    del data["below_threshold"]
    assert "Below the threshold" not in render("cli/rca.txt.j2", data)


def test_the_slack_answer_names_them_too_with_their_words_escaped():
    snap = snapshot(
        [("frontend", "cart*"), ("frontend", "search")],
        {"frontend": latency(50, 50), "cart*": latency(50, 62), "search": latency(50, 66)},
    )

    text = render_slack("slack/rca.md.j2", rank(snap, "frontend").to_dict())

    below = text.split("_Below the threshold, what to look at next:_")[1]
    assert below.index("• *search*:") < below.index("• *cart")
    assert "*cart*:" not in below


def test_an_answer_read_from_an_episode_begun_before_the_window_says_since_when():
    data = {**rank(shop(36), "checkout").to_dict(), "symptom": "check_out*"}

    text = render("cli/rca.txt.j2", data)
    slack = render_slack("slack/rca.md.j2", data)

    assert (
        "check_out* has been off its baseline since 1970-01-01T00:36:00Z, before the window"
        " asked about: ranked from then on, against the baseline before it." in text
    )
    assert f"_{escape('check_out*')} has been off its baseline since 1970-01-01T00:36:00Z" in slack
    plain = rank(shop(60), "checkout").to_dict()
    assert "has been off" not in render("cli/rca.txt.j2", plain)
    assert "has been off" not in render_slack("slack/rca.md.j2", plain)
