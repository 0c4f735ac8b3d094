from bot.cli.demo import describe_state


def test_the_demo_status_says_its_time_in_words_and_as_a_question_takes_it():
    state = {
        "now": 1_796_647_562,
        "speed": 10.0,
        "faults": [{"service": "payment", "errors": 0.5, "since": 1_796_647_124}],
        "alerts": [],
    }

    lines = describe_state(state).splitlines()

    assert lines[0] == "demo time 2026-12-07T12:46:02Z (--at 1796647562), running 10.0x"
    assert lines[1] == "broken: payment fails 50% of requests since 2026-12-07T12:38:44Z"


def test_a_state_without_a_time_still_reads():
    text = describe_state({"now": None, "speed": 1.0, "faults": [], "alerts": []})

    assert text.splitlines() == ["demo time None, running 1.0x", "every service healthy"]
