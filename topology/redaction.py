"""Names redacted as they come in: what identifies a person or one request becomes a placeholder.

A service, peer or database name such as `user-alice@example.com`, `orders-5f0c...-uuid`
or `cache-10.0.3.7` puts a person, a request or a host on the map, and a new node for
each of them. Redacted, they read `user-{email}`, `orders-{uuid}`, `cache-{ip}`: one node
each, so redaction also bounds how many names such spans make. Placeholders are written
in braces, which the names of services (DNS labels, Kubernetes objects, OpenTelemetry's
`service.name` conventions) do not hold, and which Slack mrkdwn, DOT and HTML show as
text. A name arriving with the placeholder already in it is the same node.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from topology.model import MAX_NAME_LENGTH
from topology.ownership import Catalog

if TYPE_CHECKING:
    from topology.model import Span
    from topology.signals.model import LogRecord, MetricPoint
    from topology.stats import EdgeStats

MEMO_SIZE = 65_536
"""Distinct names whose redaction is remembered; past it the memory starts again."""
MAX_RULES = 100
"""Extra rules the settings may give."""

_T = TypeVar("_T")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"


@dataclass(frozen=True, slots=True)
class Rule:
    """What to find in a name and the placeholder it becomes.

    `check`, when given, must hold for a match to be replaced (an address the pattern
    only approximates is checked by `ipaddress`).
    """

    pattern: re.Pattern[str]
    placeholder: str
    check: Callable[[str], bool] | None = None

    def apply(self, name: str) -> str:
        """`name` with every match of the pattern replaced."""
        check, placeholder = self.check, self.placeholder
        if check is None:
            return self.pattern.sub(lambda _: placeholder, name)
        return self.pattern.sub(lambda m: placeholder if check(m[0]) else m[0], name)


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


DEFAULT_RULES = (
    Rule(
        re.compile(r"[A-Za-z0-9._%+]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), "{email}"
    ),
    Rule(
        re.compile(
            r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}"
            r"-[0-9A-Fa-f]{12}(?![0-9A-Fa-f])"
        ),
        "{uuid}",
    ),
    Rule(
        re.compile(
            r"(?<![0-9A-Za-z:])(?=[0-9A-Fa-f:.]*\d)[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f.]*"
        ),
        "{ip}",
        _is_ipv6,
    ),
    Rule(re.compile(rf"(?<!\d)(?<!\d\.){_OCTET}(?:\.{_OCTET}){{3}}(?!\.?\d)"), "{ip}"),
    Rule(re.compile(rf"(?<=ip-){_OCTET}(?:-{_OCTET}){{3}}(?!-?\d)"), "{ip}"),
    Rule(
        re.compile(
            r"(?<![0-9A-Za-z])(?=[0-9A-Fa-f]*\d)(?=[0-9A-Fa-f]*[A-Fa-f])[0-9A-Fa-f]{8,}"
            r"(?![0-9A-Za-z])"
        ),
        "{hex}",
    ),
    Rule(re.compile(r"\d{6,}"), "{num}"),
)
"""In this order: e-mail addresses (from the last hyphen before the `@`, as hyphens join
the parts of names), UUIDs, IPv6 and IPv4 addresses (also as `ip-10-0-0-7`), hex ids of
8 or more digits mixing letters and digits, and numbers of 6 or more digits."""


class Redaction:
    """Rules applied to every name that comes in; remembers the names it has seen."""

    def __init__(self, rules: Sequence[Rule] = DEFAULT_RULES, *, memo: int = MEMO_SIZE) -> None:
        self.rules = tuple(rules)
        self._memo: dict[str, str] = {}
        self._memo_size = memo

    def __bool__(self) -> bool:
        return bool(self.rules)

    @property
    def remembered(self) -> int:
        """How many names' redactions are remembered now."""
        return len(self._memo)

    def name(self, name: str) -> str:
        """`name` with what the rules find replaced by their placeholders, cut to length."""
        if not self.rules:
            return name
        name = name[:MAX_NAME_LENGTH]  # bounds the rules' work and what is remembered
        memo = self._memo
        found = memo.get(name)
        if found is None:
            found = name
            for rule in self.rules:
                found = rule.apply(found)
            found = found[:MAX_NAME_LENGTH]  # placeholders may be longer than what they replace
            if len(memo) >= self._memo_size:
                memo.clear()  # a flood of names keeps no more than the memo's size
            memo[name] = found
        return found

    def optional(self, name: str | None) -> str | None:
        """`name` redacted, or None."""
        return None if name is None else self.name(name)

    def spans(self, spans: Sequence[Span]) -> None:
        """Redact the names of `spans` in place: their service, peer and inferred peer."""
        if not self.rules:
            return
        # A batch names a few services a million times: each distinct name is redacted once.
        names = {span.local_service for span in spans}
        names.update([span.remote_service for span in spans])
        names.update([span.inferred_peer for span in spans])
        redacted = {name: self.optional(name) for name in names}
        for span in spans:
            span.local_service = redacted[span.local_service]
            span.remote_service = redacted[span.remote_service]
            span.inferred_peer = redacted[span.inferred_peer]

    def edges(self, edges: Sequence[EdgeStats]) -> list[EdgeStats]:
        """`edges` with their ends redacted; edges that become one are merged (into the first)."""
        if not self.rules:
            return list(edges)
        name = self.name
        merged: dict[tuple[str, str], EdgeStats] = {}
        for edge in edges:
            ends = (name(edge.parent), name(edge.child))
            known = merged.get(ends)
            if known is None:
                merged[ends] = replace(edge, parent=ends[0], child=ends[1])
            else:
                known.merge(edge)
        return list(merged.values())

    def log_records(self, records: Sequence[LogRecord]) -> list[LogRecord]:
        """`records` with their services redacted."""
        name = self.name
        return [
            r if name(r.service) == r.service else replace(r, service=name(r.service))
            for r in records
        ]

    def metric_points(self, points: Sequence[MetricPoint]) -> list[MetricPoint]:
        """`points` with their services redacted."""
        name = self.name
        return [
            p if name(p.service) == p.service else replace(p, service=name(p.service))
            for p in points
        ]

    def catalog(self, catalog: Catalog) -> Catalog:
        """`catalog` with its services named as the map names them.

        Where two services become one (`cart-1234567`, `cart-7654321`), the first one's
        owner, contact and kind are kept and their declared dependencies joined.
        """
        if not self.rules:
            return catalog
        name = self.name

        def keyed(entries: dict[str, _T]) -> dict[str, _T]:
            renamed: dict[str, _T] = {}
            for service, value in entries.items():
                renamed.setdefault(name(service), value)
            return renamed

        depends_on: dict[str, tuple[str, ...]] = {}
        for service, declared in catalog.depends_on.items():
            key = name(service)
            joined = (*depends_on.get(key, ()), *(name(callee) for callee in declared))
            depends_on[key] = tuple(dict.fromkeys(joined))
        return Catalog(
            owners=keyed(catalog.owners),
            teams=catalog.teams,
            depends_on=depends_on,
            contacts=keyed(catalog.contacts),
            kinds=keyed(catalog.kinds),
        )


def redaction_of(extra: str, *, defaults: bool) -> Redaction:
    """The redaction the settings ask for: `extra` rules (see `parse_rules`), then the defaults.

    Raises ValueError saying what is wrong with a rule.
    """
    rules = parse_rules(extra) + (DEFAULT_RULES if defaults else ())
    redaction = Redaction(rules, memo=0)
    for rule in rules:
        if redaction.name(rule.placeholder) != rule.placeholder:
            raise ValueError(
                f"the placeholder {rule.placeholder!r} would itself be redacted by the rules; "
                "write it in braces without digits, such as {tenant}"
            )
    return Redaction(rules)


def parse_rules(text: str) -> tuple[Rule, ...]:
    """Rules from a JSON object of regular expressions to placeholders, in its order.

    Empty text gives none. Raises ValueError naming the rule at fault: not JSON, not an
    object of strings, a pattern that does not compile or matches the empty string, an
    empty or over-long placeholder.
    """
    if not text.strip():
        return ()
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON: {error.msg} (column {error.colno})") from None
    if not isinstance(document, dict):
        raise ValueError(  # noqa: TRY004 -- a setting's bad value, as the others say it
            'expected a JSON object of regular expressions to placeholders, {"re": "{x}"}'
        )
    if len(document) > MAX_RULES:
        raise ValueError(f"{len(document)} rules; at most {MAX_RULES}")
    return tuple(_rule(pattern, placeholder) for pattern, placeholder in document.items())


def _rule(pattern: str, placeholder: object) -> Rule:
    shown = json.dumps(pattern)
    if not isinstance(placeholder, str) or not placeholder.strip():
        raise ValueError(f"rule {shown}: the placeholder must be a non-empty string")
    if len(placeholder) > MAX_NAME_LENGTH or not placeholder.isprintable():
        raise ValueError(f"rule {shown}: the placeholder must be printable and short")
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise ValueError(f"rule {shown}: not a regular expression: {error}") from None
    if compiled.fullmatch("") is not None:
        raise ValueError(f"rule {shown}: it matches the empty string, so it would match anywhere")
    return Rule(compiled, placeholder)
