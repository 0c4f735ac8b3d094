"""Settings, read from the environment (`SVCMAP_*`) and an optional `.env` file."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from topology.errors import SvcmapError, UsageError
from topology.timespec import parse_duration


def default_database_url() -> str:
    """A SQLite file under the user's data directory (XDG_DATA_HOME)."""
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return f"sqlite:///{data_home / 'svcmap' / 'svcmap.db'}"


class Settings(BaseSettings):
    """Every setting svcmap reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_prefix="SVCMAP_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = Field(default_factory=default_database_url)
    catalog_file: Path | None = None
    default_window: str | None = None
    infer_peers: bool = False

    @field_validator("default_window")
    @classmethod
    def _window_is_a_duration(cls, value: str | None) -> str | None:
        if value:
            try:
                parse_duration(value)
            except UsageError as error:
                raise ValueError(str(error)) from None
        return value or None

    @field_validator("catalog_file", mode="before")
    @classmethod
    def _empty_path_is_none(cls, value: object) -> object:
        return None if value == "" else value


class SettingsError(SvcmapError):
    """A setting has a value svcmap cannot use."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings, naming the bad one when a value cannot be used."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(
            f"SVCMAP_{'_'.join(str(p) for p in issue['loc']).upper()}: {issue['msg']}"
            for issue in error.errors()
        )
        raise SettingsError(f"bad setting: {problems}") from None
