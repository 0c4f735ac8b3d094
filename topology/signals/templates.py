"""Log templates mined with drain3, one miner per service, stable under stored ids.

A miner is seeded with the templates the store already holds for its service (their
ids and masked text), so a line maps to the same template in a later import or in
another replica. New templates take the next ids. Past `cap` templates, a line that
matches none of them counts under `OTHER_ID` instead of growing the miner.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from drain3 import TemplateMiner
from drain3.drain import LogCluster
from drain3.template_miner_config import TemplateMinerConfig

from topology.signals.masking import TokenMasks

OTHER_ID = 0
"""The template of the lines past a service's cap."""
OTHER_TEXT = "<other>"
"""The text of `OTHER_ID`."""
TEMPLATE_CAP = 200
"""Templates kept per service by default."""
MINERS_KEPT = 64
"""Services whose miner stays open at once (records come grouped by service)."""
CACHE_SIZE = 20_000
"""Masked lines remembered (with their service and template) before the memory is cleared."""
CACHED_CHARS = 1024
"""Masked lines longer than this are mined each time, not remembered."""


def miner_config() -> TemplateMinerConfig:
    """The drain3 configuration of a miner: `masking.TokenMasks`, `<*>` for parameters."""
    config = TemplateMinerConfig()
    config.masking_instructions = [TokenMasks()]
    config.parametrize_numeric_tokens = True
    return config


class TemplateBook:
    """The template of each log line, per service; what is new or changed, what was folded."""

    def __init__(self, known: Mapping[str, Mapping[int, str]], *, cap: int = TEMPLATE_CAP) -> None:
        self._known = known
        self._cap = cap
        self._config = miner_config()  # one masker for every service: it is service-blind
        self._miners: dict[str, TemplateMiner] = {}
        self._seen: dict[tuple[str, str], int] = {}
        self._changed: dict[str, dict[int, str]] = {}
        self.folded: Counter[str] = Counter()
        """Per service, the lines counted under `OTHER_ID` at the cap."""

    def template_of(self, service: str, body: str) -> int:
        """The id of the template of `body` in `service` (mining it if new)."""
        miner = self._miners.get(service)
        if miner is None:
            miner = self._open(service)
        masked = miner.masker.mask(body)
        seen = self._seen
        found = seen.get((service, masked))
        if found is not None:
            if found == OTHER_ID:
                self.folded[service] += 1
            return found
        found = self._mine(service, miner, masked)
        if len(masked) <= CACHED_CHARS:
            if len(seen) >= CACHE_SIZE:
                seen.clear()
            seen[service, masked] = found
        return found

    @property
    def changed(self) -> dict[tuple[str, int], str]:
        """(service, id) -> text of the templates created or generalised here."""
        return {
            (service, template): text
            for service, texts in self._changed.items()
            for template, text in texts.items()
        }

    def texts(self, service: str) -> dict[int, str]:
        """Every template of `service` known now, by id (the stored ones and the new)."""
        return {**self._known.get(service, {}), **self._changed.get(service, {})}

    def _open(self, service: str) -> TemplateMiner:
        """A miner for `service`, seeded with its templates (closing the oldest one open).

        At most `MINERS_KEPT` are open, so that a flood of services keeps memory bounded.
        """
        if len(self._miners) >= MINERS_KEPT:
            oldest = next(iter(self._miners))
            del self._miners[oldest]
        miner = self._miners[service] = _seeded(self.texts(service), self._config)
        return miner

    def _mine(self, service: str, miner: TemplateMiner, masked: str) -> int:
        drain = miner.drain
        if len(drain.id_to_cluster) >= self._cap:
            tokens = drain.get_content_as_tokens(masked)
            if drain.tree_search(drain.root_node, tokens, drain.sim_th, False) is None:
                self.folded[service] += 1
                return OTHER_ID
        cluster, change = drain.add_log_message(masked)
        if change != "none":
            self._changed.setdefault(service, {})[cluster.cluster_id] = cluster.get_template()
        cluster_id: int = cluster.cluster_id
        return cluster_id


def _seeded(known: Mapping[int, str], config: TemplateMinerConfig) -> TemplateMiner:
    """A miner holding the templates `known` under their ids."""
    miner = TemplateMiner(config=config)
    drain = miner.drain
    for template_id, text in sorted(known.items()):
        if template_id == OTHER_ID:
            continue
        cluster = LogCluster(text.split(), template_id)
        drain.id_to_cluster[template_id] = cluster
        drain.add_seq_to_prefix_tree(drain.root_node, cluster)
        drain.clusters_counter = max(drain.clusters_counter, template_id)
    return miner
