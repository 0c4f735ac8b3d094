"""The paging severity of a group of alerts, from their `severity` label."""

from __future__ import annotations

from collections.abc import Iterable

from topology.incidents.model import Alert, Severity

DEFAULT = Severity.ERROR
"""Severity of alerts that give none, or one not known here (as Alertmanager's own default)."""

_WORDS = {
    Severity.CRITICAL: ("critical", "crit", "page", "emergency", "fatal", "high", "p1", "sev1"),
    Severity.ERROR: ("error", "err", "major", "p2", "sev2"),
    Severity.WARNING: ("warning", "warn", "minor", "medium", "p3", "sev3"),
    Severity.INFO: ("info", "informational", "low", "none", "notice", "p4", "p5", "sev4"),
}
_BY_WORD = {word: severity for severity, words in _WORDS.items() for word in words}
_ORDER = (Severity.CRITICAL, Severity.ERROR, Severity.WARNING, Severity.INFO)


def severity_of(label: str | None) -> Severity:
    """The severity a `severity` label value means."""
    if label is None:
        return DEFAULT
    return _BY_WORD.get(label.strip().lower(), DEFAULT)


def group_severity(alerts: Iterable[Alert]) -> Severity:
    """The worst severity among `alerts`."""
    found = {severity_of(alert.labels.get("severity")) for alert in alerts}
    return next((s for s in _ORDER if s in found), DEFAULT)
