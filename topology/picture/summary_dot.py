"""DOT text for a team summary: each team a node with its counts, the opened team's services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from topology.picture import style
from topology.picture.dot import Picture, attribute_list, node_look, pen_width
from topology.picture.escape import LABEL_LIMIT, escape, lines, quote
from topology.picture.labels import edge_label
from topology.picture.select import Omitted
from topology.picture.teams import Group, Link, TeamSummary, Unit
from topology.stats import Node

NO_TEAM = "no team"
"""How a summary names the services no team owns."""
GROUP_SHAPE = "box3d"


@dataclass(frozen=True, slots=True)
class SummaryPicture:
    """A summary's DOT as a `Picture` (services are `n0`, `n1`, ...), its teams `g0`, `g1`, ...

    In the order of their IDs: `picture.names` the services', `groups` the teams'.
    """

    picture: Picture
    groups: tuple[Group, ...]


def group_name(group: Group) -> str:
    """How a group is named in words: its team, "no team", and "(the rest)" for the rest."""
    name = group.team or NO_TEAM
    return f"{name} (the rest)" if group.rest else name


def build_summary_dot(
    summary: TeamSummary, *, alerting: set[str], window_seconds: int | None, title: str
) -> SummaryPicture:
    """Draw `summary` as DOT; every name and team is an escaped quoted label.

    Teams, services and lines are written in name order, whatever their rank: the same
    teams and calls at another time are laid out the same way, where they were.
    """
    groups = sorted(summary.groups, key=lambda group: (group.team, group.rest))
    services = sorted(summary.services, key=lambda node: node.name)
    ids: dict[Unit, str] = {group.unit: f"g{n}" for n, group in enumerate(groups)}
    ids.update((("service", node.name), f"n{n}") for n, node in enumerate(services))
    count = len(summary.groups) + len(summary.services)
    # Teams of a large fleet call nearly every other team: layered, their lines run long.
    engine = style.LARGE_ENGINE
    font = f'fontname="{style.FONT}"'
    # Straight lines: routing splines around the nodes took sfdp 0.8-1 s of 64 nodes' 0.1 s.
    attributes = {
        **style.engine_attributes(engine),
        "splines": "line",
        "outputorder": "edgesfirst",  # straight lines pass under the nodes, not over labels
        "labelloc": "t",
        "fontsize": "14",
    }
    settings = ", ".join(f'{key}="{value}"' for key, value in sorted(attributes.items()))
    out = [
        "digraph svcmap {",
        f"  graph [{font}, {settings}, label={quote(title, limit=120)}];",
        f'  node [{font}, fontsize=11, style="rounded,filled", fillcolor="{style.NODE_FILL}"];',
        f'  edge [{font}, fontsize=9, arrowsize=0.7, fontcolor="{style.NOTE_COLOUR}"];',
    ]
    out.extend(_group_line(ids[group.unit], group) for group in groups)
    out.extend(_service_line(ids[("service", n.name)], n, alerting) for n in services)
    busiest = max((link.calls for link in summary.links), default=0)
    links = sorted(summary.links, key=lambda link: (link.parent, link.child))
    out.extend(_link_line(ids, link, busiest, window_seconds) for link in links)
    out.append("}")
    picture = Picture(
        dot="\n".join(out) + "\n",
        engine=engine,
        omitted=Omitted(summary.services_left_out, summary.links_left_out),
        nodes=count,
        edges=len(summary.links),
        names=tuple(node.name for node in services),
    )
    return SummaryPicture(picture, tuple(groups))


def _group_line(node_id: str, group: Group) -> str:
    counts = [f"{group.services:,} service" + ("" if group.services == 1 else "s")]
    judged = [
        (group.failing, "failing"),
        (group.degraded, "degraded"),
        (group.slow, "slow"),
        (group.incidents, "incident" if group.incidents == 1 else "incidents"),
    ]
    said = [f"{number:,} {word}" for number, word in judged if number]
    label = lines(
        escape(group_name(group), limit=LABEL_LIMIT),
        escape(counts[0]),
        *([escape(" \u00b7 ".join(said))] if said else []),
    )
    attributes = {
        "label": label,
        "tooltip": quote(f"team {group_name(group)}: open it", limit=LABEL_LIMIT * 2),
        "shape": GROUP_SHAPE,
        "style": '"filled,bold"',
        "color": f'"{style.health_colour(group.error_rate)}"',
    }
    if group.incidents:
        attributes["fillcolor"] = f'"{style.ALERT_FILL}"'
        attributes["color"] = f'"{style.ALERT_LINE}"'
    return f"  {node_id} [{attribute_list(attributes)}];"


def _service_line(node_id: str, node: Node, alerting: set[str]) -> str:
    styles, attributes = node_look(node, alerting)
    attributes["style"] = f'"{",".join(styles)}"'
    return f"  {node_id} [{attribute_list(attributes)}];"


def _link_line(
    ids: Mapping[Unit, str], link: Link, busiest: int, window_seconds: int | None
) -> str:
    rate = link.errors / link.calls if link.calls else 0.0
    colour = style.health_colour(rate)
    if link.stats is not None:
        label = edge_label(link.stats, window_seconds)
    else:
        calls = f"{link.calls:,} call" + ("" if link.calls == 1 else "s")
        label = f"{calls} \u00b7 {rate * 100:.1f}% \u00b7 {link.edges:,} edge" + (
            "" if link.edges == 1 else "s"
        )
    attributes = {
        # Many lines between teams: their words are shown on hover and in the page.
        ("label" if link.stats is not None else "tooltip"): quote(label),
        "color": f'"{colour}"',
        "penwidth": f"{pen_width(link.calls, busiest):.2f}",
    }
    if colour != style.HEALTHY:
        attributes["fontcolor"] = f'"{colour}"'
    return f"  {ids[link.parent]} -> {ids[link.child]} [{attribute_list(attributes)}];"
