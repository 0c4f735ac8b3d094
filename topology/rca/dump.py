"""Write an incident snapshot as `svcmap-snapshot/1` JSON, which `load_snapshot` reads back."""

from __future__ import annotations

import json
from collections.abc import Mapping

from topology.rca.snapshot import FORMAT, METRICS, Series, Snapshot, Symptom, Window


def dump_snapshot(snapshot: Snapshot) -> bytes:
    """The snapshot as UTF-8 JSON, one metric list to a line."""
    document: dict[str, object] = {"format": FORMAT}
    if snapshot.symptom is not None:
        document["symptom"] = _symptom(snapshot.symptom)
    document["windows"] = {
        "baseline": _window(snapshot.baseline),
        "incident": _window(snapshot.incident),
    }
    if snapshot.omitted:
        document["omitted"] = dict(snapshot.omitted)
    document["services"] = [
        {"name": s.name, "owner": s.owner, "virtual": s.virtual} for s in snapshot.services
    ]
    document["edges"] = [
        {"parent": e.parent, "child": e.child, "connection_type": e.connection_type}
        for e in snapshot.edges
    ]
    document["series"] = _all_series(snapshot.series)
    if snapshot.edge_series:
        document["edge_series"] = _all_series(snapshot.edge_series)
    if snapshot.logs:
        document["logs"] = _all_series(snapshot.logs, known=False)
    if snapshot.metrics:
        document["metrics"] = _all_series(snapshot.metrics, known=False)
    return (_written(document) + "\n").encode()


def _written(value: object, indent: str = "") -> str:
    """JSON: an object's keys one to a line, a list of numbers (or nulls) on one line."""
    inner = indent + " "
    if isinstance(value, dict) and value:
        items = (f"{inner}{_json(key)}: {_written(item, inner)}" for key, item in value.items())
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        items = (inner + _written(item, inner) for item in value)
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return _json(value)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _symptom(symptom: Symptom) -> dict[str, object]:
    return {
        "service": symptom.service,
        "metric": symptom.metric,
        "statistic": symptom.statistic,
        "at": None if symptom.at is None else _number(symptom.at),
    }


def _window(window: Window) -> list[float]:
    return [_number(window.start), _number(window.end)]


def _all_series(series: Mapping[str, Series], *, known: bool = True) -> dict[str, object]:
    return {name: _series(item, known=known) for name, item in series.items()}


def _series(series: Series, *, known: bool) -> dict[str, object]:
    """The known metric keys (health series), or every key but `t` (logs and metrics)."""
    keys = [key for key in METRICS if key in series.metrics] if known else list(series.metrics)
    return {
        "t": [_number(t) for t in series.t],
        **{key: [_maybe(v) for v in series.metrics[key]] for key in keys if key != "t"},
    }


def _maybe(value: float | None) -> float | None:
    return None if value is None else _number(value)


def _number(value: float) -> float:
    """Whole numbers as integers, so times and counts read as they are."""
    return int(value) if float(value).is_integer() else value
