"""DOT text for a selection: escaped labels, shapes by kind, colours by health, teams."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from topology.model import NodeKind
from topology.ownership import Catalog
from topology.picture import style
from topology.picture.escape import LABEL_LIMIT, escape, lines, quote
from topology.picture.labels import edge_label, omitted_note
from topology.picture.select import Omitted, Selection
from topology.stats import EdgeStats, Node

TITLE_LIMIT = 120
TOOLTIP_LIMIT = 512
"""Graphviz refuses quoted strings past 16,384 bytes; names are cut well before."""


@dataclass(frozen=True, slots=True)
class Picture:
    """DOT text, the Graphviz program to lay it out, and what it leaves out."""

    dot: str
    engine: str
    omitted: Omitted
    nodes: int
    edges: int
    names: tuple[str, ...] = ()
    """The drawn names in node ID order: node `n3` is `names[3]`."""


def build_dot(
    selection: Selection,
    *,
    focus: str,
    catalog: Catalog,
    alerting: set[str],
    window_seconds: int | None,
    title: str,
) -> Picture:
    """Draw `selection` as DOT; node IDs are n0, n1, ... and every name is a quoted label."""
    ids = {node.name: f"n{number}" for number, node in enumerate(selection.nodes)}
    engine = style.engine_for(len(ids))
    into = _error_rates_into(selection.edges)
    teams: defaultdict[str | None, list[str]] = defaultdict(list)
    for node in selection.nodes:
        line = _node_line(ids[node.name], node, focus, alerting, into.get(node.name, 0.0))
        teams[catalog.owner_name(node.name)].append(line)
    out = ["digraph svcmap {", *_graph_attributes(engine, title, selection.omitted)]
    for number, team in enumerate(sorted(name for name in teams if name is not None)):
        out.append(f"  subgraph cluster_{number} {{")
        out.append(f"    label={quote(team, limit=LABEL_LIMIT)};")
        out.append(f'    color="{style.CLUSTER_LINE}"; style="rounded,dashed";')
        out.extend(f"  {line}" for line in teams[team])
        out.append("  }")
    out.extend(teams.get(None, []))
    busiest = max((stats.calls for stats in selection.edges), default=0)
    out.extend(
        _edge_line(ids, stats, busiest, window_seconds)
        for stats in selection.edges
        if stats.parent in ids and stats.child in ids
    )
    out.extend(_legend(selection.nodes, alerting))
    out.append("}")
    return Picture(
        dot="\n".join(out) + "\n",
        engine=engine,
        omitted=selection.omitted,
        nodes=len(selection.nodes),
        edges=len(selection.edges),
        names=tuple(node.name for node in selection.nodes),
    )


def _graph_attributes(engine: str, title: str, omitted: Omitted) -> list[str]:
    parts = [escape(title, limit=TITLE_LIMIT)]
    note = omitted_note(omitted)
    if note:
        parts.append(escape(note, limit=TOOLTIP_LIMIT))
    font = f'fontname="{style.FONT}"'
    attributes = {**style.engine_attributes(engine), "labelloc": "t", "fontsize": "14"}
    settings = ", ".join(f'{key}="{value}"' for key, value in sorted(attributes.items()))
    return [
        f"  graph [{font}, {settings},",
        f"    label={lines(*parts)}];",
        f'  node [{font}, fontsize=11, style="rounded,filled", fillcolor="{style.NODE_FILL}"];',
        f'  edge [{font}, fontsize=9, arrowsize=0.7, fontcolor="{style.NOTE_COLOUR}"];',
    ]


def node_look(node: Node, alerting: set[str]) -> tuple[list[str], dict[str, str]]:
    """A node's styles and attributes by its kind and whether it is alerting (not its style).

    The caller adds what else it draws, then the styles as `style`.
    """
    styles = ["filled"]
    if node.kind is NodeKind.SERVICE:
        styles.append("rounded")
    if node.virtual:
        styles.append("dashed")
    attributes = {
        "label": quote(node.name, limit=LABEL_LIMIT),
        "tooltip": quote(node.name, limit=TOOLTIP_LIMIT),
        "shape": style.SHAPES[node.kind],
    }
    if node.name in alerting:
        attributes["fillcolor"] = f'"{style.ALERT_FILL}"'
        attributes["color"] = f'"{style.ALERT_LINE}"'
    return styles, attributes


def _node_line(node_id: str, node: Node, focus: str, alerting: set[str], into: float) -> str:
    styles, attributes = node_look(node, alerting)
    attributes.setdefault("color", f'"{style.health_colour(into)}"')
    if node.name == focus:
        styles.append("bold")
        attributes["penwidth"] = str(style.FOCUS_PEN)
        attributes.setdefault("fillcolor", f'"{style.FOCUS_FILL}"')
    attributes["style"] = f'"{",".join(styles)}"'
    return f"  {node_id} [{attribute_list(attributes)}];"


def _edge_line(
    ids: Mapping[str, str], stats: EdgeStats, busiest: int, window_seconds: int | None
) -> str:
    colour = style.health_colour(stats.error_rate)
    attributes = {
        "label": quote(edge_label(stats, window_seconds)),
        "color": f'"{colour}"',
        "penwidth": f"{pen_width(stats.calls, busiest):.2f}",
    }
    if colour != style.HEALTHY:
        attributes["fontcolor"] = f'"{colour}"'
    return f"  {ids[stats.parent]} -> {ids[stats.child]} [{attribute_list(attributes)}];"


def _legend(nodes: Iterable[Node], alerting: set[str]) -> list[str]:
    drawn = list(nodes)
    kinds = [kind for kind in style.SHAPES if any(node.kind is kind for node in drawn)]
    keys = [
        f'shape={style.SHAPES[kind]}, label="{style.KIND_WORDS[kind]}"'
        + (', style="rounded,filled"' if kind is NodeKind.SERVICE else "")
        for kind in kinds
    ]
    keys.append(f'label="focus", style="filled,bold", penwidth=3, fillcolor="{style.FOCUS_FILL}"')
    if any(node.virtual for node in drawn):
        keys.append('label="seen only by callers", style="filled,dashed"')
    if any(node.name in alerting for node in drawn):
        keys.append(f'label="alerting", fillcolor="{style.ALERT_FILL}", color="{style.ALERT_LINE}"')
    edges = (
        f"edges: rate \u00b7 errors \u00b7 p95 latency\\n"
        f"grey: errors < {style.WARN_RATE:.0%}, orange: < {style.BAD_RATE:.0%}, "
        f"red: from {style.BAD_RATE:.0%}\\nthicker: busier"
    )
    keys.append(f'shape=plaintext, style="", label="{edges}"')
    return [
        "  subgraph cluster_legend {",
        f'    label="Legend"; style="dashed"; color="{style.CLUSTER_LINE}";',
        '    node [fontsize=9, shape=box, style="filled"];',
        *(f"    legend{number} [{key}];" for number, key in enumerate(keys)),
        "    " + " -> ".join(f"legend{number}" for number in range(len(keys))) + " [style=invis];",
        "  }",
    ]


def _error_rates_into(edges: Iterable[EdgeStats]) -> dict[str, float]:
    calls: defaultdict[str, int] = defaultdict(int)
    errors: defaultdict[str, int] = defaultdict(int)
    for stats in edges:
        calls[stats.child] += stats.calls
        errors[stats.child] += stats.errors
    return {name: errors[name] / count for name, count in calls.items() if count}


def pen_width(calls: int, busiest: int) -> float:
    """A line's pen width: thin for few calls, up to the widest for the busiest line."""
    if busiest <= 1 or calls <= 0:
        return style.PEN_MIN
    share = math.log1p(calls) / math.log1p(busiest)
    return style.PEN_MIN + (style.PEN_MAX - style.PEN_MIN) * share


def attribute_list(attributes: Mapping[str, str]) -> str:
    """DOT attributes written `key=value, ...`; the values already quoted or escaped."""
    return ", ".join(f"{key}={value}" for key, value in attributes.items())
