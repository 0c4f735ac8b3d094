"""How settings are declared and read, in the standard library alone.

A settings class is a frozen dataclass declared as a pydantic model would be: `Field`
with a default (or a factory), numeric limits and a description, `field_validator` and
`model_validator` methods. `read` turns the strings of the environment (or a caller's
values) into an instance: each field's `before` checks, its type, its limits, its other
checks; then the checks across fields. Every problem is collected and named.

Pydantic itself would do the same, but importing it took a sixth of a `svcmap`
question's time.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, dataclass_transform

T = TypeVar("T")
Check = Callable[..., Any]

_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_LIMITS = "limits"
_CHECK = "_settings_check"


class SecretStr:
    """A secret that shows as `**********` wherever it is printed or logged."""

    __slots__ = ("_secret",)

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def get_secret_value(self) -> str:
        """The secret itself."""
        return self._secret

    def __repr__(self) -> str:
        return "SecretStr('**********')"

    def __str__(self) -> str:
        return "**********" if self._secret else ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._secret == self._secret

    def __hash__(self) -> int:
        return hash(self._secret)

    def __len__(self) -> int:
        return len(self._secret)


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    """Bounds of a number: at least `ge`, more than `gt`, at most `le`."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None

    def problem(self, value: float) -> str:
        """What is wrong with `value`, or ""."""
        if self.ge is not None and value < self.ge:
            return f"must be at least {self.ge}"
        if self.gt is not None and value <= self.gt:
            return f"must be more than {self.gt}"
        if self.le is not None and value > self.le:
            return f"must be at most {self.le}"
        return ""


def Field(  # noqa: N802 - named as the pydantic declaration it stands for
    default: Any = dataclasses.MISSING,  # noqa: ANN401 - a default of the field's own type
    *,
    default_factory: Callable[[], Any] | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    description: str = "",
) -> Any:  # noqa: ANN401 - stands for the field's value, as dataclasses.field does
    """A setting's default (or factory), limits and description."""
    metadata = {_LIMITS: Limits(ge, gt, le), "description": description}
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True, slots=True)
class _Marked:
    fields: tuple[str, ...]
    mode: Literal["before", "after", "model"]


def field_validator(*fields: str, mode: Literal["before", "after"] = "after") -> Callable[[T], T]:
    """Mark a classmethod checking `fields`: on the raw value (`before`) or the typed one.

    It returns the value to keep, or raises ValueError saying what is wrong.
    """

    def mark(method: T) -> T:
        setattr(_function(method), _CHECK, _Marked(fields, mode))
        return method

    return mark


def model_validator(*, mode: Literal["after"]) -> Callable[[T], T]:  # noqa: ARG001 - as pydantic's
    """Mark a method checking the whole instance, once every field is read.

    It raises ValueError saying what is wrong.
    """

    def mark(method: T) -> T:
        setattr(_function(method), _CHECK, _Marked((), "model"))
        return method

    return mark


def _function(method: object) -> object:
    """The function a classmethod wraps, where a check's mark is kept."""
    return method.__func__ if isinstance(method, classmethod) else method


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(Field,))
class SettingsModel:
    """A base making each subclass a frozen, keyword-only dataclass of settings."""

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)


class BadSettingsError(Exception):
    """The problems found reading settings, each naming its setting."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def read(cls: type[T], values: Mapping[str, object], *, named: Callable[[str], str]) -> T:
    """An instance of the settings class `cls` from `values` (field names to raw values).

    Values for no field are ignored; a field not given takes its default, checked too.
    `named` gives the name a problem is reported under.
    """
    hints = typing.get_type_hints(cls)
    checks = _checks(cls)
    kept: dict[str, object] = {}
    problems = []
    for declared in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = declared.name
        try:
            value = values[name] if name in values else _default(declared)
            for check in checks.get((name, "before"), []):
                value = check(value)
            value = convert(hints[name], value)
            limits = declared.metadata.get(_LIMITS)
            if limits is not None and isinstance(value, int | float) and limits.problem(value):
                raise ValueError(limits.problem(value))  # noqa: TRY301 - reported with the others
            for check in checks.get((name, "after"), []):
                value = check(value)
        except ValueError as error:
            problems.append(f"{named(name)}: {error}")
        else:
            kept[name] = value
    if problems:
        raise BadSettingsError(problems)
    made = cls(**kept)
    for check in checks.get(("", "model"), []):
        try:
            check(made)
        except ValueError as error:
            problems.append(str(error))
    if problems:
        raise BadSettingsError(problems)
    return made


def _default(declared: dataclasses.Field[Any]) -> object:
    if declared.default_factory is not dataclasses.MISSING:
        return declared.default_factory()
    if declared.default is dataclasses.MISSING:
        raise ValueError("a value is needed")
    return declared.default


def _checks(cls: type) -> dict[tuple[str, str], list[Check]]:
    """The marked checks of `cls`, bound, per (field, mode); ("", "model") for the whole."""
    declared = {field.name for field in dataclasses.fields(cls)}
    found: dict[tuple[str, str], list[Check]] = {}
    for attribute, member in vars(cls).items():
        marked = getattr(_function(member), _CHECK, None)
        if not isinstance(marked, _Marked):
            continue
        if unknown := set(marked.fields) - declared:
            raise TypeError(f"{attribute} checks no setting named {', '.join(sorted(unknown))}")
        bound = getattr(cls, attribute)
        for name in marked.fields or ("",):
            found.setdefault((name, marked.mode), []).append(bound)
    return found


def convert(hint: object, value: object) -> object:  # noqa: PLR0911, PLR0912 - a case per type
    """`value` (a string from the environment, or already typed) as the type `hint` says."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in typing.get_args(hint) if option is not type(None)]
        if value is None and len(options) < len(typing.get_args(hint)):
            return None
        (only,) = options
        return convert(only, value)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ValueError("expected values separated by commas")
        item = typing.get_args(hint)[0]
        return tuple(convert(item, each) for each in value)
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(repr(a) for a in allowed)}")
        return value
    if hint is bool:
        return _boolean(value)
    if hint is int:
        return _whole(value)
    if hint is float:
        return _number(value)
    if hint is str:
        if not isinstance(value, str):
            raise ValueError("expected text")
        return value
    if hint is Path:
        if not isinstance(value, str | Path):
            raise ValueError("expected a path")
        return Path(value)
    if hint is SecretStr:
        if isinstance(value, SecretStr):
            return value
        if not isinstance(value, str):
            raise ValueError("expected text")
        return SecretStr(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            members = ", ".join(repr(member.value) for member in hint)
            raise ValueError(f"expected one of {members}") from None
    raise TypeError(f"settings of type {hint} cannot be read")


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str | int) else ""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("expected true or false")


def _number(value: object) -> float:
    """A finite number, written as digits with an optional point (`0.999`, `14.4`, `6`)."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        number = float(value.strip())
    if number is None or not math.isfinite(number):
        raise ValueError("expected a number such as 0.999 or 14.4")
    return number


def _whole(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ValueError("expected a whole number")
