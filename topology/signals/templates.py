"""Log templates mined with drain3, one miner per service, stable under stored ids.

A miner is seeded with the templates the store holds for its service (their ids and
masked text), so a line maps to the same template in a later import or in another
replica. New templates take the next ids. A line is mined from its first `MINED_TOKENS`
tokens, less its own header (`headless`). Past `cap` templates, a line that matches none
of them counts under `OTHER_ID` instead of growing the miner.

A book lives across batches: each batch starts by `follow`ing the stored templates of
its services, and a service whose stored templates are not what its open miner holds
(another process mined there, or a batch was not stored) is mined afresh from them.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from drain3 import TemplateMiner
from drain3.drain import LogCluster
from drain3.template_miner_config import TemplateMinerConfig

from topology.signals.header import split_header
from topology.signals.masking import TokenMasks

OTHER_ID = 0
"""The template of the lines past a service's cap."""
OTHER_TEXT = "<other>"
"""The text of `OTHER_ID`."""
TEMPLATE_CAP = 200
"""Templates kept per service by default."""
MINERS_KEPT = 64
"""Services whose miner stays open at once; the least recently used is closed first."""
CACHE_SIZE = 20_000
"""Masked lines remembered (with their template), for all open services together."""
CACHED_CHARS = 1024
"""Masked lines longer than this are mined each time, not remembered."""
MINED_TOKENS = 64
"""Tokens of a line mined, its header among them: a message's form is in its beginning.
A longer line's length follows the data it lists (and where its body was cut), and
drain3 keeps lines of different lengths apart: one message would become a template per
length, each read as new or vanished when the data changes."""


def miner_config() -> TemplateMinerConfig:
    """The drain3 configuration of a miner: `masking.TokenMasks`, `<*>` for parameters."""
    config = TemplateMinerConfig()
    config.masking_instructions = [TokenMasks()]
    config.parametrize_numeric_tokens = True
    return config


@dataclass(slots=True)
class _Open:
    """A service's miner, its templates now (by id), and the masked lines it placed."""

    miner: TemplateMiner
    texts: dict[int, str]
    seen: dict[str, int] = field(default_factory=dict)


class TemplateBook:
    """The template of each log line, per service; what is new or changed, what was folded."""

    def __init__(
        self, known: Mapping[str, Mapping[int, str]] | None = None, *, cap: int = TEMPLATE_CAP
    ) -> None:
        self._config = miner_config()  # one masker for every service: it is service-blind
        self._open: OrderedDict[str, _Open] = OrderedDict()
        self._cached = 0
        self._known: Mapping[str, Mapping[int, str]] = {}
        self._changed: dict[str, dict[int, str]] = {}
        self.cap = cap
        self.folded: Counter[str] = Counter()
        """Per service, the lines counted under `OTHER_ID` at the cap, in this batch."""
        self.follow(known or {}, (), cap=cap)

    def follow(
        self, known: Mapping[str, Mapping[int, str]], services: Iterable[str], *, cap: int
    ) -> None:
        """Start a batch over `services`, whose stored templates are `known`.

        An open service whose templates differ from the stored ones is closed, to be
        mined afresh from them; what changed and what was folded start from nothing.
        """
        self._known = known
        self.cap = cap
        for service in services:
            opened = self._open.get(service)
            if opened is not None and opened.texts != dict(known.get(service, {})):
                self._close(service)
        self._changed = {}
        self.folded = Counter()

    def template_of(self, service: str, body: str) -> int:
        """The id of the template of `body` in `service` (mining it if new)."""
        opened = self._open.get(service)
        if opened is None:
            opened = self._opened(service)
        masked = _leading(opened.miner.masker.mask(body))
        found = opened.seen.get(masked)
        if found is not None:
            if found == OTHER_ID:
                self.folded[service] += 1
            return found
        found = self._mine(service, opened, headless(masked))
        if len(masked) <= CACHED_CHARS:
            if self._cached >= CACHE_SIZE:
                for other in self._open.values():
                    other.seen.clear()
                self._cached = 0
            opened.seen[masked] = found
            self._cached += 1
        return found

    @property
    def changed(self) -> dict[tuple[str, int], str]:
        """(service, id) -> text of the templates created or generalised in this batch."""
        return {
            (service, template): text
            for service, texts in self._changed.items()
            for template, text in texts.items()
        }

    def texts(self, service: str) -> dict[int, str]:
        """Every template of `service` known now, by id (the stored ones and the new)."""
        opened = self._open.get(service)
        if opened is not None:
            return dict(opened.texts)
        return {**self._known.get(service, {}), **self._changed.get(service, {})}

    def _opened(self, service: str) -> _Open:
        """A miner for `service` seeded with its templates (closing the least recent one).

        At most `MINERS_KEPT` are open, so that a flood of services keeps memory bounded.
        """
        while len(self._open) >= MINERS_KEPT:
            self._close(next(iter(self._open)))
        texts = self.texts(service)
        opened = self._open[service] = _Open(_seeded(texts, self._config), texts)
        return opened

    def _close(self, service: str) -> None:
        closed = self._open.pop(service)
        self._cached -= len(closed.seen)

    def _mine(self, service: str, opened: _Open, masked: str) -> int:
        self._open.move_to_end(service)
        drain = opened.miner.drain
        if len(drain.id_to_cluster) >= self.cap:
            tokens = drain.get_content_as_tokens(masked)
            if drain.tree_search(drain.root_node, tokens, drain.sim_th, False) is None:
                self.folded[service] += 1
                opened.texts[OTHER_ID] = OTHER_TEXT  # stored with the counts
                return OTHER_ID
        cluster, change = drain.add_log_message(masked)
        cluster_id: int = cluster.cluster_id
        if change != "none":
            text = cluster.get_template()
            opened.texts[cluster_id] = text
            self._changed.setdefault(service, {})[cluster_id] = text
        return cluster_id


def _leading(masked: str) -> str:
    """The first `MINED_TOKENS` tokens of a masked line (its tokens are single-spaced)."""
    if masked.count(" ") < MINED_TOKENS:  # most lines: counted without a loop
        return masked
    cut = -1
    for _ in range(MINED_TOKENS):
        cut = masked.find(" ", cut + 1)
        if cut < 0:
            return masked
    return masked[:cut]


def headless(masked: str) -> str:
    """A masked line without the header (`header`) it leads with: its time and its level.

    drain3 files a line under its first token and merges lines alike in most of the rest.
    Filed under the header's time, the lines of two code sites alike but for their logger
    (a controller's and a service's, under the same request ids) would be one template,
    and one of them vanishing would be drowned by the other. Without the header, the line
    is filed under its logger, or a bare message under its first word as before. The
    level is counted apart, by severity.
    """
    found = split_header(masked)
    return masked if found is None else found[1]


def _seeded(known: Mapping[int, str], config: TemplateMinerConfig) -> TemplateMiner:
    """A miner holding the templates `known` under their ids."""
    miner = TemplateMiner(config=config)
    drain = miner.drain
    for template_id, text in sorted(known.items()):
        if template_id == OTHER_ID:
            continue
        cluster = LogCluster(headless(text).split(), template_id)  # stored with a header
        drain.id_to_cluster[template_id] = cluster
        drain.add_seq_to_prefix_tree(drain.root_node, cluster)
        drain.clusters_counter = max(drain.clusters_counter, template_id)
    return miner
