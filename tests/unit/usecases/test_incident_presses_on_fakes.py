"""Presses on an incident's post, acknowledging it and answering "Was this the cause?".

The use cases take the incident log as a port; here it is an in-memory fake, and the
store's own behaviour (who acknowledged first, answers replacing earlier ones) is held by
its contract tests in `tests/integration/store` and `tests/integration/slack`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.adapters.store.incident_rows import SENT, Acknowledgement, IncidentRecord, Sending
from bot.adapters.store.ports import Acknowledgements, CauseAnswers
from bot.usecases.acknowledging import acknowledge
from bot.usecases.cause_feedback import answer_cause
from tests.unit.usecases.records import OPENED_S, incident
from topology.incidents.feedback import Answer, Verdict

NOW_S = OPENED_S + 300
POST_REF = "C123/1700000001.000100"


def _incident(incident_id: int, *, merged_into: int | None = None) -> IncidentRecord:
    return incident(incident_id, title="checkout is slow", merged_into=merged_into)


def _post(incident_id: int, *, state: str = SENT, ref: str | None = POST_REF) -> Sending:
    return Sending(
        id=100 + incident_id,
        incident_id=incident_id,
        kind="incident",
        target="#incidents",
        team=None,
        state=state,
        attempts=1,
        created_at=OPENED_S,
        sent_at=OPENED_S + 1,
        last_error=None,
        body={"candidates": [{"service": "payments"}, {"service": "db"}], "title": "slow"},
        ref=ref,
    )


@dataclass
class FakeIncidentLog:
    """Incidents and their posts in memory; notes acknowledgements and answers."""

    incidents: dict[int, IncidentRecord] = field(default_factory=dict)
    posts: dict[int, Sending] = field(default_factory=dict)
    trigger_pages: dict[int, int] = field(default_factory=dict)
    answered: list[tuple[int, str, tuple[Answer, ...], int]] = field(default_factory=list)

    def incident(self, incident_id: int) -> IncidentRecord | None:
        return self.incidents.get(incident_id)

    def post_of(self, incident_id: int) -> Sending | None:
        found = self.incidents.get(incident_id)
        if found is None:
            return None
        return self.posts.get(found.merged_into or found.id)

    def acknowledge(self, incident_id: int, *, user: str, now_s: int) -> Acknowledgement:
        found = self.incidents.get(incident_id)
        if found is None:
            return Acknowledgement(None)
        if found.acknowledged_by is not None:
            return Acknowledgement(found)
        done = dataclasses.replace(found, acknowledged_by=user, acknowledged_at=now_s)
        self.incidents[incident_id] = done
        return Acknowledgement(done, pages_to_send=self.trigger_pages.get(incident_id, 0))

    def record_answers(
        self, incident_id: int, user: str, answers: Sequence[Answer], *, now_s: int
    ) -> None:
        self.answered.append((incident_id, user, tuple(answers), now_s))


def _log(*records: IncidentRecord, posts: Sequence[Sending] = ()) -> FakeIncidentLog:
    return FakeIncidentLog(
        incidents={record.id: record for record in records},
        posts={post.incident_id: post for post in posts},
    )


def test_the_fake_is_what_the_use_cases_ask_for() -> None:
    log = _log()
    ports: tuple[Acknowledgements, CauseAnswers] = (log, log)
    assert all(port is log for port in ports)


def test_the_first_to_acknowledge_is_noted_and_the_pages_are_to_be_told() -> None:
    log = _log(_incident(1), posts=[_post(1)])
    log.trigger_pages[1] = 2

    done = acknowledge(log, 1, user="U1", now_s=NOW_S)

    assert done.first
    assert done.to_send
    assert done.incident is not None
    assert done.incident.acknowledged_by == "U1"
    assert done.incident.acknowledged_at == NOW_S
    assert done.post is not None
    assert done.body["acknowledged_by"] == "U1"
    assert done.body["incident_key"] == "INC-1"
    assert done.body["title"] == "slow"  # the post's own body is kept


def test_a_second_press_finds_who_acknowledged_first() -> None:
    log = _log(_incident(1), posts=[_post(1)])
    acknowledge(log, 1, user="U1", now_s=NOW_S)

    again = acknowledge(log, 1, user="U2", now_s=NOW_S + 60)

    assert not again.first
    assert not again.to_send
    assert again.incident is not None
    assert again.incident.acknowledged_by == "U1"


def test_acknowledging_a_merged_incident_acknowledges_the_one_it_joined() -> None:
    log = _log(_incident(1), _incident(2, merged_into=1), posts=[_post(1)])

    done = acknowledge(log, 2, user="U1", now_s=NOW_S)

    assert done.incident is not None
    assert done.incident.id == 1
    assert log.incidents[1].acknowledged_by == "U1"
    assert log.incidents[2].acknowledged_by is None


def test_an_unknown_incident_acknowledges_nothing() -> None:
    done = acknowledge(_log(), 7, user="U1", now_s=NOW_S)

    assert done.incident is None
    assert not done.first


def test_an_answer_on_the_incident_post_is_kept_with_the_time_given() -> None:
    log = _log(_incident(1), posts=[_post(1)])

    done = answer_cause(log, 1, "payments", Verdict.YES, user="U1", message=POST_REF, now_s=NOW_S)

    assert [(a.candidate, a.verdict) for a in done.answers] == [("payments", Verdict.YES)]
    assert done.incident_key == "INC-1"
    assert done.text == "noted: payments was the cause of incident INC-1"
    assert log.answered == [(1, "U1", done.answers, NOW_S)]


def test_none_of_them_answers_each_candidate_shown() -> None:
    log = _log(_incident(1), posts=[_post(1)])

    done = answer_cause(log, 1, None, Verdict.NO, user="U1", message=POST_REF, now_s=NOW_S)

    assert [a.candidate for a in done.answers] == ["payments", "db"]
    assert done.text == "noted: none of payments, db was the cause of incident INC-1"


def test_a_press_elsewhere_or_on_a_service_not_shown_notes_nothing() -> None:
    log = _log(_incident(1), _incident(2), posts=[_post(1), _post(2, state="pending")])

    elsewhere = answer_cause(
        log, 1, "payments", Verdict.YES, user="U1", message="C9/1.0", now_s=NOW_S
    )
    unsent = answer_cause(log, 2, "payments", Verdict.YES, user="U1", message=POST_REF, now_s=NOW_S)
    not_shown = answer_cause(
        log, 1, "search", Verdict.YES, user="U1", message=POST_REF, now_s=NOW_S
    )
    unknown = answer_cause(
        log, 9, "payments", Verdict.YES, user="U1", message=POST_REF, now_s=NOW_S
    )

    assert [d.answers for d in (elsewhere, unsent, not_shown, unknown)] == [()] * 4
    assert "not on this incident's post" in elsewhere.text
    assert "not on this incident's post" in unsent.text
    assert "was not ranked" in not_shown.text
    assert "not in svcmap's incident log" in unknown.text
    assert log.answered == []
