"""Pictures of the map: what to draw, and the DOT text to draw it (pure, no I/O)."""

from topology.picture.dot import Picture, build_dot
from topology.picture.labels import FALLBACK_HEADERS, fallback_rows, omitted_note
from topology.picture.select import (
    EDGE_BUDGET,
    NODE_BUDGET,
    Omitted,
    Selection,
    overview,
    select,
)

__all__ = [
    "EDGE_BUDGET",
    "FALLBACK_HEADERS",
    "NODE_BUDGET",
    "Omitted",
    "Picture",
    "Selection",
    "build_dot",
    "fallback_rows",
    "omitted_note",
    "overview",
    "select",
]
