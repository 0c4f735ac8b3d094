"""Settings, read from the environment (`SVCMAP_*`) and an optional `.env` file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from topology.catalog_yaml import SLACK_CHANNEL
from topology.errors import SvcmapError, UsageError
from topology.incidents.model import PagingMode
from topology.timespec import parse_duration


def default_database_url() -> str:
    """A SQLite file under the user's data directory (XDG_DATA_HOME)."""
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return f"sqlite:///{data_home / 'svcmap' / 'svcmap.db'}"


class Settings(BaseSettings):
    """Every setting svcmap reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_prefix="SVCMAP_",
        env_file=".env",
        env_ignore_empty=True,  # `.env.example`: an empty value means the default
        extra="ignore",
        frozen=True,
    )

    database_url: str = Field(default_factory=default_database_url)
    catalog_file: Path | None = None
    default_window: str | None = None
    infer_peers: bool = False
    jaeger_url: str = ""
    zipkin_url: str = ""
    tempo_url: str = ""
    tempo_tenant: str | None = None
    prometheus_url: str = ""
    refresh_interval: int = Field(default=60, description="seconds; `1m` in the environment")
    refresh_overlap: int = Field(default=120, ge=0, description="seconds, for late spans")
    source_timeout: int = Field(default=10, description="seconds per request to a source")
    trace_limit: int = Field(default=1000, gt=0, description="traces per service per pass")
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    otlp_max_body_bytes: int = Field(
        default=8 * 1024 * 1024, gt=0, description="per OTLP request, compressed and not"
    )
    paging_mode: PagingMode = PagingMode.DRY_RUN
    pagerduty_events_url: str = "https://events.pagerduty.com"
    alert_token: SecretStr | None = None
    alert_user: str = ""
    alert_password: SecretStr | None = None
    alert_labels: Annotated[tuple[str, ...], NoDecode] = ("service", "job")
    incident_channel: str = ""

    @field_validator("jaeger_url", "zipkin_url", "tempo_url", "prometheus_url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        text = value.strip()
        if text:
            parts = urlsplit(text)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("must be an http:// or https:// URL, or empty for off")
        return text

    @field_validator("pagerduty_events_url")
    @classmethod
    def _events_url_is_http(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// URL")
        return value.strip().rstrip("/")

    @field_validator("alert_labels", mode="before")
    @classmethod
    def _label_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = [name.strip() for name in value.split(",")]
        if isinstance(value, list | tuple):
            names = tuple(str(name).strip() for name in value if str(name).strip())
            if not names:
                raise ValueError("name at least one label, e.g. service,job")
            return names
        return value

    @field_validator("incident_channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        text = value.strip()
        if text and not SLACK_CHANNEL.fullmatch(text):
            raise ValueError("expected a channel like #incidents or a channel id, or empty")
        return text

    @field_validator("alert_token", "alert_password", mode="before")
    @classmethod
    def _empty_secret_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("refresh_interval", "refresh_overlap", "source_timeout", mode="before")
    @classmethod
    def _seconds(cls, value: object) -> object:
        if isinstance(value, str) and value.strip() and not value.strip().isdigit():
            try:
                return parse_duration(value)
            except UsageError as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("refresh_interval", "source_timeout")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be more than 0s")
        return value

    @field_validator("tempo_tenant", mode="before")
    @classmethod
    def _empty_tenant_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

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
