"""Settings, read from the environment (`SVCMAP_*`) and an optional `.env` file.

They are declared as a pydantic model would be and read by `bot.settings_fields`, in the
standard library alone: importing pydantic took a sixth of a `svcmap` question's time.
A list is a comma-separated string, split by the list's own `before` validator.
"""

from __future__ import annotations

import ipaddress
import os
import re
from itertools import pairwise
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from bot.settings_fields import (
    BadSettingsError,
    Field,
    SecretStr,
    SettingsModel,
    field_validator,
    model_validator,
    read,
)
from topology.catalog_yaml import SLACK_CHANNEL
from topology.errors import SettingsError, UsageError
from topology.incidents.model import RESOLVE_HOLD_S, PagingMode
from topology.redaction import redaction_of
from topology.retention import DAY, Retention
from topology.timespec import parse_duration

_RETAINED = ("retain_minutes", "retain_hours", "retain_days")
"""The retention of each tier of buckets, finest first."""
_DURATIONS = (
    "refresh_interval",
    "refresh_overlap",
    "source_timeout",
    "otlp_pairing_wait",
    "max_clock_skew",
    "name_window",
    "web_session_lifetime",
    "http_header_timeout",
    "warnings_interval",
    "warnings_horizon",
    "resolve_hold",
    *_RETAINED,
)
"""Settings in seconds that may be written as durations (`90s`, `2d`)."""
HTTP_HEADER_TIMEOUT_S = 10
"""Seconds a connection to `serve` has to send a request's headers, by default."""
HTTP_MAX_CONNECTIONS = 1000
"""Connections `serve` keeps open at once, by default."""


def data_home() -> Path:
    """The user's data directory (XDG_DATA_HOME, else ~/.local/share)."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def default_database_url() -> str:
    """A SQLite file under the user's data directory (XDG_DATA_HOME)."""
    return f"sqlite:///{data_home() / 'svcmap' / 'svcmap.db'}"


class Settings(SettingsModel):
    """Every setting svcmap reads; `.env.example` documents each one."""

    database_url: str = Field(default_factory=default_database_url)
    catalog_file: Path | None = None
    default_window: str | None = None
    infer_peers: bool = False
    strict_trace_id: bool = Field(
        default=False, description="false: a 64-bit trace id matches the 128-bit one ending in it"
    )
    jaeger_url: str = ""
    zipkin_url: str = ""
    tempo_url: str = ""
    tempo_tenant: str | None = None
    prometheus_url: str = ""
    prometheus_signals_file: Path | None = None
    prometheus_service_label: str = Field(
        default="service", description="the label naming a service in the signals' series"
    )
    backstage_url: str = ""
    backstage_token: SecretStr | None = None
    backstage_filter: str = Field(
        default="kind=component;kind=resource",
        description="filter sets, `;`-separated (OR); conditions in a set `,`-separated (AND)",
    )
    refresh_interval: int = Field(default=60, description="seconds; `1m` in the environment")
    refresh_overlap: int = Field(default=120, ge=0, description="seconds, for late spans")
    source_timeout: int = Field(default=10, description="seconds per request to a source")
    db_pool_timeout: int = Field(
        default=5, gt=0, description="seconds a request waits for a free database connection"
    )
    db_statement_timeout: int = Field(
        default=30, gt=0, description="seconds one Postgres statement may run"
    )
    ingest_timeout: int = Field(
        default=5, gt=0, description="seconds an alert or OTLP request waits on the store (503)"
    )
    alert_workers: int = Field(
        default=2, ge=1, le=16, description="threads of serve recording queued alert notifications"
    )
    alert_queue_limit: int = Field(
        default=10_000, gt=0, description="alert notifications waiting before the webhook says 503"
    )
    alert_lease: int = Field(
        default=120,
        ge=10,
        le=3600,
        description="seconds a worker holds a claimed alert notification (then another takes it)",
    )
    trace_limit: int = Field(default=1000, gt=0, description="traces per service per pass")
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    http_header_timeout: int = Field(
        default=HTTP_HEADER_TIMEOUT_S,
        ge=1,
        le=300,
        description="seconds a connection has to send a request's headers (then 408, closed)",
    )
    http_max_connections: int = Field(
        default=HTTP_MAX_CONNECTIONS,
        ge=16,
        le=100_000,
        description="connections serve keeps open at once (past it, the longest idle is closed)",
    )
    otlp_max_body_bytes: int = Field(
        default=8 * 1024 * 1024, gt=0, description="per OTLP request, compressed and not"
    )
    otlp_pairing_wait: int = Field(
        default=10, ge=0, le=300, description="seconds a client span waits for its server span"
    )
    max_clock_skew: int = Field(
        default=600, ge=0, le=DAY, description="seconds a live record may be stamped ahead of now"
    )
    log_template_cap: int = Field(
        default=200, ge=1, le=10_000, description="log templates kept per service"
    )
    log_body_chars: int = Field(
        default=4096, ge=64, le=1_048_576, description="characters of a log body mined"
    )
    metric_name_cap: int = Field(
        default=64, ge=1, le=10_000, description="metric names kept per service"
    )
    max_services: int = Field(
        default=10_000, ge=0, description="new services a source may add per name window"
    )
    max_virtual_nodes: int = Field(
        default=10_000, ge=0, description="new virtual nodes a source may add per name window"
    )
    max_edges: int = Field(
        default=100_000, ge=0, description="new edges a source may add per name window"
    )
    new_names_per_minute: int = Field(
        default=500, ge=0, description="new names a live source may add a minute (a burst)"
    )
    name_window: int = Field(
        default=DAY, gt=0, le=400 * DAY, description="seconds; `1d` in the environment"
    )
    snapshot_services: int = Field(
        default=500, ge=1, le=1_000_000, description="services an incident's snapshot keeps"
    )
    snapshot_bytes: int = Field(
        default=5_000_000,
        ge=10_000,
        le=1_000_000_000,
        description="bytes an incident's snapshot takes, past what ranking reads",
    )
    redact_defaults: bool = Field(
        default=True, description="e-mails, addresses, UUIDs, hex ids, long numbers in names"
    )
    redact_rules: str = Field(
        default="", description='more rules, a JSON object: {"regex": "{placeholder}"}'
    )
    anonymise_key: SecretStr | None = None
    page_presser_name: Literal["none", "display-name"] = Field(
        default="none", description="how a page sent from Slack names who asked for it"
    )
    warnings: Literal["off", "on"] = Field(
        default="off", description="early warnings: `serve` posts heads-ups to owners' channels"
    )
    warnings_interval: int = Field(
        default=300, ge=60, le=DAY, description="seconds between warning passes; `5m`"
    )
    warnings_horizon: int = Field(
        default=7200, ge=300, le=DAY, description="seconds a trend is followed ahead; `2h`"
    )
    warnings_days: int = Field(
        default=7, ge=1, le=28, description="earlier days whose same hours are the usual level"
    )
    retain_minutes: int = Field(default=2 * DAY, description="seconds; `2d` in the environment")
    retain_hours: int = Field(default=30 * DAY, description="seconds; `30d` in the environment")
    retain_days: int = Field(default=400 * DAY, description="seconds; `400d` in the environment")
    risk_min_share: float = Field(
        default=0.5, gt=0, le=1, description="entry traffic share making a single point of failure"
    )
    slo_objective: float = Field(
        default=0.999, gt=0, le=0.99999, description="the part of requests to serve well"
    )
    slo_latency_ms: float = Field(default=500.0, gt=0, description="a request slower is slow")
    burn_fast_rate: float = Field(default=14.4, gt=0, description="1h and 5m burn rate")
    burn_slow_rate: float = Field(default=6.0, gt=0, description="6h and 30m burn rate")
    paging_mode: PagingMode = PagingMode.DRY_RUN
    pagerduty_events_url: str = "https://events.pagerduty.com"
    alert_token: SecretStr | None = None
    alert_user: str = ""
    alert_password: SecretStr | None = None
    alert_labels: tuple[str, ...] = ("service", "job")
    incident_channel: str = ""
    resolve_hold: int = Field(
        default=RESOLVE_HOLD_S,
        ge=0,
        le=60 * 60,
        description="seconds a resolve waits in case its alert fires again",
    )

    @property
    def retention(self) -> Retention:
        """How long the store keeps minute, hour and day buckets."""
        return Retention(self.retain_minutes, self.retain_hours, self.retain_days)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_answer_processes: int = Field(
        default=2, ge=0, le=32, description="worker processes answering; 0: the server's threads"
    )
    slack_allowed_channels: tuple[str, ...] = ()
    slack_allowed_groups: tuple[str, ...] = ()
    slack_page_channels: tuple[str, ...] = ()
    slack_page_groups: tuple[str, ...] = ()
    web_url: str = ""

    web_auth: Literal["", "oidc", "proxy", "none"] = Field(
        default="", description="empty: what is configured; none: serve unguarded on any address"
    )
    allowed_hosts: tuple[str, ...] = ()
    otlp_tokens: tuple[SecretStr, ...] = ()
    metrics_tokens: tuple[SecretStr, ...] = ()
    web_trusted_proxies: tuple[str, ...] = ()
    web_proxy_user_header: str = "X-Forwarded-User"
    web_proxy_email_header: str = "X-Forwarded-Email"
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid email profile"
    oidc_groups_claim: str = "groups"
    web_session_secret: SecretStr | None = None
    web_session_lifetime: int = Field(default=12 * 3600, description="seconds; `12h`")
    web_allowed_emails: tuple[str, ...] = ()
    web_allowed_groups: tuple[str, ...] = ()
    web_slack_workspace: str = ""

    @property
    def slack_enabled(self) -> bool:
        """Whether the Slack app runs: a bot token and the signing secret are both set."""
        return self.slack_bot_token is not None and self.slack_signing_secret is not None

    @field_validator(
        "slack_allowed_channels",
        "slack_allowed_groups",
        "slack_page_channels",
        "slack_page_groups",
        mode="before",
    )
    @classmethod
    def _slack_ids(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            for item in value:
                if not isinstance(item, str) or not _SLACK_ID.fullmatch(item):
                    raise ValueError(
                        f"{item!r} is not a Slack ID (like C0123ABCD or S0123ABCD); "
                        "list IDs separated by commas"
                    )
            return tuple(value)
        return value

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "alert_token",
        "alert_password",
        "oidc_client_secret",
        "web_session_secret",
        mode="before",
    )
    @classmethod
    def _empty_secret_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token, starting xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token, starting xapp-")
        return value

    @field_validator(
        "jaeger_url",
        "zipkin_url",
        "tempo_url",
        "prometheus_url",
        "backstage_url",
        "slack_api_url",
        "web_url",
        "oidc_issuer",
    )
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

    @field_validator(*_DURATIONS, mode="before")
    @classmethod
    def _seconds(cls, value: object) -> object:
        if isinstance(value, str) and value.strip() and not value.strip().isdigit():
            try:
                return parse_duration(value)
            except UsageError as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("refresh_interval", "source_timeout", "web_session_lifetime", *_RETAINED)
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be more than 0s")
        return value

    @model_validator(mode="after")
    def _coarser_tiers_are_kept_longer(self) -> Settings:
        for finer, coarser in pairwise(_RETAINED):
            if getattr(self, coarser) < getattr(self, finer):
                raise ValueError(
                    f"SVCMAP_{coarser.upper()} must be at least SVCMAP_{finer.upper()}: "
                    "a tier is compacted into the next one when it expires"
                )
        return self

    @field_validator("web_auth", mode="before")
    @classmethod
    def _auth_mode(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("otlp_tokens", "metrics_tokens", mode="before")
    @classmethod
    def _tokens(cls, value: object) -> object:
        items = _listed(value)
        for token in items:
            text = token.get_secret_value() if isinstance(token, SecretStr) else token
            if not isinstance(text, str) or not _TOKEN.fullmatch(text):
                raise ValueError(
                    "tokens are 16 or more letters, digits and -._~+/= (openssl rand -hex 32), "
                    "separated by commas"
                )
        return tuple(SecretStr(t) if isinstance(t, str) else t for t in items)

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: object) -> object:
        hosts = tuple(str(host).lower() for host in _listed(value))
        for host in hosts:
            if not _HOST.fullmatch(host):
                raise ValueError(
                    f"{host!r} is not a host name or address (svcmap.example.com, "
                    "*.example.com, 10.0.0.5, [::1]); no ports, separated by commas"
                )
        return hosts

    @field_validator("web_trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> object:
        found = []
        for entry in _listed(value):
            try:
                found.append(str(ipaddress.ip_network(str(entry), strict=False)))
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an address or network (10.0.0.7, 10.0.0.0/24, ::1)"
                ) from None
        return tuple(found)

    @field_validator("web_allowed_emails", mode="before")
    @classmethod
    def _emails(cls, value: object) -> object:
        emails = tuple(str(email).lower() for email in _listed(value))
        for email in emails:
            if not _EMAIL.fullmatch(email):
                raise ValueError(f"{email!r} is neither an e-mail address nor @domain")
        return emails

    @field_validator("web_allowed_groups", mode="before")
    @classmethod
    def _groups(cls, value: object) -> object:
        return tuple(str(group) for group in _listed(value))

    @field_validator("web_proxy_user_header", "web_proxy_email_header", "oidc_groups_claim")
    @classmethod
    def _header_name(cls, value: str) -> str:
        if not _HEADER.fullmatch(value.strip()):
            raise ValueError("must be a header or claim name, such as X-Forwarded-User")
        return value.strip()

    @field_validator("web_slack_workspace")
    @classmethod
    def _workspace(cls, value: str) -> str:
        text = value.strip()
        if text and not _SLACK_ID.fullmatch(text):
            raise ValueError("must be a Slack workspace ID, like T0123ABCD, or empty")
        return text

    @model_validator(mode="after")
    def _signals_need_prometheus(self) -> Settings:
        if self.prometheus_signals_file is not None and not self.prometheus_url:
            raise ValueError(
                "SVCMAP_PROMETHEUS_SIGNALS_FILE needs SVCMAP_PROMETHEUS_URL: the server asked"
            )
        return self

    @model_validator(mode="after")
    def _web_auth_is_whole(self) -> Settings:
        problem = _web_auth_problem(self)
        if problem:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _redaction_rules(self) -> Settings:
        if self.redact_rules.strip():
            try:
                redaction_of(self.redact_rules, defaults=self.redact_defaults)
            except ValueError as error:
                raise ValueError(f"SVCMAP_REDACT_RULES: {error}") from None
        return self

    @field_validator("anonymise_key", mode="before")
    @classmethod
    def _anonymise_key(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(text, str) and len(text) < MIN_KEY_CHARS:
            raise ValueError(f"must be at least {MIN_KEY_CHARS} characters (openssl rand -hex 32)")
        return value

    @field_validator("page_presser_name", mode="before")
    @classmethod
    def _presser_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("tempo_tenant", "backstage_token", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("backstage_filter")
    @classmethod
    def _filter_sets(cls, value: str) -> str:
        sets = [part.strip() for part in value.split(";") if part.strip()]
        if not sets:
            raise ValueError("name at least one filter set, such as kind=component")
        for found in sets:
            if not found.isprintable():
                raise ValueError("filter sets hold no tabs, line breaks or control characters")
            if any(not condition.strip() for condition in found.split(",")):
                raise ValueError("an empty condition; write kind=component,spec.type=service")
        return ";".join(sets)

    def backstage_filters(self) -> tuple[str, ...]:
        """The Backstage filter sets, one `filter` parameter each."""
        return tuple(self.backstage_filter.split(";"))

    @field_validator("default_window")
    @classmethod
    def _window_is_a_duration(cls, value: str | None) -> str | None:
        if value:
            try:
                parse_duration(value)
            except UsageError as error:
                raise ValueError(str(error)) from None
        return value or None

    @field_validator("catalog_file", "prometheus_signals_file", mode="before")
    @classmethod
    def _empty_path_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("prometheus_service_label")
    @classmethod
    def _label_name(cls, value: str) -> str:
        if not _LABEL.fullmatch(value):
            raise ValueError("a Prometheus label name: letters, digits and _, not first a digit")
        return value


_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_SLACK_ID = re.compile(r"[A-Z][A-Z0-9]{2,20}")
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{16,512}")
_HOST = re.compile(r"(\*\.)?[a-z0-9_]([a-z0-9_.-]{0,252})|\[[0-9a-f:.]{2,45}\]")
_EMAIL = re.compile(r"[^@\s,]*@[^@\s,]+\.[^@\s,]+")
_HEADER = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}")
_SESSION_SECRET_CHARS = 32
MIN_KEY_CHARS = 16
"""Characters of `SVCMAP_ANONYMISE_KEY` at least."""


def _listed(value: object) -> tuple[object, ...]:
    """A comma-separated string, or a list, as its non-empty items."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list | tuple):
        return tuple(value)
    raise ValueError("expected values separated by commas")


def _web_auth_problem(settings: Settings) -> str:
    """What is missing or contradictory in the web view's authentication, or ""."""
    mode, issuer = settings.web_auth, settings.oidc_issuer
    if mode == "none" and (issuer or settings.web_trusted_proxies):
        return (
            "SVCMAP_WEB_AUTH=none turns sign-in off, yet SVCMAP_OIDC_ISSUER or "
            "SVCMAP_WEB_TRUSTED_PROXIES is set: empty one or the other"
        )
    if mode == "oidc" and not issuer:
        return "SVCMAP_WEB_AUTH=oidc needs SVCMAP_OIDC_ISSUER (https://slack.com for Slack)"
    if mode == "proxy" and not settings.web_trusted_proxies:
        return "SVCMAP_WEB_AUTH=proxy needs SVCMAP_WEB_TRUSTED_PROXIES (the proxy's addresses)"
    return _oidc_problem(settings) if issuer else ""


def _oidc_problem(settings: Settings) -> str:
    """What OpenID Connect sign-in lacks, or ""."""
    issuer = settings.oidc_issuer
    secret = settings.web_session_secret
    if not settings.oidc_client_id or settings.oidc_client_secret is None:
        return "OpenID Connect sign-in needs SVCMAP_OIDC_CLIENT_ID and SVCMAP_OIDC_CLIENT_SECRET"
    if secret is None or len(secret.get_secret_value()) < _SESSION_SECRET_CHARS:
        return (
            "OpenID Connect sign-in needs SVCMAP_WEB_SESSION_SECRET, the same on every "
            f"replica, of {_SESSION_SECRET_CHARS} characters or more (openssl rand -hex 32)"
        )
    if urlsplit(issuer).scheme == "http" and urlsplit(issuer).hostname not in _LOOPBACK:
        return "SVCMAP_OIDC_ISSUER must be an https:// URL"
    return _admission_problem(settings)


def _admission_problem(settings: Settings) -> str:
    """What to set to say who may sign in, or "" when it is said."""
    if settings.web_allowed_emails or settings.web_allowed_groups:
        return ""
    if settings.oidc_issuer.rstrip("/") == "https://slack.com":
        if settings.web_slack_workspace or settings.slack_allowed_groups:
            return ""
        return (
            "Sign in with Slack needs a rule of who may enter: SVCMAP_WEB_SLACK_WORKSPACE, "
            "SVCMAP_SLACK_ALLOWED_GROUPS, SVCMAP_WEB_ALLOWED_EMAILS or SVCMAP_WEB_ALLOWED_GROUPS"
        )
    return (
        "OpenID Connect sign-in needs a rule of who may enter: SVCMAP_WEB_ALLOWED_EMAILS "
        "or SVCMAP_WEB_ALLOWED_GROUPS"
    )


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


ENV_PREFIX = "SVCMAP_"
ENV_FILE = Path(".env")
"""Read from the working directory, under the environment: a variable set in both wins."""


def environment_values() -> dict[str, str]:
    """The settings `.env` and the environment give, by field name.

    Names are matched without regard to case; an empty value means the default, as in
    `.env.example`.
    """
    found: dict[str, str] = {}
    try:
        dotenv = _dotenv(ENV_FILE) if ENV_FILE.is_file() else {}
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{ENV_FILE.resolve()}: cannot read the settings: {error}") from None
    for name, value in [*dotenv.items(), *os.environ.items()]:
        if value and name.upper().startswith(ENV_PREFIX):
            found[name[len(ENV_PREFIX) :].lower()] = value
    return found


def _dotenv(path: Path) -> dict[str, str | None]:
    """The variables of a `.env` file (python-dotenv, loaded only when there is one)."""
    from dotenv import dotenv_values  # noqa: PLC0415 - most runs have no .env to read

    return dotenv_values(path, encoding="utf-8")


def load_settings(**overrides: object) -> Settings:
    """Read the settings, naming the bad one when a value cannot be used.

    `overrides` (the command line's, a test's) win over the environment.
    """
    try:
        return read(Settings, {**environment_values(), **overrides}, named=_env_name)
    except BadSettingsError as error:
        raise SettingsError(f"bad setting: {error}") from None


def _env_name(field: str) -> str:
    """The environment variable of the setting `field`."""
    return f"{ENV_PREFIX}{field.upper()}"
