"""The caps on new names as the use cases apply them, on a gate held in memory.

The use cases take the process's caps (`NameGate`, a core object) and the time as
arguments, not the app. How the stores and the receiver count what the caps refused is
held by `tests/integration/web/test_name_caps.py`.
"""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from bot.usecases.name_caps import IMPORT_SOURCE, admission, say_refused
from topology.cardinality import RATE, NameGate, NameLimits, Offer

NOW_S = 1_700_000_040
LOGGER = "bot.usecases.name_caps"


def _refuse(gate: NameGate, source: str, names: list[str], *, now_s: int) -> None:
    """Offer `names` as new services from `source`, and count what the gate refuses."""
    offer = Offer(dict.fromkeys(names, True), set())
    verdict = gate.judge(source, offer, stored_names=(), stored_edges=(), now_s=now_s)
    gate.tally(source, verdict, Counter(verdict.names.values()))


def _said(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


def test_an_admission_is_the_gate_given_for_the_source_and_rated_unless_asked_not() -> None:
    gate = NameGate(NameLimits())

    pushed = admission(gate, "otlp")
    imported = admission(gate, IMPORT_SOURCE, rate=False)

    assert (pushed.gate, pushed.source, pushed.rate) == (gate, "otlp", True)
    assert (imported.gate, imported.source, imported.rate) == (gate, "import", False)


def test_refusals_are_said_one_line_a_source_at_the_time_given(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = NameGate(NameLimits(new_per_minute=1))
    _refuse(gate, "otlp", ["a", "b", "c"], now_s=NOW_S)
    _refuse(gate, "import", ["x", "y"], now_s=NOW_S)

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        say_refused(gate, now_s=NOW_S)

    assert _said(caplog) == [
        "import: refused 1 names and 1 calls over 1 new names a minute",
        "otlp: refused 2 names and 2 calls over 1 new names a minute",
    ]
    assert gate.totals()[("otlp", RATE)] == (2, 2)


def test_a_source_said_within_the_minute_waits_and_then_says_what_came_since(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = NameGate(NameLimits(new_per_minute=1))
    _refuse(gate, "otlp", ["a", "b"], now_s=NOW_S)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        say_refused(gate, now_s=NOW_S)
        _refuse(gate, "otlp", ["c", "d", "e"], now_s=NOW_S + 1)
        say_refused(gate, now_s=NOW_S + 30)
        assert len(_said(caplog)) == 1
        say_refused(gate, now_s=NOW_S + 60)

    assert _said(caplog) == [
        "otlp: refused 1 names and 1 calls over 1 new names a minute",
        "otlp: refused 3 names and 3 calls over 1 new names a minute",
    ]


def test_nothing_is_said_when_nothing_was_refused(caplog: pytest.LogCaptureFixture) -> None:
    gate = NameGate(NameLimits(new_per_minute=5))
    _refuse(gate, "otlp", ["a", "b"], now_s=NOW_S)

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        say_refused(gate, now_s=NOW_S)

    assert _said(caplog) == []
