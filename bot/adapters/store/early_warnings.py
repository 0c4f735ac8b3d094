"""The early warnings kept: read them all, write a pass's changes, note posts and mutes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from bot.adapters.store.incidents import transaction
from bot.adapters.store.inserts import insert_for
from bot.adapters.store.schema import early_warnings
from topology.warnings.model import Finding
from topology.warnings.track import KeptWarning, Key

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine, Row

_FINDING = ("kind", "level", "usual", "threshold", "eta_s")
_KEPT = ("opened_at", "seen_at", "posted_at", "closed_at", "muted_until")


class WarningLog:
    """The early warnings table of one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def kept(self) -> dict[Key, KeptWarning]:
        """Every warning kept, open or closed, by key."""
        with transaction(self._engine, writes=False) as connection:
            found = connection.execute(select(early_warnings)).all()
        return {warning.key: warning for warning in map(_warning, found)}

    def write(self, warnings: Iterable[KeptWarning]) -> None:
        """Insert or overwrite `warnings`, all in one transaction; a mute already set stays."""
        rows = [_row(warning) for warning in warnings]
        if not rows:
            return
        with transaction(self._engine, writes=True) as connection:
            statement = insert_for(connection, early_warnings)
            changed = {name: statement.excluded[name] for name in (*_FINDING, *_KEPT[:4])}
            connection.execute(
                statement.on_conflict_do_update(index_elements=["subject", "metric"], set_=changed),
                rows,
            )

    def posted(self, key: Key, now: int) -> None:
        """Note that the warning of `key` was posted at `now`."""
        self._set(key, posted_at=now)

    def mute(self, key: Key, until: int) -> bool:
        """Mute the warning of `key` until `until`; False when no such warning is kept."""
        return self._set(key, muted_until=until)

    def _set(self, key: Key, **values: int) -> bool:
        subject, metric = key
        table = early_warnings
        with transaction(self._engine, writes=True) as connection:
            done = connection.execute(
                update(table)
                .where(table.c.subject == subject, table.c.metric == metric)
                .values(**values)
            )
        return bool(done.rowcount)


def _row(warning: KeptWarning) -> dict[str, Any]:
    finding = warning.finding
    return {
        "subject": finding.subject,
        "metric": finding.metric,
        **{name: getattr(finding, name) for name in _FINDING},
        **{name: getattr(warning, name) for name in _KEPT},
    }


def _warning(row: Row[Any]) -> KeptWarning:
    values = row._mapping
    finding = Finding(
        subject=values["subject"],
        metric=values["metric"],
        kind=values["kind"],
        level=values["level"],
        usual=values["usual"],
        threshold=values["threshold"],
        eta_s=values["eta_s"],
    )
    return KeptWarning(finding, **{name: values[name] for name in _KEPT})
