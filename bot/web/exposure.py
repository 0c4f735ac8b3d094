"""Whether `svcmap serve` may listen where it is told: beyond loopback, only guarded (pure)."""

from __future__ import annotations

from bot.settings import Settings
from bot.web.hosts import is_loopback


def unguarded(settings: Settings) -> list[str]:
    """The HTTP surfaces no credential guards, each with the settings that would guard it.

    `/slack/events` (signed by Slack) and the alert webhook (refused until its credential
    is set) guard themselves; the health routes are open on purpose.
    """
    found = []
    if not settings.oidc_issuer and not settings.web_trusted_proxies:
        found.append(
            "the web view and its API (SVCMAP_OIDC_ISSUER with its client, "
            "or SVCMAP_WEB_TRUSTED_PROXIES)"
        )
    if not settings.otlp_tokens:
        found.append("/v1/traces, /v1/logs and /v1/metrics (SVCMAP_OTLP_TOKENS)")
    if not settings.metrics_tokens:
        found.append("/metrics (SVCMAP_METRICS_TOKENS)")
    return found


def exposure_problem(settings: Settings, host: str) -> str:
    """Why svcmap must not listen on `host`, or "" when it may.

    On a loopback address anything goes; beyond it every surface must be guarded, unless
    `SVCMAP_WEB_AUTH=none` says in so many words to serve the unguarded ones open.
    """
    if is_loopback(host) or settings.web_auth == "none":
        return ""
    missing = unguarded(settings)
    if not missing:
        return ""
    return (
        f"svcmap will not listen on {host or 'every address'} with no authentication on "
        + "; ".join(missing)
        + ". Set those, or SVCMAP_WEB_AUTH=none to serve them to anyone who can reach "
        "the port (README, Authentication)."
    )
