"""Read an incident snapshot (`svcmap-snapshot/1`): the graph and the health series around it.

Times in a series must go up strictly. Metric keys this version does not know are
tolerated and ignored, so that a newer
writer's extra series do not make an older reader refuse the whole file; the known
ones are checked strictly. Logs and metrics evidence (`"logs"`, `"metrics"`) are optional
series per service under any keys: `level:ERROR`, `template:<text>`, metric names.
`"omitted"` counts what a snapshot cut down to its symptom's neighbourhood left out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from topology.errors import SnapshotError

FORMAT = "svcmap-snapshot/1"
METRICS = (
    "requests",
    "errors",
    "availability_pct",
    "latency_avg_ms",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "network_ms",
)
"""The metric keys a series may carry; `network_ms` is an edge's, time between its sides."""


@dataclass(frozen=True, slots=True)
class Window:
    """A closed interval of Unix seconds."""

    start: float
    end: float

    def holds(self, t: float) -> bool:
        """Whether `t` falls inside."""
        return self.start <= t <= self.end


@dataclass(frozen=True, slots=True)
class Symptom:
    """What was seen to be wrong, and where."""

    service: str
    metric: str | None = None
    statistic: str | None = None
    at: float | None = None


@dataclass(frozen=True, slots=True)
class Series:
    """One service's (or edge's) metrics at the times `t`; None where nothing was measured."""

    t: tuple[float, ...]
    metrics: Mapping[str, tuple[float | None, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SnapshotService:
    """A service named in the snapshot."""

    name: str
    owner: str | None = None
    virtual: bool = False


@dataclass(frozen=True, slots=True)
class SnapshotEdge:
    """`parent` calls `child`."""

    parent: str
    child: str
    connection_type: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The evidence at one moment: graph, windows and health series."""

    baseline: Window
    incident: Window
    services: tuple[SnapshotService, ...]
    edges: tuple[SnapshotEdge, ...]
    series: Mapping[str, Series]
    symptom: Symptom | None = None
    edge_series: Mapping[str, Series] = field(default_factory=dict)
    logs: Mapping[str, Series] = field(default_factory=dict)
    """Per service, log records per minute: `level:<LEVEL>` and `template:<text>` counts."""
    metrics: Mapping[str, Series] = field(default_factory=dict)
    """Per service, resource metrics per minute under their names (None where unmeasured)."""
    omitted: Mapping[str, int] = field(default_factory=dict)
    """How many of the map's `services` and `edges` were left out; empty for the whole map."""


class _BadValueError(Exception):
    def __init__(self, path: str, what: str) -> None:
        super().__init__(f"{path}: {what}")


def load_snapshot(data: bytes | str, *, source: str) -> Snapshot:
    """Parse a snapshot document; any fault is a SnapshotError naming `source` and the place."""
    try:
        document = json.loads(data)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise SnapshotError(f"{source}: not JSON ({where}): {error.msg}") from None
    except UnicodeDecodeError:
        raise SnapshotError(f"{source}: not JSON: not UTF-8 text") from None
    except RecursionError:
        raise SnapshotError(f"{source}: nested too deeply to be a snapshot") from None
    try:
        return _snapshot(document)
    except _BadValueError as error:
        raise SnapshotError(f"{source}: {error}") from None


def _snapshot(document: object) -> Snapshot:
    top = _object(document, "$")
    if top.get("format") != FORMAT:
        got = top.get("format")
        raise _BadValueError("$.format", f"expected {FORMAT!r}, got {_shown(got)}")
    windows = _object(_required(top, "windows", "$"), "$.windows")
    services = _list(top.get("services", []), "$.services")
    edges = _list(top.get("edges", []), "$.edges")
    series = _object(top.get("series", {}), "$.series")
    edge_series = _object(top.get("edge_series", {}), "$.edge_series")
    logs = _object(top.get("logs", {}), "$.logs")
    metrics = _object(top.get("metrics", {}), "$.metrics")
    symptom = top.get("symptom")
    omitted = _object(top.get("omitted", {}), "$.omitted")
    return Snapshot(
        baseline=_window(_required(windows, "baseline", "$.windows"), "$.windows.baseline"),
        incident=_window(_required(windows, "incident", "$.windows"), "$.windows.incident"),
        services=tuple(_service(item, f"$.services[{i}]") for i, item in enumerate(services)),
        edges=tuple(_edge(item, f"$.edges[{i}]") for i, item in enumerate(edges)),
        series={
            name: _series(item, f"$.series[{json.dumps(name)}]") for name, item in series.items()
        },
        symptom=None if symptom is None else _symptom(symptom, "$.symptom"),
        edge_series={
            name: _series(item, f"$.edge_series[{json.dumps(name)}]")
            for name, item in edge_series.items()
        },
        logs={
            name: _series(item, f"$.logs[{json.dumps(name)}]", keys=None, counts=True)
            for name, item in logs.items()
        },
        metrics={
            name: _series(item, f"$.metrics[{json.dumps(name)}]", keys=None)
            for name, item in metrics.items()
        },
        omitted={
            key: _count(value, f"$.omitted[{json.dumps(key)}]") for key, value in omitted.items()
        },
    )


def _window(value: object, path: str) -> Window:
    bounds = _list(value, path)
    if len(bounds) != 2:  # noqa: PLR2004 - a window is a pair
        raise _BadValueError(path, f"expected [start, end], got {len(bounds)} values")
    start, end = (_number(bound, f"{path}[{i}]") for i, bound in enumerate(bounds))
    if start > end:
        raise _BadValueError(path, "the window ends before it starts")
    return Window(start, end)


def _symptom(value: object, path: str) -> Symptom:
    item = _object(value, path)
    at = item.get("at")
    return Symptom(
        service=_text(_required(item, "service", path), f"{path}.service"),
        metric=_optional_text(item.get("metric"), f"{path}.metric"),
        statistic=_optional_text(item.get("statistic"), f"{path}.statistic"),
        at=None if at is None else _number(at, f"{path}.at"),
    )


def _service(value: object, path: str) -> SnapshotService:
    item = _object(value, path)
    virtual = item.get("virtual", False)
    if not isinstance(virtual, bool):
        raise _BadValueError(f"{path}.virtual", f"expected true or false, got {_shown(virtual)}")
    return SnapshotService(
        name=_text(_required(item, "name", path), f"{path}.name"),
        owner=_optional_text(item.get("owner"), f"{path}.owner"),
        virtual=virtual,
    )


def _edge(value: object, path: str) -> SnapshotEdge:
    item = _object(value, path)
    return SnapshotEdge(
        parent=_text(_required(item, "parent", path), f"{path}.parent"),
        child=_text(_required(item, "child", path), f"{path}.child"),
        connection_type=_optional_text(item.get("connection_type"), f"{path}.connection_type"),
    )


def _series(
    value: object, path: str, keys: Iterable[str] | None = METRICS, *, counts: bool = False
) -> Series:
    """A series of the `keys` given (the known metrics), or of every key but `t` (None).

    `counts`: every value is a count of log lines, none below zero.
    """
    item = _object(value, path)
    times = _list(_required(item, "t", path), f"{path}.t")
    t = tuple(_number(v, f"{path}.t[{i}]") for i, v in enumerate(times))
    for i in range(1, len(t)):
        if t[i] <= t[i - 1]:
            raise _BadValueError(f"{path}.t[{i}]", "times must go up, each after the one before")
    metrics: dict[str, tuple[float | None, ...]] = {}
    for key in (k for k in item if k != "t") if keys is None else keys:
        if key not in item:
            continue
        where = f"{path}.{key}" if keys is not None else f"{path}[{json.dumps(key)}]"
        values = _list(item[key], where)
        if len(values) != len(t):
            raise _BadValueError(where, f"{len(values)} values for {len(t)} times in t")
        metrics[key] = tuple(
            None if v is None else _number(v, f"{where}[{i}]") for i, v in enumerate(values)
        )
        if counts and any(v is not None and v < 0 for v in metrics[key]):
            i = next(i for i, v in enumerate(metrics[key]) if v is not None and v < 0)
            raise _BadValueError(f"{where}[{i}]", "expected a count of log lines, got a negative")
    return Series(t, metrics)


def _required(item: Mapping[str, object], key: str, path: str) -> object:
    if key not in item:
        raise _BadValueError(path, f"missing {key!r}")
    return item[key]


def _object(value: object, path: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _BadValueError(path, f"expected an object, got {_kind(value)}")
    return value


def _list(value: object, path: str) -> list[object]:
    if not isinstance(value, list):
        raise _BadValueError(path, f"expected a list, got {_kind(value)}")
    return value


def _number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _BadValueError(path, f"expected a number, got {_shown(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise _BadValueError(path, f"expected a finite number, got {value}")
    return number


def _count(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _BadValueError(path, f"expected a count, got {_shown(value)}")
    return value


def _text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise _BadValueError(path, f"expected a non-empty string, got {_shown(value)}")
    return value


def _optional_text(value: object, path: str) -> str | None:
    return None if value is None else _text(value, path)


def _kind(value: object) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return kinds.get(type(value), "a number")


def _shown(value: object) -> str:
    text = json.dumps(value) if value is None or isinstance(value, bool) else repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."  # noqa: PLR2004 - message length
