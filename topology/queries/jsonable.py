"""Turning query results into plain JSON-able data."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from functools import cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


@runtime_checkable
class ToDict(Protocol):
    """Anything that knows its own JSON-able form."""

    def to_dict(self) -> dict[str, object]:
        """The object as plain JSON-able data."""


PLAIN = frozenset({str, int, float, bool, type(None)})
"""The types whose values are JSON as they are (not their subclasses: a str enum is not)."""


def as_dict(result: DataclassInstance) -> dict[str, object]:
    """The fields of a result dataclass as plain JSON-able data."""
    return {name: jsonable(getattr(result, name)) for name in _field_names(type(result))}


@cache
def _field_names(kind: type[DataclassInstance]) -> tuple[str, ...]:
    """The names of a dataclass's fields, in order: `fields` makes them anew at each call."""
    return tuple(field.name for field in fields(kind))


def jsonable(value: object) -> object:  # noqa: PLR0911 -- one return per kind of value
    """`value` with enums, dataclasses and tuples turned into JSON types."""
    if type(value) in PLAIN:  # most values: answered before any isinstance
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, str | int | float):
        return value
    to_dict = getattr(value, "to_dict", None)  # not isinstance(ToDict): far slower per call
    if callable(to_dict):
        return to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return as_dict(value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [jsonable(item) for item in value]
    return value
