"""Turning query results into plain JSON-able data."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


@runtime_checkable
class ToDict(Protocol):
    """Anything that knows its own JSON-able form."""

    def to_dict(self) -> dict[str, object]:
        """The object as plain JSON-able data."""


def as_dict(result: DataclassInstance) -> dict[str, object]:
    """The fields of a result dataclass as plain JSON-able data."""
    return {field.name: jsonable(getattr(result, field.name)) for field in fields(result)}


def jsonable(value: object) -> object:  # noqa: PLR0911 -- one return per kind of value
    """`value` with enums, dataclasses and tuples turned into JSON types."""
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
