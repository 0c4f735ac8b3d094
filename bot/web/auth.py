"""Checking the credentials callers send: the alert webhook's, and bearer tokens (OTLP, metrics).

Alertmanager's `http_config` sends a bearer token or basic auth; the OpenTelemetry
Collector's `headers` and Prometheus's `authorization` send `Authorization: Bearer ...`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Sequence

from bot.settings import Settings
from bot.settings_fields import SecretStr


def configured(settings: Settings) -> bool:
    """Whether any credential is set for the alert webhook."""
    return settings.alert_token is not None or (
        bool(settings.alert_user) and settings.alert_password is not None
    )


def authorized(header: str | None, settings: Settings) -> bool:
    """Whether the `Authorization` header carries a configured credential (constant time)."""
    if not header:
        return False
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    scheme = scheme.lower()
    if scheme == "bearer" and settings.alert_token is not None:
        return _same(value, settings.alert_token.get_secret_value())
    if scheme == "basic" and settings.alert_user and settings.alert_password is not None:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, colon, password = decoded.partition(":")
        expected = settings.alert_password.get_secret_value()
        # Both compared, always, so the time taken does not say which one was wrong.
        same_user = _same(user, settings.alert_user)
        same_password = _same(password, expected)
        return bool(colon) and same_user and same_password
    return False


def bearer_matches(header: str | None, tokens: Sequence[SecretStr]) -> bool:
    """Whether `header` is `Bearer <one of tokens>`, compared in constant time with each."""
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not tokens:
        return False
    given = value.strip()
    # Every token is compared, so the time taken does not say which one came near.
    matches = [_same(given, token.get_secret_value()) for token in tokens]
    return any(matches)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
