"""How far each live source was pulled, and the leases that keep a job on one replica."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from bot.adapters.store.engine import WRITES
from bot.adapters.store.inserts import insert_for
from bot.adapters.store.ports import SourceState
from bot.adapters.store.repository import reported
from bot.adapters.store.schema import leases, source_state

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


__all__ = ["SourceState", "SourceStates"]


class SourceStates:
    """The `source_state` and `leases` tables of one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def all(self) -> dict[str, SourceState]:
        """Every source's state, by name."""
        with reported(self._engine), self._engine.connect() as connection:
            found = connection.execute(select(source_state)).all()
        return {row.name: SourceState(*row) for row in found}

    def get(self, name: str) -> SourceState | None:
        """The state of source `name`, or None before its first pass."""
        return self.all().get(name)

    def record_success(self, name: str, *, high_water: int, now_s: int, spans: int) -> None:
        """Advance the source's high water and note the success; earlier errors stay shown."""
        self._upsert(
            {"name": name, "high_water": high_water, "last_success": now_s, "spans": spans}
        )

    def record_error(self, name: str, *, now_s: int, message: str) -> None:
        """Note a failed pass; the high water stays where it was."""
        self._upsert({"name": name, "last_error_at": now_s, "last_error": message})

    def try_lease(self, name: str, holder: str, now_s: int, ttl_s: int) -> bool:
        """Take or renew lease `name` until `now_s + ttl_s`; False while another holds it.

        One statement, atomic on SQLite and Postgres: the row is written only when it is
        new, expired, or already the holder's, and RETURNING says whether it was.
        """
        with reported(self._engine), self._engine.connect() as connection:
            connection.execution_options(**{WRITES: True})
            with connection.begin():
                statement = insert_for(connection, leases).values(
                    name=name, holder=holder, expires=now_s + ttl_s
                )
                taking = statement.on_conflict_do_update(
                    index_elements=["name"],
                    set_={"holder": holder, "expires": now_s + ttl_s},
                    where=(leases.c.expires < now_s) | (leases.c.holder == holder),
                ).returning(leases.c.name)
                return connection.execute(taking).first() is not None

    def release_lease(self, name: str, holder: str) -> None:
        """Give lease `name` up, if `holder` still holds it."""
        with reported(self._engine), self._engine.connect() as connection:
            connection.execution_options(**{WRITES: True})
            with connection.begin():
                connection.execute(
                    delete(leases).where(leases.c.name == name, leases.c.holder == holder)
                )

    def _upsert(self, row: dict[str, Any]) -> None:
        with reported(self._engine), self._engine.connect() as connection:
            connection.execution_options(**{WRITES: True})
            with connection.begin():
                statement = insert_for(connection, source_state).values(**row)
                changed = {key: value for key, value in row.items() if key != "name"}
                connection.execute(
                    statement.on_conflict_do_update(index_elements=["name"], set_=changed)
                )
