"""How a picture looks: shapes by node kind, colours by health, and the layout engine."""

from __future__ import annotations

from topology.model import NodeKind

SHAPES: dict[NodeKind, str] = {
    NodeKind.SERVICE: "box",
    NodeKind.DATABASE: "cylinder",
    NodeKind.QUEUE: "cds",
    NodeKind.EXTERNAL: "hexagon",
}
"""Graphviz shape per node kind."""

KIND_WORDS: dict[NodeKind, str] = {
    NodeKind.SERVICE: "service",
    NodeKind.DATABASE: "database",
    NodeKind.QUEUE: "queue",
    NodeKind.EXTERNAL: "external API",
}
"""What the legend calls each kind."""

FONT = "Helvetica"
NODE_FILL = "#f5f7fa"
FOCUS_FILL = "#cfe3ff"
FOCUS_PEN = 3.0
ALERT_FILL = "#ffd6d6"
ALERT_LINE = "#c62828"
CLUSTER_LINE = "#9aa5b1"
NOTE_COLOUR = "#52606d"

WARN_RATE = 0.01
"""Edge error rate from which an edge is drawn as degraded."""
BAD_RATE = 0.05
"""Edge error rate from which an edge is drawn as failing."""

HEALTHY = "#7b8794"
DEGRADED = "#e8a317"
FAILING = "#c62828"

PEN_MIN, PEN_MAX = 1.0, 4.0
"""Edge line widths: the quietest and the busiest edge of a picture."""

DOT_LIMIT = 80
"""Below this many nodes `dot` (layered) is used; from it on `sfdp` (force-directed)."""

LARGE_ENGINE = "sfdp"

ENGINES = frozenset({"dot", "neato", "sfdp", "fdp", "circo", "twopi"})
"""Graphviz layout programs a picture may name."""


def health_colour(error_rate: float) -> str:
    """The colour of an edge with this error rate (errors per call)."""
    if error_rate >= BAD_RATE:
        return FAILING
    if error_rate >= WARN_RATE:
        return DEGRADED
    return HEALTHY


def engine_for(nodes: int) -> str:
    """The Graphviz layout program for a picture of `nodes` nodes."""
    return "dot" if nodes < DOT_LIMIT else LARGE_ENGINE


def engine_attributes(engine: str) -> dict[str, str]:
    """Graph attributes the layout program needs to stay readable."""
    if engine == "dot":
        return {"rankdir": "LR", "newrank": "true", "nodesep": "0.3", "ranksep": "0.6"}
    return {"overlap": "false", "splines": "true", "sep": "+6"}
