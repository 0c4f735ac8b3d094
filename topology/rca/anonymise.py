"""Snapshots fit to leave the company: every name a keyed pseudonym, free text gone.

A pseudonym is `<kind>-` and the first 16 hex digits of the HMAC-SHA256 of the name
under a secret key, so the same name has the same pseudonym in every snapshot
anonymised with the same key (incidents can be compared), and nobody without the key
can tell a name from its pseudonym, nor try likely names to find it. Numbers (times,
series) are kept: the ranking reads them, and ranks an anonymised snapshot as it ranks
the original, candidates with exactly equal scores aside (those are ordered by name).
What the ranking reads as words is kept as words: log levels, the kinds of nodes, the
family of the symptom's metric.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import replace

from topology.model import NodeKind
from topology.rca.logs import BAD_LEVELS, LEVEL_KEY, TEMPLATE_KEY
from topology.rca.metrics import Family
from topology.rca.snapshot import Series, Snapshot, SnapshotEdge, SnapshotService, Symptom

DIGITS = 16
"""Hex digits of a pseudonym: 64 bits, so that 10,000 names clash in fewer than one map in 10^11."""
SERVICE, TEAM, TEMPLATE, METRIC = "svc", "team", "log", "metric"
"""The kinds of name, each a prefix of its pseudonyms."""
_Naming = Callable[[str], str]
_LEVELS = BAD_LEVELS | {"TRACE", "DEBUG", "INFO", "UNSET"}
_KINDS = frozenset(kind.value for kind in NodeKind)
_STATISTIC = re.compile(r"p\d{1,2}(\.\d+)?|avg|mean|max|min|sum|count")
_STANDARD_METRIC = re.compile(
    r"(system|process|runtime|jvm|dotnet|go|nodejs|cpython|container|k8s|http|rpc|db)"
    r"(\.[a-z0-9_]+)+"
)
"""Metric names of OpenTelemetry's semantic conventions: they name no one, so they stay."""


class PseudonymClashError(ValueError):
    """Two names got one pseudonym: never seen, but a snapshot must not merge two services."""


class Pseudonyms:
    """Keyed pseudonyms of names, remembering which name each stands for."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self.names: dict[str, str] = {}
        """Each pseudonym given, with the name it stands for."""

    def of(self, kind: str, name: str) -> str:
        """The pseudonym of `name` as a name of `kind`."""
        mac = hmac.new(self._key, f"{kind}\x1f{name}".encode(), hashlib.sha256)
        pseudonym = f"{kind}-{mac.hexdigest()[:DIGITS]}"
        known = self.names.setdefault(pseudonym, name)
        if known != name:
            raise PseudonymClashError(f"two names became {pseudonym}; anonymise with another key")
        return pseudonym

    def service(self, name: str) -> str:
        """The pseudonym of a service, virtual node or other node of the map."""
        return self.of(SERVICE, name)


def anonymised(snapshot: Snapshot, pseudonyms: Pseudonyms) -> Snapshot:
    """`snapshot` with every name replaced by its pseudonym and its free text dropped."""
    service = pseudonyms.service
    return replace(
        snapshot,
        symptom=None if snapshot.symptom is None else _symptom(snapshot.symptom, service),
        services=tuple(
            SnapshotService(
                service(s.name),
                None if s.owner is None else pseudonyms.of(TEAM, s.owner),
                s.virtual,
            )
            for s in snapshot.services
        ),
        edges=tuple(
            SnapshotEdge(
                service(e.parent),
                service(e.child),
                e.connection_type if e.connection_type in _KINDS else None,
            )
            for e in snapshot.edges
        ),
        series={service(name): item for name, item in snapshot.series.items()},
        edge_series={_edge_key(key, service): item for key, item in snapshot.edge_series.items()},
        logs={service(name): _logs(item, pseudonyms) for name, item in snapshot.logs.items()},
        metrics={
            service(name): _metrics(item, pseudonyms) for name, item in snapshot.metrics.items()
        },
    )


def _symptom(symptom: Symptom, service: _Naming) -> Symptom:
    """The symptom's service pseudonymised; its metric said by its family only."""
    family = Family.of(symptom.metric)
    statistic = symptom.statistic
    return Symptom(
        service(symptom.service),
        None if family is None else family.value,
        statistic if statistic is not None and _STATISTIC.fullmatch(statistic) else None,
        symptom.at,
    )


def _edge_key(key: str, service: _Naming) -> str:
    parent, _, child = key.partition("->")  # as the ranking reads it
    return f"{service(parent)}->{service(child)}"


def _logs(series: Series, pseudonyms: Pseudonyms) -> Series:
    """Levels kept, templates pseudonymised, any other key (which nothing reads) dropped."""
    kept: dict[str, tuple[float | None, ...]] = {}
    for key, values in series.metrics.items():
        if key.startswith(TEMPLATE_KEY):
            text = key.removeprefix(TEMPLATE_KEY)
            kept[f"{TEMPLATE_KEY}{pseudonyms.of(TEMPLATE, text)}"] = values
        elif key.startswith(LEVEL_KEY) and key.removeprefix(LEVEL_KEY).upper() in _LEVELS:
            kept[key] = values
    return Series(series.t, kept)


def _metrics(series: Series, pseudonyms: Pseudonyms) -> Series:
    """Standard metric names kept, the others pseudonymised."""
    return Series(
        series.t,
        {
            key if _STANDARD_METRIC.fullmatch(key) else pseudonyms.of(METRIC, key): values
            for key, values in series.metrics.items()
        },
    )
