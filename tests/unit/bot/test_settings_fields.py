"""Reading declared settings from strings: types, limits, checks, and every problem named."""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Literal

import pytest

from bot.settings_fields import (
    BadSettingsError,
    Field,
    SecretStr,
    SettingsModel,
    field_validator,
    model_validator,
    read,
)


class Mode(enum.StrEnum):
    ON = "on"
    OFF = "off"


class Example(SettingsModel):
    name: str = "svcmap"
    port: int = Field(default=8080, ge=1, le=65535)
    workers: int = Field(default=2, gt=0)
    verbose: bool = False
    folder: Path | None = None
    token: SecretStr | None = None
    mode: Mode = Mode.OFF
    auth: Literal["", "oidc"] = ""
    labels: tuple[str, ...] = ("service",)
    low: int = 1
    high: int = 2
    made: str = Field(default_factory=lambda: "from a factory")

    @field_validator("labels", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return tuple(value.split(",")) if isinstance(value, str) else value

    @field_validator("name")
    @classmethod
    def _no_spaces(cls, value: str) -> str:
        if " " in value:
            raise ValueError("no spaces, please")
        return value.lower()

    @model_validator(mode="after")
    def _ordered(self) -> Example:
        if self.high < self.low:
            raise ValueError("HIGH must be at least LOW")
        return self


def named(field: str) -> str:
    return f"X_{field.upper()}"


def test_strings_are_read_as_each_field_s_type():
    example = read(
        Example,
        {
            "port": " 9090 ",
            "verbose": "Yes",
            "folder": "/srv/svcmap",
            "token": "s3cret-value",
            "mode": "on",
            "auth": "oidc",
            "labels": "a,b",
        },
        named=named,
    )

    assert (example.port, example.verbose, example.folder) == (9090, True, Path("/srv/svcmap"))
    assert example.token == SecretStr("s3cret-value")
    assert (example.mode, example.auth, example.labels) == (Mode.ON, "oidc", ("a", "b"))


def test_defaults_are_kept_and_checked_and_a_factory_is_called():
    example = read(Example, {"name": "SvcMap"}, named=named)

    assert (example.name, example.port, example.labels, example.made) == (
        "svcmap",
        8080,
        ("service",),
        "from a factory",
    )


def test_a_whole_float_is_a_whole_number():
    assert read(Example, {"port": 8081.0}, named=named).port == 8081


def test_values_for_no_field_are_ignored():
    assert read(Example, {"nothing_like_this": "1"}, named=named).port == 8080


def test_every_bad_value_is_named_in_one_error():
    with pytest.raises(BadSettingsError) as raised:
        read(
            Example,
            {"port": "0", "workers": "0", "verbose": "perhaps", "mode": "sometimes", "name": "a b"},
            named=named,
        )

    assert raised.value.problems == [
        "X_NAME: no spaces, please",
        "X_PORT: must be at least 1",
        "X_WORKERS: must be more than 0",
        "X_VERBOSE: expected true or false",
        "X_MODE: expected one of 'on', 'off'",
    ]


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("port", "80.5", "X_PORT: expected a whole number"),
        ("port", 80.5, "X_PORT: expected a whole number"),
        ("port", "65536", "X_PORT: must be at most 65535"),
        ("port", True, "X_PORT: expected a whole number"),
        ("auth", "saml", "X_AUTH: expected one of '', 'oidc'"),
        ("name", 5, "X_NAME: expected text"),
        ("labels", 5, "X_LABELS: expected values separated by commas"),
        ("token", 5, "X_TOKEN: expected text"),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_saying_what_was_expected(field, value, problem):
    with pytest.raises(BadSettingsError, match=problem):
        read(Example, {field: value}, named=named)


def test_checks_across_fields_run_once_every_field_is_good():
    with pytest.raises(BadSettingsError, match=r"^HIGH must be at least LOW$"):
        read(Example, {"low": "5", "high": "3"}, named=named)
    with pytest.raises(BadSettingsError, match=r"X_LOW: expected a whole number$"):
        read(Example, {"low": "many", "high": "3"}, named=named)


def test_settings_are_frozen():
    example = read(Example, {}, named=named)

    with pytest.raises(dataclasses.FrozenInstanceError):
        example.port = 1  # type: ignore[misc]


def test_a_check_of_a_setting_that_does_not_exist_is_a_mistake_found_at_once():
    class Mistaken(SettingsModel):
        port: int = 1

        @field_validator("prot")
        @classmethod
        def _check(cls, value: int) -> int:
            return value

    with pytest.raises(TypeError, match="prot"):
        read(Mistaken, {}, named=named)


def test_a_secret_never_shows_and_compares_by_value():
    secret = SecretStr("hunter2-hunter2")

    assert "hunter2" not in f"{secret} {secret!r} {[secret]}"
    assert secret == SecretStr("hunter2-hunter2") != SecretStr("other")
    assert len({secret, SecretStr("hunter2-hunter2")}) == 1
    assert str(SecretStr("")) == ""
