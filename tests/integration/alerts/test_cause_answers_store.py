"""Answers to "Was this the cause?" kept with their incident, on SQLite and Postgres."""

from tests.integration.conftest import an_opening
from topology.incidents.feedback import Answer, Feedback, Verdict

T0 = 1_777_602_600


def opened(app, key="inc-1"):
    return app.incidents.open_manual(an_opening(key), now_s=T0).id


def test_answers_are_kept_per_incident_person_and_candidate(make_app):
    app = make_app()
    first, second = opened(app, "inc-1"), opened(app, "inc-2")

    app.incidents.record_answers(first, "W1", [Answer("payment", Verdict.YES)], now_s=T0)
    app.incidents.record_answers(first, "W2", [Answer("payment", Verdict.NO)], now_s=T0 + 1)
    app.incidents.record_answers(second, "W1", [Answer("cart", Verdict.YES)], now_s=T0 + 2)

    assert app.incidents.answers([first]) == [
        Feedback(first, "W1", "payment", "yes", T0),
        Feedback(first, "W2", "payment", "no", T0 + 1),
    ]
    assert [a.incident_id for a in app.incidents.answers([first, second])] == [
        first,
        first,
        second,
    ]


def test_a_persons_later_answer_replaces_their_earlier_one_on_the_same_candidate(make_app):
    app = make_app()
    incident = opened(app)
    app.incidents.record_answers(incident, "W1", [Answer("payment", Verdict.YES)], now_s=T0)

    none_of_these = [Answer("payment", Verdict.NO), Answer("stripe-api", Verdict.NO)]
    app.incidents.record_answers(incident, "W1", none_of_these, now_s=T0 + 60)

    assert app.incidents.answers([incident]) == [
        Feedback(incident, "W1", "payment", "no", T0 + 60),
        Feedback(incident, "W1", "stripe-api", "no", T0 + 60),
    ]


def test_incidents_without_answers_have_none(make_app):
    app = make_app()

    assert app.incidents.answers([opened(app)]) == []
    assert app.incidents.answers([]) == []
